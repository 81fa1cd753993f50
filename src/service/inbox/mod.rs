//! The inbox: records that concern an agency (subscription matches, later transfers),
//! each acknowledged once. Listing joins records under the entitlement filter, so an item
//! whose record the agency lost access to disappears with it.

use std::collections::HashSet;

use diesel::prelude::*;
use serde::Serialize;

use crate::contract::record::RecordView;
use crate::db::schema::{inbox_items, records};
use crate::db::DbConnection;
use crate::domain::new_id;
use crate::domain::subscription::RecordFacets;
use crate::error::{AppError, AppResult};
use crate::policy::{self, Viewer};
use crate::service::subscriptions::Rule;
use crate::store::log::{Actor, Log};
use crate::store::records::StoredRecord;
use crate::store::{json_list, INSERT_CHUNK};

mod listing;

pub use listing::{acknowledge, page};

/// An inbox item about to be written.
#[derive(Debug, Clone)]
pub struct NewItem {
    pub agency_id: String,
    pub record_id: String,
    /// `subscription`, `transfer.created`, `duplicate`, `deliberation.opened` …
    pub reason: String,
    pub subscription_id: Option<String>,
    /// The transfer, flag, deliberation or assignment the item is about.
    pub ref_id: Option<String>,
    pub note: Option<String>,
    pub seq: i64,
}

/// The inbox items `record` earns: one for each agency in `agencies` (those who can read
/// it) with a matching subscription; the owner's own records are not news to it.
pub fn matches(rules: &[Rule], record: &StoredRecord, agencies: &[String], seq: i64) -> Vec<NewItem> {
    if rules.is_empty() || agencies.is_empty() {
        return vec![];
    }
    let tags = json_list(&record.row.tags);
    let facets = RecordFacets {
        kind: &record.row.kind,
        category: record.row.category.as_deref(),
        object_ids: &record.object_ids,
        owner_agency_id: &record.row.owner_agency_id,
        tags: &tags,
    };
    let mut seen: HashSet<&str> = HashSet::new();
    let mut out = Vec::new();
    for r in rules {
        if r.agency_id == record.row.owner_agency_id
            || !agencies.contains(&r.agency_id)
            || seen.contains(r.agency_id.as_str())
            || !r.criteria.matches(&facets)
        {
            continue;
        }
        seen.insert(&r.agency_id);
        out.push(NewItem {
            agency_id: r.agency_id.clone(),
            record_id: record.row.id.clone(),
            reason: "subscription".into(),
            subscription_id: Some(r.id.clone()),
            ref_id: None,
            note: None,
            seq,
        });
    }
    out
}

/// Inserts the items of one record, except for agencies that already have it in their
/// inbox (access lost and regained).
pub fn insert_unseen(conn: &mut DbConnection, items: Vec<NewItem>, now: &str) -> QueryResult<()> {
    let Some(record_id) = items.first().map(|i| i.record_id.clone()) else { return Ok(()) };
    let present: HashSet<String> = inbox_items::table
        .filter(inbox_items::record_id.eq(&record_id))
        .filter(inbox_items::reason.eq("subscription"))
        .select(inbox_items::agency_id)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let fresh: Vec<NewItem> =
        items.into_iter().filter(|i| i.record_id == record_id && !present.contains(&i.agency_id)).collect();
    insert(conn, &fresh, now)
}

/// A notification to one agency about one record (a transfer step, a duplicate-handling
/// flag, a deliberation): `reason` says which, `ref_id` names the transfer or deliberation,
/// `note` is the short text shown.
#[allow(clippy::too_many_arguments)]
pub fn notify(
    conn: &mut DbConnection,
    agency_id: &str,
    record_id: &str,
    reason: &str,
    ref_id: Option<&str>,
    note: &str,
    seq: i64,
    now: &str,
) -> QueryResult<()> {
    let item = NewItem {
        agency_id: agency_id.into(),
        record_id: record_id.into(),
        reason: reason.into(),
        subscription_id: None,
        ref_id: ref_id.map(str::to_string),
        note: Some(note.into()),
        seq,
    };
    insert(conn, &[item], now)
}

