//! 单位管理 — the unit admin's pages for its own unit: users (invite), API keys (the key
//! shown once), webhook endpoints with their delivery log and replay. The same service calls
//! and policy as `/api/v1/users`, `/api/v1/agencies/{id}/api-keys` and `/api/v1/webhooks`;
//! another unit's key or endpoint named by id is the not-found page.

use actix_web::{get, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::api::extract::run;
use crate::api::state::AppState;
use crate::domain::FieldError;
use crate::error::AppError;
use crate::policy;
use crate::service;
use crate::service::web_sessions::WebSession;
use crate::web::session::{check_csrf, SignedIn};
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

/// A form post as pairs (a field may repeat: several roles, several event types).
#[derive(Deserialize)]
#[serde(transparent)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value of `name` (empty when absent).
    pub fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or_default()
    }

    /// Every value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
    }

    /// The post's CSRF token must be the session's (403 otherwise; nothing changes).
    pub fn check_csrf(&self, s: &WebSession) -> Result<(), WebError> {
        check_csrf(&s.csrf_token, self.get("csrf"))
    }
}

/// The field errors of a form shown again, as the API reports them.
#[derive(Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    /// The messages for `field` (and its items, `field[0]`…), joined; `None` when it is fine.
    pub fn of(&self, field: &str) -> Option<String> {
        let item = format!("{field}[");
        let msgs: Vec<&str> = self
            .0
            .iter()
            .filter(|e| e.field == field || e.field.starts_with(&item))
            .map(|e| e.message.as_str())
            .collect();
        (!msgs.is_empty()).then(|| msgs.join(";"))
    }

    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }
}

/// The errors a form shows in place (a 422 answer): field errors, and a conflict on `field`.
pub fn in_place(e: AppError, conflict_field: &str) -> Result<Errors, WebError> {
    match e {
        AppError::Validation(errs) => Ok(Errors(errs)),
        AppError::Conflict(m) => Ok(Errors(vec![FieldError::new(conflict_field, m)])),
        e => Err(e.into()),
    }
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
