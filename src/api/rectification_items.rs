//! The rectification ledger (整改台账): a unit's items and their three lists (问题清单,
//! 任务清单, 责任清单) with exports, progress notes and evidence files by the unit, and the
//! steps: submit (the unit), close (对账销号) or send back (the office).

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::{optional_if_match, path_id, payload_error, run, Auth, JsonBody, Query};
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::contract::BinaryFile;
use crate::domain::ids::{parse_list, EvidenceId, InspectedUnitId, ItemId, RoundId};
use crate::domain::inspection::items::ItemState;
use crate::domain::inspection::rectification::{LedgerList, LedgerStep};
use crate::error::{AppError, AppResult};
use crate::policy::inspection::{ROUND_NOT_FOUND, UNIT_NOT_FOUND};
use crate::policy::rectification::EVIDENCE_NOT_FOUND;
use crate::service::inspection::rectification::evidence::{self, EvidenceView};
use crate::service::inspection::rectification::items::{self, EntryView, ItemDetail, ItemView, ITEM_NOT_FOUND};
use crate::service::inspection::rectification::lists::{self, LedgerView};
use crate::service::ledger_export::ExportFormat;

fn unit_not_found() -> AppError {
    AppError::NotFound(UNIT_NOT_FOUND.into())
}

fn item_not_found() -> AppError {
    AppError::NotFound(ITEM_NOT_FOUND.into())
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ItemParams {
    #[param(schema_with = item_state_param)]
    pub state: Option<String>,
}

fn item_state_param() -> utoipa::openapi::ObjectBuilder {
    crate::contract::choice_param(&ItemState::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>())
}

/// The unit's ledger items in plan order (the office, the participants, the unit).
#[utoipa::path(tag = "巡后整改", params(ItemParams), responses((status = 200, body = Vec<ItemView>),
    (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/inspected-units/{id}/items")]
pub async fn list_items(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    params: Query<ItemParams>,
) -> AppResult<HttpResponse> {
    let id: InspectedUnitId = path_id(&id, unit_not_found)?;
    let filter =
        match params.into_inner().state.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(ItemState::parse(s).ok_or_else(|| {
                AppError::validation("state", format!("状态“{s}”无效,可选:{}", ItemState::expected()))
            })?),
        };
    let v = run(&state.pool, move |conn| items::list(conn, &p, &id, filter)).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// A step on a ledger item.
#[derive(Debug, Deserialize, ToSchema)]
pub struct StepRequest {
    /// `submit` (the unit, asking for closure), `close` (对账销号) or `send_back` (the office).
    pub step: LedgerStep,
    /// What was done (required for `submit`), the reason (required for `send_back`), or the
    /// office's verification note (optional for `close`).
    #[serde(default)]
    #[schema(schema_with = crate::contract::long_text_optional)]
    pub note: String,
}

/// The same step on several items of the unit, all or none.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BatchStepRequest {
    pub step: LedgerStep,
    #[serde(default)]
    #[schema(schema_with = crate::contract::long_text_optional)]
    pub note: String,
    /// Items of this unit (1–1000).
    #[schema(schema_with = item_id_list)]
    pub item_ids: Vec<String>,
}

fn item_id_list() -> utoipa::openapi::schema::ArrayBuilder {
    crate::contract::id_list().min_items(Some(1)).max_items(Some(1000))
}

/// Takes one step on several items of the unit at once (e.g. 对账销号 of a batch): every
/// item must be the unit's and in a state the step may be taken from, else 422 and nothing
/// changes.
#[utoipa::path(tag = "巡后整改", request_body = BatchStepRequest, responses((status = 200, body = Vec<ItemView>),
    (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/inspected-units/{id}/items/steps")]
pub async fn step_items(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<BatchStepRequest>,
) -> AppResult<HttpResponse> {
    let id: InspectedUnitId = path_id(&id, unit_not_found)?;
    let b = body.0;
    let mut errs = Vec::new();
    let ids: Vec<ItemId> = parse_list("item_ids", &b.item_ids, &mut errs);
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    let step = b.step.item_step();
    let v = run(&state.pool, move |conn| items::step_many(conn, &p, &id, step, &b.note, &ids)).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// One item with its history (notes and steps) and, for the office, the reviewing agencies
/// and the unit, its evidence files.
#[utoipa::path(tag = "巡后整改", responses((status = 200, body = ItemDetail), (status = 403, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/rectification-items/{id}")]
pub async fn get_item(state: web::Data<AppState>, Auth(p): Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let id: ItemId = path_id(&id, item_not_found)?;
    let v = run(&state.pool, move |conn| items::show(conn, &p, &id)).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// A progress note (整改进展).
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewNote {
    #[schema(schema_with = crate::contract::long_text)]
    pub text: String,
}

/// The unit writes a progress note on an item not yet closed.
#[utoipa::path(tag = "巡后整改", request_body = NewNote, responses((status = 201, body = EntryView),
    (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/rectification-items/{id}/notes")]
pub async fn add_item_note(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<NewNote>,
) -> AppResult<HttpResponse> {
    let id: ItemId = path_id(&id, item_not_found)?;
    let text = body.0.text;
    let v = run(&state.pool, move |conn| items::add_note(conn, &p, &id, &text)).await?;
    Ok(HttpResponse::Created().json(v))
}

/// Takes a step on an item: `submit` by the unit, `close` (对账销号) or `send_back` by the
/// office. A step not allowed from the item's state is 409; a stale `If-Match` 412.
#[utoipa::path(tag = "巡后整改", request_body = StepRequest, params(crate::contract::OptionalIfMatch),
    responses((status = 200, body = ItemView), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/rectification-items/{id}/steps")]
pub async fn step_item(
    state: web::Data<AppState>,
    req: HttpRequest,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<StepRequest>,
) -> AppResult<HttpResponse> {
    let id: ItemId = path_id(&id, item_not_found)?;
    let version = optional_if_match(&req)?;
    let b = body.0;
    let v = run(&state.pool, move |conn| items::step(conn, &p, &id, b.step.item_step(), &b.note, version)).await?;
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct UploadParams {
    /// The file's name (its path and unsafe characters are removed; the extension follows
    /// the checked type).
    #[param(schema_with = filename_param)]
    pub filename: Option<String>,
}

/// How far past the size limit an upload is still read (and discarded) before the 413.
const DRAIN_SLACK_BYTES: usize = 1024 * 1024;

fn filename_param() -> utoipa::openapi::ObjectBuilder {
    crate::contract::text_param(255)
}

/// The unit uploads an evidence file (佐证材料) for an item not yet closed: the body is the
/// file, `Content-Type` its type — PDF, JPEG, PNG, DOCX or XLSX (any other is 415); the content
/// must be of the declared type (else 422); at most `evidence_max_bytes` (else 413).
#[utoipa::path(tag = "巡后整改", params(UploadParams), request_body(content(
        (BinaryFile = "application/pdf"), (BinaryFile = "image/jpeg"), (BinaryFile = "image/png"),
        (BinaryFile = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (BinaryFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    responses((status = 201, body = EvidenceView), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/rectification-items/{id}/evidence")]
pub async fn upload_evidence(
    state: web::Data<AppState>,
    req: HttpRequest,
    Auth(p): Auth,
    id: web::Path<String>,
    params: Query<UploadParams>,
    mut payload: web::Payload,
) -> AppResult<HttpResponse> {
    let id: ItemId = path_id(&id, item_not_found)?;
    let declared = req.headers().get("Content-Type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let filename = params.into_inner().filename.unwrap_or_default();
    if filename.chars().count() > 255 {
        return Err(AppError::validation("filename", "文件名不超过 255 个字符"));
    }
    let max = state.settings.evidence_max_bytes;
    let too_large = || AppError::PayloadTooLarge(format!("佐证材料不能超过 {} 字节", max));
    // A body a little over the limit is read to its end, so the client gets the 413 rather
    // than a reset connection; one announced (or found) far over it is cut off at once.
    let slack = max.saturating_add(DRAIN_SLACK_BYTES);
    let announced =
        req.headers().get("Content-Length").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if announced.is_some_and(|n| n > slack) {
        return Err(too_large());
    }
    let (mut body, mut seen) = (web::BytesMut::new(), 0usize);
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| payload_error(&e.into()))?;
        seen = seen.saturating_add(chunk.len());
        if seen > slack {
            break;
        }
        if seen <= max {
            body.extend_from_slice(&chunk);
        }
    }
    if seen > max {
        return Err(too_large());
    }
    let v = run(&state.pool, move |conn| evidence::upload(conn, &p, &id, &filename, &declared, &body)).await?;
    Ok(HttpResponse::Created().json(v))
}

/// Downloads an evidence file (the office, the reviewing agencies and the unit; 404 to anyone
/// else), as an attachment of its checked type.
#[utoipa::path(tag = "巡后整改", responses(
    (status = 200, description = "佐证材料文件(以附件下载)", content(
        (BinaryFile = "application/pdf"), (BinaryFile = "image/jpeg"), (BinaryFile = "image/png"),
        (BinaryFile = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (BinaryFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/rectification-evidence/{id}")]
pub async fn download_evidence(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id: EvidenceId = path_id(&id, || AppError::NotFound(EVIDENCE_NOT_FOUND.into()))?;
    let f = run(&state.pool, move |conn| evidence::download(conn, &p, &id)).await?;
    Ok(crate::api::export::file("evidence", &f.filename, &f.content_type, f.content))
}

/// The unit's ledger as its three lists (the office, the participants, the unit).
#[utoipa::path(tag = "巡后整改", responses((status = 200, body = LedgerView), (status = 403, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/inspected-units/{id}/ledger")]
pub async fn get_ledger(state: web::Data<AppState>, Auth(p): Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let id: InspectedUnitId = path_id(&id, unit_not_found)?;
    let v = run(&state.pool, move |conn| lists::ledger(conn, &p, &id)).await?;
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ExportParams {
    /// `problems` (问题清单), `tasks` (任务清单) or `responsibilities` (责任清单).
    #[param(schema_with = ledger_list_param)]
    pub list: Option<String>,
    /// `csv` (default) or `xlsx`.
    #[param(schema_with = crate::contract::export_format_param)]
    pub format: Option<String>,
}

fn ledger_list_param() -> utoipa::openapi::ObjectBuilder {
    crate::contract::choice_param(&LedgerList::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>())
}

impl ExportParams {
    fn parse(self) -> AppResult<(LedgerList, ExportFormat)> {
        let list = match self.list.as_deref().filter(|s| !s.is_empty()) {
            None => LedgerList::Problems,
            Some(s) => LedgerList::parse(s).ok_or_else(|| {
                AppError::validation("list", format!("清单“{s}”无效,可选:{}", LedgerList::expected()))
            })?,
        };
        Ok((list, ExportFormat::parse_param(self.format.as_deref())?))
    }
}

/// Exports one of the unit's three lists (default the problem list) as CSV or XLSX.
#[utoipa::path(tag = "巡后整改", params(ExportParams), responses(
    (status = 200, description = "台账文件(format=csv:UTF-8 带 BOM 的 CSV;format=xlsx:Excel 工作簿)", content(
        (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/inspected-units/{id}/ledger/export")]
pub async fn export_unit_ledger(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    params: Query<ExportParams>,
) -> AppResult<HttpResponse> {
    let id: InspectedUnitId = path_id(&id, unit_not_found)?;
    let (list, format) = params.into_inner().parse()?;
    let bytes = run(&state.pool, move |conn| lists::export_unit(conn, &p, &id, list, format)).await?;
    Ok(crate::api::export::attachment(format, &format!("整改台账{}", list.label()), bytes))
}

/// Exports one of the three lists over every unit of the round (the office and the participants).
#[utoipa::path(tag = "巡后整改", params(ExportParams), responses(
    (status = 200, description = "台账文件(format=csv:UTF-8 带 BOM 的 CSV;format=xlsx:Excel 工作簿)", content(
        (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/rounds/{id}/ledger/export")]
pub async fn export_round_ledger(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    params: Query<ExportParams>,
) -> AppResult<HttpResponse> {
    let id: RoundId = path_id(&id, || AppError::NotFound(ROUND_NOT_FOUND.into()))?;
    let (list, format) = params.into_inner().parse()?;
    let max = state.settings.ledger_export_max_rows.max(1);
    let bytes = run(&state.pool, move |conn| lists::export_round(conn, &p, &id, list, format, max)).await?;
    Ok(crate::api::export::attachment(format, &format!("整改台账{}", list.label()), bytes))
}
