//! Supervision objects, the category taxonomy, and records: publish, read, list and
//! search, update (If-Match), withdraw, history.

use std::collections::BTreeMap;

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::{
    access_purpose, idempotency_key, if_match, optional_if_match, path_id, run, Auth, JsonBody, JsonBytes, Query,
};
use crate::api::page;
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::contract::record::RecordInput;
use crate::domain::record::{Distribution, RecordContent, RecordKind, Sensitivity};
use crate::domain::{is_id, new_id, now};
use crate::error::{AppError, AppResult, FieldError};
use crate::policy;
use crate::store::catalog::Category;
use crate::store::grants::GrantView;
use crate::store::history::HistoryEntry;
use crate::store::log::{write_tx, Actor};
use crate::store::objects::{ObjectQuery, ObjectView, SubjectObject};
use crate::store::records::{present, RecordQuery, RecordView, UpdateOutcome, WriteContext};
use crate::store::{self, directory};

/// The problem-category taxonomy (问题类别).
#[utoipa::path(tag = "信息", responses((status = 200, body = Vec<Category>)), security(("bearer" = [])))]
#[get("/categories")]
pub async fn list_categories(state: web::Data<AppState>, _auth: Auth) -> AppResult<HttpResponse> {
    let list = run(&state.pool, |conn| Ok(store::catalog::list(conn)?)).await?;
    Ok(HttpResponse::Ok().json(list))
}

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
        id_number_hash: b.id_number.as_deref().map(|n| store::objects::id_number_digest(identity_key(&state), n)),
        created_by_agency_id: p.agency_id.clone(),
        created_at: now(),
    };
    let (o, agency) = (obj.clone(), p.agency_id.clone());
    run(&state.pool, move |conn| write_tx(conn, |conn, log| store::objects::insert(conn, log, &Actor::from(&p), &o)))
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
                run(&state.pool, move |conn| Ok(store::throttle::take_budget(conn, &key, limit, window)?)).await?;
            if let Err(secs) = taken {
                return Err(AppError::TooManyRequests(format!("按证件号码查询过于频繁,请 {secs} 秒后再试"), secs));
            }
            Some(store::objects::id_number_digest(identity_key(&state), n))
        }
    };
    let f = ObjectQuery { q: params.q, kind: params.kind, id_number_digest, after, limit };
    let agency = p.agency_id.clone();
    let rows = run(&state.pool, move |conn| Ok(store::objects::list(conn, &f)?)).await?;
    let items: Vec<ObjectView> = rows.into_iter().map(|o| o.view_for(&agency)).collect();
    let next_cursor = if items.len() as i64 == limit { items.last().map(|o| page::encode_id(&o.id)) } else { None };
    Ok(HttpResponse::Ok().json(ObjectPage { items, next_cursor }))
}

/// One supervision object.
#[utoipa::path(tag = "监督对象", responses((status = 200, body = ObjectView), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/objects/{id}")]
pub async fn get_object(state: web::Data<AppState>, Auth(p): Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    policy::require_content_reader(&p)?;
    let id = path_id(&id, || AppError::NotFound("监督对象不存在".into()))?;
    let o = run(&state.pool, move |conn| store::objects::get(conn, &id)).await?;
    Ok(HttpResponse::Ok().json(o.view_for(&p.agency_id)))
}

/// Publishes a record. With `Idempotency-Key`, a repeated request returns the first answer.
#[utoipa::path(tag = "信息", request_body = RecordInput, responses(
    (status = 201, body = RecordView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    params(crate::contract::IdempotencyKey),
    security(("bearer" = [])))]
