//! Member units (成员单位): the directory every agency reads, administered by the hub admin.

use actix_web::{get, patch, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::extract::{path_id, run, Auth, JsonBody, Query};
use crate::api::page::{self};
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::domain::agency::{AgencyDraft, AgencyEdit, AgencyKind, AgencyLevel};
use crate::domain::ids::AgencyId;
use crate::error::{AppError, AppResult};
use crate::policy::{self};
use crate::service::agencies::Agency;
use crate::service::{self};
use utoipa::IntoParams;

pub(super) fn agency_not_found() -> AppError {
    AppError::NotFound("成员单位不存在".into())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewAgency {
    #[schema(pattern = "^[a-z0-9_-]{2,32}$")]
    pub code: String,
    #[schema(schema_with = crate::contract::name_100)]
    pub name: String,
    pub kind: AgencyKind,
    pub level: AgencyLevel,
    #[schema(schema_with = crate::contract::id_or_null)]
    pub parent_id: Option<String>,
}

/// Member units (every signed-in user may list them, to address distributions).
/// In code order, a page at a time; `kind` filters by category.
#[utoipa::path(tag = "成员单位", params(AgencyParams), responses((status = 200, body = AgencyPage), (status = 400, body = Problem)),
    security(("bearer" = [])))]
#[get("/agencies")]
pub async fn list_agencies(
    state: web::Data<AppState>,
    _auth: Auth,
    params: Query<AgencyParams>,
) -> AppResult<HttpResponse> {
    let w = page::key_window(params.cursor.as_deref(), params.limit)?;
    let kind = params.kind.as_deref().filter(|k| !k.is_empty()).map(|k| {
        AgencyKind::parse(k).ok_or_else(|| AppError::validation("kind", format!("可选:{}", AgencyKind::expected())))
    });
    let kind = kind.transpose()?;
    let page = run(&state.pool, move |conn| service::agencies::page(conn, &w, kind.map(AgencyKind::as_str))).await?;
    Ok(HttpResponse::Ok().json(AgencyPage::from(page)))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AgencyParams {
    #[param(schema_with = crate::contract::agency_kind_param)]
    pub kind: Option<String>,
    #[param(schema_with = crate::contract::key_cursor_param)]
    pub cursor: Option<String>,
    #[param(schema_with = crate::contract::limit_param)]
    pub limit: Option<i64>,
}

crate::page_schema!(AgencyPage, Agency);

/// Creates a member unit (admin).
#[utoipa::path(tag = "成员单位", request_body = NewAgency, responses(
    (status = 201, body = Agency), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/agencies")]
pub async fn create_agency(
    state: web::Data<AppState>,
    Auth(p): Auth,
    body: JsonBody<NewAgency>,
) -> AppResult<HttpResponse> {
    policy::require_admin(&p)?;
    let b = body.0;
    let draft = AgencyDraft::parse(b.code, &b.name, b.kind, b.level, b.parent_id.as_deref())?;
    let agency = run(&state.pool, move |conn| service::agencies::create(conn, &p, draft)).await?;
    Ok(HttpResponse::Created().json(agency))
}

/// One member unit.
#[utoipa::path(tag = "成员单位", responses((status = 200, body = Agency), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/agencies/{id}")]
pub async fn get_agency(state: web::Data<AppState>, _auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let id: AgencyId = path_id(&id, agency_not_found)?;
    let a = run(&state.pool, move |conn| service::agencies::get(conn, &id)).await?;
    Ok(HttpResponse::Ok().json(a))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AgencyPatch {
    #[schema(schema_with = crate::contract::name_100_or_null)]
    pub name: Option<String>,
    pub kind: Option<AgencyKind>,
    pub level: Option<AgencyLevel>,
    #[schema(schema_with = crate::contract::id_or_null)]
    pub parent_id: Option<String>,
    /// A deactivated unit can no longer sign in, use its API keys or receive shares.
    pub active: Option<bool>,
}

/// Changes a member unit (admin).
#[utoipa::path(tag = "成员单位", request_body = AgencyPatch, responses(
    (status = 200, body = Agency), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[patch("/agencies/{id}")]
pub async fn update_agency(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<AgencyPatch>,
) -> AppResult<HttpResponse> {
    policy::require_admin(&p)?;
    let id: AgencyId = path_id(&id, agency_not_found)?;
    let b = body.0;
    let edit = AgencyEdit::parse(&id, b.name.as_deref(), b.kind, b.level, b.parent_id.as_deref(), b.active)?;
    let a = run(&state.pool, move |conn| service::agencies::change(conn, &p, &id, edit)).await?;
    Ok(HttpResponse::Ok().json(a))
}
