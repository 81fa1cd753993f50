//! Building and running the HTTP server: bootstrap the database (migrations, taxonomy,
//! first administrator), then serve on the configured address (port 0 picks a free one).
//!
//! Stopping: `AppHandle::stop` (or the server ending any other way) stops the HTTP server and
//! then the background loops (delivery, maintenance), waiting a bounded time for them to end.
//! The server listens to no OS signal itself: `guantong serve` turns SIGTERM and SIGINT into
//! `AppHandle::stop`.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle, Service};
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use futures_util::FutureExt;
use tracing_actix_web::TracingLogger;
use utoipa_actix_web::AppExt;

use crate::api::state::AppState;
use crate::api::{self, ApiDoc};
use crate::background::Background;
use crate::config::{Secret, Settings};
use crate::contract::MethodTable;
use crate::db::{self, Backend, DbPool};
use crate::domain::{new_id, now, Role};
use crate::error::AppError;
use crate::service::agencies::Agency;
use crate::service::users::UserRow;
use crate::service::{self};
use crate::store::log::{write_tx, Actor};
use crate::telemetry::Metrics;
use utoipa::OpenApi;

pub struct Application {
    port: u16,
    server: Server,
    /// The public endpoints' own server (码上巡察, `public_listen`), with its port.
    public: Option<(u16, Server)>,
    background: Background,
    pub pool: DbPool,
    pub backend: Backend,
}

/// Connections of the background loops (webhooks, up to `webhook_concurrency` endpoints at a
/// time but each mostly waiting on its receiver; mail; the after-commit jobs) and the
/// maintenance thread, apart from the requests' pool (`Settings::pool_size`). Without the
/// loops (`delivery_workers = false`) the maintenance thread alone holds one.
const BACKGROUND_POOL_SIZE: u32 = 8;

/// How long a stopping server waits for its background loops to finish their current step.
/// A loop's step is one transaction or one send (a webhook request under way is abandoned);
/// one still running past this (e.g. waiting for a database that is down) ends on its own
/// when the step does.
pub const LOOPS_STOP_WITHIN: Duration = Duration::from_secs(5);

/// Stops a running `Application` from elsewhere (a signal handler, a test harness).
#[derive(Clone)]
pub struct AppHandle {
    server: ServerHandle,
    public: Option<ServerHandle>,
    background: Background,
}

impl AppHandle {
    /// Stops the HTTP server (`graceful`: requests under way are answered first, for up to the
    /// shutdown timeout; idle keep-alive connections are closed), then asks the background
    /// loops to stop and waits up to `LOOPS_STOP_WITHIN` for them to end. Returns whether they
    /// all did.
    pub async fn stop(&self, graceful: bool) -> bool {
        if let Some(public) = &self.public {
            public.stop(graceful).await;
        }
        self.server.stop(graceful).await;
        self.background.stop_and_wait(LOOPS_STOP_WITHIN).await
    }

    /// How many background loops still run.
    pub fn loops_running(&self) -> usize {
        self.background.running()
    }
}

/// Opens the database, runs migrations and seeds what every hub needs.
pub fn open_database(settings: &Settings) -> anyhow::Result<(DbPool, Backend)> {
    let (pool, backend) = db::connect_with(&settings.database_url, settings.pool_size, settings.db_lock_timeout_ms)?;
    let mut conn = pool.get()?;
    let applied = db::migrate(&mut conn)?;
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, "applied database migrations");
    }
    crate::store::catalog::seed(&mut conn)?;
    Ok((pool, backend))
}

/// On an empty hub, creates the platform agency and the administrator `admin` with
/// `GUANTONG_ADMIN_PASSWORD`. Returns whether it did.
pub fn ensure_admin(pool: &DbPool, password: Option<&Secret>) -> anyhow::Result<bool> {
    let mut conn = pool.get()?;
    if !service::users::list(&mut conn, None)?.is_empty() {
        return Ok(false);
    }
    let Some(password) = password.filter(|p| !p.is_empty()) else {
        tracing::warn!("数据库中尚无用户:设置 GUANTONG_ADMIN_PASSWORD 后重新启动,以创建平台管理员 admin");
        return Ok(false);
    };
    let hash = crate::auth::hash_password(password.expose())?;
    write_tx(&mut conn, |conn, log| {
        let hub = match service::agencies::by_code(conn, "hub")? {
            Some(a) => a,
            None => {
                let a = Agency {
                    id: new_id(),
                    code: "hub".into(),
                    name: "贯通平台".into(),
                    kind: "hub".into(),
                    level: "city".into(),
                    parent_id: None,
                    active: true,
                    created_at: now(),
                };
                service::agencies::insert(conn, log, &Actor::default(), &a)?;
                a
            }
        };
        let admin = UserRow {
            id: new_id(),
            username: "admin".into(),
            display_name: "平台管理员".into(),
            password_hash: hash,
            agency_id: hub.id,
            roles: Role::join(&[Role::Admin]),
            email: None,
            active: true,
            created_at: now(),
        };
        service::users::insert(conn, log, &Actor::default(), &admin)?;
        Ok::<_, AppError>(())
    })
    .map_err(|e| anyhow::anyhow!("创建平台管理员失败:{e}"))?;
    tracing::info!("已创建平台管理员 admin");
    Ok(true)
}