#[post("/records")]
pub async fn create_record(
    state: web::Data<AppState>,
    req: HttpRequest,
    Auth(p): Auth,
    JsonBytes(body): JsonBytes,
) -> AppResult<HttpResponse> {
    policy::require_content_writer(&p)?;
    let key = idempotency_key(&req)?;
    let input: RecordInput = crate::json::parse(&body)?;
    let request_hash = crate::auth::digest(&String::from_utf8_lossy(&body));
    let (status, json) = run(&state.pool, move |conn| {
        if let Some(k) = &key {
            if let Some(s) = store::idempotency::lookup(conn, &p.agency_id, k, &request_hash)? {
                return Ok((s.status, s.response));
            }
        }
        let created = write_tx(conn, |conn, log| {
            // Again under the lock: a retry racing its own first attempt (the client timed
            // out while that one committed) gets the first answer, not a second record.
            if let Some(k) = &key {
                if let Some(s) = store::idempotency::lookup(conn, &p.agency_id, k, &request_hash)? {
                    return Ok((s.status, s.response, None));
                }
            }
            let ctx = WriteContext::load(conn)?;
            let s = store::records::create(conn, log, &ctx, &p, input.into())?;
            let view = present(&s, policy::Disclosure::OWNER);
            let json = serde_json::to_string(&view).map_err(anyhow::Error::from)?;
            if let Some(k) = &key {
                store::idempotency::save(conn, &p.agency_id, k, &request_hash, 201, &json, log.at())?;
            }
            Ok((201, json, Some(s.row.id)))
        })?;
        let (status, json, id) = created;
        if let Some(id) = id {
            store::similar::flag_after_commit(conn, &[id]);
        }
        Ok((status, json))
    })
    .await?;
    Ok(HttpResponse::build(
        actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::CREATED),
    )
    .content_type("application/json")
    .body(json))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct RecordParams {
    #[param(schema_with = crate::contract::record_kind_param)]
    pub kind: Option<String>,
    /// Full-text search (Chinese substrings: 违规发放 finds 违规发放津补贴).
    #[param(max_length = 200)]
    pub q: Option<String>,
    #[param(schema_with = crate::contract::id_param)]
    pub object_id: Option<String>,
    pub category: Option<String>,
    pub tag: Option<String>,
    /// Only records owned by this agency.
    #[param(schema_with = crate::contract::id_param)]
    pub source_agency_id: Option<String>,
    #[param(schema_with = crate::contract::sensitivity_param)]
    pub sensitivity: Option<String>,
    #[param(schema_with = crate::contract::seq_cursor_param)]
    pub cursor: Option<String>,
    #[param(schema_with = crate::contract::limit_param)]
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RecordPage {
    pub items: Vec<RecordView>,
    pub next_cursor: Option<String>,
}

fn record_query(p: RecordParams) -> AppResult<RecordQuery> {
    let mut errs = Vec::new();
    let kind = match p.kind.as_deref().filter(|k| !k.is_empty()) {
        None => None,
        Some(k) => RecordKind::parse(k).or_else(|| {
            errs.push(FieldError::new("kind", format!("信息类别无效,可选:{}", RecordKind::expected())));
            None
        }),
    };
    let sensitivity = match p.sensitivity.as_deref().filter(|k| !k.is_empty()) {
        None => None,
        Some(s) => Sensitivity::parse(s).or_else(|| {
            errs.push(FieldError::new("sensitivity", format!("密级无效,可选:{}", Sensitivity::expected())));
            None
        }),
    };
    for (f, v) in [("object_id", &p.object_id), ("source_agency_id", &p.source_agency_id)] {
        if v.as_ref().is_some_and(|v| !is_id(v)) {
            errs.push(FieldError::new(f, "编号格式无效"));
        }
    }
    if p.q.as_ref().is_some_and(|q| q.chars().count() > 200) {
        errs.push(FieldError::new("q", "检索词不超过 200 个字符"));
    }
    let limit = page::limit(p.limit);
    if let Err(AppError::Validation(e)) = &limit {
        errs.extend(e.clone());
    }
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    Ok(RecordQuery {
        kind,
        q: p.q.as_deref().and_then(crate::domain::text::normalize_query),
        object_id: p.object_id,
        category: p.category.filter(|c| !c.is_empty()),
        tag: p.tag.filter(|t| !t.is_empty()),
        source_agency_id: p.source_agency_id,
        sensitivity,
        before_seq: page::decode(p.cursor.as_deref())?,
        limit: limit?,
        purpose: None,
    })
}

/// Lists and searches the records the caller's agency is entitled to, newest change
/// first. Protected values are never in lists. A restricted record shows its title and
/// content, and is found by `q`, only with `X-Access-Purpose` (each such disclosure is
/// audited); without it, its title is "受限信息" and `content_withheld` is true.
#[utoipa::path(tag = "信息", params(RecordParams, crate::contract::AccessPurpose), responses(
    (status = 200, body = RecordPage), (status = 400, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/records")]
pub async fn list_records(
    state: web::Data<AppState>,
    req: HttpRequest,
    Auth(p): Auth,
    params: Query<RecordParams>,
) -> AppResult<HttpResponse> {
    policy::require_content_reader(&p)?;
    let mut f = record_query(params.into_inner())?;
    f.purpose = access_purpose(&req)?;
    let page = run(&state.pool, move |conn| {
        if let Some(c) = &f.category {
            f.category = Some(store::catalog::resolve(conn, c)?.unwrap_or_else(|| c.clone()));
        }
        let viewer = directory::viewer(conn, &p.agency_id)?;
        let rows = store::records::list(conn, &viewer, &f)?;
        let next_cursor = page::next(rows.len(), f.limit, rows.last().map(|r| r.row.seq));
        let items = store::records::present_listing(conn, &p, &viewer, &rows, f.purpose.as_deref())?;
        Ok(RecordPage { items, next_cursor })
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

fn record_not_found() -> AppError {
    AppError::record_not_found()
}

/// One record. Protected fields show where the policy allows (and the read is audited);
/// a restricted record needs `X-Access-Purpose` (else 428). Not entitled: 404.
#[utoipa::path(tag = "信息", params(crate::contract::AccessPurpose),
    responses((status = 200, body = RecordView), (status = 404, body = Problem), (status = 428, body = Problem)), security(("bearer" = [])))]
#[get("/records/{id}")]
pub async fn get_record(
    state: web::Data<AppState>,
    req: HttpRequest,
    Auth(p): Auth,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    policy::require_content_reader(&p)?;
    let id = path_id(&id, record_not_found)?;
    let purpose = access_purpose(&req)?;
    let view = run(&state.pool, move |conn| {
        let viewer = directory::viewer(conn, &p.agency_id)?;
        store::records::read(conn, &p, &viewer, &id, purpose.as_deref())
    })
    .await?;
    Ok(HttpResponse::Ok().insert_header(("ETag", format!("\"{}\"", view.version))).json(view))
}

/// A partial update: fields present replace the record's; absent ones stay.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RecordPatch {
    #[schema(schema_with = crate::contract::record_title_or_null)]
    pub title: Option<String>,
    #[schema(schema_with = crate::contract::record_body_or_null)]
    pub body: Option<String>,
    pub category: Option<String>,
    #[schema(schema_with = crate::contract::ids_or_null)]
    pub object_ids: Option<Vec<String>>,
    #[schema(schema_with = crate::contract::record_tags_or_null)]
    pub tags: Option<Vec<String>>,
    #[schema(value_type = Option<Object>)]
    pub attributes: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default, deserialize_with = "crate::wire::opt_object")]
    #[schema(schema_with = crate::contract::distribution_input_or_null)]
    pub distribution: Option<Distribution>,
    pub sensitivity: Option<Sensitivity>,
    #[schema(schema_with = crate::contract::protected_fields_or_null)]
    pub protected: Option<BTreeMap<String, String>>,
    #[schema(schema_with = crate::contract::ids_or_null)]
    pub field_grants: Option<Vec<String>>,
    #[schema(schema_with = crate::contract::external_id)]
    pub external_id: Option<String>,
}

