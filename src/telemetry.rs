//! What the hub tells its operators: the tracing subscriber (JSON or pretty lines on stderr,
//! filtered by `GUANTONG_LOG`), the Prometheus metrics, and the one access-log line per request.

use prometheus::{IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry};

/// Installs the process's tracing subscriber; `format` is `json` (default) or `pretty`.
pub fn init_tracing(format: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("GUANTONG_LOG").unwrap_or_else(|_| EnvFilter::new("info,actix_server=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if format == "pretty" {
        builder.init();
    } else {
        builder.json().with_current_span(true).with_span_list(false).init();
    }
}

/// One access-log line per request (inside the request's span, so it carries the request
/// id) and the status-class counter.
pub fn request_finished(requests: &IntCounterVec, status: u16, started: std::time::Instant) {
    requests.with_label_values(&[format!("{}xx", status / 100).as_str()]).inc();
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(status, elapsed_ms, "request finished");
}

/// Process metrics for Prometheus.
pub struct Metrics {
    pub registry: Registry,
    pub requests: IntCounterVec,
    pub event_seq: IntGauge,
    pub pool_idle: IntGauge,
    pub pool_size: IntGauge,
    pub webhook_endpoints: IntGaugeVec,
    pub webhook_deliveries: IntGaugeVec,
    pub webhook_lag: IntGauge,
    pub mail_outbox: IntGaugeVec,
    /// The longest write transaction (SQLite: holding the write lock; see `crate::store::log::lock_hold`).
    pub write_lock_hold_max: prometheus::Gauge,
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
        let gauge_vec =
            |name: &str, help: &str, label: &str| IntGaugeVec::new(Opts::new(name, help), &[label]).expect("metric");
        let webhook_endpoints = gauge_vec("guantong_webhook_endpoints", "Webhook endpoints by state", "state");
        let webhook_deliveries = gauge_vec(
            "guantong_webhook_deliveries",
            "Webhook delivery log lines by status (dead = dead letters)",
            "status",
        );
        let webhook_lag = IntGauge::new(
            "guantong_webhook_lag_events",
            "Events the most lagging active webhook endpoint is behind the event log",
        )
        .expect("metric");
        let mail_outbox = gauge_vec("guantong_mail_outbox", "Mails in the outbox by status", "status");
        let write_lock_hold_max = prometheus::Gauge::new(
            "guantong_write_lock_hold_max_seconds",
            "Longest write transaction since the process started (SQLite: holding the write lock; PostgreSQL: holding back the feed horizon)",
        )
        .expect("metric");
        for c in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(event_seq.clone()),
            Box::new(pool_idle.clone()),
            Box::new(pool_size.clone()),
            Box::new(webhook_endpoints.clone()),
            Box::new(webhook_deliveries.clone()),
            Box::new(webhook_lag.clone()),
            Box::new(mail_outbox.clone()),
            Box::new(write_lock_hold_max.clone()),
            Box::new(crate::store::log::lock_hold::histogram().clone()),
        ] {
            registry.register(c).expect("unique metric");
        }
        Metrics {
            registry,
            requests,
            event_seq,
            pool_idle,
            pool_size,
            webhook_endpoints,
            webhook_deliveries,
            webhook_lag,
            mail_outbox,
            write_lock_hold_max,
        }
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// The request log's span: the default of `tracing-actix-web` (method, route, client address,
/// user agent, status), except for the public endpoints of 码上巡察, where a reporter's
/// address and user agent are not recorded (method and status only).
pub struct HubRootSpan;

impl tracing_actix_web::RootSpanBuilder for HubRootSpan {
    fn on_request_start(request: &actix_web::dev::ServiceRequest) -> tracing::Span {
        if crate::public::is_public_path(request.path()) {
            tracing::info_span!(
                "HTTP request",
                http.method = %request.method(),
                http.target = crate::public::PREFIX,
                http.status_code = tracing::field::Empty,
                otel.status_code = tracing::field::Empty,
                exception.message = tracing::field::Empty,
                exception.details = tracing::field::Empty,
            )
        } else {
            tracing_actix_web::DefaultRootSpanBuilder::on_request_start(request)
        }
    }

    fn on_request_end<B: actix_web::body::MessageBody>(
        span: tracing::Span,
        outcome: &Result<actix_web::dev::ServiceResponse<B>, actix_web::Error>,
    ) {
        tracing_actix_web::DefaultRootSpanBuilder::on_request_end(span, outcome)
    }
}
