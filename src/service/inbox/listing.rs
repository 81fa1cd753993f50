//! The inbox as its agency reads it: pages of items with their records as the agency may
//! see them, and acknowledging an item.

use crate::contract::page::Page;
use crate::db::DbConnection;
use crate::domain::ids::InboxItemId;
use crate::error::AppResult;
use crate::policy::{self, Principal};
use crate::store::directory;
use crate::store::log::{write_tx, Actor};

use super::{ack, list, InboxItem, InboxQuery};

/// A page of the agency's inbox, newest first, each item with its record as the agency may
/// see it: restricted titles only with a purpose, audited (as in record lists). Items whose
/// record the agency lost access to are gone.
pub fn page(
    conn: &mut DbConnection,
    p: &Principal,
    f: &InboxQuery,
    purpose: Option<&str>,
) -> AppResult<Page<InboxItem>> {
    let viewer = directory::viewer(conn, &p.agency_id)?;
    let rows = list(conn, &viewer, f)?;
    let ids: Vec<String> = rows.iter().map(|r| r.record_id.clone()).collect();
    let records = crate::store::records::load_many(conn, &ids)?;
    let next_cursor = crate::contract::page::next(rows.len(), f.limit, rows.last().map(|r| r.seq));
    let rows: Vec<_> = rows.into_iter().filter(|r| records.contains_key(&r.record_id)).collect();
    let views = crate::service::records::present_listing(
        conn,
        p,
        &viewer,
        rows.iter().filter_map(|r| records.get(&r.record_id)),
        purpose,
    )?;
    let mut items = Vec::with_capacity(rows.len());
    for (r, view) in rows.into_iter().zip(views) {
        let note = policy::inbox_note(&r.reason, r.note, view.content_withheld);
        items.push(InboxItem {
            id: r.id,
            reason: r.reason,
            subscription_id: r.subscription_id,
            ref_id: r.ref_id,
            note,
            seq: r.seq,
            created_at: r.created_at,
            acked_at: r.acked_at,
            record: view,
        });
    }
    Ok(Page { items, next_cursor })
}

/// Acknowledges one of the agency's items (idempotent): when it was acknowledged.
pub fn acknowledge(conn: &mut DbConnection, p: &Principal, id: &InboxItemId) -> AppResult<String> {
    let viewer = directory::viewer(conn, &p.agency_id)?;
    write_tx(conn, |conn, log| ack(conn, log, &Actor::from(p), &viewer, id, &p.actor_id()))
}
