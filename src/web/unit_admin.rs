//! 单位管理 — the unit admin's users (invite), API keys (shown once), webhooks with delivery log and replay.

use actix_web::web;

pub fn routes(_cfg: &mut web::ServiceConfig) {}
