//! Member units (成员单位): the directory every agency reads, administered by the hub admin.

use actix_web::{get, patch, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::extract::{path_id, run, Auth, JsonBody, Query};
use crate::api::page::{self};
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::domain::agency::{validate_code, validate_name, AgencyKind, AgencyLevel};
use crate::domain::{is_id, new_id, now};
use crate::error::{AppError, AppResult, FieldError};
use crate::policy::{self};
use crate::service::agencies::{Agency, AgencyChanges};
use crate::service::{self};
use crate::store::log::{write_tx, Actor};
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
    let mut errs = Vec::new();
    validate_code(&b.code, &mut errs);
    if b.kind == AgencyKind::Hub {
        errs.push(FieldError::new("kind", "平台运维单位(hub)由系统创建,不能新建"));
    }
    validate_name("name", &b.name, &mut errs);
    if b.parent_id.as_ref().is_some_and(|id| !is_id(id)) {
        errs.push(FieldError::new("parent_id", "上级单位编号格式无效"));
    }
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    let agency = Agency {
        id: new_id(),
        code: b.code,
        name: b.name.trim().to_string(),
        kind: b.kind.as_str().into(),
        level: b.level.as_str().into(),
        parent_id: b.parent_id,
        active: true,
        created_at: now(),
    };
    let a = agency.clone();
    run(&state.pool, move |conn| {
        write_tx(conn, |conn, log| {
            if let Some(parent) = &a.parent_id {
                service::agencies::get(conn, parent)
                    .map_err(|_| AppError::validation("parent_id", "上级单位不存在"))?;
            }
            service::agencies::insert(conn, log, &Actor::from(&p), &a)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(agency))
}

/// One member unit.
#[utoipa::path(tag = "成员单位", responses((status = 200, body = Agency), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/agencies/{id}")]
pub async fn get_agency(state: web::Data<AppState>, _auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let id = path_id(&id, agency_not_found)?;
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
    let id = path_id(&id, agency_not_found)?;
    let b = body.0;
    let mut errs = Vec::new();
    if let Some(n) = &b.name {
        validate_name("name", n, &mut errs);
    }
    if b.parent_id.as_ref().is_some_and(|pid| !is_id(pid) || *pid == id) {
        errs.push(FieldError::new("parent_id", "上级单位无效"));
    }
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    let changes = AgencyChanges {
        name: b.name.map(|n| n.trim().to_string()),
        kind: b.kind.map(|k| k.as_str().to_string()),
        level: b.level.map(|l| l.as_str().to_string()),
        parent_id: b.parent_id.map(Some),
        active: b.active,
    };
    let a = run(&state.pool, move |conn| {
        write_tx(conn, |conn, log| {
            // The hub agency stays the hub and no member unit becomes one: the hub's users
            // hold only the admin role, and member units' users never do.
            if let Some(kind) = &changes.kind {
                let current = service::agencies::get(conn, &id)?;
                if policy::credentials::is_hub(&current.kind) != policy::credentials::is_hub(kind) {
                    return Err(AppError::validation(
                        "kind",
                        "不能把成员单位改为平台运维单位,也不能改变平台运维单位的类别",
                    ));
                }
            }
            service::agencies::update(conn, log, &Actor::from(&p), &id, changes)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(a))
}
