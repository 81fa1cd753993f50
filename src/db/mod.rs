//! Database access: one r2d2 pool over SQLite or PostgreSQL (chosen by the URL at run time),
//! embedded migrations for both, and `run`, the one way handlers reach a connection.

pub mod schema;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::background::Background;

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

pub type DbPool = Pool<ConnectionManager<DbConnection>>;
pub type DbConn = PooledConnection<ConnectionManager<DbConnection>>;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum DbSetupError {
    #[error("数据库地址无效:{0}(应为 sqlite://路径 或 postgres://…)")]
    BadUrl(String),
    #[error("无法创建数据库目录 {path}:{source}")]
    Dir { path: String, source: std::io::Error },
    #[error("无法连接数据库:{0}")]
    Connect(String),
    #[error("数据库迁移失败:{0}")]
    Migrate(String),
}

/// Splits a `GUANTONG_DATABASE_URL` into its backend and the URL diesel expects.
/// `sqlite://data/x.db` → (Sqlite, "data/x.db"); `postgres://…` stays as it is.
pub fn parse_url(url: &str) -> Result<(Backend, String), DbSetupError> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        if path.is_empty() {
            return Err(DbSetupError::BadUrl(url.to_string()));
        }
        Ok((Backend::Sqlite, path.to_string()))
    } else if let Some(path) = url.strip_prefix("sqlite:") {
        Ok((Backend::Sqlite, path.to_string()))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok((Backend::Postgres, url.to_string()))
    } else {
        Err(DbSetupError::BadUrl(redact_url(url)))
    }
}

/// Hides a password in a URL before it reaches a message or a log.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{}:***{}", &url[..s + 3], user, &url[at..])
        }
        _ => url.to_string(),
    }
}

/// Per-connection settings. `lock_timeout_ms` bounds how long a writer waits for the write
/// lock on either backend; past it the request is answered 503 with `Retry-After`
/// (`error::is_transient_db_error`) instead of queueing without end. On SQLite the
/// write-ahead log is cut back to 64 MiB whenever it restarts (`journal_size_limit`): a bulk
/// import with the after-commit jobs reading throughout once left it at many GiB. On
/// PostgreSQL, JIT compilation is off: the hub's statements read few rows, but a walk of an
/// index with a selective filter is costed above `jit_above_cost`, and compiling it took
/// longer than running it (38 functions for a search's substring query under the load bench).
#[derive(Debug)]
struct SessionSettings {
    lock_timeout_ms: u64,
}

