//! An agency's webhook endpoints: create (the secret is shown once), list, change, delete,
//! the delivery log, and replaying dead letters. Agency admins only, for their own agency.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::{path_id, run, Auth, JsonBody, OptionalJsonBody, Query};
use crate::api::page::{self, PageParams};
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::domain::ids::WebhookId;
use crate::domain::webhook::{self, EndpointChange, EndpointDraft};
use crate::error::{AppError, AppResult};
use crate::policy;
use crate::service::webhooks::{self as hooks, Delivery, Endpoint};

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewEndpoint {
    /// Where to POST events (http or https).
    #[schema(schema_with = crate::contract::webhook_url)]
    pub url: String,
    /// Event types to receive, e.g. `record.created`, `transfer.created`; `*` for all.
    #[schema(schema_with = crate::contract::event_types)]
    pub event_types: Vec<String>,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub description: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedEndpoint {
    #[serde(flatten)]
    pub endpoint: Endpoint,
    /// The signing secret (`whsec_…`), shown only in this answer.
    pub secret: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EndpointPatch {
    #[schema(schema_with = crate::contract::webhook_url_or_null)]
    pub url: Option<String>,
    #[schema(schema_with = crate::contract::event_types_or_null)]
    pub event_types: Option<Vec<String>>,
    #[schema(max_length = 500)]
    pub description: Option<String>,
    /// `true` re-enables a disabled endpoint: delivery resumes where it stopped.
    pub active: Option<bool>,
}

/// The URL's target must be an address webhooks may reach (no loopback, link-local,
/// private… unless the operator allows it): 422 on `url` otherwise.
pub async fn check_target(state: &AppState, url: Option<&str>) -> AppResult<()> {
    let Some(url) = url else { return Ok(()) };
    let rules = policy::webhook_targets::TargetRules::from_settings(&state.settings)
        .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    crate::delivery::webhook_guard::check_url_target(url, &rules)
        .await
        .map_err(|reason| AppError::validation("url", reason))
}

fn not_found() -> AppError {
    AppError::NotFound("回调地址不存在".into())
}

/// The agency's webhook endpoints.
/// In the order they were added, a page at a time.
#[utoipa::path(tag = "回调", params(PageParams), responses((status = 200, body = EndpointPage), (status = 400, body = Problem),
    (status = 403, body = Problem)), security(("bearer" = [])))]
#[get("/webhooks")]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    Auth(p): Auth,
    params: Query<PageParams>,
) -> AppResult<HttpResponse> {
    let agency = policy::require_webhook_manager(&p)?.to_string();
    let w = params.window()?;
    let page = run(&state.pool, move |conn| hooks::page(conn, &agency, &w)).await?;
    Ok(HttpResponse::Ok().json(EndpointPage::from(page)))
}

crate::page_schema!(EndpointPage, Endpoint);

/// Adds a webhook endpoint for the caller's agency. It receives the events committed from now
/// on that the agency is entitled to, signed per Standard Webhooks with the returned secret.
#[utoipa::path(tag = "回调", request_body = NewEndpoint, responses(
    (status = 201, body = CreatedEndpoint), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    Auth(p): Auth,
    body: JsonBody<NewEndpoint>,
) -> AppResult<HttpResponse> {
    let agency = policy::require_webhook_manager(&p)?.to_string();
    let b = body.0;
    let draft = EndpointDraft::parse(b.url, b.event_types, b.description)?;
    check_target(&state, Some(&draft.url)).await?;
    let secret = draft.secret.clone();
    let endpoint = run(&state.pool, move |conn| hooks::create(conn, &p, &agency, &draft)).await?;
    Ok(HttpResponse::Created().json(CreatedEndpoint { endpoint, secret }))
}

/// Changes an endpoint (URL, event types, description, active).
#[utoipa::path(tag = "回调", request_body = EndpointPatch, responses(
    (status = 200, body = Endpoint), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<EndpointPatch>,
) -> AppResult<HttpResponse> {
    let agency = policy::require_webhook_manager(&p)?.to_string();
    let id: WebhookId = path_id(&id, not_found)?;
    let b = body.0;
    let change = EndpointChange::parse(b.url, b.event_types, b.description, b.active)?;
    check_target(&state, change.url.as_deref()).await?;
    let endpoint = run(&state.pool, move |conn| hooks::update(conn, &p, &agency, &id, change)).await?;
    Ok(HttpResponse::Ok().json(endpoint))
}

