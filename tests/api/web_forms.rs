//! The web client's publish/edit forms and 监督对象 pages (issue 10), in a real Chromium and over plain HTTP.
