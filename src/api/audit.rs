//! The audit log (审计日志), scoped to what the caller may audit.

use actix_web::{get, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::{run, Auth, Query};
use crate::api::page;
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::error::AppResult;
use crate::policy;
use crate::service::{self, audit::AuditEntry, audit::AuditQuery};

#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditParams {
    pub action: Option<String>,
    pub resource_id: Option<String>,
    #[param(schema_with = crate::contract::seq_cursor_param)]
    pub cursor: Option<String>,
    #[param(schema_with = crate::contract::limit_param)]
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    pub next_cursor: Option<String>,
}

/// The audit log, newest first: the whole log for the hub admin, the own agency's actors'
/// entries for an agency admin or reviewer.
#[utoipa::path(tag = "运维", params(AuditParams), responses((status = 200, body = AuditPage), (status = 403, body = Problem)), security(("bearer" = [])))]
#[get("/audit")]
pub async fn list_audit(
    state: web::Data<AppState>,
    Auth(p): Auth,
    params: Query<AuditParams>,
) -> AppResult<HttpResponse> {
    let scope = policy::audit_scope(&p)?;
    let params = params.into_inner();
    let f = AuditQuery {
        action: params.action.filter(|a| !a.is_empty()),
        resource_id: params.resource_id.filter(|a| !a.is_empty()),
        before_seq: page::decode(params.cursor.as_deref())?,
        limit: page::limit(params.limit)?,
        ..AuditQuery::default()
    };
    let limit = f.limit;
    let items = run(&state.pool, move |conn| Ok(service::audit::list(conn, &scope, &f)?)).await?;
    let next_cursor = page::next(items.len(), limit, items.last().map(|e| e.seq));
    Ok(HttpResponse::Ok().json(AuditPage { items, next_cursor }))
}