/// No route matched: an undeclared method on a declared path is 405 with `Allow` (the
/// methods the OpenAPI document declares for it); anything else is 404.
async fn no_route(req: HttpRequest, table: web::Data<MethodTable>) -> Result<HttpResponse, AppError> {
    let path = req.path();
    let machine = path.starts_with("/api/") || ["/healthz", "/readyz", "/metrics"].contains(&path);
    if !machine {
        // A person's browser: the web client's not-found page.
        return Ok(crate::web::not_found());
    }
    match table.allow(path) {
        Some(allow) => Err(AppError::MethodNotAllowed { allow: allow.to_string() }),
        None => Err(AppError::NotFound("接口不存在".into())),
    }
}

impl Application {
    /// Binds the listener (so `port()` is known) and prepares the server; `jwt_secret` must
    /// be set (the CLI makes one up for `--demo`).
    pub fn build(settings: Settings, pool: DbPool, backend: Backend) -> anyhow::Result<Application> {
        let jwt_secret = settings
            .jwt_secret
            .clone()
            .filter(|s| s.expose().len() >= 16)
            .ok_or_else(|| anyhow::anyhow!("GUANTONG_JWT_SECRET 未设置或过短(至少 16 个字符)"))?;
        if settings.identity_key.as_ref().is_none_or(|k| k.expose().len() < 16) {
            anyhow::bail!("GUANTONG_IDENTITY_KEY 未设置或过短(至少 16 个字符):监督对象证件号码以此密钥摘要存储");
        }
        crate::policy::webhook_targets::TargetRules::from_settings(&settings).map_err(|e| anyhow::anyhow!(e))?;
        let tz = crate::domain::clock::parse_time_zone(&settings.time_zone).map_err(|e| anyhow::anyhow!(e))?;
        crate::domain::clock::install(crate::domain::clock::HubClock { tz, offset_secs: settings.clock_offset_secs });
        if settings.mail_digest_tz_offset_hours.is_some() {
            tracing::warn!("mail_digest_tz_offset_hours 已停用:每日摘要改用 time_zone({})", settings.time_zone);
        }
        let listener =
            TcpListener::bind(&settings.listen).map_err(|e| anyhow::anyhow!("无法监听 {}:{e}", settings.listen))?;
        let port = listener.local_addr()?.port();
        let max_json = settings.max_json_bytes;
        let openapi = api::openapi();
        let openapi_json = openapi.to_json()?;
        let methods = web::Data::new(MethodTable::new(&openapi));
        let background = Background::new();
        // The background loops and the maintenance thread have connections of their own: on
        // the requests' pool they queued behind every request, and under the load bench the
        // search index fell 10,000 records behind (each search then matched those by
        // substring).
        let background_size = if settings.delivery_workers { BACKGROUND_POOL_SIZE } else { 1 };
        let (background_pool, _) =
            db::connect_with(&settings.database_url, background_size, settings.db_lock_timeout_ms)?;
        let loops = (settings.delivery_workers, settings.clone());
        let desk = crate::public::PublicDesk::from_settings(&settings, jwt_secret.expose());
        let public_listener = match &settings.public_listen {
            Some(addr) => {
                Some(TcpListener::bind(addr).map_err(|e| anyhow::anyhow!("无法监听码上巡察公开地址 {addr}:{e}"))?)
            }
            None => None,
        };
        let public_port = public_listener.as_ref().map(|l| l.local_addr()).transpose()?.map(|a| a.port());
        let state =
            web::Data::new(AppState { pool: pool.clone(), backend, settings, jwt_secret, metrics: Metrics::new() });
        let public_server =
            public_listener.map(|listener| public_server(listener, state.clone(), desk.clone())).transpose()?;
        let main_desk = public_server.is_none().then_some(desk);
        let server = HttpServer::new(move || {
            let requests = state.metrics.requests.clone();
            let desk = main_desk.clone();
            let spec = openapi_json.clone();
            App::new()
                .app_data(state.clone())
                .app_data(methods.clone())
                .app_data(web::PayloadConfig::new(max_json))
                .app_data(
                    web::PathConfig::default().error_handler(|_, _| AppError::NotFound("资源不存在".into()).into()),
                )
                .into_utoipa_app()
                .openapi(ApiDoc::openapi())
                .service(utoipa_actix_web::scope("/api/v1").configure(api::configure))
                .configure(api::configure_ops)
                .into_app()
                .configure(|cfg| {
                    if let Some(desk) = desk {
                        crate::public::configure(cfg, desk)
                    }
                })
                .app_data(crate::web::form_config())
                .configure(crate::web::configure)
                .route(
                    "/api/openapi.json",
                    web::get().to(move || {
                        let spec = spec.clone();
                        async move { HttpResponse::Ok().content_type("application/json").body(spec) }
                    }),
                )
                .default_service(web::to(no_route))
                .wrap_fn(move |req, srv| {
                    let requests = requests.clone();
                    let started = std::time::Instant::now();
                    srv.call(req).map(move |res| {
                        if let Ok(r) = &res {
                            crate::telemetry::request_finished(&requests, r.status().as_u16(), started);
                        }
                        res
                    })
                })
                .wrap(crate::web::security_headers())
                .wrap(TracingLogger::<crate::telemetry::HubRootSpan>::new())
        })
        .listen(listener)?
        .shutdown_timeout(10)
        .disable_signals()
        .run();
        let started = match loops {
            (true, settings) => crate::delivery::spawn(background_pool.clone(), settings, &background),
            (false, _) => Ok(()),
        }
        .and_then(|()| crate::db::spawn_maintenance(background_pool, &background));
        if let Err(e) = started {
            background.stop();
            return Err(e.into());
        }
        let public = public_port.zip(public_server);
        Ok(Application { port, server, public, background, pool, backend })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the public endpoints' own address, when `public_listen` is set.
    pub fn public_port(&self) -> Option<u16> {
        self.public.as_ref().map(|(port, _)| *port)
    }

    pub fn handle(&self) -> AppHandle {
        AppHandle {
            server: self.server.handle(),
            public: self.public.as_ref().map(|(_, s)| s.handle()),
            background: self.background.clone(),
        }
    }

    /// Serves until the server is stopped (`AppHandle::stop`), then stops the background loops
    /// and waits up to `LOOPS_STOP_WITHIN` for them to end. Should this future be dropped
    /// before, the loops are still told to stop (not waited for).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let background = self.background;
        let _stop_loops = background.stop_on_drop();
        let (public_handle, public) = match self.public {
            Some((_, s)) => (Some(s.handle()), Some(s)),
            None => (None, None),
        };
        let main = async {
            let served = self.server.await;
            // However the main server ended, the public one ends with it.
            if let Some(h) = &public_handle {
                h.stop(true).await;
            }
            served
        };
        let public = async {
            if let Some(s) = public {
                if let Err(e) = s.await {
                    tracing::error!(error = %e, "码上巡察公开地址的服务异常结束");
                }
            }
        };
        let (served, ()) = futures_util::future::join(main, public).await;
        tracing::info!("HTTP 服务已停止,正在停止后台任务(投递、维护)");
        if background.stop_and_wait(LOOPS_STOP_WITHIN).await {
            tracing::info!("后台任务已全部结束");
        } else {
            tracing::warn!(
                running = background.running(),
                "后台任务未在 {} 秒内全部结束:未完成的投递留在数据库中,下次启动或由其他实例继续",
                LOOPS_STOP_WITHIN.as_secs()
            );
        }
        served
    }
}

/// The server of the public endpoints on their own address: `/public/…` and nothing else.
fn public_server(
    listener: TcpListener,
    state: web::Data<AppState>,
    desk: std::sync::Arc<crate::public::PublicDesk>,
) -> std::io::Result<Server> {
    Ok(HttpServer::new(move || {
        let desk = desk.clone();
        App::new()
            .app_data(state.clone())
            .configure(move |cfg| crate::public::only_public(cfg, desk))
            .wrap(crate::web::security_headers())
            .wrap(TracingLogger::<crate::telemetry::HubRootSpan>::new())
    })
    .listen(listener)?
    .shutdown_timeout(10)
    .disable_signals()
    .run())
}
