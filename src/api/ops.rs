//! Operations: health and readiness, Prometheus metrics.

use actix_web::{get, web, HttpResponse};
use prometheus::{Encoder, TextEncoder};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::extract::run;
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::error::{AppError, AppResult};
use crate::service::{self};

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
    run(&state.pool, service::ops::ready).await.map_err(|_| AppError::Unavailable("数据库不可用".into()))?;
    Ok(HttpResponse::Ok().json(Health { status: "ready".into() }))
}

/// Prometheus text exposition.
#[utoipa::path(tag = "运维", responses((status = 200, description = "Prometheus 指标", content_type = "text/plain")))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let read = run(&state.pool, service::ops::gauges);
    if let Ok(g) = read.await {
        let (hooks, mail) = (g.webhooks, g.mail);
        let m = &state.metrics;
        m.event_seq.set(g.event_seq);
        m.webhook_endpoints.with_label_values(&["active"]).set(hooks.endpoints_active);
        m.webhook_endpoints.with_label_values(&["disabled"]).set(hooks.endpoints_disabled);
        for status in service::webhooks::STATUSES {
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
    state.metrics.write_lock_hold_max.set(service::ops::write_lock_hold_max());
    let mut buf = Vec::new();
    TextEncoder::new().encode(&state.metrics.registry.gather(), &mut buf).map_err(anyhow::Error::from)?;
    Ok(HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(buf))
}
