//! Delivery after commit: the loops that take what the event log recorded to agency systems
//! (webhooks) and to people (email). The event log is the transactional outbox: an event row
//! exists only if the change it describes committed, so a rolled-back change is never
//! delivered. Each consumer keeps its own cursor into the log and advances it only after it
//! has delivered (at-least-once; receivers de-duplicate by the event's sequence number).
//!
//! The loops run on their own thread and Tokio runtime, beside the HTTP server. Several hub
//! instances may run them at once: work is claimed with leases (PostgreSQL: `FOR UPDATE SKIP
//! LOCKED`; SQLite: its single writer), so no two instances deliver the same thing at once.
//!
//! They run until the server's `Background` is stopped. A loop looks at the stop between its
//! steps (a step is one transaction, or one send and the transaction recording it), records
//! what it did, gives back its leases and ends; what it has not done stays owed in the
//! database. A webhook request still under way at the stop is abandoned (the event stays
//! owed and is sent again later: receivers de-duplicate); a mail being sent is finished.

pub mod jobs;
pub mod mail;
pub mod webhook_guard;
pub mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::background::Background;
use crate::config::Settings;
use crate::db::{DbConnection, DbPool};
use crate::error::{AppError, AppResult};

/// What every delivery loop of one process shares.
#[derive(Clone)]
pub struct WorkerContext {
    pub pool: DbPool,
    pub settings: Arc<Settings>,
    /// This process's lease owner name.
    pub instance: String,
    /// The server's stop switch.
    pub background: Background,
}

impl WorkerContext {
    pub fn new(pool: DbPool, settings: Settings, background: Background) -> WorkerContext {
        WorkerContext {
            pool,
            settings: Arc::new(settings),
            instance: format!("worker-{}", uuid::Uuid::new_v4().simple()),
            background,
        }
    }

    /// Whether the loops are asked to stop (looked at between steps).
    pub fn stopping(&self) -> bool {
        self.background.is_stopping()
    }

    /// Runs blocking diesel work on Tokio's blocking pool with a pooled connection.
    pub async fn db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
    ) -> AppResult<T> {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("delivery task failed: {e}")))?
    }

    pub fn poll_interval(&self) -> Duration {
        Duration::from_millis(self.settings.delivery_poll_ms.max(10))
    }
}

/// The time `d` from now, as stored (RFC 3339 text).
pub fn after(d: Duration) -> String {
    crate::domain::format_time(chrono::Utc::now() + chrono::Duration::from_std(d).unwrap_or(chrono::Duration::zero()))
}

/// After a commit wakes a loop, it waits this long before its round, so that a burst of
/// commits (a bulk import commits a chunk every few milliseconds) is taken in one round
/// instead of one write transaction per commit competing with the writers for the lock.
const COALESCE: Duration = Duration::from_millis(50);

/// Waits until this process commits new events (then `COALESCE` more), `poll` passes (other
/// instances' commits are only seen by polling) or the loops are asked to stop.
pub async fn wait_for_work(ctx: &WorkerContext, commits: &mut watch::Receiver<i64>) {
    tokio::select! {
        woke = tokio::time::timeout(ctx.poll_interval(), commits.changed()) => {
            if matches!(woke, Ok(Ok(()))) {
                tokio::select! {
                    _ = tokio::time::sleep(COALESCE) => {}
                    _ = ctx.background.stopping() => {}
                }
            }
        }
        _ = ctx.background.stopping() => {}
    }
}

/// Starts the delivery loops (and the after-commit jobs, `jobs`) on a thread of their own; they run until `background` is
/// stopped. The thread ends once both loops have ended and their runtime is shut down (its
/// blocking database work finished), so no connection of `pool` is used after it.
pub fn spawn(pool: DbPool, settings: Settings, background: &Background) -> std::io::Result<()> {
    let guard = background.enter();
    let ctx = WorkerContext::new(pool, settings, background.clone());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("guantong-delivery")
        .enable_all()
        .build()?;
    std::thread::Builder::new().name("guantong-delivery".into()).spawn(move || {
        let _running = guard;
        runtime.block_on(async move {
            let mut loops = tokio::task::JoinSet::new();
            loops.spawn(webhooks::run(ctx.clone()));
            loops.spawn(mail::run(ctx.clone()));
            loops.spawn(jobs::run(ctx));
            while let Some(ended) = loops.join_next().await {
                if let Err(e) = ended {
                    tracing::error!(error = %e, "投递任务异常结束");
                }
            }
        });
        drop(runtime);
        tracing::debug!("投递线程已停止");
    })?;
    Ok(())
}

/// Selects the ids of due work rows and locks them for the rest of the transaction, skipping
/// rows another instance has locked (PostgreSQL). SQLite has one writer at a time, so there
/// the plain select under the write transaction is already exclusive.
#[macro_export]
macro_rules! lock_due_ids {
    ($conn:expr, $query:expr) => {{
        match $conn {
            $crate::db::DbConnection::Pg(c) => {
                diesel::RunQueryDsl::load::<String>($query.for_update().skip_locked(), c)
            }
            $crate::db::DbConnection::Sqlite(c) => diesel::RunQueryDsl::load::<String>($query, c),
        }
    }};
}
