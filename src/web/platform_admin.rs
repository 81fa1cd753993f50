//! 平台管理 — units, groups, agreements and the audit log (no content).

use actix_web::web;

pub fn routes(_cfg: &mut web::ServiceConfig) {}
