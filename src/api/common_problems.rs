//! Common problems (共性问题) after a round: the round's office notifies them to member units
//! as records (kind `notice`, tag 共性问题) linked to the round's problems; the counts after a
//! round (common problems, self-checks, campaigns and the rectification of the problems they
//! address) and the ledgers, each over what the caller may see.

use std::collections::BTreeMap;

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::{access_purpose, path_id, run, Auth, JsonBody, Query};
use crate::api::page;
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::domain::ids::{parse_list, AgencyId, CommonProblemId, FindingId, RoundId};
use crate::domain::record::{Distribution, RecordContent, RecordKind, Sensitivity};
use crate::error::{AppError, AppResult};
use crate::policy::inspection::ROUND_NOT_FOUND;
use crate::service::inspection::after_round::{self, AfterRoundStats};
use crate::service::inspection::common_problems::{self, CommonProblemView};
use crate::service::ledger_export::ExportFormat;

fn round_not_found() -> AppError {
    AppError::NotFound(ROUND_NOT_FOUND.into())
}

fn not_found() -> AppError {
    AppError::NotFound("共性问题不存在或无权查看".into())
}

fn default_sensitivity() -> Sensitivity {
    Sensitivity::General
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewCommonProblem {
    #[schema(schema_with = crate::contract::record_title)]
    pub title: String,
    #[serde(default)]
    #[schema(schema_with = crate::contract::record_body)]
    pub body: String,
    /// A problem category (e.g. 中央八项规定精神) or its code.
    pub category: Option<String>,
    /// More tags; 共性问题 is always added.
    #[serde(default)]
    #[schema(schema_with = crate::contract::record_tags)]
    pub tags: Vec<String>,
    #[serde(default = "default_sensitivity")]
    pub sensitivity: Sensitivity,
    /// The member units notified (纪委监委, 组织部, 作风办 …): the notice's recipients.
    #[schema(schema_with = crate::contract::id_list)]
    pub agency_ids: Vec<String>,
    /// The round's problems (findings of kind problem) it generalises.
    #[serde(default)]
    #[schema(schema_with = crate::contract::id_list)]
    pub finding_ids: Vec<String>,
}

/// Notifies a common problem of the round (the round's office, from the feedback stage on):
/// a notice record distributed to the member units named, under the sharing agreements.
#[utoipa::path(tag = "巡察", request_body = NewCommonProblem, responses((status = 201, body = CommonProblemView),
    (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/rounds/{id}/common-problems")]
pub async fn create_common_problem(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<NewCommonProblem>,
) -> AppResult<HttpResponse> {
    let id: RoundId = path_id(&id, round_not_found)?;
    let b = body.0;
    let mut errs = Vec::new();
    let agencies: Vec<AgencyId> = parse_list("agency_ids", &b.agency_ids, &mut errs);
    let found: Vec<FindingId> = parse_list("finding_ids", &b.finding_ids, &mut errs);
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    let content = RecordContent {
        kind: RecordKind::Notice,
        title: b.title,
        body: b.body,
        category: b.category.filter(|c| !c.trim().is_empty()),
        object_ids: vec![],
        tags: b.tags,
        attributes: Default::default(),
        distribution: Distribution::own(),
        sensitivity: b.sensitivity,
        protected: BTreeMap::new(),
        field_grants: vec![],
        external_id: None,
    };
    let v = run(&state.pool, move |conn| common_problems::publish(conn, &p, &id, content, &agencies, &found)).await?;
    Ok(HttpResponse::Created().json(v))
}

/// The round's common problems whose notices the caller's agency reads (the round's office
/// and participants; a notified unit that is not a participant uses `GET /common-problems`).
#[utoipa::path(tag = "巡察", params(crate::contract::AccessPurpose), responses((status = 200, body = Vec<CommonProblemView>),
    (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/rounds/{id}/common-problems")]
pub async fn list_round_common_problems(
    state: web::Data<AppState>,
    req: HttpRequest,
    Auth(p): Auth,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id: RoundId = path_id(&id, round_not_found)?;
    let purpose = access_purpose(&req)?;
    let v = run(&state.pool, move |conn| common_problems::list_for_round(conn, &p, &id, purpose.as_deref())).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// The counts after the round over what the caller may see: common problems and the member
/// units notified, self-checks required / reported / overdue, the campaigns addressing the
/// round's problems, the problems they address and how many are rectified.
#[utoipa::path(tag = "巡察", responses((status = 200, body = AfterRoundStats), (status = 403, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/rounds/{id}/common-problems/stats")]
pub async fn round_common_problem_stats(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id: RoundId = path_id(&id, round_not_found)?;
    let v = run(&state.pool, move |conn| after_round::stats(conn, &p, &id)).await?;
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ExportParams {
    #[param(schema_with = crate::contract::export_format_param)]
    pub format: Option<String>,
}

impl ExportParams {
    /// `csv` when left out, `xlsx`; anything else (an empty value too) is 422 on `format`, as
    /// the parameter's schema says.
    pub fn format(self) -> AppResult<ExportFormat> {
        match self.format.as_deref() {
            Some("") => Err(AppError::validation("format", "format 须为 csv 或 xlsx")),
            f => ExportFormat::parse_param(f),
        }
    }
}

/// The round's common problems (those the caller reads) as a ledger: `format=csv` (UTF-8 with
/// BOM) or `format=xlsx`, Chinese headers.
#[utoipa::path(tag = "巡察", params(ExportParams), responses(
    (status = 200, description = "共性问题台账(format=csv:UTF-8 带 BOM 的 CSV;format=xlsx:Excel 工作簿)", content(
        (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/rounds/{id}/common-problems/export")]
pub async fn export_round_common_problems(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    params: Query<ExportParams>,
) -> AppResult<HttpResponse> {
    let id: RoundId = path_id(&id, round_not_found)?;
    let format = params.into_inner().format()?;
    let bytes = run(&state.pool, move |conn| after_round::export_common_problems(conn, &p, &id, format)).await?;
    Ok(crate::api::export::attachment(format, "共性问题台账", bytes))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CommonProblemParams {
    #[param(schema_with = crate::contract::id_cursor_param)]
    pub cursor: Option<String>,
    #[param(schema_with = crate::contract::limit_param)]
    pub limit: Option<i64>,
}

crate::page_schema!(CommonProblemPage, CommonProblemView);

/// The common problems whose notices the caller's agency reads, across rounds, newest first.
#[utoipa::path(tag = "巡察", params(CommonProblemParams, crate::contract::AccessPurpose),
    responses((status = 200, body = CommonProblemPage), (status = 400, body = Problem), (status = 403, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/common-problems")]
pub async fn list_common_problems(
    state: web::Data<AppState>,
    req: HttpRequest,
    Auth(p): Auth,
    params: Query<CommonProblemParams>,
) -> AppResult<HttpResponse> {
    let params = params.into_inner();
    let w = page::window(params.cursor.as_deref(), params.limit)?;
    let purpose = access_purpose(&req)?;
    let page = run(&state.pool, move |conn| common_problems::page(conn, &p, &w, purpose.as_deref())).await?;
    Ok(HttpResponse::Ok().json(CommonProblemPage::from(page)))
}

/// One common problem (404 where its notice is not the caller's to read).
#[utoipa::path(tag = "巡察", params(crate::contract::AccessPurpose), responses((status = 200, body = CommonProblemView),
    (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/common-problems/{id}")]
pub async fn get_common_problem(
    state: web::Data<AppState>,
    req: HttpRequest,
    Auth(p): Auth,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id: CommonProblemId = path_id(&id, not_found)?;
    let purpose = access_purpose(&req)?;
    let v = run(&state.pool, move |conn| common_problems::show(conn, &p, &id, purpose.as_deref())).await?;
    Ok(HttpResponse::Ok().json(v))
}
