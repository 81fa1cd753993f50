//! The web client's 订阅与收件箱 pages (issue 10), in a real Chromium and over plain HTTP.
