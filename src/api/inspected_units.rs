//! Inspected units (被巡察党组织) of a round and their findings (问题 and 线索). The round's office
//! and participants see a unit; its own account (role `inspected`) sees its own entry. Findings
//! are records: each reader gets those distributed to it, nothing else.

use std::collections::BTreeMap;

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::{access_purpose, path_id, run, Auth, JsonBody, Query};
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::domain::ids::InspectedUnitId;
use crate::domain::inspection::FindingKind;
use crate::domain::record::{Distribution, RecordContent, Sensitivity};
use crate::error::{AppError, AppResult};
use crate::policy::inspection::UNIT_NOT_FOUND;
use crate::service::inspection::findings::{self, FindingView};
use crate::service::inspection::rounds;
use crate::service::inspection::InspectedUnitView;

fn not_found() -> AppError {
    AppError::NotFound(UNIT_NOT_FOUND.into())
}

/// One inspected unit (the round's office and participants, or the unit's own account).
#[utoipa::path(tag = "巡察", responses((status = 200, body = InspectedUnitView), (status = 403, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/inspected-units/{id}")]
pub async fn get_inspected_unit(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id: InspectedUnitId = path_id(&id, not_found)?;
    let v = run(&state.pool, move |conn| rounds::show_unit(conn, &p, &id)).await?;
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct InspectedUnitPatch {
    /// A team of the unit's round.
    #[schema(schema_with = crate::contract::id_or_null)]
    pub team_id: Option<String>,
    /// The unit's own account: an agency of kind `inspected_unit`.
    #[schema(schema_with = crate::contract::id_or_null)]
    pub account_agency_id: Option<String>,
}

/// Sets an inspected unit's team or account (the round's office); fields left out stay.
#[utoipa::path(tag = "巡察", request_body = InspectedUnitPatch, responses((status = 200, body = InspectedUnitView),
    (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[patch("/inspected-units/{id}")]
pub async fn update_inspected_unit(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<InspectedUnitPatch>,
) -> AppResult<HttpResponse> {
    let id: InspectedUnitId = path_id(&id, not_found)?;
    let b = body.0;
    let s = crate::api::rounds::unit_settings(b.team_id.as_deref(), b.account_agency_id.as_deref())?;
    let v = run(&state.pool, move |conn| rounds::update_unit(conn, &p, &id, &s)).await?;
    Ok(HttpResponse::Ok().json(v))
}

fn default_sensitivity() -> Sensitivity {
    Sensitivity::General
}

/// A finding as the office records it: published as a record (a problem as kind
/// `inspection_problem`, a clue as kind `clue`), linked to the inspected unit's object.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewFinding {
    pub kind: FindingKind,
    #[schema(schema_with = crate::contract::record_title)]
    pub title: String,
    #[serde(default)]
    #[schema(schema_with = crate::contract::record_body)]
    pub body: String,
    /// A problem category (e.g. 廉洁纪律) or its code.
    pub category: Option<String>,
    /// Further supervision objects (leaders concerned); the unit's own object is added.
    #[serde(default)]
    #[schema(schema_with = crate::contract::id_list)]
    pub object_ids: Vec<String>,
    #[serde(default)]
    #[schema(schema_with = crate::contract::record_tags)]
    pub tags: Vec<String>,
    /// Who else reads the finding (default: the office only).
    #[serde(default = "Distribution::own", deserialize_with = "crate::wire::object")]
    #[schema(schema_with = crate::contract::distribution_input)]
    pub distribution: Distribution,
    #[serde(default = "default_sensitivity")]
    pub sensitivity: Sensitivity,
    #[serde(default)]
    #[schema(schema_with = crate::contract::protected_fields)]
    pub protected: BTreeMap<String, String>,
    #[serde(default)]
    #[schema(schema_with = crate::contract::id_list)]
    pub field_grants: Vec<String>,
}

/// Records a problem or clue found in the unit (the round's office, from `inspection` to
/// `rectification`). A clue is then transferred through `POST /records/{id}/transfers`.
#[utoipa::path(tag = "巡察", request_body = NewFinding, responses((status = 201, body = FindingView),
    (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/inspected-units/{id}/findings")]
pub async fn create_finding(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<NewFinding>,
) -> AppResult<HttpResponse> {
    let id: InspectedUnitId = path_id(&id, not_found)?;
    let b = body.0;
    let kind = b.kind;
    let content = RecordContent {
        kind: findings::record_kind(kind),
        title: b.title,
        body: b.body,
        category: b.category.filter(|c| !c.trim().is_empty()),
        object_ids: b.object_ids,
        tags: b.tags,
        attributes: Default::default(),
        distribution: b.distribution,
        sensitivity: b.sensitivity,
        protected: b.protected,
        field_grants: b.field_grants,
        external_id: None,
    };
    let v = run(&state.pool, move |conn| findings::record(conn, &p, &id, kind, content)).await?;
    Ok(HttpResponse::Created().json(v))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct FindingParams {
    #[param(schema_with = finding_kind_param)]
    pub kind: Option<String>,
}

fn finding_kind_param() -> utoipa::openapi::ObjectBuilder {
    crate::contract::choice_param(&FindingKind::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>())
}

/// The unit's findings whose records the caller's agency may read, as distributed to it.
/// Restricted findings show their title only with `X-Access-Purpose` (audited).
#[utoipa::path(tag = "巡察", params(FindingParams, crate::contract::AccessPurpose),
    responses((status = 200, body = Vec<FindingView>), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/inspected-units/{id}/findings")]
pub async fn list_findings(
    state: web::Data<AppState>,
    req: HttpRequest,
    Auth(p): Auth,
    id: web::Path<String>,
    params: Query<FindingParams>,
) -> AppResult<HttpResponse> {
    let id: InspectedUnitId = path_id(&id, not_found)?;
    let purpose = access_purpose(&req)?;
    let kind =
        match params.into_inner().kind.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(FindingKind::parse(s).ok_or_else(|| {
                AppError::validation("kind", format!("类别“{s}”无效,可选:{}", FindingKind::expected()))
            })?),
        };
    let v = run(&state.pool, move |conn| findings::list(conn, &p, &id, kind, purpose.as_deref())).await?;
    Ok(HttpResponse::Ok().json(v))
}