/// Inserts new inbox items.
pub fn insert(conn: &mut DbConnection, items: &[NewItem], now: &str) -> QueryResult<()> {
    for chunk in items.chunks(INSERT_CHUNK) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|i| {
                (
                    inbox_items::id.eq(new_id()),
                    inbox_items::agency_id.eq(&i.agency_id),
                    inbox_items::record_id.eq(&i.record_id),
                    inbox_items::reason.eq(&i.reason),
                    inbox_items::subscription_id.eq(&i.subscription_id),
                    inbox_items::ref_id.eq(&i.ref_id),
                    inbox_items::note.eq(&i.note),
                    inbox_items::seq.eq(i.seq),
                    inbox_items::created_at.eq(now),
                )
            })
            .collect();
        crate::insert_batch!(conn, inbox_items::table, &rows)?;
    }
    Ok(())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InboxItem {
    pub id: String,
    /// `subscription`, `transfer.created`, `transfer.accepted` …, `duplicate`, `deliberation` …
    pub reason: String,
    pub subscription_id: Option<String>,
    /// The transfer, deliberation or assignment the item is about.
    pub ref_id: Option<String>,
    pub note: Option<String>,
    pub seq: i64,
    pub created_at: String,
    pub acked_at: Option<String>,
    pub record: RecordView,
}

/// The reason of an inbox item that flags possible duplicate handling (重复办理).
pub const DUPLICATE: &str = "duplicate";

pub struct InboxQuery {
    pub unacked_only: bool,
    pub before_seq: Option<i64>,
    pub limit: i64,
    /// `Some(true)`: only flags of possible duplicate handling; `Some(false)`: none of them.
    pub duplicates: Option<bool>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = inbox_items)]
pub struct InboxRow {
    pub id: String,
    pub reason: String,
    pub subscription_id: Option<String>,
    pub ref_id: Option<String>,
    pub note: Option<String>,
    pub seq: i64,
    pub created_at: String,
    pub acked_at: Option<String>,
    pub record_id: String,
}

/// The agency's inbox items whose records it is still entitled to, newest first.
pub fn list(conn: &mut DbConnection, viewer: &Viewer, f: &InboxQuery) -> QueryResult<Vec<InboxRow>> {
    let mut q = inbox_items::table
        .inner_join(records::table)
        .filter(inbox_items::agency_id.eq(viewer.agency_id.clone()))
        .filter(policy::entitled_sql(viewer))
        .select(InboxRow::as_select())
        .into_boxed();
    if f.unacked_only {
        q = q.filter(inbox_items::acked_at.is_null());
    }
    if let Some(b) = f.before_seq {
        q = q.filter(inbox_items::seq.lt(b));
    }
    match f.duplicates {
        Some(true) => q = q.filter(inbox_items::reason.eq(DUPLICATE)),
        Some(false) => q = q.filter(inbox_items::reason.ne(DUPLICATE)),
        None => {}
    }
    q.order((inbox_items::seq.desc(), inbox_items::id.desc())).limit(f.limit).load(conn)
}

/// Acknowledges one of the agency's items; 404 for another agency's or an unentitled one.
pub(super) fn ack(
    conn: &mut DbConnection,
    log: &mut Log,
    actor: &Actor,
    viewer: &Viewer,
    id: &str,
    by: &str,
) -> AppResult<String> {
    let found: Option<(String, Option<String>)> = inbox_items::table
        .inner_join(records::table)
        .filter(inbox_items::id.eq(id))
        .filter(inbox_items::agency_id.eq(viewer.agency_id.clone()))
        .filter(policy::entitled_sql(viewer))
        .select((inbox_items::id, inbox_items::acked_at))
        .first(conn)
        .optional()?;
    let Some((_, acked)) = found else {
        return Err(AppError::NotFound("待办事项不存在".into()));
    };
    if let Some(at) = acked {
        return Ok(at);
    }
    diesel::update(inbox_items::table.find(id))
        .set((inbox_items::acked_at.eq(log.at()), inbox_items::acked_by.eq(by)))
        .execute(conn)?;
    log.audit(actor, "inbox.ack", "inbox_item", Some(id), None, serde_json::json!({}));
    Ok(log.at().to_string())
}
