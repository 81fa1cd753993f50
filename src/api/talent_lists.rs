//! The talent pool's roster (人才库): the list, its statistics and its export, each of what
//! the caller may see — an inspection office the whole pool, any other member unit the people
//! it recommended (`policy::talent`).

use actix_web::{get, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::extract::{run, Auth, Query};
use crate::api::page;
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::domain::ids::{parse_opt, AgencyId};
use crate::domain::inspection::talent::TeamPosition;
use crate::error::{AppError, AppResult, FieldError};
use crate::service::inspection::talent_lists::{self, TalentQuery, TalentStats, TalentSummary};
use crate::service::ledger_export::ExportFormat;

#[derive(Debug, Deserialize, IntoParams)]
pub struct TalentParams {
    /// People who may hold this team position.
    #[param(schema_with = position_param)]
    pub position: Option<String>,
    /// People with this expertise tag (exact tag).
    #[param(schema_with = tag_param)]
    pub tag: Option<String>,
    /// People recommended by this unit.
    #[param(schema_with = crate::contract::id_or_empty_param)]
    pub agency_id: Option<String>,
    /// Text in the name, work unit or position.
    #[param(schema_with = q_param)]
    pub q: Option<String>,
    #[param(schema_with = active_param)]
    pub active: Option<String>,
    #[param(schema_with = crate::contract::id_cursor_param)]
    pub cursor: Option<String>,
    #[param(schema_with = crate::contract::limit_param)]
    pub limit: Option<i64>,
    /// The export's file format (the list accepts and ignores it).
    #[param(schema_with = crate::contract::export_format_param)]
    pub format: Option<String>,
}

fn position_param() -> utoipa::openapi::ObjectBuilder {
    crate::contract::choice_param(&TeamPosition::ALL.iter().map(|p| p.as_str()).collect::<Vec<_>>())
}
fn tag_param() -> utoipa::openapi::ObjectBuilder {
    crate::contract::text_param(crate::domain::inspection::MAX_TAG_CHARS)
}
fn q_param() -> utoipa::openapi::ObjectBuilder {
    crate::contract::text_param(100)
}
fn active_param() -> utoipa::openapi::ObjectBuilder {
    crate::contract::choice_param(&["true", "false"])
}

/// Parses a team position query value ("" = not given).
pub fn parse_position(v: Option<&str>, errs: &mut Vec<FieldError>) -> Option<TeamPosition> {
    let v = v.filter(|v| !v.is_empty())?;
    let p = TeamPosition::parse(v);
    if p.is_none() {
        errs.push(FieldError::new("position", format!("组内职务无效,可选:{}", TeamPosition::expected())));
    }
    p
}

fn talent_query(p: &TalentParams) -> AppResult<TalentQuery> {
    let mut errs = Vec::new();
    let position = parse_position(p.position.as_deref(), &mut errs);
    if p.tag.as_ref().is_some_and(|t| t.chars().count() > crate::domain::inspection::MAX_TAG_CHARS) {
        errs.push(FieldError::new("tag", "特长标签不超过 20 个字符"));
    }
    if p.q.as_ref().is_some_and(|q| q.chars().count() > 100) {
        errs.push(FieldError::new("q", "检索词不超过 100 个字符"));
    }
    let agency_id: Option<AgencyId> =
        parse_opt("agency_id", p.agency_id.as_deref().filter(|a| !a.is_empty()), &mut errs);
    let active = match p.active.as_deref() {
        None | Some("") => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => {
            errs.push(FieldError::new("active", "active 须为 true 或 false"));
            None
        }
    };
    if p.format.as_deref().is_some_and(|f| f != "csv" && f != "xlsx") {
        errs.push(FieldError::new("format", "format 须为 csv 或 xlsx"));
    }
    if let Err(AppError::Validation(e)) = page::limit(p.limit) {
        errs.extend(e);
    }
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    // The export shares the list's parameters: a cursor it would ignore is still checked.
    page::window(p.cursor.as_deref(), p.limit)?;
    Ok(TalentQuery { position, tag: p.tag.clone(), agency_id, q: p.q.clone(), active })
}

crate::page_schema!(TalentPage, TalentSummary);

/// The talent pool as the caller may see it, newest first: an inspection office sees every
/// person, any other member unit the people it recommended.
#[utoipa::path(tag = "人才库", params(TalentParams), responses((status = 200, body = TalentPage),
    (status = 400, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/talents")]
pub async fn list_talents(
    state: web::Data<AppState>,
    Auth(p): Auth,
    params: Query<TalentParams>,
) -> AppResult<HttpResponse> {
    let f = talent_query(&params)?;
    let w = page::window(params.cursor.as_deref(), params.limit)?;
    let page = run(&state.pool, move |conn| talent_lists::page(conn, &p, &f, &w)).await?;
    Ok(HttpResponse::Ok().json(TalentPage::from(page)))
}

/// Counts of the pool the caller may see: by the team positions people may hold (active
/// people; one may count in several) and by recommending unit.
#[utoipa::path(tag = "人才库", responses((status = 200, body = TalentStats), (status = 403, body = Problem)),
    security(("bearer" = [])))]
#[get("/talents/stats")]
pub async fn talent_stats(state: web::Data<AppState>, Auth(p): Auth) -> AppResult<HttpResponse> {
    let v = run(&state.pool, move |conn| talent_lists::stats(conn, &p)).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// Exports the roster (人才库名册) with Chinese headers, filtered as the list: `format=csv`
/// (UTF-8 with BOM) or `format=xlsx`.
#[utoipa::path(tag = "人才库", params(TalentParams), responses(
    (status = 200, description = "人才库名册(format=csv:UTF-8 带 BOM 的 CSV;format=xlsx:Excel 工作簿)", content(
        (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    (status = 400, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/talents/export")]
pub async fn export_talents(
    state: web::Data<AppState>,
    Auth(p): Auth,
    params: Query<TalentParams>,
) -> AppResult<HttpResponse> {
    let f = talent_query(&params)?;
    let format = ExportFormat::parse_param(params.format.as_deref())?;
    let max = state.settings.ledger_export_max_rows.max(1);
    let bytes = run(&state.pool, move |conn| talent_lists::export(conn, &p, &f, max, format)).await?;
    Ok(crate::api::export::attachment(format, "人才库名册", bytes))
}
