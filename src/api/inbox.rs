//! The agency inbox (待办): transfers, deliberations, subscription matches and duplicate flags.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::{access_purpose, path_id, run, Auth, Query};
use crate::api::page;
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::error::{AppError, AppResult};
use crate::policy;
use crate::service::inbox::{InboxItem, InboxQuery};
use crate::service::{self};
use crate::store::directory;
use crate::store::log::{write_tx, Actor};

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
        let rows = service::inbox::list(conn, &viewer, &f)?;
        let ids: Vec<String> = rows.iter().map(|r| r.record_id.clone()).collect();
        let records = crate::store::records::load_many(conn, &ids)?;
        let next_cursor = page::next(rows.len(), f.limit, rows.last().map(|r| r.seq));
        let rows: Vec<_> = rows.into_iter().filter(|r| records.contains_key(&r.record_id)).collect();
        // Restricted titles only with a purpose, audited (as in record lists).
        let views = service::records::present_listing(
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
        write_tx(conn, |conn, log| service::inbox::ack(conn, log, &Actor::from(&p), &viewer, &i, &p.actor_id()))
    })
    .await?;
    Ok(HttpResponse::Ok().json(Acked { id, acked_at }))
}
