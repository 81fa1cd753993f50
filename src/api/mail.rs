//! The caller's mail preferences: per mail type, immediately, in the daily digest, or never.

use std::collections::BTreeMap;

use actix_web::{get, put, web, HttpResponse};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::api::extract::{run, Auth, JsonBody};
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::domain::mail::{self, MailMode};
use crate::error::{AppError, AppResult};
use crate::policy;
use crate::service::{mail as mails, users};

#[derive(Debug, Serialize, ToSchema)]
pub struct MailPreferences {
    /// Every mail type with its mode: `transfer.created` (a clue transferred to your agency),
    /// `transfer.returned`, `transfer.concluded` (your agency's transfers), `transfer.deadline_soon`,
    /// `transfer.overdue`, `subscription.matched` (subscription matches), `webhook.disabled`
    /// (agency admins).
    pub preferences: BTreeMap<String, MailMode>,
    /// Where mail goes; without an address the user gets none.
    pub email: Option<String>,
}

async fn answer(state: &AppState, user_id: String, prefs: BTreeMap<String, MailMode>) -> AppResult<HttpResponse> {
    let email = run(&state.pool, move |conn| Ok(users::by_id(conn, &user_id)?.and_then(|u| u.email))).await?;
    Ok(HttpResponse::Ok().json(MailPreferences { preferences: prefs, email }))
}

/// The caller's mail preferences.
#[utoipa::path(tag = "邮件", responses((status = 200, body = MailPreferences), (status = 403, body = Problem)), security(("bearer" = [])))]
#[get("/me/mail-preferences")]
pub async fn get_mail_preferences(state: web::Data<AppState>, Auth(p): Auth) -> AppResult<HttpResponse> {
    let user_id = policy::require_user(&p)?.to_string();
    let u = user_id.clone();
    let prefs = run(&state.pool, move |conn| Ok(mails::preferences(conn, &u)?)).await?;
    answer(&state, user_id, prefs).await
}

/// Changes the caller's mail preferences: a map of mail type → `immediate` | `digest` |
/// `never`; types left out keep their mode. An unknown type or mode is 422 and changes
/// nothing. Audited.
#[utoipa::path(tag = "邮件", request_body(content = crate::contract::MailPreferenceChanges, description = "邮件类型 → 发送方式"),
    responses((status = 200, body = MailPreferences), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[put("/me/mail-preferences")]
pub async fn put_mail_preferences(
    state: web::Data<AppState>,
    Auth(p): Auth,
    body: JsonBody<BTreeMap<String, Value>>,
) -> AppResult<HttpResponse> {
    let user_id = policy::require_user(&p)?.to_string();
    let changes = mail::parse_preferences(&body.0).map_err(AppError::Validation)?;
    let u = user_id.clone();
    let prefs = run(&state.pool, move |conn| mails::set_preferences(conn, &p, &u, &changes)).await?;
    answer(&state, user_id, prefs).await
}