impl RecordPatch {
    fn apply(self, c: &mut RecordContent) {
        if let Some(v) = self.title {
            c.title = v;
        }
        if let Some(v) = self.body {
            c.body = v;
        }
        if let Some(v) = self.category {
            c.category = Some(v).filter(|c| !c.trim().is_empty());
        }
        if let Some(v) = self.object_ids {
            c.object_ids = v;
        }
        if let Some(v) = self.tags {
            c.tags = v;
        }
        if let Some(v) = self.attributes {
            c.attributes = v;
        }
        if let Some(v) = self.distribution {
            c.distribution = v;
        }
        if let Some(v) = self.sensitivity {
            c.sensitivity = v;
        }
        if let Some(v) = self.protected {
            c.protected = v;
        }
        if let Some(v) = self.field_grants {
            c.field_grants = v;
        }
        if let Some(v) = self.external_id {
            c.external_id = Some(v);
        }
    }
}

/// Changes a record (owner only) with `If-Match: <version>`: missing is 428, stale 412.
/// Narrowing the distribution sends tombstones to the agencies that lose it. An
/// `external_id` another record of the agency already uses is 409.
#[utoipa::path(tag = "信息", request_body = RecordPatch, params(crate::contract::IfMatch),
    responses((status = 200, body = RecordView), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem), (status = 428, body = Problem)), security(("bearer" = [])))]
