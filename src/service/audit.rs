//! Reading and verifying the audit log (rule 7).

use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::audit_log;
use crate::db::DbConnection;
use crate::domain::audit::{AuditFields, ChainBreak, ChainVerifier};
use crate::policy::AuditScope;
use crate::store::log::AuditRow;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub actor_user_id: Option<String>,
    pub actor_agency_id: Option<String>,
    pub action: String,
    pub resource_type: String,
    pub resource_id: Option<String>,
    pub purpose: Option<String>,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    pub hash: String,
}

#[derive(Default)]
pub struct AuditQuery {
    pub action: Option<String>,
    pub resource_id: Option<String>,
    /// Only the entries of this unit's actors (the hub admin's pages).
    pub actor_agency_id: Option<String>,
    /// Only entries at or after / before these instants (RFC 3339 UTC, as stored).
    pub since: Option<String>,
    pub until: Option<String>,
    pub before_seq: Option<i64>,
    pub limit: i64,
}

/// Entries newest first. What writers on PostgreSQL left for sealing is sealed first, so a
/// change is in the log as soon as it is acknowledged.
pub fn list(conn: &mut DbConnection, scope: &AuditScope, f: &AuditQuery) -> QueryResult<Vec<AuditEntry>> {
    crate::store::log::seal_all(conn)?;
    let mut q = audit_log::table.select(AuditRow::as_select()).into_boxed();
    if let AuditScope::Agency(a) = scope {
        q = q.filter(audit_log::actor_agency_id.eq(a.clone()));
    }
    if let Some(a) = &f.action {
        q = q.filter(audit_log::action.eq(a.clone()));
    }
    if let Some(r) = &f.resource_id {
        q = q.filter(audit_log::resource_id.eq(r.clone()));
    }
    if let Some(a) = &f.actor_agency_id {
        q = q.filter(audit_log::actor_agency_id.eq(a.clone()));
    }
    if let Some(t) = &f.since {
        q = q.filter(audit_log::at.ge(t.clone()));
    }
    if let Some(t) = &f.until {
        q = q.filter(audit_log::at.lt(t.clone()));
    }
    if let Some(b) = f.before_seq {
        q = q.filter(audit_log::seq.lt(b));
    }
    Ok(q.order(audit_log::seq.desc())
        .limit(f.limit)
        .load(conn)?
        .into_iter()
        .map(|r| AuditEntry {
            detail: serde_json::from_str(&r.detail).unwrap_or(serde_json::Value::Null),
            seq: r.seq,
            at: r.at,
            actor_user_id: r.actor_user_id,
            actor_agency_id: r.actor_agency_id,
            action: r.action,
            resource_type: r.resource_type,
            resource_id: r.resource_id,
            purpose: r.purpose,
            hash: r.hash,
        })
        .collect())
}

pub enum Verification {
    Intact { entries: i64 },
    Broken(ChainBreak),
}

/// Walks the whole chain in sequence order, a chunk at a time, in one snapshot (entries
/// sealed meanwhile are left for the next verification).
pub fn verify(conn: &mut DbConnection) -> QueryResult<Verification> {
    crate::store::log::seal_all(conn)?;
    conn.transaction(|conn| {
        if matches!(conn, DbConnection::Pg(_)) {
            diesel::sql_query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").execute(conn)?;
        }
        walk(conn)
    })
}

fn walk(conn: &mut DbConnection) -> QueryResult<Verification> {
    let crate::store::log::seal::ChainHead { seq: head_seq, hash: head_hash } =
        crate::store::log::seal::ChainHead::read(conn)?;
    let mut v = ChainVerifier::default();
    let mut after = 0i64;
    loop {
        let rows: Vec<AuditRow> = audit_log::table
            .filter(audit_log::seq.gt(after))
            .order(audit_log::seq)
            .limit(5000)
            .select(AuditRow::as_select())
            .load(conn)?;
        let Some(last) = rows.last() else { break };
        after = last.seq;
        for r in &rows {
            let f = AuditFields {
                seq: r.seq,
                at: &r.at,
                actor_user_id: r.actor_user_id.as_deref(),
                actor_agency_id: r.actor_agency_id.as_deref(),
                action: &r.action,
                resource_type: &r.resource_type,
                resource_id: r.resource_id.as_deref(),
                purpose: r.purpose.as_deref(),
                detail: &r.detail,
            };
            if let Err(b) = v.check(&f, &r.prev_hash, &r.hash) {
                return Ok(Verification::Broken(b));
            }
        }
    }
    Ok(match v.finish(head_seq, &head_hash) {
        Ok(n) => Verification::Intact { entries: n },
        Err(b) => Verification::Broken(b),
    })
}
