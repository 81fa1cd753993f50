//! The web client's 会商 pages (issue 10), in a real Chromium and over plain HTTP.
