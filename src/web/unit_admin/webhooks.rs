//! 推送地址 (webhooks): the unit's endpoints, adding one (the signing secret shown once),
//! one endpoint's delivery log with replay of failed deliveries, stopping, resuming and
//! deleting it. The same calls as `/api/v1/webhooks…`; another unit's endpoint is not found.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{unit_of, CursorParam, PAGE_SIZE};
use crate::api::extract::run;
use crate::api::page::{self, window};
use crate::api::state::AppState;
use crate::api::webhooks::check_target;
use crate::domain::event::EventType;
use crate::domain::ids::WebhookId;
use crate::service::web_sessions::WebSession;
use crate::service::webhooks::{self as hooks, Delivery, Endpoint, EndpointChange, EndpointDraft};
use crate::web::form::{in_place, Errors, Fields};
use crate::web::session::SignedIn;
use crate::web::{chinese_date, page, page_with, see_other, Nav, WebError};

/// Event types as people read them (`*`: all).
fn types_text(types: &[String]) -> String {
    let label = |t: &String| match t.as_str() {
        "*" => "全部事件".to_string(),
        t => EventType::parse(t).map(|e| e.label().to_string()).unwrap_or_else(|| t.to_string()),
    };
    types.iter().map(label).collect::<Vec<_>>().join("、")
}

pub struct EndpointLine {
    pub id: String,
    pub url: String,
    pub types: String,
    pub description: String,
    pub active: bool,
    pub disabled_reason: Option<String>,
    pub failed_attempts: i32,
    pub last_success: String,
    pub created: String,
}

fn line(e: Endpoint) -> EndpointLine {
    EndpointLine {
        types: types_text(&e.event_types),
        last_success: e.last_success_at.as_deref().map(chinese_date).unwrap_or_else(|| "尚无".into()),
        created: chinese_date(&e.created_at),
        id: e.id,
        url: e.url,
        description: e.description,
        active: e.active,
        disabled_reason: e.disabled_reason,
        failed_attempts: e.failed_attempts,
    }
}

/// An event type the form offers, and whether it is ticked.
pub struct TypeChoice {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

fn type_choices(chosen: &[String]) -> Vec<TypeChoice> {
    std::iter::once(("*", "全部事件"))
        .chain(EventType::ALL.iter().map(|t| (t.as_str(), t.label())))
        .map(|(value, label)| TypeChoice { value, label, checked: chosen.iter().any(|c| c == value) })
        .collect()
}

#[derive(Template)]
#[template(path = "unit_webhooks.html", config = "src/web/askama.toml")]
struct WebhooksPage {
    nav: Nav,
    items: Vec<EndpointLine>,
    next: Option<String>,
    url: String,
    description: String,
    types: Vec<TypeChoice>,
    errors: Errors,
}

struct Shown {
    url: String,
    description: String,
    chosen: Vec<String>,
    errors: Errors,
}

async fn webhooks_page(
    state: &AppState,
    s: &WebSession,
    cursor: Option<&str>,
    status: StatusCode,
    f: Shown,
) -> Result<HttpResponse, WebError> {
    let agency = unit_of(s)?;
    let w = window(cursor, Some(PAGE_SIZE))?;
    let p = run(&state.pool, move |conn| hooks::page(conn, &agency, &w)).await?;
    let next = p.next_cursor.map(|c| format!("/unit/webhooks?cursor={c}"));
    page_with(
        status,
        &WebhooksPage {
            nav: Nav::of(s, "unit"),
            items: p.items.into_iter().map(line).collect(),
            next,
            url: f.url,
            description: f.description,
            types: type_choices(&f.chosen),
            errors: f.errors,
        },
    )
}

#[get("/unit/webhooks")]
pub async fn list(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    q: web::Query<CursorParam>,
) -> Result<HttpResponse, WebError> {
    let empty = Shown { url: String::new(), description: String::new(), chosen: vec![], errors: Errors::default() };
    webhooks_page(&state, &s, q.cursor.as_deref(), StatusCode::OK, empty).await
}

#[derive(Template)]
#[template(path = "unit_webhook_created.html", config = "src/web/askama.toml")]
struct CreatedPage {
    nav: Nav,
    e: EndpointLine,
    secret: String,
}

#[post("/unit/webhooks")]
pub async fn create(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    f: web::Form<Fields>,
) -> Result<HttpResponse, WebError> {
    f.check_csrf(&s)?;
    let agency = unit_of(&s)?;
    let (url, description) = (f.get("url").trim().to_string(), f.get("description").trim().to_string());
    let chosen = f.all("event_types");
    let again = |errors| Shown { url: url.clone(), description: description.clone(), chosen: chosen.clone(), errors };
    let draft = match EndpointDraft::parse(url.clone(), chosen.clone(), description.clone()) {
        Ok(d) => d,
        Err(errs) => {
            return webhooks_page(&state, &s, None, StatusCode::UNPROCESSABLE_ENTITY, again(Errors::from(errs))).await;
        }
    };
    if let Err(e) = check_target(&state, Some(&draft.url)).await {
        return webhooks_page(&state, &s, None, StatusCode::UNPROCESSABLE_ENTITY, again(in_place(e, Some("url"))?.1))
            .await;
    }
    let secret = draft.secret.clone();
    let p = s.principal.clone();
    let endpoint = run(&state.pool, move |conn| hooks::create(conn, &p, &agency, &draft)).await?;
    page(&CreatedPage { nav: Nav::of(&s, "unit"), e: line(endpoint), secret })
}

/// A line of the delivery log.
pub struct DeliveryLine {
    pub id: String,
    pub seq: i64,
    pub event: String,
    pub status: &'static str,
    pub dead: bool,
    pub attempts: i32,
    pub answer: String,
    pub error: String,
    pub at: String,
}

/// The delivery states in plain Chinese.
fn status_label(s: &str) -> &'static str {
    match s {
        "delivered" => "已送达",
        "retrying" => "失败,等待重试",
        "dead" => "投递失败(已停止重试)",
        "replay" => "等待重新投递",
        _ => "未知",
    }
}

