//! 修改密码 and 个人设置 (mail preferences).

use actix_web::web;

pub fn routes(_cfg: &mut web::ServiceConfig) {}
