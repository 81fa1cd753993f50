//! Special campaigns (专项整治): a member unit runs a campaign against problems found by
//! inspections, linked to the problems and common problems it addresses (those it may read)
//! and shared with the agencies it names; progress is how many linked problems are rectified.
//! Seen by the running unit and those it is shared with; 404 to others.

use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::api::common_problems::ExportParams;
use crate::api::extract::{path_id, run, Auth, JsonBody, Query};
use crate::api::page;
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::domain::ids::{parse_list, AgencyId, CampaignId};
use crate::domain::inspection::campaigns::CampaignDraft;
use crate::error::{AppError, AppResult, FieldError};
use crate::policy::common_problems::CAMPAIGN_NOT_FOUND;
use crate::service::inspection::after_round;
use crate::service::inspection::campaigns::{self, CampaignView, Links};

fn not_found() -> AppError {
    AppError::NotFound(CAMPAIGN_NOT_FOUND.into())
}

fn links(finding_ids: &[String], common_problem_ids: &[String], errs: &mut Vec<FieldError>) -> Links {
    Links {
        finding_ids: parse_list("finding_ids", finding_ids, errs),
        common_problem_ids: parse_list("common_problem_ids", common_problem_ids, errs),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewCampaign {
    /// e.g. 违规收送礼金专项整治
    #[schema(schema_with = crate::contract::name_100)]
    pub name: String,
    #[serde(default)]
    #[schema(schema_with = crate::contract::text_5000_or_empty)]
    pub description: String,
    /// YYYY-MM-DD
    #[schema(schema_with = crate::contract::date_body)]
    pub period_start: String,
    /// YYYY-MM-DD, not before `period_start`.
    #[schema(schema_with = crate::contract::date_body)]
    pub period_end: String,
    /// Problems (findings of kind problem) the campaign addresses, each readable by the caller.
    #[serde(default)]
    #[schema(schema_with = crate::contract::id_list)]
    pub finding_ids: Vec<String>,
    /// Common problems it addresses, each readable by the caller.
    #[serde(default)]
    #[schema(schema_with = crate::contract::id_list)]
    pub common_problem_ids: Vec<String>,
    /// Member units that see the campaign besides the caller's.
    #[serde(default)]
    #[schema(schema_with = crate::contract::id_list)]
    pub shared_with_agency_ids: Vec<String>,
}

/// Creates a campaign of the caller's member unit (a content writer). Linking a problem or
/// common problem the caller may not read is 422, answered as for one that does not exist.
#[utoipa::path(tag = "巡察", request_body = NewCampaign, responses((status = 201, body = CampaignView),
    (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/campaigns")]
pub async fn create_campaign(
    state: web::Data<AppState>,
    Auth(p): Auth,
    body: JsonBody<NewCampaign>,
) -> AppResult<HttpResponse> {
    let b = body.0;
    let mut errs = Vec::new();
    let wanted = links(&b.finding_ids, &b.common_problem_ids, &mut errs);
    let shared: Vec<AgencyId> = parse_list("shared_with_agency_ids", &b.shared_with_agency_ids, &mut errs);
    let draft = match CampaignDraft::parse(&b.name, &b.description, &b.period_start, &b.period_end) {
        Ok(d) if errs.is_empty() => d,
        Ok(_) => return Err(AppError::Validation(errs)),
        Err(mut e) => {
            e.extend(errs);
            return Err(AppError::Validation(e));
        }
    };
    let v = run(&state.pool, move |conn| campaigns::create(conn, &p, &draft, &shared, &wanted)).await?;
    Ok(HttpResponse::Created().json(v))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CampaignParams {
    #[param(schema_with = crate::contract::id_cursor_param)]
    pub cursor: Option<String>,
    #[param(schema_with = crate::contract::limit_param)]
    pub limit: Option<i64>,
}

crate::page_schema!(CampaignPage, CampaignView);

/// The campaigns the caller's agency runs or is shared, newest first.
#[utoipa::path(tag = "巡察", params(CampaignParams), responses((status = 200, body = CampaignPage),
    (status = 400, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/campaigns")]
pub async fn list_campaigns(
    state: web::Data<AppState>,
    Auth(p): Auth,
    params: Query<CampaignParams>,
) -> AppResult<HttpResponse> {
    let params = params.into_inner();
    let w = page::window(params.cursor.as_deref(), params.limit)?;
    let page = run(&state.pool, move |conn| campaigns::page(conn, &p, &w)).await?;
    Ok(HttpResponse::Ok().json(CampaignPage::from(page)))
}

/// The campaigns the caller sees as a ledger (专项整治台账): `format=csv|xlsx`.
#[utoipa::path(tag = "巡察", params(ExportParams), responses(
    (status = 200, description = "专项整治台账(format=csv:UTF-8 带 BOM 的 CSV;format=xlsx:Excel 工作簿)", content(
        (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    (status = 400, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/campaigns/export")]
pub async fn export_campaigns(
    state: web::Data<AppState>,
    Auth(p): Auth,
    params: Query<ExportParams>,
) -> AppResult<HttpResponse> {
    let format = params.into_inner().format()?;
    let max = state.settings.ledger_export_max_rows.max(1);
    let bytes = run(&state.pool, move |conn| after_round::export_campaigns(conn, &p, max, format)).await?;
    Ok(crate::api::export::attachment(format, "专项整治台账", bytes))
}

/// One campaign, its links (a problem's title only where the caller reads it) and progress.
#[utoipa::path(tag = "巡察", responses((status = 200, body = CampaignView), (status = 403, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/campaigns/{id}")]
pub async fn get_campaign(state: web::Data<AppState>, Auth(p): Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let id: CampaignId = path_id(&id, not_found)?;
    let v = run(&state.pool, move |conn| campaigns::show(conn, &p, &id)).await?;
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CampaignLinks {
    #[serde(default)]
    #[schema(schema_with = crate::contract::id_list)]
    pub finding_ids: Vec<String>,
    #[serde(default)]
    #[schema(schema_with = crate::contract::id_list)]
    pub common_problem_ids: Vec<String>,
}

/// Links more problems and common problems to the campaign (its running unit; 403 to those
/// it is shared with). Links already there are kept once.
#[utoipa::path(tag = "巡察", request_body = CampaignLinks, responses((status = 200, body = CampaignView),
    (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/campaigns/{id}/links")]
pub async fn link_campaign(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<CampaignLinks>,
) -> AppResult<HttpResponse> {
    let id: CampaignId = path_id(&id, not_found)?;
    let mut errs = Vec::new();
    let wanted = links(&body.0.finding_ids, &body.0.common_problem_ids, &mut errs);
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    let v = run(&state.pool, move |conn| campaigns::add_links(conn, &p, &id, &wanted)).await?;
    Ok(HttpResponse::Ok().json(v))
}
