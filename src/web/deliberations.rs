//! 会商 — convene, minutes, conclusion, 交办 assignments, 督办 urging, completion.

use actix_web::web;

pub fn routes(_cfg: &mut web::ServiceConfig) {}
