//! 码上巡察 for the office: its reporting channels (open, change, close early; QR codes for
//! the poster; figures) and the queue of reports each takes (read, step, files). The public
//! side — the reporter's form, receipt and status — is not here: it lives under `/public`
//! (`crate::public`), on its own listen address if configured.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::{optional_if_match, path_id, run, Auth, JsonBody, Query};
use crate::api::page;
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::contract::BinaryFile;
use crate::domain::ids::{ChannelId, InspectedUnitId, PublicReportId};
use crate::domain::public_report::{ReportAction, ReportState};
use crate::error::{AppError, AppResult, FieldError};
use crate::policy::inspection::UNIT_NOT_FOUND;
use crate::policy::public_reports::{CHANNEL_NOT_FOUND, REPORT_NOT_FOUND};
use crate::service::public_reports::handling::{self, ChannelStats, ReportView, Step};
use crate::service::public_reports::{channels, poster, ChannelDraft, ChannelView};

fn channel_not_found() -> AppError {
    AppError::NotFound(CHANNEL_NOT_FOUND.into())
}

fn report_not_found() -> AppError {
    AppError::NotFound(REPORT_NOT_FOUND.into())
}

/// A new channel for the unit.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewChannel {
    /// The line shown on the page and the poster: the team's phone, mailbox, address.
    #[schema(schema_with = crate::contract::text_200)]
    pub contact_line: String,
    /// First day reports are taken (YYYY-MM-DD, the hub's time zone).
    #[schema(schema_with = crate::contract::date_body)]
    pub opens_on: String,
    /// Last day (at most 366 days after the first).
    #[schema(schema_with = crate::contract::date_body)]
    pub closes_on: String,
    /// A user of the office told of each new report (by mail, without its content).
    #[serde(default)]
    #[schema(schema_with = crate::contract::id_or_null)]
    pub liaison_user_id: Option<String>,
}

/// Opens a reporting channel (码上巡察) for an inspected unit of the office's round, taken by
/// the unit's team, for its open period (the round's office only; the unit must have a team).
#[utoipa::path(tag = "码上巡察", request_body = NewChannel, responses((status = 201, body = ChannelView),
    (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/inspected-units/{id}/report-channels")]
pub async fn create_report_channel(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<NewChannel>,
) -> AppResult<HttpResponse> {
    let id: InspectedUnitId = path_id(&id, || AppError::NotFound(UNIT_NOT_FOUND.into()))?;
    let b = body.0;
    let d = ChannelDraft {
        contact_line: Some(b.contact_line),
        opens_on: Some(b.opens_on),
        closes_on: Some(b.closes_on),
        liaison_user_id: Some(b.liaison_user_id),
    };
    let base = state.settings.public_reports_base().to_string();
    let v = run(&state.pool, move |conn| channels::create(conn, &p, &base, &id, &d)).await?;
    Ok(HttpResponse::Created().json(v))
}

/// The office's reporting channels, newest first (an agency that runs none gets an empty list).
#[utoipa::path(tag = "码上巡察", responses((status = 200, body = Vec<ChannelView>), (status = 403, body = Problem)),
    security(("bearer" = [])))]
#[get("/report-channels")]
pub async fn list_report_channels(state: web::Data<AppState>, Auth(p): Auth) -> AppResult<HttpResponse> {
    let base = state.settings.public_reports_base().to_string();
    let v = run(&state.pool, move |conn| channels::list(conn, &p, &base)).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// One channel (its office only; 404 to anyone else).
#[utoipa::path(tag = "码上巡察", responses((status = 200, body = ChannelView), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[get("/report-channels/{id}")]
pub async fn get_report_channel(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id: ChannelId = path_id(&id, channel_not_found)?;
    let base = state.settings.public_reports_base().to_string();
    let v = run(&state.pool, move |conn| channels::show(conn, &p, &base, &id)).await?;
    Ok(HttpResponse::Ok().insert_header(("ETag", format!("\"{}\"", v.version))).json(v))
}

/// What a change sends: only the fields it changes.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ChannelPatch {
    #[schema(schema_with = crate::contract::contact_line_or_null)]
    pub contact_line: Option<String>,
    #[schema(schema_with = crate::contract::date_or_null)]
    pub opens_on: Option<String>,
    #[schema(schema_with = crate::contract::date_or_null)]
    pub closes_on: Option<String>,
    /// Another liaison; `null` takes the liaison off; absent leaves it.
    #[serde(default, deserialize_with = "crate::wire::present")]
    #[schema(schema_with = crate::contract::id_or_null)]
    pub liaison_user_id: Option<Option<String>>,
    /// `true` closes the channel now (it cannot be reopened; open a new one).
    #[serde(default)]
    pub close: bool,
}