impl CustomizeConnection<DbConnection, diesel::r2d2::Error> for SessionSettings {
    fn on_acquire(&self, conn: &mut DbConnection) -> Result<(), diesel::r2d2::Error> {
        let ms = self.lock_timeout_ms;
        match conn {
            DbConnection::Sqlite(c) => c.batch_execute(&format!(
                "PRAGMA busy_timeout = {ms}; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
                 PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 0; PRAGMA mmap_size = 268435456; \
                 PRAGMA journal_size_limit = 67108864;",
            )),
            DbConnection::Pg(c) => c.batch_execute(&format!("SET lock_timeout = {ms}; SET jit = off")),
        }
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// How often the server runs its background maintenance (`spawn_maintenance`).
pub const MAINTENANCE_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// Work the database would otherwise do inside some writer's transaction, while that writer
/// is in flight (on SQLite holding the write lock), done instead from a thread of the server's own:
/// - SQLite: checkpointing the write-ahead log (PASSIVE: it waits for no reader or writer).
///   Pool connections do not auto-checkpoint (`wal_autocheckpoint = 0`); otherwise the
///   writer whose commit crosses the threshold copies the log into the database first.
///   Outside the server (CLI commands) the last connection to close checkpoints.
/// - PostgreSQL: merging the pending list of the search index (`record_terms_gin`) into the index
///   (`gin_clean_pending_list`); otherwise the indexing step that finds the list over its
///   limit merges it (100–250 ms a merge under the load bench).
///
/// The thread runs until `background` is stopped (it looks between rounds; a round is one
/// statement, which changes no data), then drops its pool.
pub fn spawn_maintenance(pool: DbPool, background: &Background) -> std::io::Result<()> {
    let (guard, background) = (background.enter(), background.clone());
    std::thread::Builder::new().name("guantong-maintenance".into()).spawn(move || {
        let _running = guard;
        let mut warned = false;
        while !background.sleep(MAINTENANCE_EVERY) {
            maintain(&pool, &mut warned);
        }
        drop(pool);
        tracing::debug!("后台维护已停止");
    })?;
    Ok(())
}

/// One maintenance round.
fn maintain(pool: &DbPool, warned: &mut bool) {
    let done = pool.get().map_err(|e| e.to_string()).and_then(|mut conn| {
        let sql = match &*conn {
            DbConnection::Sqlite(_) => "PRAGMA wal_checkpoint(PASSIVE)",
            DbConnection::Pg(_) => "SELECT gin_clean_pending_list('record_terms_gin'::regclass)",
        };
        conn.batch_execute(sql).map_err(|e| e.to_string())
    });
    match done {
        // The first failure is worth an operator's look (e.g. the database user does not
        // own the index); repeats while the database is down are not.
        Err(e) if !*warned => {
            tracing::warn!(error = %e, "后台维护(检查点/索引待处理列表)未完成,稍后重试");
            *warned = true;
        }
        Err(e) => tracing::debug!(error = %e, "后台维护未完成,稍后重试"),
        Ok(()) => *warned = false,
    }
}

/// The default of `Settings::db_lock_timeout_ms`.
pub const DEFAULT_LOCK_TIMEOUT_MS: u64 = 10_000;

/// Opens the pool. SQLite gets its directory created and WAL pragmas; a PostgreSQL URL is
/// tried once first so that a down server is reported as such, not as a bad URL.
pub fn connect(url: &str, max_size: u32) -> Result<(DbPool, Backend), DbSetupError> {
    connect_with(url, max_size, DEFAULT_LOCK_TIMEOUT_MS)
}

/// `connect` with the write-lock wait bound of `Settings::db_lock_timeout_ms`.
pub fn connect_with(url: &str, max_size: u32, lock_timeout_ms: u64) -> Result<(DbPool, Backend), DbSetupError> {
    let (backend, diesel_url) = parse_url(url)?;
    match backend {
        Backend::Sqlite => {
            if let Some(dir) = std::path::Path::new(&diesel_url).parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir)
                        .map_err(|source| DbSetupError::Dir { path: dir.display().to_string(), source })?;
                }
            }
            // Switch a new file to WAL once, alone, before the pool opens its connections at
            // the same time: several of them switching a fresh file at once could hit
            // "database is locked", which r2d2 logs as an ERROR on a clean start.
            use diesel::Connection;
            let mut first =
                diesel::SqliteConnection::establish(&diesel_url).map_err(|e| DbSetupError::Connect(e.to_string()))?;
            first
                .batch_execute("PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL;")
                .map_err(|e| DbSetupError::Connect(e.to_string()))?;
        }
        Backend::Postgres => {
            use diesel::Connection;
            diesel::PgConnection::establish(&diesel_url).map_err(|e| DbSetupError::Connect(e.to_string()))?;
        }
    }
    let manager = ConnectionManager::<DbConnection>::new(diesel_url);
    let pool = Pool::builder()
        .max_size(max_size)
        .connection_timeout(std::time::Duration::from_secs(10))
        .connection_customizer(Box::new(SessionSettings { lock_timeout_ms }))
        .build(manager)
        .map_err(|e| DbSetupError::Connect(e.to_string()))?;
    Ok((pool, backend))
}

/// Runs pending migrations; returns the versions applied.
pub fn migrate(conn: &mut DbConnection) -> Result<Vec<String>, DbSetupError> {
    let applied = match conn {
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
        DbConnection::Pg(c) => c.run_pending_migrations(PG_MIGRATIONS),
    }
    .map_err(|e| DbSetupError::Migrate(e.to_string()))?;
    Ok(applied.into_iter().map(|v| v.to_string()).collect())
}

/// After a bulk load on PostgreSQL, refreshes the planner's statistics of the tables it
/// filled (ANALYZE samples a fixed number of rows: tens of milliseconds whatever the size), so
/// the change feed, the delivery loops, record lists and the inbox are planned on the new
/// counts at once instead of on stale ones until autovacuum's next round (under the load
/// bench that gap showed as tails of several seconds). SQLite needs nothing.
pub fn refresh_stats_after_bulk_load(conn: &mut DbConnection) {
    if let DbConnection::Pg(pg) = conn {
        if let Err(e) = pg.batch_execute("ANALYZE events, records, record_objects, record_versions, inbox_items") {
            tracing::warn!(error = %e, "批量导入后更新统计信息失败");
        }
    }
}

pub fn backend_of(conn: &DbConnection) -> Backend {
    match conn {
        DbConnection::Sqlite(_) => Backend::Sqlite,
        DbConnection::Pg(_) => Backend::Postgres,
    }
}

/// Multi-row INSERT. Diesel's `MultiBackend` cannot express batch inserts, so this runs the
/// same statement on the concrete connection underneath (one code path, both backends).
#[macro_export]
macro_rules! insert_batch {
    ($conn:expr, $table:expr, $values:expr) => {
        match $conn {
            $crate::db::DbConnection::Sqlite(c) => diesel::insert_into($table).values($values).execute(c),
            $crate::db::DbConnection::Pg(c) => diesel::insert_into($table).values($values).execute(c),
        }
    };
}
