//! 统计 — statistics with server-drawn SVG charts and the table under each.

use actix_web::web;

pub fn routes(_cfg: &mut web::ServiceConfig) {}