#[patch("/records/{id}")]
pub async fn update_record(
    state: web::Data<AppState>,
    req: HttpRequest,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<RecordPatch>,
) -> AppResult<HttpResponse> {
    policy::require_content_writer(&p)?;
    let id = path_id(&id, record_not_found)?;
    let version = if_match(&req)?;
    let patch = body.0;
    let view = run(&state.pool, move |conn| {
        write_tx(conn, |conn, log| {
            let ctx = WriteContext::load(conn)?;
            let viewer = directory::viewer(conn, &p.agency_id)?;
            let s = match store::records::update(conn, log, &ctx, &p, &viewer, &id, Some(version), |c| patch.apply(c))?
            {
                UpdateOutcome::Updated(s) | UpdateOutcome::Unchanged(s) => s,
            };
            Ok(present(&s, policy::Disclosure::OWNER))
        })
    })
    .await?;
    Ok(HttpResponse::Ok().insert_header(("ETag", format!("\"{}\"", view.version))).json(view))
}

/// Withdraws a record (owner only): every agency that had it gets a `record.withdrawn`
/// tombstone. `If-Match` is optional here.
#[utoipa::path(tag = "信息", params(crate::contract::OptionalIfMatch),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 412, body = Problem)),
    security(("bearer" = [])))]
#[delete("/records/{id}")]
pub async fn withdraw_record(
    state: web::Data<AppState>,
    req: HttpRequest,
    Auth(p): Auth,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    policy::require_content_writer(&p)?;
    let id = path_id(&id, record_not_found)?;
    let version = optional_if_match(&req)?;
    run(&state.pool, move |conn| {
        write_tx(conn, |conn, log| {
            let ctx = WriteContext::load(conn)?;
            let viewer = directory::viewer(conn, &p.agency_id)?;
            store::records::withdraw(conn, log, &ctx, &p, &viewer, &id, version)
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct HistoryParams {
    /// `next_cursor` of the previous page.
    #[param(schema_with = crate::contract::seq_cursor_param)]
    pub cursor: Option<String>,
    /// Versions looked at per page (1–500, default 50); a page may show fewer.
    #[param(schema_with = crate::contract::limit_param)]
    pub limit: Option<i64>,
}

/// One page of a record's history, oldest version first.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryPage {
    /// The versions on this page the caller may see; the others are left out.
    pub items: Vec<HistoryEntry>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// The record's versions, paged. A version shows only to a reader entitled to it as it was
/// distributed then and entitled now, under the stricter sensitivity of the two; a page with
/// a restricted version needs `X-Access-Purpose` (else 428), and disclosures are audited.
#[utoipa::path(tag = "信息", params(HistoryParams, crate::contract::AccessPurpose),
    responses((status = 200, body = HistoryPage), (status = 400, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem), (status = 428, body = Problem)),
    security(("bearer" = [])))]
#[get("/records/{id}/history")]
pub async fn record_history(
    state: web::Data<AppState>,
    req: HttpRequest,
    Auth(p): Auth,
    id: web::Path<String>,
    params: Query<HistoryParams>,
) -> AppResult<HttpResponse> {
    policy::require_content_reader(&p)?;
    let id = path_id(&id, record_not_found)?;
    let purpose = access_purpose(&req)?;
    let after = page::decode(params.cursor.as_deref())?;
    let limit = page::limit(params.limit)?;
    let (items, next) = run(&state.pool, move |conn| {
        let viewer = directory::viewer(conn, &p.agency_id)?;
        store::history::history(conn, &p, &viewer, &id, purpose.as_deref(), after, limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(HistoryPage { items, next_cursor: next.map(page::encode) }))
}

/// Every grant made on the record — live transfers, deliberations, field grants — with who
/// made it and why. The owner only: 403 for other readers, 404 for agencies that may not read it.
#[utoipa::path(tag = "信息", responses((status = 200, body = Vec<GrantView>), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[get("/records/{id}/grants")]
pub async fn record_grants(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    policy::require_content_reader(&p)?;
    let id = path_id(&id, record_not_found)?;
    let grants = run(&state.pool, move |conn| {
        let viewer = directory::viewer(conn, &p.agency_id)?;
        store::grants::for_owner(conn, &viewer, &id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(grants))
}
