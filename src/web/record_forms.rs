//! 信息库 — publish and edit forms (发布、修改、撤回) with the distribution picker.

use actix_web::web;

pub fn routes(_cfg: &mut web::ServiceConfig) {}
