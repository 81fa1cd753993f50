//! Records (信息): publish, read, list and search, update (If-Match), withdraw.

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
use crate::contract::record::RecordView;
use crate::domain::ids::RecordId;
use crate::domain::is_id;
use crate::domain::record::{Distribution, RecordContent, RecordKind, Sensitivity};
use crate::error::{AppError, AppResult, FieldError};
use crate::policy;
use crate::service::records::{RecordQuery, Repeatable};
use crate::service::{self};

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
    let repeat = key.map(|key| Repeatable { key, request_hash: crate::auth::digest(&String::from_utf8_lossy(&body)) });
    let (status, json) = run(&state.pool, move |conn| service::records::publish(conn, &p, input, repeat)).await?;
    Ok(HttpResponse::build(
        actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::CREATED),
    )
    .content_type("application/json")
    .body(json))
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
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

pub(crate) fn record_query(p: RecordParams) -> AppResult<RecordQuery> {
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
    let page = run(&state.pool, move |conn| service::records::page(conn, &p, f)).await?;
    let page = RecordPage { items: page.items, next_cursor: page.next_cursor };
    Ok(HttpResponse::Ok().json(page))
}

pub(super) fn record_not_found() -> AppError {
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
    let id: RecordId = path_id(&id, record_not_found)?;
    let purpose = access_purpose(&req)?;
    let view = run(&state.pool, move |conn| service::records::show(conn, &p, &id, purpose.as_deref())).await?;
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
    let id: RecordId = path_id(&id, record_not_found)?;
    let version = if_match(&req)?;
    let patch = body.0;
    let view =
        run(&state.pool, move |conn| service::records::change(conn, &p, &id, version, |c| patch.apply(c))).await?;
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
    let id: RecordId = path_id(&id, record_not_found)?;
    let version = optional_if_match(&req)?;
    run(&state.pool, move |conn| service::records::withdraw(conn, &p, &id, version)).await?;
    Ok(HttpResponse::NoContent().finish())
}
