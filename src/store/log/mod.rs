//! The event log and the audit chain, written inside one transaction with the change they
//! describe. On SQLite `write_tx` takes the database's write lock at once (the `log_head`
//! row): writers are serialised, events are numbered from the head and audit entries
//! chained as they are written. On PostgreSQL writers run side by side: events take numbers
//! from a sequence and readers see them only up to the visible head (`horizon`), audit
//! entries are sealed into the chain by one step after commit (`seal`). Either way a reader
//! following the sequence never sees an event land behind its cursor.

pub mod feed_index;
pub mod horizon;
pub mod lock_hold;
pub mod seal;

pub use seal::{seal_all, seal_pending, UnsealedAudit};

use diesel::prelude::*;
use serde_json::Value;

use crate::db::schema::{audit_log, audit_pending, events, log_head};
use crate::db::DbConnection;
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

/// Where the transaction's event numbers come from.
enum Numbering {
    /// SQLite: the next number after the head row, which this writer holds.
    Head,
    /// PostgreSQL: the `event_seq` sequence; numbers taken ahead for a bulk write first.
    Sequence { ahead: std::collections::VecDeque<i64> },
}

/// Events and audit entries of the current transaction.
pub struct Log {
    numbering: Numbering,
    /// The last number appended (before any: the head, or on PostgreSQL one below the floor).
    event_seq: i64,
    at: String,
    events: Vec<EventRow>,
    /// Feed index rows `(key, seq)` of the events appended (`feed_index`).
    filed: Vec<(String, i64)>,
    audits: Vec<UnsealedAudit>,
}

impl Log {
    /// The time this transaction stamps on everything it writes.
    pub fn at(&self) -> &str {
        &self.at
    }

    /// The sequence number of the last event appended (before any: the head, or on
    /// PostgreSQL the last number handed out when the transaction began).
    pub fn last_seq(&self) -> i64 {
        self.event_seq
    }

    /// Takes `n` event numbers at once for a bulk write that is about to append `n` events
    /// (one round trip on PostgreSQL instead of `n`; nothing to do on SQLite).
    pub fn reserve(&mut self, conn: &mut DbConnection, n: usize) -> AppResult<()> {
        if let Numbering::Sequence { ahead } = &mut self.numbering {
            let more = n.saturating_sub(ahead.len());
            if more > 0 {
                ahead.extend(horizon::take(conn, more)?);
            }
        }
        Ok(())
    }

    /// Appends an event; returns its sequence number. Call it after the rows the change
    /// depends on are written (and so locked): on PostgreSQL the number is taken now, and a
    /// change that waited for another's commit must be numbered after it.
    pub fn event(
        &mut self,
        conn: &mut DbConnection,
        event_type: EventType,
        record_id: Option<&str>,
        target_agency_id: Option<&str>,
        actor_agency_id: Option<&str>,
        payload: Value,
    ) -> AppResult<i64> {
        self.event_seq = match &mut self.numbering {
            Numbering::Head => self.event_seq + 1,
            Numbering::Sequence { ahead } => match ahead.pop_front() {
                Some(seq) => seq,
                None => horizon::next(conn)?,
            },
        };
        self.events.push(EventRow {
            seq: self.event_seq,
            event_type: event_type.as_str().to_string(),
            record_id: record_id.map(str::to_string),
            target_agency_id: target_agency_id.map(str::to_string),
            actor_agency_id: actor_agency_id.map(str::to_string),
            payload: payload.to_string(),
            at: self.at.clone(),
        });
        Ok(self.event_seq)
    }

    /// Files the untargeted event `seq` under its record's feed keys
    /// (`policy::record_feed_keys`), so the readers of those keys find it.
    pub fn file(&mut self, seq: i64, keys: Vec<String>) {
        self.filed.extend(keys.into_iter().map(|k| (k, seq)));
    }

    /// Appends an audit entry for the hash chain. `detail` must hold no protected content.
    pub fn audit(
        &mut self,
        actor: &Actor,
        action: &str,
        resource_type: &str,
        resource_id: Option<&str>,
        purpose: Option<&str>,
        detail: Value,
    ) {
        self.audits.push(UnsealedAudit {
            at: self.at.clone(),
            actor_user_id: actor.user_id.clone(),
            actor_agency_id: actor.agency_id.clone(),
            action: action.to_string(),
            resource_type: resource_type.to_string(),
            resource_id: resource_id.map(str::to_string),
            purpose: purpose.map(str::to_string),
            detail: detail.to_string(),
        });
    }

    fn flush(self, conn: &mut DbConnection) -> QueryResult<()> {
        for chunk in self.events.chunks(super::INSERT_CHUNK) {
            crate::insert_batch!(conn, events::table, chunk)?;
        }
        feed_index::insert(conn, &self.filed)?;
        match self.numbering {
            Numbering::Head => {
                diesel::update(log_head::table.find(1)).set(log_head::event_seq.eq(self.event_seq)).execute(conn)?;
                let mut head = seal::ChainHead::read(conn)?;
                let rows = head.chain(self.audits);
                head.write(conn, &rows)?;
            }
            Numbering::Sequence { .. } => {
                for chunk in self.audits.chunks(super::INSERT_CHUNK) {
                    crate::insert_batch!(conn, audit_pending::table, chunk)?;
                }
            }
        }
        Ok(())
    }
}

/// Runs `f` in one write transaction; events and audit entries it appends commit with its
/// changes, or nothing does.
pub fn write_tx<T>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection, &mut Log) -> AppResult<T>,
) -> AppResult<T> {
    let mut locked_at: Option<std::time::Instant> = None;
    // Where the hold went: the caller's work, then appending the log, then the commit.
    let (mut work, mut flushed) = (None, None);
    let result = conn.transaction::<_, AppError, _>(|conn| {
        let (numbering, event_seq) = match conn {
            // The first statement writes, so SQLite takes its write lock at once (no
            // deferred upgrade deadlock).
            DbConnection::Sqlite(_) => {
                diesel::update(log_head::table.find(1)).set(log_head::id.eq(1)).execute(conn)?;
                (Numbering::Head, log_head::table.find(1).select(log_head::event_seq).first(conn)?)
            }
            DbConnection::Pg(_) => (Numbering::Sequence { ahead: Default::default() }, horizon::enter(conn)? - 1),
        };
        locked_at = Some(std::time::Instant::now());
        let mut log = Log { numbering, event_seq, at: now(), events: vec![], filed: vec![], audits: vec![] };
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

/// The visible head: the highest event number up to which every event has committed (or
/// never will). Readers that follow the sequence read up to it and no further.
pub fn head_seq(conn: &mut DbConnection) -> QueryResult<i64> {
    match conn {
        DbConnection::Sqlite(_) => log_head::table.find(1).select(log_head::event_seq).first(conn),
        DbConnection::Pg(_) => horizon::visible_head(conn),
    }
}
