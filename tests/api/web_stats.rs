//! The web client's 统计 pages (issue 10), in a real Chromium and over plain HTTP.
