//! A record's version history, as the reader may see each version.

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::{access_purpose, path_id, run, Auth, Query};
use crate::api::page;
use crate::api::problem::Problem;
use crate::api::records::record_not_found;
use crate::api::state::AppState;
use crate::domain::ids::RecordId;
use crate::error::AppResult;
use crate::policy;
use crate::service::history::HistoryEntry;
use crate::service::{self};

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
    let id: RecordId = path_id(&id, record_not_found)?;
    let purpose = access_purpose(&req)?;
    let after = page::decode(params.cursor.as_deref())?;
    let limit = page::limit(params.limit)?;
    let (items, next) =
        run(&state.pool, move |conn| service::history::history(conn, &p, &id, purpose.as_deref(), after, limit))
            .await?;
    Ok(HttpResponse::Ok().json(HistoryPage { items, next_cursor: next.map(page::encode) }))
}
