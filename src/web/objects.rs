//! 监督对象 — search and create supervision objects; an object's page lists the records the user may see about it.

use actix_web::web;

pub fn routes(_cfg: &mut web::ServiceConfig) {}
