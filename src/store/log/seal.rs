//! Sealing audit entries into the hash chain. On SQLite the writer seals its own entries
//! (it holds the database's write lock); on PostgreSQL writers leave them in
//! `audit_pending` and one step at a time seals them in the order they were written, under
//! the `log_head` row lock: the chain is then the order of sealing, which keeps a change
//! made after another committed behind it.

use diesel::prelude::*;

use super::AuditRow;
use crate::db::schema::{audit_log, audit_pending, log_head};
use crate::db::DbConnection;
use crate::domain::audit::{entry_hash, AuditFields};

/// An audit entry before it has its place in the chain.
#[derive(Debug, Clone, Insertable, Queryable, Selectable)]
#[diesel(table_name = audit_pending, treat_none_as_default_value = false)]
pub struct UnsealedAudit {
    pub at: String,
    pub actor_user_id: Option<String>,
    pub actor_agency_id: Option<String>,
    pub action: String,
    pub resource_type: String,
    pub resource_id: Option<String>,
    pub purpose: Option<String>,
    pub detail: String,
}

/// The chain's head: the last sealed entry's number and hash.
#[derive(Debug, Clone)]
pub struct ChainHead {
    pub seq: i64,
    pub hash: String,
}

impl ChainHead {
    pub fn read(conn: &mut DbConnection) -> QueryResult<ChainHead> {
        let (seq, hash) = log_head::table.find(1).select((log_head::audit_seq, log_head::audit_hash)).first(conn)?;
        Ok(ChainHead { seq, hash })
    }

    /// Links `entries` after this head, in order; the head moves to the last of them.
    pub fn chain(&mut self, entries: Vec<UnsealedAudit>) -> Vec<AuditRow> {
        entries
            .into_iter()
            .map(|e| {
                self.seq += 1;
                let fields = AuditFields {
                    seq: self.seq,
                    at: &e.at,
                    actor_user_id: e.actor_user_id.as_deref(),
                    actor_agency_id: e.actor_agency_id.as_deref(),
                    action: &e.action,
                    resource_type: &e.resource_type,
                    resource_id: e.resource_id.as_deref(),
                    purpose: e.purpose.as_deref(),
                    detail: &e.detail,
                };
                let hash = entry_hash(&self.hash, &fields);
                let prev_hash = std::mem::replace(&mut self.hash, hash.clone());
                AuditRow {
                    seq: self.seq,
                    at: e.at,
                    actor_user_id: e.actor_user_id,
                    actor_agency_id: e.actor_agency_id,
                    action: e.action,
                    resource_type: e.resource_type,
                    resource_id: e.resource_id,
                    purpose: e.purpose,
                    detail: e.detail,
                    prev_hash,
                    hash,
                }
            })
            .collect()
    }

    /// Writes sealed rows and this head (inside the caller's transaction, which holds the
    /// `log_head` row).
    pub fn write(&self, conn: &mut DbConnection, rows: &[AuditRow]) -> QueryResult<()> {
        for chunk in rows.chunks(crate::store::INSERT_CHUNK) {
            crate::insert_batch!(conn, audit_log::table, chunk)?;
        }
        diesel::update(log_head::table.find(1))
            .set((log_head::audit_seq.eq(self.seq), log_head::audit_hash.eq(&self.hash)))
            .execute(conn)?;
        Ok(())
    }
}

/// Seals up to `limit` committed pending entries, oldest first; returns how many. Sealers on
/// several instances take turns on the `log_head` row.
pub fn seal_pending(conn: &mut DbConnection, limit: i64) -> QueryResult<usize> {
    if matches!(conn, DbConnection::Sqlite(_)) {
        return Ok(0);
    }
    let waiting: bool =
        diesel::select(diesel::dsl::exists(audit_pending::table.select(audit_pending::id))).get_result(conn)?;
    if !waiting {
        return Ok(0);
    }
    conn.transaction(|conn| {
        diesel::update(log_head::table.find(1)).set(log_head::id.eq(1)).execute(conn)?;
        // Read after the row is held: what another sealer sealed meanwhile is gone.
        let waiting: Vec<(i64, UnsealedAudit)> = audit_pending::table
            .order(audit_pending::id)
            .limit(limit)
            .select((audit_pending::id, UnsealedAudit::as_select()))
            .load(conn)?;
        let ids: Vec<i64> = waiting.iter().map(|(id, _)| *id).collect();
        let mut head = ChainHead::read(conn)?;
        let rows = head.chain(waiting.into_iter().map(|(_, e)| e).collect());
        head.write(conn, &rows)?;
        diesel::delete(audit_pending::table.filter(audit_pending::id.eq_any(&ids))).execute(conn)?;
        Ok(rows.len())
    })
}

/// Seals everything committed so far (before the chain is read or verified).
pub fn seal_all(conn: &mut DbConnection) -> QueryResult<()> {
    while seal_pending(conn, 1000)? == 1000 {}
    Ok(())
}