/// Changes a channel's contact line, period or liaison, or closes it early (the office).
#[utoipa::path(tag = "码上巡察", request_body = ChannelPatch, params(crate::contract::OptionalIfMatch),
    responses((status = 200, body = ChannelView), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[patch("/report-channels/{id}")]
pub async fn update_report_channel(
    state: web::Data<AppState>,
    req: HttpRequest,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<ChannelPatch>,
) -> AppResult<HttpResponse> {
    let id: ChannelId = path_id(&id, channel_not_found)?;
    let version = optional_if_match(&req)?;
    let b = body.0;
    let d = ChannelDraft {
        contact_line: b.contact_line,
        opens_on: b.opens_on,
        closes_on: b.closes_on,
        liaison_user_id: b.liaison_user_id,
    };
    let base = state.settings.public_reports_base().to_string();
    let v = run(&state.pool, move |conn| channels::update(conn, &p, &base, &id, version, &d, b.close)).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// The channel's QR code as SVG, for the poster (the office).
#[utoipa::path(tag = "码上巡察", responses(
    (status = 200, description = "二维码(SVG)", content((String = "image/svg+xml"))),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/report-channels/{id}/qr.svg")]
pub async fn report_channel_qr_svg(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id: ChannelId = path_id(&id, channel_not_found)?;
    let base = state.settings.public_reports_base().to_string();
    let v = run(&state.pool, move |conn| channels::show(conn, &p, &base, &id)).await?;
    Ok(HttpResponse::Ok().content_type("image/svg+xml").body(poster::svg(&v.public_url)?))
}

/// The channel's QR code as PNG (at least 600 × 600 pixels), for the poster (the office).
#[utoipa::path(tag = "码上巡察", responses(
    (status = 200, description = "二维码(PNG)", content((BinaryFile = "image/png"))),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/report-channels/{id}/qr.png")]
pub async fn report_channel_qr_png(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id: ChannelId = path_id(&id, channel_not_found)?;
    let base = state.settings.public_reports_base().to_string();
    let v = run(&state.pool, move |conn| channels::show(conn, &p, &base, &id)).await?;
    Ok(HttpResponse::Ok().content_type("image/png").body(poster::png(&v.public_url)?))
}

/// The channel's figures: received, pending, under verification, converted to clues,
/// duplicates, handled.
#[utoipa::path(tag = "码上巡察", responses((status = 200, body = ChannelStats), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[get("/report-channels/{id}/stats")]
pub async fn report_channel_stats(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id: ChannelId = path_id(&id, channel_not_found)?;
    let v = run(&state.pool, move |conn| handling::stats(conn, &p, &id)).await?;
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct QueueParams {
    /// Only reports in this state ("" or absent: all).
    #[param(schema_with = state_param)]
    pub state: Option<String>,
    #[param(schema_with = crate::contract::id_cursor_param)]
    pub cursor: Option<String>,
    #[param(schema_with = crate::contract::limit_param)]
    pub limit: Option<i64>,
}

fn state_param() -> utoipa::openapi::ObjectBuilder {
    crate::contract::choice_param(&ReportState::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>())
}

crate::page_schema!(ReportPage, ReportView);

/// The channel's queue, in the order reports came in (the office).
#[utoipa::path(tag = "码上巡察", params(QueueParams), responses((status = 200, body = ReportPage),
    (status = 400, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[get("/report-channels/{id}/reports")]
pub async fn list_public_reports(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    params: Query<QueueParams>,
) -> AppResult<HttpResponse> {
    let id: ChannelId = path_id(&id, channel_not_found)?;
    let params = params.into_inner();
    let filter = match params.state.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(ReportState::parse(s).ok_or_else(|| AppError::validation("state", "举报状态无效"))?),
    };
    let w = page::window(params.cursor.as_deref(), params.limit)?;
    let v = run(&state.pool, move |conn| handling::queue(conn, &p, &id, filter, &w)).await?;
    Ok(HttpResponse::Ok().json(ReportPage::from(v)))
}

/// One report (the channel's office).
#[utoipa::path(tag = "码上巡察", responses((status = 200, body = ReportView), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[get("/public-reports/{id}")]
pub async fn get_public_report(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id: PublicReportId = path_id(&id, report_not_found)?;
    let v = run(&state.pool, move |conn| handling::show(conn, &p, &id)).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// A step on a report.
#[derive(Debug, Deserialize, ToSchema)]
pub struct StepInput {
    pub action: ReportAction,
    /// `mark_duplicate`: the report of the same channel it repeats.
    #[serde(default)]
    #[schema(schema_with = crate::contract::id_or_null)]
    pub duplicate_of: Option<String>,
    /// `close`: why (required); `mark_duplicate`: a note.
    #[serde(default)]
    #[schema(schema_with = crate::contract::reason_or_null)]
    pub reason: Option<String>,
    /// `convert`: the clue's title (default: from the report's).
    #[serde(default)]
    #[schema(schema_with = crate::contract::record_title_or_null)]
    pub clue_title: Option<String>,
    /// `convert`: the clue's problem category (name or code).
    #[serde(default)]
    pub category: Option<String>,
}

/// Takes a step on a report: `verify` (核查), `mark_duplicate`, `convert` (into a clue of the
/// office without the reporter's identity, then transferred through the transfer workflow) or
/// `close` with a reason. A step the report's state does not allow is 409.
#[utoipa::path(tag = "码上巡察", request_body = StepInput, responses((status = 200, body = ReportView),
    (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/public-reports/{id}/steps")]
pub async fn step_public_report(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<StepInput>,
) -> AppResult<HttpResponse> {
    let id: PublicReportId = path_id(&id, report_not_found)?;
    let b = body.0;
    let duplicate_of = match b.duplicate_of.as_deref() {
        None => None,
        Some(d) => Some(
            PublicReportId::parse(d)
                .ok_or_else(|| AppError::Validation(vec![FieldError::new("duplicate_of", "编号格式无效")]))?,
        ),
    };
    let step =
        Step { action: b.action, duplicate_of, reason: b.reason, clue_title: b.clue_title, category: b.category };
    let v = run(&state.pool, move |conn| handling::act(conn, &p, &id, step)).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// A file the reporter attached (the channel's office), as an attachment of its checked type.
#[utoipa::path(tag = "码上巡察", responses(
    (status = 200, description = "举报附件", content(
        (BinaryFile = "image/jpeg"), (BinaryFile = "image/png"), (BinaryFile = "application/pdf"))),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/public-reports/{id}/files/{file_id}")]
pub async fn download_public_report_file(
    state: web::Data<AppState>,
    Auth(p): Auth,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (id, file_id) = path.into_inner();
    let id: PublicReportId = path_id(&id, report_not_found)?;
    if !crate::domain::is_id(&file_id) {
        return Err(AppError::NotFound("附件不存在".into()));
    }
    let (filename, content_type, content) =
        run(&state.pool, move |conn| handling::file(conn, &p, &id, &file_id)).await?;
    Ok(crate::api::export::file("file", &filename, &content_type, content))
}
