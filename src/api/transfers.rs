//! Clue transfer and handling (线索移交与办理), the clue ledger and its export.

use actix_web::{get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::{path_id, run, Auth, JsonBody, OptionalJsonBody, Query};
use crate::api::page;
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::domain::ids::{RecordId, TransferId};
use crate::domain::is_id;
use crate::domain::transfer::{Command, NewTransfer, Outcome, Sanctions, TransferState};
use crate::error::{AppError, AppResult, FieldError};
use crate::policy::{self, Principal};
use crate::service::transfers::{Direction, ExportFormat, LedgerQuery, TransferView};
use crate::service::{self};

fn transfer_not_found() -> AppError {
    AppError::NotFound("移交记录不存在或无权查看".into())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TransferRequest {
    #[schema(schema_with = crate::contract::id_body)]
    pub to_agency_id: String,
    /// 处置建议, e.g. 建议由市纪委监委谈话函询
    #[schema(schema_with = crate::contract::text_5000)]
    pub suggestion: String,
    /// 办理期限, YYYY-MM-DD
    #[schema(schema_with = crate::contract::date_body)]
    pub deadline: String,
    /// 巡察轮次, e.g. 七届市委第八轮巡察
    #[schema(schema_with = crate::contract::text_100_or_null)]
    pub round: Option<String>,
}

/// Transfers a clue to an agency (one call per receiving agency). The receiver gains full
/// access to the clue and finds it in its inbox and ledger; a second live transfer to the
/// same agency is 409; possible duplicate handling is flagged to every agency involved.
#[utoipa::path(tag = "线索移交", params(crate::contract::AccessPurpose), request_body = TransferRequest, responses(
    (status = 201, body = TransferView), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/records/{id}/transfers")]
pub async fn create_transfer(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<TransferRequest>,
) -> AppResult<HttpResponse> {
    policy::require_content_writer(&p)?;
    let record_id: RecordId = path_id(&id, AppError::record_not_found)?;
    let b = body.0;
    let purpose = crate::api::extract::access_purpose(&req)?;
    let n =
        NewTransfer { to_agency_id: b.to_agency_id, suggestion: b.suggestion, deadline: b.deadline, round: b.round };
    let view =
        run(&state.pool, move |conn| service::transfers::send(conn, &p, &record_id, n, purpose.as_deref())).await?;
    Ok(HttpResponse::Created().json(view))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct LedgerParams {
    /// `in` (received), `out` (sent) or absent for both.
    #[param(schema_with = crate::contract::direction_param)]
    pub direction: Option<String>,
    #[param(schema_with = crate::contract::transfer_state_param)]
    pub state: Option<String>,
    /// `true`: only overdue (past the deadline, not concluded); `false`: none of them.
    pub overdue: Option<bool>,
    /// 巡察轮次
    pub round: Option<String>,
    pub category: Option<String>,
    #[param(schema_with = crate::contract::id_param)]
    pub object_id: Option<String>,
    /// Transferred on or after (YYYY-MM-DD).
    #[param(schema_with = crate::contract::date_param)]
    pub from: Option<String>,
    /// Transferred on or before (YYYY-MM-DD).
    #[param(schema_with = crate::contract::date_param)]
    pub to: Option<String>,
    #[param(schema_with = crate::contract::id_cursor_param)]
    pub cursor: Option<String>,
    #[param(schema_with = crate::contract::limit_param)]
    pub limit: Option<i64>,
    /// Export only: `csv` (default) or `xlsx`.
    #[param(schema_with = crate::contract::export_format_param)]
    pub format: Option<String>,
}

pub(super) fn parse_date(field: &str, v: &Option<String>, errs: &mut Vec<FieldError>) -> Option<String> {
    let d = v.as_deref().filter(|d| !d.is_empty())?;
    if crate::domain::clock::parse_date(d).is_none() {
        errs.push(FieldError::new(field, "日期格式须为 YYYY-MM-DD(如 2027-01-05)"));
        return None;
    }
    Some(d.to_string())
}

pub fn parse_direction(v: Option<&str>, errs: &mut Vec<FieldError>) -> Direction {
    match v {
        None | Some("") | Some("both") => Direction::Both,
        Some("in") => Direction::In,
        Some("out") => Direction::Out,
        Some(_) => {
            errs.push(FieldError::new("direction", "direction 须为 in、out 或 both"));
            Direction::Both
        }
    }
}

pub fn ledger_query(p: &LedgerParams, limit: i64) -> AppResult<LedgerQuery> {
    let mut errs = Vec::new();
    let direction = parse_direction(p.direction.as_deref(), &mut errs);
    let state = match p.state.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => TransferState::parse(s).or_else(|| {
            errs.push(FieldError::new("state", format!("状态无效,可选:{}", TransferState::expected())));
            None
        }),
    };
    if p.object_id.as_ref().is_some_and(|o| !is_id(o)) {
        errs.push(FieldError::new("object_id", "编号格式无效"));
    }
    let from = parse_date("from", &p.from, &mut errs);
    let to = parse_date("to", &p.to, &mut errs);
    // The list shares the export's parameters; a format neither knows is refused by both.
    if p.format.as_deref().is_some_and(|f| f != "csv" && f != "xlsx") {
        errs.push(FieldError::new("format", "format 须为 csv 或 xlsx"));
    }
    let before_id = match p.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(page::decode_id(c)?),
    };
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    Ok(LedgerQuery {
        direction,
        state,
        overdue: p.overdue,
        round: p.round.clone().filter(|r| !r.is_empty()),
        category: p.category.clone().filter(|c| !c.is_empty()),
        object_id: p.object_id.clone(),
        from,
        to,
        due_by: None,
        before_id,
        limit,
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TransferPage {
    pub items: Vec<TransferView>,
    pub next_cursor: Option<String>,
}

/// The agency's clue ledger (问题线索管理台账): transfers it sent or received, newest first,
/// filtered by state, overdue, round, category, object and period.
#[utoipa::path(tag = "线索移交", params(LedgerParams, crate::contract::AccessPurpose), responses((status = 200, body = TransferPage), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[get("/transfers")]
pub async fn list_transfers(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    Auth(p): Auth,
    params: Query<LedgerParams>,
) -> AppResult<HttpResponse> {
    policy::require_content_reader(&p)?;
    let f = ledger_query(&params, page::limit(params.limit)?)?;
    let purpose = crate::api::extract::access_purpose(&req)?;
    let page = run(&state.pool, move |conn| service::transfers::ledger_page(conn, &p, &f, purpose.as_deref())).await?;
    let out = TransferPage { items: page.items, next_cursor: page.next_cursor };
    Ok(HttpResponse::Ok().json(out))
}

/// Exports the ledger with Chinese headers: `format=csv` (UTF-8 with BOM) or `format=xlsx`.
#[utoipa::path(tag = "线索移交", params(LedgerParams, crate::contract::AccessPurpose), responses(
    (status = 200, description = "台账文件(format=csv:UTF-8 带 BOM 的 CSV;format=xlsx:Excel 工作簿)", content(
        (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/transfers/export")]
pub async fn export_transfers(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    Auth(p): Auth,
    params: Query<LedgerParams>,
) -> AppResult<HttpResponse> {
    policy::require_content_reader(&p)?;
    let purpose = crate::api::extract::access_purpose(&req)?;
    let format = ExportFormat::parse_param(params.format.as_deref())?;
    // `limit` pages the list, not the export; it is still checked as documented.
    page::limit(params.limit)?;
    // The file is built in memory: at most `ledger_export_max_rows`, else narrow the filters.
    let max = state.settings.ledger_export_max_rows.max(1);
    let f = ledger_query(&params, max + 1)?;
    let bytes =
        run(&state.pool, move |conn| service::transfers::export(conn, &p, &f, max, format, purpose.as_deref())).await?;
    Ok(crate::api::export::attachment(format, "问题线索管理台账", bytes))
}

/// One transfer (its two parties only; a returned one its sender only).
#[utoipa::path(tag = "线索移交", params(crate::contract::AccessPurpose), responses((status = 200, body = TransferView), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/transfers/{id}")]
pub async fn get_transfer(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    Auth(p): Auth,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    policy::require_content_reader(&p)?;
    let id: TransferId = path_id(&id, transfer_not_found)?;
    let purpose = crate::api::extract::access_purpose(&req)?;
    let view = run(&state.pool, move |conn| service::transfers::show(conn, &p, &id, purpose.as_deref())).await?;
    Ok(HttpResponse::Ok().json(view))
}

async fn act(
    state: web::Data<AppState>,
    req: &actix_web::HttpRequest,
    p: Principal,
    id: &str,
    cmd: Command,
) -> AppResult<HttpResponse> {
    policy::require_content_writer(&p)?;
    let id: TransferId = path_id(id, transfer_not_found)?;
    let purpose = crate::api::extract::access_purpose(req)?;
    let view = run(&state.pool, move |conn| service::transfers::step(conn, &p, &id, cmd, purpose.as_deref())).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// No content: the body may be left out, or be an empty JSON object.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct Empty {}

/// 受理 (receiver): transferred → accepted.
#[utoipa::path(tag = "线索移交", params(crate::contract::AccessPurpose), request_body = Option<Empty>, responses((status = 200, body = TransferView), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/transfers/{id}/accept")]
pub async fn accept_transfer(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    Auth(p): Auth,
    id: web::Path<String>,
    _body: OptionalJsonBody<Empty>,
) -> AppResult<HttpResponse> {
    act(state, &req, p, &id, Command::Accept).await
}

/// 开始办理 (receiver): accepted → in_progress.
#[utoipa::path(tag = "线索移交", params(crate::contract::AccessPurpose), request_body = Option<Empty>, responses((status = 200, body = TransferView), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/transfers/{id}/start")]
pub async fn start_transfer(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    Auth(p): Auth,
    id: web::Path<String>,
    _body: OptionalJsonBody<Empty>,
) -> AppResult<HttpResponse> {
    act(state, &req, p, &id, Command::Start).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReturnRequest {
    #[schema(schema_with = crate::contract::text_5000)]
    pub reason: String,
}

/// 退回 (receiver, with a reason): transferred → returned; the clue is back with the sender,
/// who may transfer it again, and the receiver's access through the transfer ends.
#[utoipa::path(tag = "线索移交", params(crate::contract::AccessPurpose), request_body = ReturnRequest, responses((status = 200, body = TransferView), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/transfers/{id}/return")]
pub async fn return_transfer(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<ReturnRequest>,
) -> AppResult<HttpResponse> {
    act(state, &req, p, &id, Command::Return { reason: body.0.reason }).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ConcludeRequest {
    /// form1 | form2 | form3 | form4 | cleared
    pub outcome: Outcome,
    /// Persons: 党纪政务处分, 组织处理, 移送司法.
    #[serde(deserialize_with = "crate::wire::object")]
    pub sanctions: Sanctions,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub summary: String,
}

/// 办结 (receiver): in_progress → concluded, with the outcome and sanction counts; the
/// sender is notified with the result.
#[utoipa::path(tag = "线索移交", params(crate::contract::AccessPurpose), request_body = ConcludeRequest, responses((status = 200, body = TransferView), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/transfers/{id}/conclude")]
pub async fn conclude_transfer(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<ConcludeRequest>,
) -> AppResult<HttpResponse> {
    let b = body.0;
    act(state, &req, p, &id, Command::Conclude { outcome: b.outcome, sanctions: b.sanctions, summary: b.summary }).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct FeedbackRequest {
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub note: String,
}

/// 反馈 (receiver): concluded → closed.
#[utoipa::path(tag = "线索移交", params(crate::contract::AccessPurpose), request_body = FeedbackRequest, responses((status = 200, body = TransferView), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/transfers/{id}/feedback")]
pub async fn feedback_transfer(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<FeedbackRequest>,
) -> AppResult<HttpResponse> {
    act(state, &req, p, &id, Command::Feedback { note: body.0.note }).await
}
