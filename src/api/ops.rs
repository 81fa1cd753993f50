//! Operations: the audit log, health and readiness, Prometheus metrics.

use actix_web::{get, web, HttpResponse};
use prometheus::{Encoder, TextEncoder};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::{run, Auth, Query};
use crate::api::page;
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::error::{AppError, AppResult};
use crate::policy;
use crate::store::{self, audit::AuditEntry, audit::AuditQuery};

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
    };
    let limit = f.limit;
    let items = run(&state.pool, move |conn| Ok(store::audit::list(conn, &scope, &f)?)).await?;
    let next_cursor = page::next(items.len(), limit, items.last().map(|e| e.seq));
    Ok(HttpResponse::Ok().json(AuditPage { items, next_cursor }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: String,
}

/// Liveness: the process answers.
#[utoipa::path(tag = "运维", responses((status = 200, body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok".into() })
}

/// Readiness: the database answers.
#[utoipa::path(tag = "运维", responses((status = 200, body = Health), (status = 503, body = Problem)))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    run(&state.pool, |conn| Ok(store::log::head_seq(conn)?))
        .await
        .map_err(|_| AppError::Unavailable("数据库不可用".into()))?;
    Ok(HttpResponse::Ok().json(Health { status: "ready".into() }))
}

/// Prometheus text exposition.
#[utoipa::path(tag = "运维", responses((status = 200, description = "Prometheus 指标", content_type = "text/plain")))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let read = run(&state.pool, |conn| {
        Ok((store::log::head_seq(conn)?, store::webhooks::gauges(conn)?, store::mail::outbox_counts(conn)?))
    });
    if let Ok((seq, hooks, mail)) = read.await {
        let m = &state.metrics;
        m.event_seq.set(seq);
        m.webhook_endpoints.with_label_values(&["active"]).set(hooks.endpoints_active);
        m.webhook_endpoints.with_label_values(&["disabled"]).set(hooks.endpoints_disabled);
        for status in store::webhooks::STATUSES {
            let n = hooks.deliveries.iter().find(|(s, _)| s == status).map_or(0, |(_, n)| *n);
            m.webhook_deliveries.with_label_values(&[status]).set(n);
        }
        m.webhook_lag.set(hooks.max_lag);
        for status in ["pending", "sent", "failed"] {
            let n = mail.iter().find(|(s, _)| s == status).map_or(0, |(_, n)| *n);
            m.mail_outbox.with_label_values(&[status]).set(n);
        }
    }
    let s = state.pool.state();
    state.metrics.pool_idle.set(s.idle_connections as i64);
    state.metrics.pool_size.set(s.connections as i64);
    state.metrics.write_lock_hold_max.set(store::log::lock_hold::max_seconds());
    let mut buf = Vec::new();
    TextEncoder::new().encode(&state.metrics.registry.gather(), &mut buf).map_err(anyhow::Error::from)?;
    Ok(HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(buf))
}
