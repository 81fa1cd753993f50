//! The change feed: the events an agency is entitled to, by sequence cursor. Untargeted
//! events (record created/updated) show where the agency can read the record now; targeted
//! ones (shared, revoked, withdrawn) show to their target only. Tombstones carry no content.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::contract::record::RecordView;
use crate::db::schema::{events, records};
use crate::db::DbConnection;
use crate::domain::event::EventType;
use crate::error::AppResult;
use crate::policy::{self, Principal, ReadMode, Viewer};
use crate::service::records::present;
use crate::store::log::{feed_index, write_tx, Actor, EventRow};
use crate::store::records::load_many;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FeedEvent {
    pub seq: i64,
    #[serde(rename = "type")]
    pub event_type: EventType,
    pub record_id: Option<String>,
    /// The record as the agency may see it now; absent in tombstones
    /// (`record.revoked`, `record.withdrawn`) and where access has since been lost.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<RecordView>,
    pub at: String,
}

/// Event rows of the agency's feed after `after` up to `upto` (the visible head, or less),
/// in sequence order. The feed index (`feed_index::candidates`: the events filed under the
/// agency's keys and those aimed at it) gives the candidates in order; each is shown only if
/// the entitlement filter admits it now, and candidates are read until the page is full, so
/// an agency entitled to little reads as few rows as one entitled to much.
pub fn events_after(
    conn: &mut DbConnection,
    viewer: &Viewer,
    after: i64,
    upto: i64,
    limit: i64,
) -> QueryResult<Vec<EventRow>> {
    let keys = policy::viewer_feed_keys(viewer);
    let mut out: Vec<EventRow> = Vec::new();
    let mut from = after;
    while (out.len() as i64) < limit {
        let (seqs, more) = feed_index::candidates(conn, &viewer.agency_id, &keys, from, upto, limit)?;
        let Some(last) = seqs.last().copied() else { break };
        out.extend(entitled_events(conn, viewer, &seqs)?);
        if !more {
            break;
        }
        from = last;
    }
    out.truncate(limit as usize);
    Ok(out)
}

/// The events among `seqs` the agency's feed shows: those aimed at it, and untargeted ones
/// on records it may read now (rule 5, `entitled_sql`), in sequence order.
fn entitled_events(conn: &mut DbConnection, viewer: &Viewer, seqs: &[i64]) -> QueryResult<Vec<EventRow>> {
    use diesel::dsl::sql;
    use diesel::sql_types::{Bool, Text};
    let targeted = sql::<Bool>("COALESCE(events.target_agency_id, '') = ").bind::<Text, _>(viewer.agency_id.clone());
    let untargeted = sql::<Bool>("COALESCE(events.target_agency_id, '') = ''");
    events::table
        .left_join(records::table.on(events::record_id.eq(records::id.nullable())))
        .filter(events::seq.eq_any(seqs))
        .filter(targeted.or(untargeted.and(policy::entitled_sql(viewer))))
        .order(events::seq)
        .select(EventRow::as_select())
        .load(conn)
}

/// What the agency's sync job reads: up to `limit` events after `after`, whether more
/// follow, and the hub's latest sequence number (how far behind the job is).
pub fn read(
    conn: &mut DbConnection,
    p: &Principal,
    after: i64,
    limit: i64,
    purpose: Option<&str>,
) -> AppResult<(Vec<FeedEvent>, bool, i64)> {
    policy::require_content_reader(p)?;
    let viewer = crate::store::directory::viewer(conn, &p.agency_id)?;
    let head_seq = crate::store::log::head_seq(conn)?;
    let mut events = page(conn, &Actor::from(p), &viewer, after, head_seq, limit + 1, purpose)?;
    let has_more = events.len() as i64 > limit;
    events.truncate(limit as usize);
    Ok((events, has_more, head_seq))
}

/// One page of the feed with records disclosed for sync jobs; disclosures of protected or
/// restricted content are written to the audit log, one entry per page.
pub fn page(
    conn: &mut DbConnection,
    actor: &Actor,
    viewer: &Viewer,
    after: i64,
    upto: i64,
    limit: i64,
    purpose: Option<&str>,
) -> AppResult<Vec<FeedEvent>> {
    let rows = events_after(conn, viewer, after, upto, limit)?;
    let kinds = rows
        .iter()
        .map(|e| EventType::from_stored(&e.event_type))
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::from)?;
    let ids: Vec<String> =
        rows.iter().zip(&kinds).filter(|(_, k)| !k.is_tombstone()).filter_map(|(e, _)| e.record_id.clone()).collect();
    let stored = load_many(conn, &ids)?;
    let mut views: HashMap<String, RecordView> = HashMap::new();
    let mut audited: Vec<String> = Vec::new();
    for (id, s) in &stored {
        let facts = s.facts();
        if !policy::can_read(viewer, &facts) {
            continue;
        }
        let d = policy::disclosure(viewer, &facts, ReadMode::Feed { purpose })?;
        let v = present(s, d);
        if policy::disclosure_is_audited(&facts, d, !v.protected_fields.is_empty()) {
            audited.push(id.clone());
        }
        views.insert(id.clone(), v);
    }
    if !audited.is_empty() {
        audited.sort();
        write_tx(conn, |_, log| {
            log.audit(actor, "feed.read", "record", None, purpose, json!({"record_ids": audited}));
            Ok(())
        })?;
    }
    Ok(rows
        .into_iter()
        .zip(kinds)
        .map(|(e, kind)| FeedEvent {
            record: if kind.is_tombstone() { None } else { e.record_id.as_ref().and_then(|id| views.get(id).cloned()) },
            seq: e.seq,
            event_type: kind,
            record_id: e.record_id,
            at: e.at,
        })
        .collect())
}
