//! Inspection rounds (巡察轮次): the inspection office creates a round, names the member units
//! working on it, adds teams (巡察组) and inspected units (被巡察党组织), and moves it through its
//! stages. Only the office and the named participants see a round; to others it is 404.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::{optional_if_match, path_id, run, Auth, JsonBody, Query};
use crate::api::page;
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::domain::ids::{parse_list, parse_opt, AgencyId, ObjectId, RoundId};
use crate::domain::inspection::{RoundDraft, RoundKind, RoundStage};
use crate::error::{AppError, AppResult, FieldError};
use crate::policy::inspection::ROUND_NOT_FOUND;
use crate::service::inspection::rounds::{self, UnitSettings};
use crate::service::inspection::{InspectedUnitView, RoundView, TeamView};

fn not_found() -> AppError {
    AppError::NotFound(ROUND_NOT_FOUND.into())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewRound {
    /// e.g. 七届市委第十三轮巡察
    #[schema(schema_with = crate::contract::name_100)]
    pub name: String,
    #[schema(schema_with = crate::contract::round_number)]
    #[serde(deserialize_with = "crate::wire::whole::i64")]
    pub number: i64,
    pub kind: RoundKind,
    /// YYYY-MM-DD
    #[schema(schema_with = crate::contract::date_body)]
    pub period_start: String,
    /// YYYY-MM-DD, not before `period_start`.
    #[schema(schema_with = crate::contract::date_body)]
    pub period_end: String,
    /// 巡察重点: the expertise a team should bring.
    #[serde(default)]
    #[schema(schema_with = crate::contract::focus_tags)]
    pub focus: Vec<String>,
    /// Member units working on the round with the office; they see the round.
    #[serde(default)]
    #[schema(schema_with = crate::contract::id_list)]
    pub participant_agency_ids: Vec<String>,
}

/// Creates a round (an inspection office's liaison or admin). It starts in `preparation`.
#[utoipa::path(tag = "巡察", request_body = NewRound, responses((status = 201, body = RoundView),
    (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/rounds")]
pub async fn create_round(
    state: web::Data<AppState>,
    Auth(p): Auth,
    body: JsonBody<NewRound>,
) -> AppResult<HttpResponse> {
    let b = body.0;
    let mut errs: Vec<FieldError> = Vec::new();
    let parts: Vec<AgencyId> = parse_list("participant_agency_ids", &b.participant_agency_ids, &mut errs);
    let draft = RoundDraft::parse(&b.name, b.number, b.kind, &b.period_start, &b.period_end, &b.focus);
    let draft = match draft {
        Ok(d) if errs.is_empty() => d,
        Ok(_) => return Err(AppError::Validation(errs)),
        Err(mut e) => {
            e.extend(errs);
            return Err(AppError::Validation(e));
        }
    };
    let v = run(&state.pool, move |conn| rounds::create(conn, &p, &draft, &parts)).await?;
    Ok(HttpResponse::Created().json(v))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct RoundParams {
    #[param(schema_with = round_stage_param)]
    pub stage: Option<String>,
    #[param(schema_with = crate::contract::id_cursor_param)]
    pub cursor: Option<String>,
    #[param(schema_with = crate::contract::limit_param)]
    pub limit: Option<i64>,
}

fn round_stage_param() -> utoipa::openapi::ObjectBuilder {
    crate::contract::choice_param(&RoundStage::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>())
}

crate::page_schema!(RoundPage, RoundView);

/// The rounds the caller's agency runs or takes part in, newest first.
#[utoipa::path(tag = "巡察", params(RoundParams), responses((status = 200, body = RoundPage),
    (status = 400, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/rounds")]
pub async fn list_rounds(
    state: web::Data<AppState>,
    Auth(p): Auth,
    params: Query<RoundParams>,
) -> AppResult<HttpResponse> {
    let params = params.into_inner();
    let w = page::window(params.cursor.as_deref(), params.limit)?;
    let stage =
        match params.stage.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(RoundStage::parse(s).ok_or_else(|| {
                AppError::validation("stage", format!("阶段“{s}”无效,可选:{}", RoundStage::expected()))
            })?),
        };
    let page = run(&state.pool, move |conn| rounds::page(conn, &p, &w, stage)).await?;
    Ok(HttpResponse::Ok().json(RoundPage::from(page)))
}

/// One round with its participants, teams and inspected units.
#[utoipa::path(tag = "巡察", responses((status = 200, body = RoundView), (status = 403, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/rounds/{id}")]
pub async fn get_round(state: web::Data<AppState>, Auth(p): Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let id: RoundId = path_id(&id, not_found)?;
    let v = run(&state.pool, move |conn| rounds::show(conn, &p, &id)).await?;
    Ok(HttpResponse::Ok().insert_header(("ETag", format!("\"{}\"", v.version))).json(v))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct StageRequest {
    /// The next stage (a round moves one stage forward at a time).
    pub stage: RoundStage,
}

/// Moves the round to its next stage (the office). Any other stage is 409.
#[utoipa::path(tag = "巡察", request_body = StageRequest, params(crate::contract::OptionalIfMatch),
    responses((status = 200, body = RoundView), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/rounds/{id}/stage")]
pub async fn advance_round(
    state: web::Data<AppState>,
    req: HttpRequest,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<StageRequest>,
) -> AppResult<HttpResponse> {
    let id: RoundId = path_id(&id, not_found)?;
    let version = optional_if_match(&req)?;
    let to = body.0.stage;
    let v = run(&state.pool, move |conn| rounds::advance(conn, &p, &id, to, version)).await?;
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ParticipantsRequest {
    #[schema(schema_with = crate::contract::id_list)]
    pub agency_ids: Vec<String>,
}

/// Adds member units to the round's participants (the office).
#[utoipa::path(tag = "巡察", request_body = ParticipantsRequest, responses((status = 200, body = RoundView),
    (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/rounds/{id}/participants")]
pub async fn add_round_participants(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<ParticipantsRequest>,
) -> AppResult<HttpResponse> {
    let id: RoundId = path_id(&id, not_found)?;
    let mut errs = Vec::new();
    let ids: Vec<AgencyId> = parse_list("agency_ids", &body.0.agency_ids, &mut errs);
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    let v = run(&state.pool, move |conn| rounds::add_participants(conn, &p, &id, &ids)).await?;
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewTeam {
    /// e.g. 第一巡察组
    #[schema(schema_with = crate::contract::name_100)]
    pub name: String,
}

/// Adds an inspection team (巡察组) to the round (the office).
#[utoipa::path(tag = "巡察", request_body = NewTeam, responses((status = 201, body = TeamView),
    (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/rounds/{id}/teams")]
pub async fn add_round_team(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<NewTeam>,
) -> AppResult<HttpResponse> {
    let id: RoundId = path_id(&id, not_found)?;
    let name = body.0.name;
    let v = run(&state.pool, move |conn| rounds::add_team(conn, &p, &id, &name)).await?;
    Ok(HttpResponse::Created().json(v))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewInspectedUnit {
    /// A supervision object of kind `unit` (被巡察党组织).
    #[schema(schema_with = crate::contract::id_body)]
    pub object_id: String,
    /// A team of this round.
    #[schema(schema_with = crate::contract::id_or_null)]
    pub team_id: Option<String>,
    /// The unit's own account: an agency of kind `inspected_unit`.
    #[schema(schema_with = crate::contract::id_or_null)]
    pub account_agency_id: Option<String>,
}

/// Parses the optional team and account of an inspected unit.
pub fn unit_settings(team_id: Option<&str>, account: Option<&str>) -> AppResult<UnitSettings> {
    let mut errs = Vec::new();
    let team_id = parse_opt("team_id", team_id, &mut errs);
    let account_agency_id = parse_opt("account_agency_id", account, &mut errs);
    if errs.is_empty() {
        Ok(UnitSettings { team_id, account_agency_id })
    } else {
        Err(AppError::Validation(errs))
    }
}

/// Adds an inspected unit to the round (the office).
#[utoipa::path(tag = "巡察", request_body = NewInspectedUnit, responses((status = 201, body = InspectedUnitView),
    (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/rounds/{id}/units")]
pub async fn add_round_unit(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<NewInspectedUnit>,
) -> AppResult<HttpResponse> {
    let id: RoundId = path_id(&id, not_found)?;
    let b = body.0;
    let object_id = ObjectId::parse(&b.object_id).ok_or_else(|| AppError::validation("object_id", "编号格式无效"))?;
    let s = unit_settings(b.team_id.as_deref(), b.account_agency_id.as_deref())?;
    let v = run(&state.pool, move |conn| rounds::add_unit(conn, &p, &id, &object_id, &s)).await?;
    Ok(HttpResponse::Created().json(v))
}
