//! Joint deliberation (会商) of important clues: open, minutes, conclusion, assignments
//! (交办) and their supervision (督办).

use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::extract::{path_id, run, Auth, JsonBody, Query};
use crate::api::page::{self};
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::domain::deliberation::DeliberationDraft;
use crate::domain::ids::{AgencyId, AssignmentId, DeliberationId};
use crate::error::{AppError, AppResult};
use crate::policy;
use crate::service::deliberations::{Assignment, DeliberationView};
use crate::service::{self};
use utoipa::IntoParams;

fn not_found() -> AppError {
    AppError::NotFound("会商不存在或无权查看".into())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewDeliberation {
    /// The clue to deliberate on.
    #[schema(schema_with = crate::contract::id_body)]
    pub record_id: String,
    #[schema(schema_with = crate::contract::text_5000)]
    pub title: String,
    #[schema(schema_with = crate::contract::id_list)]
    pub participant_agency_ids: Vec<String>,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub minutes: String,
}

/// Opens a deliberation on a clue with other agencies; they gain access to the clue.
#[utoipa::path(tag = "会商", request_body = NewDeliberation, responses((status = 201, body = DeliberationView),
    (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/deliberations")]
pub async fn open_deliberation(
    state: web::Data<AppState>,
    Auth(p): Auth,
    body: JsonBody<NewDeliberation>,
) -> AppResult<HttpResponse> {
    policy::require_content_writer(&p)?;
    let b = body.0;
    let draft = DeliberationDraft::parse(&b.record_id, b.title, &b.participant_agency_ids, b.minutes)?;
    let v = run(&state.pool, move |conn| service::deliberations::open(conn, &p, &draft)).await?;
    Ok(HttpResponse::Created().json(v))
}

/// The deliberations the agency convened or takes part in.
/// Newest first, a page at a time; `state` filters (`open`, `concluded`).
#[utoipa::path(tag = "会商", params(DeliberationParams), responses((status = 200, body = DeliberationPage),
    (status = 400, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/deliberations")]
pub async fn list_deliberations(
    state: web::Data<AppState>,
    Auth(p): Auth,
    params: Query<DeliberationParams>,
) -> AppResult<HttpResponse> {
    policy::require_content_reader(&p)?;
    let params = params.into_inner();
    let w = page::window(params.cursor.as_deref(), params.limit)?;
    let wanted = params.state.filter(|s| !s.is_empty());
    if let Some(s) = wanted.as_deref().filter(|s| !crate::contract::DELIBERATION_STATES.contains(s)) {
        return Err(AppError::validation(
            "state",
            format!("状态“{s}”无效,可选:{}", crate::contract::DELIBERATION_STATES.join("、")),
        ));
    }
    let page =
        run(&state.pool, move |conn| service::deliberations::page(conn, &p.agency_id, &w, wanted.as_deref())).await?;
    Ok(HttpResponse::Ok().json(DeliberationPage::from(page)))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct DeliberationParams {
    #[param(schema_with = crate::contract::deliberation_state_param)]
    pub state: Option<String>,
    #[param(schema_with = crate::contract::id_cursor_param)]
    pub cursor: Option<String>,
    #[param(schema_with = crate::contract::limit_param)]
    pub limit: Option<i64>,
}

crate::page_schema!(DeliberationPage, DeliberationView);

/// One deliberation with its assignments (participants only).
#[utoipa::path(tag = "会商", responses((status = 200, body = DeliberationView), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/deliberations/{id}")]
pub async fn get_deliberation(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    policy::require_content_reader(&p)?;
    let id: DeliberationId = path_id(&id, not_found)?;
    let v = run(&state.pool, move |conn| service::deliberations::show(conn, &p, &id)).await?;
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MinutesRequest {
    #[schema(schema_with = crate::contract::text_5000)]
    pub text: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ConclusionRequest {
    #[schema(schema_with = crate::contract::text_5000)]
    pub conclusion: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AssignmentRequest {
    #[schema(schema_with = crate::contract::id_body)]
    pub agency_id: String,
    #[schema(schema_with = crate::contract::text_5000)]
    pub task: String,
    /// YYYY-MM-DD
    #[schema(schema_with = crate::contract::date_body)]
    pub deadline: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UrgeRequest {
    #[schema(schema_with = crate::contract::text_5000)]
    pub note: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CompleteRequest {
    #[schema(schema_with = crate::contract::text_5000)]
    pub result: String,
}

/// Adds to the minutes (会商纪要; any participant while open).
#[utoipa::path(tag = "会商", request_body = MinutesRequest, responses((status = 200, body = DeliberationView), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/deliberations/{id}/minutes")]
pub async fn add_minutes(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<MinutesRequest>,
) -> AppResult<HttpResponse> {
    policy::require_content_writer(&p)?;
    let id: DeliberationId = path_id(&id, not_found)?;
    let text = body.0.text;
    let v = run(&state.pool, move |conn| service::deliberations::add_minutes(conn, &p, &id, &text)).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// Records the conclusion (会商结论; the convener).
#[utoipa::path(tag = "会商", request_body = ConclusionRequest, responses((status = 200, body = DeliberationView), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/deliberations/{id}/conclude")]
pub async fn conclude_deliberation(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<ConclusionRequest>,
) -> AppResult<HttpResponse> {
    policy::require_content_writer(&p)?;
    let id: DeliberationId = path_id(&id, not_found)?;
    let text = body.0.conclusion;
    let v = run(&state.pool, move |conn| service::deliberations::conclude(conn, &p, &id, &text)).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// Assigns a task with a deadline to a participant (交办; the convener).
#[utoipa::path(tag = "会商", request_body = AssignmentRequest, responses((status = 201, body = Assignment), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/deliberations/{id}/assignments")]
pub async fn create_assignment(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<AssignmentRequest>,
) -> AppResult<HttpResponse> {
    policy::require_content_writer(&p)?;
    let id: DeliberationId = path_id(&id, not_found)?;
    let b = body.0;
    let agency_id: AgencyId =
        AgencyId::parse(&b.agency_id).ok_or_else(|| AppError::validation("agency_id", "单位编号格式无效"))?;
    let a =
        run(&state.pool, move |conn| service::deliberations::assign(conn, &p, &id, &agency_id, &b.task, &b.deadline))
            .await?;
    Ok(HttpResponse::Created().json(a))
}

fn assignment_not_found() -> AppError {
    AppError::NotFound("交办任务不存在或无权查看".into())
}

/// Urges an open assignment (督办; the convener).
#[utoipa::path(tag = "会商", request_body = UrgeRequest, responses((status = 200, body = Assignment), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/assignments/{id}/urge")]
pub async fn urge_assignment(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<UrgeRequest>,
) -> AppResult<HttpResponse> {
    policy::require_content_writer(&p)?;
    let id: AssignmentId = path_id(&id, assignment_not_found)?;
    let note = body.0.note;
    let a = run(&state.pool, move |conn| service::deliberations::urge(conn, &p, &id, &note)).await?;
    Ok(HttpResponse::Ok().json(a))
}

/// Reports an assignment done (the assignee).
#[utoipa::path(tag = "会商", request_body = CompleteRequest, responses((status = 200, body = Assignment), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/assignments/{id}/complete")]
pub async fn complete_assignment(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<CompleteRequest>,
) -> AppResult<HttpResponse> {
    policy::require_content_writer(&p)?;
    let id: AssignmentId = path_id(&id, assignment_not_found)?;
    let result = body.0.result;
    let a = run(&state.pool, move |conn| service::deliberations::complete(conn, &p, &id, &result)).await?;
    Ok(HttpResponse::Ok().json(a))
}
