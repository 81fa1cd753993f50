//! The event log and the audit chain, written inside one transaction with the change they
//! describe. `write_tx` locks the single `log_head` row first: writers are serialised, so
//! sequence order is commit order and a feed reader never skips a late commit.

use diesel::prelude::*;
use serde_json::Value;

use crate::db::schema::{audit_log, events, log_head};
use crate::db::DbConnection;
use crate::domain::audit::{entry_hash, AuditFields};
use crate::domain::event::EventType;
use crate::domain::now;
use crate::error::{AppError, AppResult};
use crate::policy::Principal;

#[derive(Debug, Clone, Insertable, Queryable, Selectable)]
#[diesel(table_name = events, treat_none_as_default_value = false)]
pub struct EventRow {
    pub seq: i64,
    pub event_type: String,
    pub record_id: Option<String>,
    pub target_agency_id: Option<String>,
    pub actor_agency_id: Option<String>,
    pub payload: String,
    pub at: String,
}

#[derive(Debug, Clone, Insertable, Queryable, Selectable)]
#[diesel(table_name = audit_log, treat_none_as_default_value = false)]
pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub actor_user_id: Option<String>,
    pub actor_agency_id: Option<String>,
    pub action: String,
    pub resource_type: String,
    pub resource_id: Option<String>,
    pub purpose: Option<String>,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Who an audit entry names.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user_id: Option<String>,
    pub agency_id: Option<String>,
}

impl From<&Principal> for Actor {
    fn from(p: &Principal) -> Self {
        Actor { user_id: Some(p.actor_id()), agency_id: Some(p.agency_id.clone()) }
    }
}

/// Events and audit entries of the current transaction, numbered from the locked head.
pub struct Log {
    event_seq: i64,
    audit_seq: i64,
    audit_hash: String,
    at: String,
    events: Vec<EventRow>,
    audits: Vec<AuditRow>,
}

impl Log {
    /// The time this transaction stamps on everything it writes.
    pub fn at(&self) -> &str {
        &self.at
    }

    /// The sequence number of the last event appended (or the head, if none yet).
    pub fn last_seq(&self) -> i64 {
        self.event_seq
    }

    /// Appends an event; returns its sequence number.
    pub fn event(
        &mut self,
        event_type: EventType,
        record_id: Option<&str>,
        target_agency_id: Option<&str>,
        actor_agency_id: Option<&str>,
        payload: Value,
    ) -> i64 {
        self.event_seq += 1;
        self.events.push(EventRow {
            seq: self.event_seq,
            event_type: event_type.as_str().to_string(),
            record_id: record_id.map(str::to_string),
            target_agency_id: target_agency_id.map(str::to_string),
            actor_agency_id: actor_agency_id.map(str::to_string),
            payload: payload.to_string(),
            at: self.at.clone(),
        });
        self.event_seq
    }

    /// Appends an audit entry to the hash chain. `detail` must hold no protected content.
    pub fn audit(
        &mut self,
        actor: &Actor,
        action: &str,
        resource_type: &str,
        resource_id: Option<&str>,
        purpose: Option<&str>,
        detail: Value,
    ) {
        self.audit_seq += 1;
        let detail = detail.to_string();
        let fields = AuditFields {
            seq: self.audit_seq,
            at: &self.at,
            actor_user_id: actor.user_id.as_deref(),
            actor_agency_id: actor.agency_id.as_deref(),
            action,
            resource_type,
            resource_id,
            purpose,
            detail: &detail,
        };
        let hash = entry_hash(&self.audit_hash, &fields);
        let prev = std::mem::replace(&mut self.audit_hash, hash.clone());
        self.audits.push(AuditRow {
            seq: self.audit_seq,
            at: self.at.clone(),
            actor_user_id: actor.user_id.clone(),
            actor_agency_id: actor.agency_id.clone(),
            action: action.to_string(),
            resource_type: resource_type.to_string(),
            resource_id: resource_id.map(str::to_string),
            purpose: purpose.map(str::to_string),
            detail,
            prev_hash: prev,
            hash,
        });
    }

