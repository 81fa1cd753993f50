//! API keys of an agency's systems (接入密钥): issued and revoked by its agency admin or the hub admin.

use actix_web::{delete, get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::agencies::agency_not_found;
use crate::api::extract::{path_id, run, Auth, JsonBody, Query};
use crate::api::page::PageParams;
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::domain::ids::{AgencyId, ApiKeyId};
use crate::domain::Role;
use crate::error::{AppError, AppResult};
use crate::policy::{self};
use crate::service::auth::ApiKey;
use crate::service::{self};

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewApiKey {
    /// What the key is for, e.g. 案件管理系统.
    #[schema(schema_with = crate::contract::name_100)]
    pub name: String,
    /// Defaults to `["liaison"]`; `admin` is not allowed for keys.
    #[serde(default)]
    #[schema(schema_with = crate::contract::key_roles)]
    pub roles: Vec<Role>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CreatedApiKey {
    pub id: String,
    pub agency_id: String,
    pub name: String,
    pub prefix: String,
    pub roles: Vec<Role>,
    /// The key itself: shown once, stored only as a digest.
    pub key: String,
}

/// Issues an API key for an agency system: the agency's own admin only (a key reads the
/// agency's content, so the hub admin issues none: 403).
#[utoipa::path(tag = "成员单位", request_body = NewApiKey, responses(
    (status = 201, body = CreatedApiKey), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/agencies/{id}/api-keys")]
pub async fn create_api_key(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<NewApiKey>,
) -> AppResult<HttpResponse> {
    let id: AgencyId = path_id(&id, agency_not_found)?;
    let b = body.0;
    let (key, secret) =
        run(&state.pool, move |conn| service::auth::issue_api_key(conn, &p, &id, &b.name, b.roles)).await?;
    Ok(HttpResponse::Created().json(CreatedApiKey {
        roles: Role::from_stored_list(&key.roles).map_err(anyhow::Error::from)?,
        id: key.id,
        agency_id: key.agency_id,
        name: key.name,
        prefix: key.prefix,
        key: secret,
    }))
}

/// The agency's API keys (never the keys themselves).
/// In the order they were issued, a page at a time.
#[utoipa::path(tag = "成员单位", params(PageParams), responses((status = 200, body = ApiKeyPage), (status = 400, body = Problem),
    (status = 403, body = Problem)), security(("bearer" = [])))]
#[get("/agencies/{id}/api-keys")]
pub async fn list_api_keys(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    params: Query<PageParams>,
) -> AppResult<HttpResponse> {
    let id: AgencyId = path_id(&id, agency_not_found)?;
    policy::credentials::require_key_keeper(&p, &id)?;
    let w = params.window()?;
    let page = run(&state.pool, move |conn| service::auth::page_api_keys(conn, &id, &w)).await?;
    Ok(HttpResponse::Ok().json(ApiKeyPage::from(page)))
}

crate::page_schema!(ApiKeyPage, ApiKey);

/// Revokes an API key at once.
#[utoipa::path(tag = "成员单位", responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
#[delete("/agencies/{id}/api-keys/{key_id}")]
pub async fn revoke_api_key(
    state: web::Data<AppState>,
    Auth(p): Auth,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (id, key_id) = path.into_inner();
    let id: AgencyId = path_id(&id, agency_not_found)?;
    policy::credentials::require_key_keeper(&p, &id)?;
    let key_id: ApiKeyId = path_id(&key_id, || AppError::NotFound("接入密钥不存在".into()))?;
    run(&state.pool, move |conn| service::auth::revoke_api_key(conn, &p, &id, &key_id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
