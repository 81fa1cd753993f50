//! Inspection teams (巡察组) composed from the talent pool: a proposal for an inspected unit
//! under the avoidance rules (回避), and the round's office putting people on a team or taking
//! them off. Members are people of the pool: only the round's office sees them; the round's
//! participants see the team's name and units.

use actix_web::{delete, get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::{path_id, run, Auth, JsonBody, Query};
use crate::api::page;
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::domain::ids::{InspectedUnitId, TalentId, TeamId};
use crate::domain::inspection::talent::TeamPosition;
use crate::error::{AppError, AppResult};
use crate::policy::inspection::UNIT_NOT_FOUND;
use crate::policy::talent::TEAM_NOT_FOUND;
use crate::service::inspection::team_members::{self as teams, TeamDetail};
use crate::service::inspection::team_proposal::{self, TeamProposal};

fn team_not_found() -> AppError {
    AppError::NotFound(TEAM_NOT_FOUND.into())
}

fn unit_not_found() -> AppError {
    AppError::NotFound(UNIT_NOT_FOUND.into())
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ProposalParams {
    /// The team position to fill (default `staff`).
    #[param(schema_with = position_param)]
    pub position: Option<String>,
    /// How many people to propose (default 50).
    #[param(schema_with = crate::contract::limit_param)]
    pub limit: Option<i64>,
}

fn position_param() -> utoipa::openapi::ObjectBuilder {
    crate::contract::choice_param(&TeamPosition::ALL.iter().map(|p| p.as_str()).collect::<Vec<_>>())
}

/// Proposes people for the team of an inspected unit (the round's office only): eligible for
/// the position, active, on no team of the round yet, bound to avoid nothing — ranked by
/// expertise matching the round's focus, then fewer participations, then name; and the people
/// who must avoid the unit (回避), with the reasons.
#[utoipa::path(tag = "人才库", params(ProposalParams), responses((status = 200, body = TeamProposal),
    (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/inspected-units/{id}/team-proposal")]
pub async fn propose_team(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    params: Query<ProposalParams>,
) -> AppResult<HttpResponse> {
    let id: InspectedUnitId = path_id(&id, unit_not_found)?;
    let params = params.into_inner();
    let mut errs = Vec::new();
    let position = crate::api::talent_lists::parse_position(params.position.as_deref(), &mut errs);
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    let position = position.unwrap_or(TeamPosition::Staff);
    let limit = page::limit(params.limit)?;
    let years = state.settings.inspection_avoidance_years;
    let v = run(&state.pool, move |conn| team_proposal::proposal(conn, &p, &id, position, limit, years)).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// One team with the units it inspects; its members (with any avoidance conflicts) for the
/// round's office only — a participant of the round gets `members: null`.
#[utoipa::path(tag = "人才库", responses((status = 200, body = TeamDetail), (status = 403, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/teams/{id}")]
pub async fn get_team(state: web::Data<AppState>, Auth(p): Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let id: TeamId = path_id(&id, team_not_found)?;
    let years = state.settings.inspection_avoidance_years;
    let v = run(&state.pool, move |conn| teams::show(conn, &p, &id, years)).await?;
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewTeamMember {
    /// A person of the talent pool.
    #[schema(schema_with = crate::contract::id_body)]
    pub talent_id: String,
    pub position: TeamPosition,
}

/// Puts a person on the team (the round's office). Refused (422) when the person must avoid
/// any unit the team inspects (the reasons are in the message), is not recommended for the
/// position, is inactive, already serves on a team of the round, or would be a second leader.
#[utoipa::path(tag = "人才库", request_body = NewTeamMember, responses((status = 201, body = TeamDetail),
    (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/teams/{id}/members")]
pub async fn add_team_member(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<NewTeamMember>,
) -> AppResult<HttpResponse> {
    let id: TeamId = path_id(&id, team_not_found)?;
    let b = body.0;
    let talent_id = TalentId::parse(&b.talent_id).ok_or_else(|| AppError::validation("talent_id", "编号格式无效"))?;
    let years = state.settings.inspection_avoidance_years;
    let v = run(&state.pool, move |conn| teams::add_member(conn, &p, &id, &talent_id, b.position, years)).await?;
    Ok(HttpResponse::Created().json(v))
}

/// Takes a person off the team (the round's office).
#[utoipa::path(tag = "人才库", responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem)), security(("bearer" = [])))]
#[delete("/teams/{id}/members/{talent_id}")]
pub async fn remove_team_member(
    state: web::Data<AppState>,
    Auth(p): Auth,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (id, talent_id) = path.into_inner();
    let id: TeamId = path_id(&id, team_not_found)?;
    let talent_id: TalentId = path_id(&talent_id, team_not_found)?;
    run(&state.pool, move |conn| teams::remove_member(conn, &p, &id, &talent_id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