/// Deletes an endpoint; nothing more is sent to it.
#[utoipa::path(tag = "回调", responses((status = 204), (status = 404, body = Problem)), security(("bearer" = [])))]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let agency = policy::require_webhook_manager(&p)?.to_string();
    let id: WebhookId = path_id(&id, not_found)?;
    run(&state.pool, move |conn| hooks::delete(conn, &p, &agency, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct RotateRequest {
    /// Hours the old secret keeps signing beside the new one (0–168, default 24), so receivers
    /// can switch over without rejecting a message; 0 retires it at once (a leaked secret).
    #[schema(minimum = 0, maximum = 168)]
    #[serde(default, deserialize_with = "crate::wire::whole::opt_i64")]
    pub keep_previous_hours: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RotatedSecret {
    #[serde(flatten)]
    pub endpoint: Endpoint,
    /// The new signing secret (`whsec_…`), shown only in this answer.
    pub secret: String,
}

/// Replaces the endpoint's signing secret. During the overlap every message carries two
/// signatures (`v1,<new> v1,<old>`), so a receiver verifying with either one accepts it.
#[utoipa::path(tag = "回调", request_body = Option<RotateRequest>, responses(
    (status = 200, body = RotatedSecret), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/webhooks/{id}/rotate-secret")]
pub async fn rotate_webhook_secret(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: OptionalJsonBody<RotateRequest>,
) -> AppResult<HttpResponse> {
    let agency = policy::require_webhook_manager(&p)?.to_string();
    let id: WebhookId = path_id(&id, not_found)?;
    let hours = body.0.unwrap_or_default().keep_previous_hours.unwrap_or(24);
    if !(0..=168).contains(&hours) {
        return Err(AppError::validation("keep_previous_hours", "须在 0 到 168 小时之间"));
    }
    let until = crate::domain::format_time(chrono::Utc::now() + chrono::Duration::hours(hours));
    let secret = webhook::new_secret();
    let s = secret.clone();
    let endpoint = run(&state.pool, move |conn| hooks::rotate_secret(conn, &p, &agency, &id, &s, &until)).await?;
    Ok(HttpResponse::Ok().json(RotatedSecret { endpoint, secret }))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct DeliveryParams {
    /// `delivered`, `retrying`, `dead` (the dead-letter list) or `replay`.
    #[param(schema_with = crate::contract::delivery_status_param)]
    pub status: Option<String>,
    #[param(schema_with = crate::contract::seq_cursor_param)]
    pub cursor: Option<String>,
    #[param(schema_with = crate::contract::limit_param)]
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPage {
    pub deliveries: Vec<Delivery>,
    pub next_cursor: Option<String>,
}

/// The endpoint's delivery log, newest first: status, attempts, the receiver's answer and
/// latency. `status=dead` is the dead-letter list.
#[utoipa::path(tag = "回调", params(DeliveryParams), responses(
    (status = 200, body = DeliveryPage), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    params: Query<DeliveryParams>,
) -> AppResult<HttpResponse> {
    let agency = policy::require_webhook_manager(&p)?.to_string();
    let id: WebhookId = path_id(&id, not_found)?;
    if let Some(s) = params.status.as_deref().filter(|s| !hooks::STATUSES.contains(s)) {
        return Err(AppError::validation("status", format!("状态“{s}”无效,可选:{}", hooks::STATUSES.join("、"))));
    }
    let (before, limit) = (page::decode(params.cursor.as_deref())?, page::limit(params.limit)?);
    let status = params.status.clone();
    let rows =
        run(&state.pool, move |conn| hooks::deliveries(conn, &agency, &id, status.as_deref(), before, limit)).await?;
    let next_cursor = page::next(rows.len(), limit, rows.last().map(|d| d.seq));
    Ok(HttpResponse::Ok().json(DeliveryPage { deliveries: rows, next_cursor }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ReplayRequest {
    /// Dead letters to send again; all of the endpoint's when absent.
    #[schema(schema_with = crate::contract::ids_or_null)]
    pub delivery_ids: Option<Vec<String>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReplayQueued {
    pub queued: usize,
}

/// Sends dead letters of the endpoint again (all, or those named). Each goes as it would
/// now: if the agency may no longer see the event, it is not sent.
#[utoipa::path(tag = "回调", request_body = Option<ReplayRequest>, responses(
    (status = 202, body = ReplayQueued), (status = 404, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/webhooks/{id}/replay")]
pub async fn replay_webhook(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: OptionalJsonBody<ReplayRequest>,
) -> AppResult<HttpResponse> {
    let agency = policy::require_webhook_manager(&p)?.to_string();
    let id: WebhookId = path_id(&id, not_found)?;
    let ids = body.0.and_then(|b| b.delivery_ids);
    if let Some(ids) = &ids {
        if let Some(i) = ids.iter().position(|d| !crate::domain::is_id(d)) {
            return Err(AppError::validation(&format!("delivery_ids[{i}]"), "编号格式无效"));
        }
    }
    let queued = run(&state.pool, move |conn| hooks::replay(conn, &p, &agency, &id, ids.as_deref())).await?;
    Ok(HttpResponse::Accepted().json(ReplayQueued { queued }))
}
