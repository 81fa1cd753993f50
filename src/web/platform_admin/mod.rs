//! 平台管理 — member units, sharing groups, agreements and the audit log: the hub admin's
//! pages. The hub admin administers and reads no content (rule 1): these pages show units,
//! groups, agreements and audit entries as the API gives them to the admin, nothing of a
//! record. Every page and post asks the same policy as the API (`policy::require_admin`);
//! anyone else gets the refusal page and nothing changes.

use actix_web::http::StatusCode;
use actix_web::{get, web, HttpResponse};
use askama::Template;

use crate::domain::FieldError;
use crate::policy;
use crate::service::web_sessions::WebSession;
use crate::web::form::Errors;
use crate::web::session::SignedIn;
use crate::web::{page, Nav, WebError};

mod agreements;
mod audit;
mod audit_words;
mod groups;
mod unit;
mod units;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(overview);
    units::routes(cfg);
    groups::routes(cfg);
    agreements::routes(cfg);
    audit::routes(cfg);
}

/// The nav of a 平台管理 page, for the hub admin only (the API's rule); anyone else is
/// refused (403 page).
fn admin_nav(s: &WebSession) -> Result<Nav, WebError> {
    policy::require_admin(&s.principal)?;
    Ok(Nav::of(s, "admin"))
}

/// Field errors found while reading a form (before any service call).
pub fn invalid(fields: Vec<FieldError>) -> (StatusCode, Errors) {
    (StatusCode::UNPROCESSABLE_ENTITY, Errors::from(fields))
}

/// A query string's `done=…` as the sentence the page confirms it with.
pub fn done_notice(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "created" => "成员单位已创建。下一步:邀请该单位的第一位单位管理员。",
        "saved" => "修改已保存。",
        "deactivated" => "该单位已停用:其用户不能再登录,API 密钥失效,也不再接收共享信息。",
        "activated" => "该单位已重新启用。",
        "invited" => "邀请已发出:激活链接已发送至被邀请人的电子邮箱,由本人设置密码。",
        "group" => "共享组已创建。",
        "joined" => "该单位已加入共享组,组内信息即时对其共享。",
        "left" => "该单位已移出共享组,其对组内信息的访问即时撤销。",
        "agreement" => "协作意见已创建,即日起按其限定信息的流向。",
        _ => return None,
    })
}

#[derive(Template)]
#[template(path = "admin.html", config = "src/web/askama.toml")]
struct OverviewPage {
    nav: Nav,
}

/// 平台管理: the four sections.
#[get("/admin")]
async fn overview(SignedIn(s): SignedIn) -> Result<HttpResponse, WebError> {
    page(&OverviewPage { nav: admin_nav(&s)? })
}
