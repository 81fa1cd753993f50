//! The web client's 线索移交 and 移交台账 pages (issue 10), in a real Chromium and over plain HTTP.
