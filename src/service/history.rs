//! A record's history (`GET /records/{id}/history`): its versions, paged, each shown only
//! where `policy::history` allows that version to the reader.

use diesel::prelude::*;
use serde::Serialize;
use serde_json::{json, Value};

use crate::contract::record::RecordView;
use crate::db::schema::record_versions;
use crate::db::DbConnection;
use crate::domain::ids::RecordId;
use crate::domain::record::{Distribution, Sensitivity};
use crate::error::AppResult;
use crate::policy::{self, Principal};
use crate::service::records::{get_entitled, present};
use crate::store::log::Actor;
use crate::store::records::StoredRecord;
use crate::store::to_json;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    pub version: i32,
    pub action: String,
    pub actor_id: String,
    pub at: String,
    /// The record as it was at this version, disclosed under the stricter rules of that
    /// version and now.
    pub record: RecordView,
}

/// The versions of an entitled record after version `after` (at most `limit` of them are
/// looked at), each shown only where the policy allows that version to the viewer
/// (`policy::history`); restricted versions need a purpose, and disclosures are audited.
/// Returns the entries and the version to continue after, if there may be more.
#[allow(clippy::too_many_arguments)]
pub fn history(
    conn: &mut DbConnection,
    p: &Principal,
    id: &RecordId,
    purpose: Option<&str>,
    after: Option<i64>,
    limit: i64,
) -> AppResult<(Vec<HistoryEntry>, Option<i64>)> {
    let viewer = &crate::store::directory::viewer(conn, &p.agency_id)?;
    let id = id.as_str();
    let s = get_entitled(conn, viewer, id)?;
    let now = s.facts();
    let rows: Vec<(i32, String, String, String, Option<String>)> = record_versions::table
        .filter(record_versions::record_id.eq(id))
        .filter(record_versions::version.gt(after.unwrap_or(0).clamp(0, i32::MAX as i64) as i32))
        .order(record_versions::version)
        .limit(limit)
        .select((
            record_versions::version,
            record_versions::action,
            record_versions::actor_id,
            record_versions::at,
            record_versions::snapshot,
        ))
        .load(conn)?;
    let next = (rows.len() as i64 == limit).then(|| rows.last().map(|r| r.0 as i64)).flatten();
    let mut items = Vec::with_capacity(rows.len());
    let mut audited: Vec<i32> = Vec::new();
    let mut protected_disclosed = false;
    for (version, action, actor_id, at, snap) in rows {
        // A version without a snapshot is the current content.
        let mut past = s.clone();
        if let Some(snap) = &snap {
            apply_snapshot(&mut past, snap).map_err(anyhow::Error::from)?;
        }
        past.row.version = version;
        past.row.updated_at = at.clone();
        let Some((d, facts)) =
            policy::history::version_disclosure(viewer, &now, &past.facts(), snap.is_none(), purpose)?
        else {
            continue;
        };
        let has_protected = !past.protected_map().is_empty();
        if policy::disclosure_is_audited(&facts, d, has_protected) {
            audited.push(version);
            protected_disclosed |= d.protected && has_protected;
        }
        items.push(HistoryEntry { version, action, actor_id, at, record: present(&past, d) });
    }
    if !audited.is_empty() {
        crate::store::log::write_tx(conn, |_, log| {
            log.audit(
                &Actor::from(p),
                "record.history",
                "record",
                Some(id),
                purpose,
                json!({"versions": audited, "protected_disclosed": protected_disclosed}),
            );
            Ok(())
        })?;
    }
    Ok((items, next))
}

/// The record as a version snapshot saw it; a stored sensitivity the hub does not write is
/// an error (an old version is never shown as if it were general).
fn apply_snapshot(s: &mut StoredRecord, snap: &str) -> Result<(), crate::domain::UnknownStoredValue> {
    let v: Value = serde_json::from_str(snap).unwrap_or(json!({}));
    let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let list =
        |k: &str| -> Vec<String> { v.get(k).and_then(|x| serde_json::from_value(x.clone()).ok()).unwrap_or_default() };
    if let Some(t) = text("title") {
        s.row.title = t;
    }
    if let Some(b) = text("body") {
        s.row.body = b;
    }
    s.row.category = text("category");
    s.row.tags = to_json(&list("tags"));
    s.row.attributes = v.get("attributes").cloned().unwrap_or(json!({})).to_string();
    s.row.protected = v.get("protected").cloned().unwrap_or(json!({})).to_string();
    if let Some(sens) = text("sensitivity") {
        s.sensitivity = crate::domain::from_stored("敏感级别", &sens, Sensitivity::parse)?;
        s.row.sensitivity = sens;
    }
    if let Some(d) = v.get("distribution").and_then(|d| serde_json::from_value::<Distribution>(d.clone()).ok()) {
        s.level = d.level;
        s.row.distribution_level = d.level.as_str().to_string();
        s.row.group_id = d.group;
        s.recipients = d.agencies;
    }
    s.object_ids = list("object_ids");
    s.field_grants = list("field_grants");
    Ok(())
}