    fn flush(self, conn: &mut DbConnection) -> QueryResult<()> {
        for chunk in self.events.chunks(super::INSERT_CHUNK) {
            crate::insert_batch!(conn, events::table, chunk)?;
        }
        for chunk in self.audits.chunks(super::INSERT_CHUNK) {
            crate::insert_batch!(conn, audit_log::table, chunk)?;
        }
        diesel::update(log_head::table.find(1))
            .set((
                log_head::event_seq.eq(self.event_seq),
                log_head::audit_seq.eq(self.audit_seq),
                log_head::audit_hash.eq(self.audit_hash),
            ))
            .execute(conn)?;
        Ok(())
    }
}

/// Runs `f` in one transaction with the log head locked; events and audit entries it
/// appends commit with its changes, or nothing does.
pub fn write_tx<T>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection, &mut Log) -> AppResult<T>,
) -> AppResult<T> {
    let mut locked_at: Option<std::time::Instant> = None;
    // Where the hold went: the caller's work, then appending the log, then the commit.
    let (mut work, mut flushed) = (None, None);
    let result = conn.transaction::<_, AppError, _>(|conn| {
        // The first statement writes, so SQLite takes its write lock at once (no deferred
        // upgrade deadlock) and PostgreSQL locks the head row until commit.
        diesel::update(log_head::table.find(1)).set(log_head::id.eq(1)).execute(conn)?;
        locked_at = Some(std::time::Instant::now());
        let (event_seq, audit_seq, audit_hash): (i64, i64, String) = log_head::table
            .find(1)
            .select((log_head::event_seq, log_head::audit_seq, log_head::audit_hash))
            .first(conn)?;
        let mut log = Log { event_seq, audit_seq, audit_hash, at: now(), events: vec![], audits: vec![] };
        let out = f(conn, &mut log)?;
        work = locked_at.map(|t| t.elapsed());
        let last = log.event_seq;
        let rows = log.events.len() + log.audits.len();
        log.flush(conn)?;
        flushed = Some((locked_at.map(|t| t.elapsed()), rows));
        Ok((out, last))
    });
    if let Some(at) = locked_at {
        lock_hold::observe(at.elapsed(), result.is_ok(), work, flushed);
    }
    result.map(|(out, last)| {
        // Every commit wakes the delivery loops: new events, and also changes that make
        // waiting work due (an endpoint re-enabled, dead letters queued for replay).
        commits().send_replace(last);
        out
    })
}

/// Announces each commit (with the last event sequence number) to the delivery loops of this
/// process, so they wake at once instead of at their next poll (other instances poll).
pub fn commits() -> &'static tokio::sync::watch::Sender<i64> {
    static COMMITS: std::sync::OnceLock<tokio::sync::watch::Sender<i64>> = std::sync::OnceLock::new();
    COMMITS.get_or_init(|| tokio::sync::watch::Sender::new(0))
}

/// The last committed event sequence number.
pub fn head_seq(conn: &mut DbConnection) -> QueryResult<i64> {
    log_head::table.find(1).select(log_head::event_seq).first(conn)
}

/// How long writers hold the global write lock (the `log_head` row), from taking it to
/// commit or rollback. Every other writer of the hub waits that long, so it must stay in
/// the tens of milliseconds: `/metrics` exposes it as a histogram and its maximum, and a
/// hold over `SLOW_HOLD` is logged as a warning.
pub mod lock_hold {
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
                    "Time a write transaction holds the global write lock, lock to commit",
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
            tracing::warn!(held_ms, committed, work_ms, log_ms, log_rows, commit_ms, "写事务持有全局写锁过久");
        } else {
            tracing::trace!(held_ms, committed, "写事务释放全局写锁");
        }
    }
}
