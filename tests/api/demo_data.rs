//! `serve --demo` / `guantong demo`: demo data that looks like a working hub (issue 10).
