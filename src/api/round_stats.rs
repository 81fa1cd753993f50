//! The figures of the inspection lifecycle: one round's, and across the rounds the caller's
//! unit runs or takes part in (with a ledger export). Counted only over the findings the
//! caller's unit may read, and clue handling only over transfers it is a party to.

use actix_web::{get, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::extract::{path_id, run, Auth, Query};
use crate::api::page;
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::domain::ids::RoundId;
use crate::error::{AppError, AppResult};
use crate::policy::inspection::ROUND_NOT_FOUND;
use crate::service::inspection::stats::{self, RoundStats};
use crate::service::ledger_export::ExportFormat;

/// One round's figures: units, problems found and rectified, clues found, transferred and
/// concluded, by inspected unit and by problem category.
#[utoipa::path(tag = "巡察", responses((status = 200, body = RoundStats), (status = 403, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/rounds/{id}/stats")]
pub async fn round_stats(state: web::Data<AppState>, Auth(p): Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let id: RoundId = path_id(&id, || AppError::NotFound(ROUND_NOT_FOUND.into()))?;
    let v = run(&state.pool, move |conn| stats::round(conn, &p, &id)).await?;
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AcrossParams {
    /// How many of the newest rounds (default 50, at most 500).
    #[param(schema_with = crate::contract::limit_param)]
    pub limit: Option<i64>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct AcrossRounds {
    pub items: Vec<RoundStats>,
}

/// The figures of the newest rounds the caller's unit runs or takes part in, newest first.
#[utoipa::path(tag = "巡察", params(AcrossParams), responses((status = 200, body = AcrossRounds),
    (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/rounds/stats")]
pub async fn across_rounds(
    state: web::Data<AppState>,
    Auth(p): Auth,
    params: Query<AcrossParams>,
) -> AppResult<HttpResponse> {
    let w = page::window(None, params.into_inner().limit)?;
    let items = run(&state.pool, move |conn| stats::across(conn, &p, &w)).await?;
    Ok(HttpResponse::Ok().json(AcrossRounds { items }))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AcrossExportParams {
    #[param(schema_with = crate::contract::export_format_param)]
    pub format: Option<String>,
    #[param(schema_with = crate::contract::limit_param)]
    pub limit: Option<i64>,
}

/// The across-rounds figures as a ledger with Chinese headers: `format=csv` (UTF-8 with BOM)
/// or `format=xlsx`.
#[utoipa::path(tag = "巡察", params(AcrossExportParams), responses(
    (status = 200, description = "巡察情况统计表(format=csv:UTF-8 带 BOM 的 CSV;format=xlsx:Excel 工作簿)", content(
        (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/rounds/stats/export")]
pub async fn export_across_rounds(
    state: web::Data<AppState>,
    Auth(p): Auth,
    params: Query<AcrossExportParams>,
) -> AppResult<HttpResponse> {
    let params = params.into_inner();
    let format = ExportFormat::parse_param(params.format.as_deref())?;
    let w = page::window(None, params.limit)?;
    let bytes = run(&state.pool, move |conn| {
        let items = stats::across(conn, &p, &w)?;
        Ok(format.write(&stats::across_table(&items), "巡察情况统计")?)
    })
    .await?;
    Ok(crate::api::export::attachment(format, "巡察情况统计表", bytes))
}
