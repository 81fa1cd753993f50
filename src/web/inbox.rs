//! 订阅与收件箱 — subscriptions and the inbox with acknowledge.

use actix_web::web;

pub fn routes(_cfg: &mut web::ServiceConfig) {}