fn delivery_line(d: Delivery) -> DeliveryLine {
    let answer = match (d.response_status, d.latency_ms) {
        (Some(s), Some(ms)) => format!("HTTP {s},用时 {ms} 毫秒"),
        (Some(s), None) => format!("HTTP {s}"),
        _ => "无应答".into(),
    };
    DeliveryLine {
        event: types_text(std::slice::from_ref(&d.event_type)),
        status: status_label(&d.status),
        dead: d.status == "dead",
        answer,
        error: d.error.unwrap_or_default().chars().take(200).collect(),
        at: chinese_date(&d.updated_at),
        id: d.id,
        seq: d.seq,
        attempts: d.attempts,
    }
}

#[derive(Template)]
#[template(path = "unit_webhook.html", config = "src/web/askama.toml")]
struct EndpointPage {
    nav: Nav,
    e: EndpointLine,
    deliveries: Vec<DeliveryLine>,
    next: Option<String>,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct LogParams {
    cursor: Option<String>,
    queued: Option<usize>,
}

fn endpoint_id(id: &str) -> Result<WebhookId, WebError> {
    WebhookId::parse(id).ok_or(WebError::NotFound)
}

#[get("/unit/webhooks/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    id: web::Path<String>,
    q: web::Query<LogParams>,
) -> Result<HttpResponse, WebError> {
    let agency = unit_of(&s)?;
    let id = endpoint_id(&id)?;
    let (before, limit) = (page::decode(q.cursor.as_deref())?, PAGE_SIZE);
    let (e, rows) = run(&state.pool, move |conn| {
        let e = hooks::get(conn, &agency, &id)?;
        let rows = hooks::deliveries(conn, &agency, &id, None, before, limit)?;
        Ok((e, rows))
    })
    .await?;
    let next = page::next(rows.len(), limit, rows.last().map(|d| d.seq))
        .map(|c| format!("/unit/webhooks/{}?cursor={c}", e.id));
    let notice = q.queued.map(|n| match n {
        0 => "没有需要重新投递的记录。".to_string(),
        n => format!("已安排重新投递 {n} 条,稍后刷新本页查看结果。"),
    });
    page(&EndpointPage {
        nav: Nav::of(&s, "unit"),
        e: line(Endpoint::from(e)),
        deliveries: rows.into_iter().map(delivery_line).collect(),
        next,
        notice,
    })
}

/// Stops (`active=false`) or resumes (`active=true`) delivery to the endpoint.
#[post("/unit/webhooks/{id}/{action:(disable|enable)}")]
pub async fn set_active(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    path: web::Path<(String, String)>,
    f: web::Form<Fields>,
) -> Result<HttpResponse, WebError> {
    f.check_csrf(&s)?;
    let agency = unit_of(&s)?;
    let (id, action) = path.into_inner();
    let id = endpoint_id(&id)?;
    let change = EndpointChange { active: Some(action == "enable"), ..EndpointChange::default() };
    let p = s.principal.clone();
    let e = run(&state.pool, move |conn| hooks::update(conn, &p, &agency, &id, change)).await?;
    Ok(see_other(&format!("/unit/webhooks/{}", e.id)))
}

#[post("/unit/webhooks/{id}/delete")]
pub async fn delete(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    id: web::Path<String>,
    f: web::Form<Fields>,
) -> Result<HttpResponse, WebError> {
    f.check_csrf(&s)?;
    let agency = unit_of(&s)?;
    let id = endpoint_id(&id)?;
    let p = s.principal.clone();
    run(&state.pool, move |conn| hooks::delete(conn, &p, &agency, &id)).await?;
    Ok(see_other("/unit/webhooks"))
}

async fn replay(state: &AppState, s: &WebSession, id: &str, one: Option<String>) -> Result<HttpResponse, WebError> {
    let agency = unit_of(s)?;
    let id = endpoint_id(id)?;
    if one.as_deref().is_some_and(|d| !crate::domain::is_id(d)) {
        return Err(WebError::NotFound);
    }
    let (p, shown) = (s.principal.clone(), id.to_string());
    let ids = one.map(|d| vec![d]);
    let n = run(&state.pool, move |conn| hooks::replay(conn, &p, &agency, &id, ids.as_deref())).await?;
    Ok(see_other(&format!("/unit/webhooks/{shown}?queued={n}")))
}

/// Sends one failed delivery again.
#[post("/unit/webhooks/{id}/deliveries/{delivery}/replay")]
pub async fn replay_one(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    path: web::Path<(String, String)>,
    f: web::Form<Fields>,
) -> Result<HttpResponse, WebError> {
    f.check_csrf(&s)?;
    let (id, delivery) = path.into_inner();
    replay(&state, &s, &id, Some(delivery)).await
}

/// Sends every failed delivery of the endpoint again.
#[post("/unit/webhooks/{id}/replay")]
pub async fn replay_all(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    id: web::Path<String>,
    f: web::Form<Fields>,
) -> Result<HttpResponse, WebError> {
    f.check_csrf(&s)?;
    replay(&state, &s, &id, None).await
}
