//! Inspection–audit linkages (巡审联动): the round's office links an inspected unit to an audit
//! project of an audit agency; while the linkage is active both read each other's findings on
//! the unit (records distributed to the linkage's sharing group); when it ends — by the office
//! or after its end date — both lose them (tombstones in their feeds). Seen by the office, the
//! audit agency and the round's participants; 404 to everyone else.

use std::collections::BTreeMap;

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::{access_purpose, path_id, run, Auth, JsonBody, Query};
use crate::api::page;
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::contract::record::RecordView;
use crate::domain::ids::{AgencyId, AuditLinkageId, InspectedUnitId};
use crate::domain::inspection::linkage::{LinkageDraft, LinkageState};
use crate::domain::record::{Distribution, RecordContent, RecordKind, Sensitivity};
use crate::error::{AppError, AppResult, FieldError};
use crate::policy::audit_linkage::LINKAGE_NOT_FOUND;
use crate::policy::inspection::UNIT_NOT_FOUND;
use crate::service::inspection::linkage::exchange as linkage_findings;
use crate::service::inspection::linkage::{self, LinkageView};

fn not_found() -> AppError {
    AppError::NotFound(LINKAGE_NOT_FOUND.into())
}

fn unit_not_found() -> AppError {
    AppError::NotFound(UNIT_NOT_FOUND.into())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewAuditLinkage {
    /// The audit agency (kind `audit`) running the audit project.
    #[schema(schema_with = crate::contract::id_body)]
    pub audit_agency_id: String,
    /// The audit project (审计项目), e.g. 2026年度预算执行审计.
    #[schema(schema_with = crate::contract::name_100)]
    pub project_name: String,
    /// YYYY-MM-DD: the audit project's start.
    #[schema(schema_with = crate::contract::date_body)]
    pub start_date: String,
    /// YYYY-MM-DD, not before `start_date` nor today: the linkage's last day.
    #[schema(schema_with = crate::contract::date_body)]
    pub end_date: String,
}

/// Links the inspected unit to an audit project (the round's office). In one transaction the
/// hub makes the linkage's sharing group (the office and the audit agency its members) and
/// distributes to it the office's findings on the unit kept to itself (`own`); from then on a
/// finding recorded on the unit with `own` distribution goes to the group too. The audit
/// agency must be of kind `audit` and the sharing agreements must let problems and clues go
/// to it and its audit reports to the office (else 422). One active linkage per unit (409).
#[utoipa::path(tag = "巡察", request_body = NewAuditLinkage, responses((status = 201, body = LinkageView),
    (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/inspected-units/{id}/audit-linkages")]
pub async fn create_audit_linkage(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<NewAuditLinkage>,
) -> AppResult<HttpResponse> {
    let id: InspectedUnitId = path_id(&id, unit_not_found)?;
    let b = body.0;
    let today = crate::domain::clock::today();
    let mut errs: Vec<FieldError> = Vec::new();
    let audit = AgencyId::parse(&b.audit_agency_id);
    if audit.is_none() {
        errs.push(FieldError::new("audit_agency_id", "编号格式无效"));
    }
    let draft = LinkageDraft::parse(&b.project_name, &b.start_date, &b.end_date, &today);
    let (draft, audit) = match (draft, audit) {
        (Ok(d), Some(a)) => (d, a),
        (Ok(_), None) => return Err(AppError::Validation(errs)),
        (Err(mut e), _) => {
            e.extend(errs);
            return Err(AppError::Validation(e));
        }
    };
    let v = run(&state.pool, move |conn| linkage::create(conn, &p, &id, &audit, &draft)).await?;
    Ok(HttpResponse::Created().json(v))
}

/// The unit's linkages, newest first (the round's office and participants).
#[utoipa::path(tag = "巡察", responses((status = 200, body = Vec<LinkageView>), (status = 403, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/inspected-units/{id}/audit-linkages")]
pub async fn list_unit_audit_linkages(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id: InspectedUnitId = path_id(&id, unit_not_found)?;
    let v = run(&state.pool, move |conn| linkage::list_for_unit(conn, &p, &id)).await?;
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct LinkageParams {
    #[param(schema_with = linkage_state_param)]
    pub state: Option<String>,
    #[param(schema_with = crate::contract::id_cursor_param)]
    pub cursor: Option<String>,
    #[param(schema_with = crate::contract::limit_param)]
    pub limit: Option<i64>,
}

fn linkage_state_param() -> utoipa::openapi::ObjectBuilder {
    crate::contract::choice_param(&LinkageState::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>())
}

crate::page_schema!(LinkagePage, LinkageView);

/// The linkages the caller's agency runs (office), audits (audit agency) or sees as one of
/// the round's participants, newest first.
#[utoipa::path(tag = "巡察", params(LinkageParams), responses((status = 200, body = LinkagePage),
    (status = 400, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/audit-linkages")]
pub async fn list_audit_linkages(
    state: web::Data<AppState>,
    Auth(p): Auth,
    params: Query<LinkageParams>,
) -> AppResult<HttpResponse> {
    let params = params.into_inner();
    let w = page::window(params.cursor.as_deref(), params.limit)?;
    let wanted = match params.state.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(LinkageState::parse(s).ok_or_else(|| {
            AppError::validation("state", format!("状态“{s}”无效,可选:{}", LinkageState::expected()))
        })?),
    };
    let page = run(&state.pool, move |conn| linkage::page(conn, &p, &w, wanted)).await?;
    Ok(HttpResponse::Ok().json(LinkagePage::from(page)))
}

/// One linkage.
#[utoipa::path(tag = "巡察", responses((status = 200, body = LinkageView), (status = 403, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/audit-linkages/{id}")]
pub async fn get_audit_linkage(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id: AuditLinkageId = path_id(&id, not_found)?;
    let v = run(&state.pool, move |conn| linkage::show(conn, &p, &id)).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// Ends the linkage (its office): the office and the audit agency leave its group, so each
/// loses the other's findings on the unit (a `record.revoked` tombstone in its feed for each).
/// A linkage also ends by itself after its end date.
#[utoipa::path(tag = "巡察", responses((status = 200, body = LinkageView), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/audit-linkages/{id}/end")]
pub async fn end_audit_linkage(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id: AuditLinkageId = path_id(&id, not_found)?;
    let v = run(&state.pool, move |conn| linkage::end(conn, &p, &id)).await?;
    Ok(HttpResponse::Ok().json(v))
}

fn default_sensitivity() -> Sensitivity {
    Sensitivity::General
}

/// An audit finding on the linked unit, as the audit agency publishes it: a record of kind
/// `audit_report` on the unit's object, distributed to the linkage's group.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewAuditFinding {
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
    #[serde(default = "default_sensitivity")]
    pub sensitivity: Sensitivity,
    #[serde(default)]
    #[schema(schema_with = crate::contract::protected_fields)]
    pub protected: BTreeMap<String, String>,
}

/// Publishes an audit finding into the active linkage (its audit agency).
#[utoipa::path(tag = "巡察", request_body = NewAuditFinding, responses((status = 201, body = RecordView),
    (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/audit-linkages/{id}/findings")]
pub async fn create_audit_linkage_finding(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<NewAuditFinding>,
) -> AppResult<HttpResponse> {
    let id: AuditLinkageId = path_id(&id, not_found)?;
    let b = body.0;
    let content = RecordContent {
        kind: RecordKind::AuditReport,
        title: b.title,
        body: b.body,
        category: b.category.filter(|c| !c.trim().is_empty()),
        object_ids: b.object_ids,
        tags: b.tags,
        attributes: Default::default(),
        distribution: Distribution::own(),
        sensitivity: b.sensitivity,
        protected: b.protected,
        field_grants: vec![],
        external_id: None,
    };
    let v = run(&state.pool, move |conn| linkage_findings::publish(conn, &p, &id, content)).await?;
    Ok(HttpResponse::Created().json(v))
}

/// The findings exchanged in the linkage that the caller's agency may read (as distributed:
/// the office's and the audit agency's while the linkage is active; each its own after).
/// Restricted ones show their title only with `X-Access-Purpose` (audited).
#[utoipa::path(tag = "巡察", params(crate::contract::AccessPurpose), responses((status = 200, body = Vec<RecordView>),
    (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/audit-linkages/{id}/findings")]
pub async fn list_audit_linkage_findings(
    state: web::Data<AppState>,
    req: HttpRequest,
    Auth(p): Auth,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id: AuditLinkageId = path_id(&id, not_found)?;
    let purpose = access_purpose(&req)?;
    let v = run(&state.pool, move |conn| linkage_findings::list(conn, &p, &id, purpose.as_deref())).await?;
    Ok(HttpResponse::Ok().json(v))
}
