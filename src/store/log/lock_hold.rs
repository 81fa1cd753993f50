//! How long a write transaction holds back others, from its first statement to commit or
//! rollback. On SQLite that is the database's write lock, which every other writer waits
//! for; on PostgreSQL writers run side by side, and it is how long readers of the feed wait
//! at this writer's floor (`horizon`). It must stay in the tens of milliseconds: `/metrics`
//! exposes it as a histogram and its maximum, and a hold over `SLOW_HOLD` is logged as a
//! warning.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

/// A hold this long is logged as a warning.
pub const SLOW_HOLD: Duration = Duration::from_millis(100);

static MAX_MICROS: AtomicU64 = AtomicU64::new(0);

/// The histogram of hold times in seconds (shared by every server in the process).
pub fn histogram() -> &'static prometheus::Histogram {
    static H: OnceLock<prometheus::Histogram> = OnceLock::new();
    H.get_or_init(|| {
        prometheus::Histogram::with_opts(
            prometheus::HistogramOpts::new(
                "guantong_write_lock_hold_seconds",
                "Time a write transaction holds back others (SQLite: the write lock; PostgreSQL: the feed horizon), first statement to commit",
            )
            .buckets(vec![0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]),
        )
        .expect("metric")
    })
}

/// The longest hold seen by this process, in seconds.
pub fn max_seconds() -> f64 {
    MAX_MICROS.load(Ordering::Relaxed) as f64 / 1e6
}

/// Records one hold; a slow one is warned with where its time went: `work_ms` (the
/// caller's statements), `log_ms` (appending `log_rows` events and audit entries) and
/// `commit_ms`.
pub(super) fn observe(
    held: Duration,
    committed: bool,
    work: Option<Duration>,
    flushed: Option<(Option<Duration>, usize)>,
) {
    histogram().observe(held.as_secs_f64());
    MAX_MICROS.fetch_max(held.as_micros() as u64, Ordering::Relaxed);
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let held_ms = ms(held);
    if held >= SLOW_HOLD {
        let work_ms = work.map(ms);
        let (flushed_at, log_rows) = flushed.unwrap_or((None, 0));
        let log_ms = flushed_at.zip(work).map(|(f, w)| ms(f.saturating_sub(w)));
        let commit_ms = flushed_at.map(|f| ms(held.saturating_sub(f)));
        tracing::warn!(
            held_ms,
            committed,
            work_ms,
            log_ms,
            log_rows,
            commit_ms,
            "写事务持续过久(SQLite 阻塞其他写入,PostgreSQL 推迟订阅流可见范围)"
        );
    } else {
        tracing::trace!(held_ms, committed, "写事务结束");
    }
}
