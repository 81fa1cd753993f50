//! Operations: the audit log, health and readiness, Prometheus metrics.

use actix_web::{get, web, HttpResponse};
use prometheus::{Encoder, IntCounterVec, IntGauge, Opts, Registry, TextEncoder};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::{run, Auth};
use crate::api::page;
use crate::api::state::AppState;
use crate::error::{AppError, AppResult, Problem};
use crate::policy;
use crate::store::{self, audit::AuditEntry, audit::AuditQuery};

#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditParams {
    pub action: Option<String>,
    pub resource_id: Option<String>,
    pub cursor: Option<String>,
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
    params: web::Query<AuditParams>,
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

/// Process metrics for Prometheus.
pub struct Metrics {
    pub registry: Registry,
    pub requests: IntCounterVec,
    pub event_seq: IntGauge,
    pub pool_idle: IntGauge,
    pub pool_size: IntGauge,
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("guantong_http_requests_total", "HTTP responses by status class"),
            &["status"],
        )
        .expect("metric");
        let event_seq = IntGauge::new("guantong_event_seq", "Last committed event sequence number").expect("metric");
        let pool_idle = IntGauge::new("guantong_db_pool_idle", "Idle database connections").expect("metric");
        let pool_size = IntGauge::new("guantong_db_pool_connections", "Open database connections").expect("metric");
        for c in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(event_seq.clone()),
            Box::new(pool_idle.clone()),
            Box::new(pool_size.clone()),
        ] {
            registry.register(c).expect("unique metric");
        }
        Metrics { registry, requests, event_seq, pool_idle, pool_size }
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// Prometheus text exposition.
#[utoipa::path(tag = "运维", responses((status = 200, description = "Prometheus 指标", content_type = "text/plain")))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    if let Ok(seq) = run(&state.pool, |conn| Ok(store::log::head_seq(conn)?)).await {
        state.metrics.event_seq.set(seq);
    }
    let s = state.pool.state();
    state.metrics.pool_idle.set(s.idle_connections as i64);
    state.metrics.pool_size.set(s.connections as i64);
    let mut buf = Vec::new();
    TextEncoder::new().encode(&state.metrics.registry.gather(), &mut buf).map_err(anyhow::Error::from)?;
    Ok(HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(buf))
}
