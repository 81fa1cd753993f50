//! The agency inbox (待办): transfers, deliberations, subscription matches and duplicate flags.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::{access_purpose, path_id, run, Auth, Query};
use crate::api::page;
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::domain::ids::InboxItemId;
use crate::error::{AppError, AppResult};
use crate::policy;
use crate::service::inbox::{InboxItem, InboxQuery};
use crate::service::{self};

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
        duplicates: None,
        unacked_only,
        before_seq: page::decode(params.cursor.as_deref())?,
        limit: page::limit(params.limit)?,
    };
    let out = run(&state.pool, move |conn| service::inbox::page(conn, &p, &f, purpose.as_deref())).await?;
    let out = InboxPage { items: out.items, next_cursor: out.next_cursor };
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
    let id: InboxItemId = path_id(&id, || AppError::NotFound("待办事项不存在".into()))?;
    let i = id.clone();
    let acked_at = run(&state.pool, move |conn| service::inbox::acknowledge(conn, &p, &i)).await?;
    Ok(HttpResponse::Ok().json(Acked { id: id.into(), acked_at }))
}
