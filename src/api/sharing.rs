//! Publish/subscribe and synchronisation: subscriptions, the inbox, the change feed and
//! bulk NDJSON batches.

use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::{access_purpose, idempotency_key, path_id, run, Auth, JsonBody, Query};
use crate::api::page;
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::domain::record::RecordKind;
use crate::domain::subscription::Criteria;
use crate::domain::{is_id, new_id, now};
use crate::error::{AppError, AppResult, FieldError};
use crate::policy;
use crate::store::feed::FeedEvent;
use crate::store::inbox::{InboxItem, InboxQuery};
use crate::store::log::{write_tx, Actor};
use crate::store::subscriptions::Subscription;
use crate::store::{self, directory};

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewSubscription {
    #[schema(schema_with = crate::contract::name_100)]
    pub name: String,
    /// Record kinds (any of them; empty means any kind). Likewise for the lists below.
    #[serde(default)]
    #[schema(value_type = Vec<crate::domain::record::RecordKind>)]
    pub kinds: Vec<String>,
    #[serde(default)]
    pub categories: Vec<String>,
    #[serde(default)]
    #[schema(schema_with = crate::contract::id_list)]
    pub object_ids: Vec<String>,
    #[serde(default)]
    #[schema(schema_with = crate::contract::id_list)]
    pub source_agency_ids: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// The agency's subscriptions.
#[utoipa::path(tag = "订阅与待办", responses((status = 200, body = Vec<Subscription>)), security(("bearer" = [])))]
#[get("/subscriptions")]
pub async fn list_subscriptions(state: web::Data<AppState>, Auth(p): Auth) -> AppResult<HttpResponse> {
    policy::require_content_reader(&p)?;
    let list = run(&state.pool, move |conn| Ok(store::subscriptions::list(conn, &p.agency_id)?)).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Subscribes the agency to records by kind, category, object, source agency and tag (each
/// a list; empty means any). Matching records it may read arrive in its inbox.
#[utoipa::path(tag = "订阅与待办", request_body = NewSubscription, responses(
    (status = 201, body = Subscription), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/subscriptions")]
pub async fn create_subscription(
    state: web::Data<AppState>,
    Auth(p): Auth,
    body: JsonBody<NewSubscription>,
) -> AppResult<HttpResponse> {
    policy::require_content_writer(&p)?;
    let NewSubscription { name, kinds, categories, object_ids, source_agency_ids, tags } = body.0;
    let b = (name, Criteria { kinds, categories, object_ids, source_agency_ids, tags });
    let mut errs = Vec::new();
    crate::domain::agency::validate_name("name", &b.0, &mut errs);
    for (i, k) in b.1.kinds.iter().enumerate() {
        if RecordKind::parse(k).is_none() {
            errs.push(FieldError::new(format!("kinds[{i}]"), format!("信息类别无效,可选:{}", RecordKind::expected())));
        }
    }
    for (f, list) in [("object_ids", &b.1.object_ids), ("source_agency_ids", &b.1.source_agency_ids)] {
        for (i, id) in list.iter().enumerate() {
            if !is_id(id) {
                errs.push(FieldError::new(format!("{f}[{i}]"), "编号格式无效"));
            }
        }
    }
    let total =
        b.1.kinds.len() + b.1.categories.len() + b.1.object_ids.len() + b.1.source_agency_ids.len() + b.1.tags.len();
    if total > 200 {
        errs.push(FieldError::new("", "订阅条件合计不超过 200 项"));
    }
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    let cap = state.settings.max_subscriptions_per_agency;
    let sub = run(&state.pool, move |conn| {
        write_tx(conn, |conn, log| {
            let mut criteria = b.1;
            for (i, c) in criteria.categories.iter_mut().enumerate() {
                *c = store::catalog::resolve(conn, c)?
                    .ok_or_else(|| AppError::validation(&format!("categories[{i}]"), format!("问题类别“{c}”不存在")))?;
            }
            let s = Subscription {
                id: new_id(),
                agency_id: p.agency_id.clone(),
                user_id: p.user_id.clone(),
                name: b.0.trim().to_string(),
                criteria,
                created_at: now(),
            };
            store::subscriptions::insert(conn, log, &Actor::from(&p), &s, cap)?;
            Ok(s)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(sub))
}

/// Deletes one of the agency's subscriptions.
#[utoipa::path(tag = "订阅与待办", responses((status = 204), (status = 404, body = Problem)), security(("bearer" = [])))]
#[delete("/subscriptions/{id}")]
pub async fn delete_subscription(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    policy::require_content_writer(&p)?;
    let id = path_id(&id, || AppError::NotFound("订阅不存在".into()))?;
    run(&state.pool, move |conn| {
        write_tx(conn, |conn, log| store::subscriptions::delete(conn, log, &Actor::from(&p), &p.agency_id, &id))
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct InboxParams {
    /// `unacked` (default) or `all`.
    #[param(schema_with = crate::contract::inbox_state_param)]
    pub state: Option<String>,
    #[param(schema_with = crate::contract::seq_cursor_param)]
    pub cursor: Option<String>,
    #[param(schema_with = crate::contract::limit_param)]
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InboxPage {
    pub items: Vec<InboxItem>,
    pub next_cursor: Option<String>,
}

/// What concerns the agency: records matching its subscriptions (and, later, transfers),
/// newest first. Items whose record the agency lost access to are gone.
#[utoipa::path(tag = "订阅与待办", params(InboxParams, crate::contract::AccessPurpose), responses((status = 200, body = InboxPage), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/inbox")]
pub async fn list_inbox(
    state: web::Data<AppState>,
    req: HttpRequest,
    Auth(p): Auth,
    params: Query<InboxParams>,
) -> AppResult<HttpResponse> {
    policy::require_content_reader(&p)?;
    let params = params.into_inner();
    let unacked_only = match params.state.as_deref() {
        None | Some("") | Some("unacked") => true,
        Some("all") => false,
        Some(_) => return Err(AppError::validation("state", "state 须为 unacked 或 all")),
    };
    let purpose = access_purpose(&req)?;
    let f = InboxQuery {
        unacked_only,
        before_seq: page::decode(params.cursor.as_deref())?,
        limit: page::limit(params.limit)?,
    };
    let out = run(&state.pool, move |conn| {
        let viewer = directory::viewer(conn, &p.agency_id)?;
        let rows = store::inbox::list(conn, &viewer, &f)?;
        let ids: Vec<String> = rows.iter().map(|r| r.record_id.clone()).collect();
        let records = store::records::load_many(conn, &ids)?;
        let next_cursor = page::next(rows.len(), f.limit, rows.last().map(|r| r.seq));
        let rows: Vec<_> = rows.into_iter().filter(|r| records.contains_key(&r.record_id)).collect();
        // Restricted titles only with a purpose, audited (as in record lists).
        let views = store::records::present_listing(
            conn,
            &p,
            &viewer,
            rows.iter().filter_map(|r| records.get(&r.record_id)),
            purpose.as_deref(),
        )?;
        let mut items = Vec::with_capacity(rows.len());
        for (r, view) in rows.into_iter().zip(views) {
            let note = policy::inbox_note(&r.reason, r.note, view.content_withheld);
            items.push(InboxItem {
                id: r.id,
                reason: r.reason,
                subscription_id: r.subscription_id,
                ref_id: r.ref_id,
                note,
                seq: r.seq,
                created_at: r.created_at,
                acked_at: r.acked_at,
                record: view,
            });
        }
        Ok(InboxPage { items, next_cursor })
    })
    .await?;
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Acked {
    pub id: String,
    pub acked_at: String,
}

/// Acknowledges an inbox item (idempotent).
#[utoipa::path(tag = "订阅与待办", responses((status = 200, body = Acked), (status = 404, body = Problem)), security(("bearer" = [])))]
#[post("/inbox/{id}/ack")]
pub async fn ack_inbox(state: web::Data<AppState>, Auth(p): Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    policy::require_content_reader(&p)?;
    let id = path_id(&id, || AppError::NotFound("待办事项不存在".into()))?;
    let i = id.clone();
    let acked_at = run(&state.pool, move |conn| {
        let viewer = directory::viewer(conn, &p.agency_id)?;
        write_tx(conn, |conn, log| store::inbox::ack(conn, log, &Actor::from(&p), &viewer, &i, &p.actor_id()))
    })
    .await?;
    Ok(HttpResponse::Ok().json(Acked { id, acked_at }))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct FeedParams {
    /// The last sequence number already processed (0 or absent: from the start).
    #[param(schema_with = crate::contract::after_param)]
    pub after: Option<i64>,
    #[param(schema_with = crate::contract::limit_param)]
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FeedPage {
    pub events: Vec<FeedEvent>,
    /// Pass as `after` for the next page (the last sequence number in this page, or the
    /// `after` given when the page is empty).
    pub next_cursor: i64,
    pub has_more: bool,
    /// The hub's latest sequence number, so sync jobs can estimate how far they are.
    pub head_seq: i64,
}

/// The agency's entitled change feed, for sync jobs. `record.revoked` (access lost) and
/// `record.withdrawn` are content-free tombstones; `record.shared` marks access gained.
#[utoipa::path(tag = "同步", params(FeedParams, crate::contract::AccessPurpose),
    responses((status = 200, body = FeedPage), (status = 400, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/feed")]
pub async fn feed(
    state: web::Data<AppState>,
    req: HttpRequest,
    Auth(p): Auth,
    params: Query<FeedParams>,
) -> AppResult<HttpResponse> {
    policy::require_content_reader(&p)?;
    let after = params.after.unwrap_or(0);
    if after < 0 {
        return Err(AppError::validation("after", "after 须为非负的序号"));
    }
    let limit = page::limit(params.limit)?;
    let purpose = access_purpose(&req)?;
    let out = run(&state.pool, move |conn| {
        let viewer = directory::viewer(conn, &p.agency_id)?;
        let events = store::feed::page(conn, &Actor::from(&p), &viewer, after, limit + 1, purpose.as_deref())?;
        let has_more = events.len() as i64 > limit;
        let events: Vec<FeedEvent> = events.into_iter().take(limit as usize).collect();
        let next_cursor = events.last().map(|e| e.seq).unwrap_or(after);
        let head_seq = store::log::head_seq(conn)?;
        Ok(FeedPage { events, next_cursor, has_more, head_seq })
    })
    .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Bulk upsert of NDJSON lines (each a record as for POST /records, with `external_id`),
/// by (owner agency, external_id). The answer is NDJSON too, one result line per input
/// line: `created`, `updated`, `unchanged` or `rejected` with its errors. Sending the same
/// batch twice changes nothing the second time. With `Idempotency-Key` a repeated batch
/// gets the first answer again.
#[utoipa::path(tag = "同步", request_body(content = String, content_type = "application/x-ndjson"),
    params(crate::contract::IdempotencyKey),
    responses((status = 200, description = "每行一个结果(NDJSON,每行的结构见 LineResult)", body = crate::sync::batch::LineResult,
        content_type = "application/x-ndjson"),
    (status = 413, body = Problem), (status = 415, body = Problem)), security(("bearer" = [])))]
#[post("/sync/batches")]
pub async fn push_batch(
    state: web::Data<AppState>,
    req: HttpRequest,
    Auth(p): Auth,
    mut payload: web::Payload,
) -> AppResult<HttpResponse> {
    policy::require_content_writer(&p)?;
    let ct = req.headers().get("Content-Type").and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    if !(ct.starts_with("application/x-ndjson")
        || ct.starts_with("application/jsonl")
        || ct.starts_with("application/json"))
    {
        return Err(AppError::UnsupportedMediaType(
            "批量导入的请求体须为 NDJSON(Content-Type: application/x-ndjson)".into(),
        ));
    }
    let key = idempotency_key(&req)?;
    let max = state.settings.max_batch_bytes;
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| AppError::BadRequest(format!("无法读取请求体:{e}")))?;
        if body.len() + chunk.len() > max {
            return Err(AppError::PayloadTooLarge(format!("批量导入请求体超过上限 {max} 字节,请分批提交")));
        }
        body.extend_from_slice(&chunk);
    }
    let body = body.freeze();
    let out = run(&state.pool, move |conn| crate::sync::batch::push(conn, &p, &body, key.as_deref())).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/x-ndjson; charset=utf-8")
        .insert_header(("X-Batch-Created", out.summary.created.to_string()))
        .insert_header(("X-Batch-Updated", out.summary.updated.to_string()))
        .insert_header(("X-Batch-Unchanged", out.summary.unchanged.to_string()))
        .insert_header(("X-Batch-Rejected", out.summary.rejected.to_string()))
        .insert_header(("X-Batch-Replayed", if out.replayed { "true" } else { "false" }))
        .body(out.ndjson))
}
