//! 单位管理 — the unit admin's pages for its own unit: users (invite), API keys (the key
//! shown once), webhook endpoints with their delivery log and replay. The same service calls
//! and policy as `/api/v1/users`, `/api/v1/agencies/{id}/api-keys` and `/api/v1/webhooks`;
//! another unit's key or endpoint named by id is the not-found page.

use actix_web::{get, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::api::extract::run;
use crate::api::state::AppState;
use crate::policy;
use crate::service;
use crate::service::web_sessions::WebSession;
use crate::web::session::SignedIn;
use crate::web::{page, Nav, WebError};

mod keys;
mod users;
mod webhooks;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(overview)
        .service(users::list)
        .service(users::invite_form)
        .service(users::invite)
        .service(keys::list)
        .service(keys::create)
        .service(keys::revoke)
        .service(webhooks::list)
        .service(webhooks::create)
        .service(webhooks::show)
        .service(webhooks::set_active)
        .service(webhooks::delete)
        .service(webhooks::replay_one)
        .service(webhooks::replay_all);
}

/// The unit whose admin is signed in. 单位管理 is the agency admin's, for its own unit only
/// (the same rule as the API's webhook endpoints): anyone else gets the 无权操作 page.
fn unit_of(s: &WebSession) -> Result<String, WebError> {
    policy::require_webhook_manager(&s.principal)
        .map(str::to_string)
        .map_err(|_| WebError::Forbidden("单位管理只对本单位的管理员开放".into()))
}

/// The `cursor` of a paged list.
#[derive(Deserialize)]
pub struct CursorParam {
    pub cursor: Option<String>,
}

/// How many lines a page of these lists shows.
pub const PAGE_SIZE: i64 = 20;

#[derive(Template)]
#[template(path = "unit.html", config = "src/web/askama.toml")]
struct OverviewPage {
    nav: Nav,
    unit: String,
}

#[get("/unit")]
pub async fn overview(state: web::Data<AppState>, SignedIn(s): SignedIn) -> Result<HttpResponse, WebError> {
    let agency = unit_of(&s)?;
    let unit = run(&state.pool, move |conn| Ok(service::agencies::get(conn, &agency)?.name)).await?;
    page(&OverviewPage { nav: Nav::of(&s, "unit"), unit })
}
