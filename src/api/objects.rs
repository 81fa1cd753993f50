//! Supervision objects (监督对象): units and cadres that records are about; identity numbers are
//! stored only as a keyed digest.

use actix_web::{get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::{path_id, run, Auth, JsonBody, Query};
use crate::api::page;
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::domain::ids::ObjectId;
use crate::domain::object::ObjectDraft;
use crate::error::{AppError, AppResult};
use crate::policy;
use crate::service::objects::{LookupBudget, ObjectQuery, ObjectView};
use crate::service::{self};

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewObject {
    #[schema(schema_with = crate::contract::name_100)]
    pub name: String,
    /// `unit` (单位/党组织) or `person` (领导干部).
    #[schema(schema_with = crate::contract::object_kind)]
    pub kind: String,
    #[schema(schema_with = crate::contract::text_200_or_null)]
    pub unit: Option<String>,
    #[schema(schema_with = crate::contract::text_200_or_null)]
    pub position: Option<String>,
    /// Identity number (身份证号 / 统一社会信用代码): stored only as a digest.
    #[schema(schema_with = crate::contract::text_64_or_null)]
    pub id_number: Option<String>,
}

/// Registers a supervision object.
#[utoipa::path(tag = "监督对象", request_body = NewObject, responses(
    (status = 201, body = ObjectView), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/objects")]
pub async fn create_object(
    state: web::Data<AppState>,
    Auth(p): Auth,
    body: JsonBody<NewObject>,
) -> AppResult<HttpResponse> {
    policy::require_content_writer(&p)?;
    let b = body.0;
    let draft = ObjectDraft::parse(&b.name, b.kind, b.unit, b.position, b.id_number)?;
    let key = identity_key(&state).to_string();
    let view = run(&state.pool, move |conn| service::objects::create(conn, &p, draft, &key)).await?;
    Ok(HttpResponse::Created().json(view))
}

/// The server's identity-number key (checked at start: `Application::build`).
fn identity_key(state: &AppState) -> &str {
    state.settings.identity_key.as_ref().map(|k| k.expose()).unwrap_or_default()
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ObjectParams {
    /// Name fragment.
    pub q: Option<String>,
    pub kind: Option<String>,
    /// Find by identity number (matched against the stored digest).
    pub id_number: Option<String>,
    #[param(schema_with = crate::contract::id_cursor_param)]
    pub cursor: Option<String>,
    #[param(schema_with = crate::contract::limit_param)]
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ObjectPage {
    pub items: Vec<ObjectView>,
    pub next_cursor: Option<String>,
}

/// Supervision objects (shared reference data of the hub).
#[utoipa::path(tag = "监督对象", params(ObjectParams), responses((status = 200, body = ObjectPage), (status = 400, body = Problem),
    (status = 429, body = Problem, headers(("Retry-After" = i64, description = "秒数")))), security(("bearer" = [])))]
#[get("/objects")]
pub async fn list_objects(
    state: web::Data<AppState>,
    Auth(p): Auth,
    params: Query<ObjectParams>,
) -> AppResult<HttpResponse> {
    policy::require_content_reader(&p)?;
    let params = params.into_inner();
    let limit = page::limit(params.limit)?;
    let after = match params.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => Some(page::decode_id(c)?),
        None => None,
    };
    let f = ObjectQuery { q: params.q, kind: params.kind, id_number_digest: None, after, limit };
    let budget = LookupBudget {
        limit: state.settings.object_lookup_limit,
        window_secs: state.settings.object_lookup_window_secs as i64,
    };
    let key = identity_key(&state).to_string();
    let id_number = params.id_number;
    let page =
        run(&state.pool, move |conn| service::objects::search(conn, &p, f, id_number.as_deref(), budget, &key)).await?;
    let (items, next_cursor) = (page.items, page.next_cursor);
    Ok(HttpResponse::Ok().json(ObjectPage { items, next_cursor }))
}

/// One supervision object.
#[utoipa::path(tag = "监督对象", responses((status = 200, body = ObjectView), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/objects/{id}")]
pub async fn get_object(state: web::Data<AppState>, Auth(p): Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    policy::require_content_reader(&p)?;
    let id: ObjectId = path_id(&id, || AppError::NotFound("监督对象不存在".into()))?;
    let o = run(&state.pool, move |conn| service::objects::get(conn, &id)).await?;
    Ok(HttpResponse::Ok().json(o.view_for(&p.agency_id)))
}
