//! The change feed (变更订阅流) that sync jobs page through by sequence.

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::{access_purpose, run, Auth, Query};
use crate::api::page;
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::error::{AppError, AppResult};
use crate::policy;
use crate::service::feed::FeedEvent;
use crate::service::{self};

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
    /// The hub's visible head: every event numbered up to it has committed (or never will),
    /// so sync jobs can estimate how far they are. The feed never passes it: a later page
    /// can never hold a number at or below a cursor already given.
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
    let (events, has_more, head_seq) =
        run(&state.pool, move |conn| service::feed::read(conn, &p, after, limit, purpose.as_deref())).await?;
    let next_cursor = events.last().map(|e| e.seq).unwrap_or(after);
    Ok(HttpResponse::Ok().json(FeedPage { events, next_cursor, has_more, head_seq }))
}
