//! Post-inspection direct supervision (巡后直督): a campaign of about a month after the feedback,
//! run by member units with the inspection teams over some of the round's units, with its
//! statistics — problems rectified and transferred clues concluded within the window, as
//! counts and whole-percent rates. Seen by the round's office, its participants and the
//! campaign's team; numbers only.

use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::{path_id, run, Auth, JsonBody, Query};
use crate::api::page;
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::domain::ids::{parse_list, RoundId, SupervisionCampaignId};
use crate::error::{AppError, AppResult};
use crate::policy::direct_supervision::CAMPAIGN_NOT_FOUND;
use crate::policy::inspection::ROUND_NOT_FOUND;
use crate::service::inspection::direct_supervision::{self as campaigns, NewCampaign, SupervisionCampaignView};
use crate::service::ledger_export::ExportFormat;

fn not_found() -> AppError {
    AppError::NotFound(CAMPAIGN_NOT_FOUND.into())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewCampaignBody {
    /// e.g. 七届市委第八轮巡察巡后直督
    #[schema(schema_with = crate::contract::name_100)]
    pub name: String,
    /// The first day of the window (YYYY-MM-DD, the hub's time zone).
    #[schema(schema_with = crate::contract::date_body)]
    pub window_start: String,
    /// The last day of the window, not before `window_start`, at most 366 days in all.
    #[schema(schema_with = crate::contract::date_body)]
    pub window_end: String,
    /// The member units of the campaign's team (纪委监委, 组织部, 督查局 …); they see the campaign.
    #[schema(schema_with = crate::contract::id_list_nonempty)]
    pub team_agency_ids: Vec<String>,
    /// The round's inspection teams (巡察组) taking part.
    #[serde(default)]
    #[schema(schema_with = crate::contract::id_list)]
    pub team_ids: Vec<String>,
    /// The round's inspected units the campaign covers.
    #[schema(schema_with = crate::contract::id_list_nonempty)]
    pub inspected_unit_ids: Vec<String>,
}

/// Sets up a direct-supervision campaign of the round (its office, from the feedback on;
/// before: 409). The window's dates and names are checked once the round is found.
#[utoipa::path(tag = "巡察", request_body = NewCampaignBody, responses((status = 201, body = SupervisionCampaignView),
    (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/rounds/{id}/supervision-campaigns")]
pub async fn create_campaign(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<NewCampaignBody>,
) -> AppResult<HttpResponse> {
    let id: RoundId = path_id(&id, || AppError::NotFound(ROUND_NOT_FOUND.into()))?;
    let b = body.0;
    let mut errs = Vec::new();
    let n = NewCampaign {
        team_agency_ids: parse_list("team_agency_ids", &b.team_agency_ids, &mut errs),
        team_ids: parse_list("team_ids", &b.team_ids, &mut errs),
        inspected_unit_ids: parse_list("inspected_unit_ids", &b.inspected_unit_ids, &mut errs),
        name: b.name,
        window_start: b.window_start,
        window_end: b.window_end,
    };
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    let v = run(&state.pool, move |conn| campaigns::create(conn, &p, &id, &n)).await?;
    Ok(HttpResponse::Created().json(v))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CampaignParams {
    /// Only the campaigns of this round.
    #[param(schema_with = crate::contract::id_or_empty_param)]
    pub round_id: Option<String>,
    #[param(schema_with = crate::contract::id_cursor_param)]
    pub cursor: Option<String>,
    #[param(schema_with = crate::contract::limit_param)]
    pub limit: Option<i64>,
}

crate::page_schema!(SupervisionCampaignPage, SupervisionCampaignView);

/// The campaigns the caller sees (as the round's office or participant, or on the team),
/// newest first, each with its statistics.
#[utoipa::path(tag = "巡察", params(CampaignParams), responses((status = 200, body = SupervisionCampaignPage),
    (status = 400, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/supervision-campaigns")]
pub async fn list_campaigns(
    state: web::Data<AppState>,
    Auth(p): Auth,
    params: Query<CampaignParams>,
) -> AppResult<HttpResponse> {
    let params = params.into_inner();
    let w = page::window(params.cursor.as_deref(), params.limit)?;
    let round = match params.round_id.filter(|r| !r.is_empty()) {
        None => None,
        Some(r) => Some(RoundId::parse(&r).ok_or_else(|| AppError::validation("round_id", "编号格式无效"))?),
    };
    let page = run(&state.pool, move |conn| campaigns::page(conn, &p, &w, round.as_ref())).await?;
    Ok(HttpResponse::Ok().json(SupervisionCampaignPage::from(page)))
}

/// One campaign with its statistics: problems and those rectified within the window, clues
/// transferred and those concluded within it, as counts, whole-percent rates (rounded half
/// up) and per unit — numbers only.
#[utoipa::path(tag = "巡察", responses((status = 200, body = SupervisionCampaignView), (status = 403, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/supervision-campaigns/{id}")]
pub async fn get_campaign(state: web::Data<AppState>, Auth(p): Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let id: SupervisionCampaignId = path_id(&id, not_found)?;
    let v = run(&state.pool, move |conn| campaigns::show(conn, &p, &id)).await?;
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CampaignExportParams {
    /// `csv` (default) or `xlsx`.
    #[param(schema_with = crate::contract::export_format_param)]
    pub format: Option<String>,
}

/// The campaign's statistics per unit with a total line, Chinese headers.
#[utoipa::path(tag = "巡察", params(CampaignExportParams), responses(
    (status = 200, description = "巡后直督统计(format=csv:UTF-8 带 BOM 的 CSV;format=xlsx:Excel 工作簿)", content(
        (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/supervision-campaigns/{id}/export")]
pub async fn export_campaign(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    params: Query<CampaignExportParams>,
) -> AppResult<HttpResponse> {
    let id: SupervisionCampaignId = path_id(&id, not_found)?;
    let format = ExportFormat::parse_param(params.format.as_deref())?;
    let bytes = run(&state.pool, move |conn| campaigns::export(conn, &p, &id, format)).await?;
    Ok(crate::api::export::attachment(format, "巡后直督统计", bytes))
}
