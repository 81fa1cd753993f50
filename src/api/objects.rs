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
use crate::domain::{new_id, now};
use crate::error::{AppError, AppResult, FieldError};
use crate::policy;
use crate::service::objects::{ObjectQuery, ObjectView, SubjectObject};
use crate::service::{self};
use crate::store::log::{write_tx, Actor};

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
    let mut errs = Vec::new();
    crate::domain::agency::validate_name("name", &b.name, &mut errs);
    if b.kind != "unit" && b.kind != "person" {
        errs.push(FieldError::new("kind", "监督对象类别须为 unit(单位)或 person(个人)"));
    }
    for (f, v) in [("unit", &b.unit), ("position", &b.position)] {
        if v.as_ref().is_some_and(|v| v.chars().count() > 200) {
            errs.push(FieldError::new(f, "不超过 200 个字符"));
        }
    }
    if b.id_number.as_ref().is_some_and(|v| v.trim().is_empty() || v.chars().count() > 64) {
        errs.push(FieldError::new("id_number", "证件号码格式无效"));
    }
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    let obj = SubjectObject {
        id: new_id(),
        name: b.name.trim().to_string(),
        kind: b.kind,
        unit: b.unit,
        position: b.position,
        id_number_hash: b.id_number.as_deref().map(|n| service::objects::id_number_digest(identity_key(&state), n)),
        created_by_agency_id: p.agency_id.clone(),
        created_at: now(),
    };
    let (o, agency) = (obj.clone(), p.agency_id.clone());
    run(&state.pool, move |conn| write_tx(conn, |conn, log| service::objects::insert(conn, log, &Actor::from(&p), &o)))
        .await?;
    Ok(HttpResponse::Created().json(obj.view_for(&agency)))
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
    let id_number_digest = match params.id_number.as_deref() {
        None => None,
        Some(n) => {
            // Each guess costs one of a small budget, shared by every instance of the hub, so
            // numbers cannot be enumerated.
            let (key, limit) = (format!("lookup:{}", p.actor_id()), state.settings.object_lookup_limit);
            let window = state.settings.object_lookup_window_secs as i64;
            let taken =
                run(&state.pool, move |conn| Ok(crate::store::throttle::take_budget(conn, &key, limit, window)?))
                    .await?;
            if let Err(secs) = taken {
                return Err(AppError::TooManyRequests(format!("按证件号码查询过于频繁,请 {secs} 秒后再试"), secs));
            }
            Some(service::objects::id_number_digest(identity_key(&state), n))
        }
    };
    let f = ObjectQuery { q: params.q, kind: params.kind, id_number_digest, after, limit };
    let agency = p.agency_id.clone();
    let rows = run(&state.pool, move |conn| Ok(service::objects::list(conn, &f)?)).await?;
    let items: Vec<ObjectView> = rows.into_iter().map(|o| o.view_for(&agency)).collect();
    let next_cursor = if items.len() as i64 == limit { items.last().map(|o| page::encode_id(&o.id)) } else { None };
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
