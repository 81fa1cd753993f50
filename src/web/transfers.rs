//! 线索移交 — transfer a clue, 移交台账 with filters and every step, export, similar clues.

use actix_web::web;

pub fn routes(_cfg: &mut web::ServiceConfig) {}
