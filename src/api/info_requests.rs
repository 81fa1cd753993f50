//! Information requests (函询): pre-inspection requests (巡前函询) of the inspection office for a
//! round and integrity opinions (党风廉政意见回复) the organisation department asks of the
//! discipline commission. Seen by the asker and the targets only (404 to anyone else); a
//! target sees its own answers only.

use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::{path_id, run, Auth, JsonBody, OptionalJsonBody, Query};
use crate::api::page;
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::api::transfers::Empty;
use crate::domain::ids::InfoRequestId;
use crate::domain::inspection::requests::{AnswerDraft, Finding, RequestDraft, RequestKind};
use crate::error::{AppError, AppResult};
use crate::policy::info_requests::{Direction, REQUEST_NOT_FOUND};
use crate::service::info_requests::ledger::{self, InfoRequestItem, InfoRequestStats, ListFilter};
use crate::service::info_requests::remind::{self, RemindResult};
use crate::service::info_requests::{self as service, answers, create, InfoRequestView};
use crate::service::ledger_export::ExportFormat;

fn not_found() -> AppError {
    AppError::NotFound(REQUEST_NOT_FOUND.into())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewInfoRequest {
    pub kind: RequestKind,
    /// e.g. 关于提供七届市委第十三轮巡察被巡察单位有关情况的函
    #[schema(schema_with = crate::contract::request_title)]
    pub title: String,
    /// What is asked (may be empty).
    #[serde(default)]
    #[schema(schema_with = crate::contract::request_note)]
    pub note: String,
    /// YYYY-MM-DD, not before today (hub time zone).
    #[schema(schema_with = crate::contract::date_body)]
    pub deadline: String,
    /// The round (pre-inspection requests only): one the caller's inspection office runs.
    #[serde(default)]
    #[schema(schema_with = crate::contract::id_or_null)]
    pub round_id: Option<String>,
    /// The member units asked (integrity opinions: discipline commissions).
    #[schema(schema_with = crate::contract::request_targets)]
    pub target_agency_ids: Vec<String>,
    /// The supervision objects asked about: for a pre-inspection request the round's inspected
    /// units and persons (no unit listed: every inspected unit of the round, then the persons
    /// listed); for an integrity opinion the cadres (persons).
    #[serde(default)]
    #[schema(schema_with = crate::contract::request_subjects)]
    pub subject_object_ids: Vec<String>,
}

/// Sends a request (an inspection office for its round; an organisation department to the
/// discipline commission). Each target is notified (event and mail).
#[utoipa::path(tag = "函询", request_body = NewInfoRequest, responses((status = 201, body = InfoRequestView),
    (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/info-requests")]
pub async fn create_info_request(
    state: web::Data<AppState>,
    Auth(p): Auth,
    body: JsonBody<NewInfoRequest>,
) -> AppResult<HttpResponse> {
    let b = body.0;
    let today = crate::domain::clock::today();
    let draft = RequestDraft::parse(
        b.kind,
        &b.title,
        &b.note,
        &b.deadline,
        b.round_id.as_deref(),
        &b.target_agency_ids,
        &b.subject_object_ids,
        &today,
    )
    .map_err(AppError::Validation)?;
    let v = run(&state.pool, move |conn| create::create(conn, &p, &draft)).await?;
    Ok(HttpResponse::Created().json(v))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListParams {
    /// `sent` (by the caller's agency), `received` (by it), or both (default).
    #[param(schema_with = crate::contract::request_direction_param)]
    pub direction: Option<String>,
    #[param(schema_with = crate::contract::request_kind_param)]
    pub kind: Option<String>,
    #[param(schema_with = crate::contract::id_or_empty_param)]
    pub round_id: Option<String>,
    #[param(schema_with = crate::contract::id_cursor_param)]
    pub cursor: Option<String>,
    #[param(schema_with = crate::contract::limit_param)]
    pub limit: Option<i64>,
}

fn direction(v: Option<&str>) -> AppResult<Direction> {
    match v.unwrap_or("") {
        "" | "both" => Ok(Direction::Both),
        "sent" => Ok(Direction::Sent),
        "received" => Ok(Direction::Received),
        other => Err(AppError::validation("direction", format!("方向“{other}”无效,可选:sent / received / both"))),
    }
}

fn kind(v: Option<&str>) -> AppResult<Option<RequestKind>> {
    match v.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => RequestKind::parse(s)
            .map(Some)
            .ok_or_else(|| AppError::validation("kind", format!("类别“{s}”无效,可选:{}", RequestKind::expected()))),
    }
}

crate::page_schema!(InfoRequestPage, InfoRequestItem);

/// The requests the caller's agency sent or received, newest first; `kind` and `round_id`
/// filter.
#[utoipa::path(tag = "函询", params(ListParams), responses((status = 200, body = InfoRequestPage),
    (status = 400, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/info-requests")]
pub async fn list_info_requests(
    state: web::Data<AppState>,
    Auth(p): Auth,
    params: Query<ListParams>,
) -> AppResult<HttpResponse> {
    let params = params.into_inner();
    let w = page::window(params.cursor.as_deref(), params.limit)?;
    let round_id = match params.round_id.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(r) if crate::domain::is_id(r) => Some(r.to_string()),
        Some(_) => return Err(AppError::validation("round_id", "编号格式无效")),
    };
    let f = ListFilter {
        direction: direction(params.direction.as_deref())?,
        kind: kind(params.kind.as_deref())?,
        round_id,
    };
    let page = run(&state.pool, move |conn| ledger::page(conn, &p, &w, &f)).await?;
    Ok(HttpResponse::Ok().json(InfoRequestPage::from(page)))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct StatsParams {
    /// `sent`, `received`, or both (default).
    #[param(schema_with = crate::contract::request_direction_param)]
    pub direction: Option<String>,
    #[param(schema_with = crate::contract::request_kind_param)]
    pub kind: Option<String>,
}

/// Counts over the caller's own requests (sent or received): requests, rounds covered,
/// organisations and persons asked about, and the targets' status (a received request counts
/// the caller's own row only).
#[utoipa::path(tag = "函询", params(StatsParams), responses((status = 200, body = InfoRequestStats),
    (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/info-requests/stats")]
pub async fn info_request_stats(
    state: web::Data<AppState>,
    Auth(p): Auth,
    params: Query<StatsParams>,
) -> AppResult<HttpResponse> {
    let (d, k) = (direction(params.direction.as_deref())?, kind(params.kind.as_deref())?);
    let v = run(&state.pool, move |conn| ledger::stats(conn, &p, d, k)).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// One request: the asker sees every target and answer; a target its own row and answers.
#[utoipa::path(tag = "函询", responses((status = 200, body = InfoRequestView), (status = 403, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/info-requests/{id}")]
pub async fn get_info_request(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id: InfoRequestId = path_id(&id, not_found)?;
    let v = run(&state.pool, move |conn| service::show(conn, &p, &id)).await?;
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AnswerInput {
    /// One of the request's subjects.
    #[schema(schema_with = crate::contract::id_body)]
    pub subject_object_id: String,
    /// Pre-inspection: `none_held` or `records`; integrity: `no_problem`,
    /// `under_verification` or `sanctioned`.
    pub finding: Finding,
    #[serde(default)]
    #[schema(schema_with = crate::contract::answer_note)]
    pub note: String,
    /// Records the asker may read as distributed (and the answering unit too): at least one
    /// for `records` and `sanctioned`, optional for `under_verification`, none otherwise.
    #[serde(default)]
    #[schema(schema_with = crate::contract::answer_records)]
    pub record_ids: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AnswersRequest {
    #[schema(min_items = 1, max_items = 1000)]
    pub answers: Vec<AnswerInput>,
}

/// Answers the request (a target, while it is open): one answer per subject; a second answer
/// for the same subject replaces the first.
#[utoipa::path(tag = "函询", request_body = AnswersRequest, responses((status = 200, body = InfoRequestView),
    (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/info-requests/{id}/answers")]
pub async fn answer_info_request(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<AnswersRequest>,
) -> AppResult<HttpResponse> {
    let id: InfoRequestId = path_id(&id, not_found)?;
    let drafts: Vec<AnswerDraft> = body
        .0
        .answers
        .into_iter()
        .map(|a| AnswerDraft {
            subject_object_id: a.subject_object_id,
            finding: a.finding,
            note: a.note,
            record_ids: a.record_ids,
        })
        .collect();
    let v = run(&state.pool, move |conn| answers::answer(conn, &p, &id, &drafts)).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// Reminds (催办) every target that has not answered every subject (the asker, while open):
/// an event and a mail to each.
#[utoipa::path(tag = "函询", request_body = Option<Empty>, responses((status = 200, body = RemindResult),
    (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/info-requests/{id}/remind")]
pub async fn remind_info_request(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    _body: OptionalJsonBody<Empty>,
) -> AppResult<HttpResponse> {
    let id: InfoRequestId = path_id(&id, not_found)?;
    let v = run(&state.pool, move |conn| remind::remind(conn, &p, &id)).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// Closes the request (the asker): no more answers or reminders.
#[utoipa::path(tag = "函询", request_body = Option<Empty>, responses((status = 200, body = InfoRequestView),
    (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/info-requests/{id}/close")]
pub async fn close_info_request(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    _body: OptionalJsonBody<Empty>,
) -> AppResult<HttpResponse> {
    let id: InfoRequestId = path_id(&id, not_found)?;
    let v = run(&state.pool, move |conn| remind::close(conn, &p, &id)).await?;
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ExportParams {
    #[param(schema_with = crate::contract::export_format_param)]
    pub format: Option<String>,
}

/// The answer ledger (函询答复台账) of one request with Chinese headers: a line per target and
/// subject the caller sees. `format=csv` (UTF-8 with BOM) or `format=xlsx`.
#[utoipa::path(tag = "函询", params(ExportParams), responses(
    (status = 200, description = "台账文件(format=csv:UTF-8 带 BOM 的 CSV;format=xlsx:Excel 工作簿)", content(
        (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/info-requests/{id}/export")]
pub async fn export_info_request(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    params: Query<ExportParams>,
) -> AppResult<HttpResponse> {
    let id: InfoRequestId = path_id(&id, not_found)?;
    let format = ExportFormat::parse_param(params.format.as_deref())?;
    let bytes = run(&state.pool, move |conn| ledger::export(conn, &p, &id, format)).await?;
    Ok(crate::api::export::attachment(format, "函询答复台账", bytes))
}
