//! Records (信息), the use cases: publish (one or many), read, list, update with versioning
//! and withdraw, with the propagation of access changes (rule 6) to feeds and inboxes.

use std::collections::HashSet;

use serde_json::{json, Value};

use crate::contract::record::RecordView;
use crate::db::DbConnection;
use crate::domain::event::EventType;
use crate::domain::new_id;
use crate::domain::record::RecordContent;
use crate::error::{AppError, AppResult};
use crate::policy::{self, Disclosure, Principal, ReadMode, Viewer};
use crate::service::inbox;
use crate::store::json_list;
use crate::store::log::{feed_index, Actor, Log};
use crate::store::records::{self, by_external_ids, content_hash, load, RowMeta, StoredRecord, VersionRow};

mod context;
mod forms;
mod requests;

pub use crate::store::records::RecordQuery;
pub use context::*;
pub use forms::*;
pub use requests::*;

/// Builds the view of a record under the policy's disclosure `d`.
pub fn present(s: &StoredRecord, d: Disclosure) -> RecordView {
    let protected = s.protected_map();
    let mut distribution = s.distribution();
    if !d.recipients {
        distribution.agencies.clear();
    }
    RecordView {
        id: s.row.id.clone(),
        kind: s.kind,
        // A restricted record's title is content too: a neutral placeholder when withheld.
        title: if d.content { s.row.title.clone() } else { policy::WITHHELD_TITLE.to_string() },
        body: d.content.then(|| s.row.body.clone()),
        category: s.row.category.clone(),
        object_ids: s.object_ids.clone(),
        tags: json_list(&s.row.tags),
        attributes: d.content.then(|| serde_json::from_str(&s.row.attributes).unwrap_or(json!({}))),
        distribution,
        sensitivity: s.sensitivity,
        redacted: !protected.is_empty() && !d.protected,
        protected_fields: protected.keys().cloned().collect(),
        protected: d.protected.then_some(protected),
        content_withheld: !d.content,
        external_id: s.row.external_id.clone(),
        version: s.row.version,
        owner_agency_id: s.row.owner_agency_id.clone(),
        author_id: s.row.author_id.clone(),
        created_at: s.row.created_at.clone(),
        updated_at: s.row.updated_at.clone(),
    }
}

fn audit_detail(s: &StoredRecord) -> Value {
    json!({"kind": s.row.kind, "version": s.row.version, "distribution": s.row.distribution_level, "sensitivity": s.row.sensitivity, "external_id": s.row.external_id})
}

/// Publishes new records owned by the principal's agency: each is checked on its own and
/// gets its own result, in order; the valid ones are written together (`write_new`).
pub fn create_many(
    conn: &mut DbConnection,
    log: &mut Log,
    ctx: &WriteContext,
    p: &Principal,
    contents: Vec<RecordContent>,
) -> AppResult<Vec<AppResult<StoredRecord>>> {
    let owner = p.agency_id.as_str();
    let known = known_objects(conn, contents.iter())?;
    let ext_ids: Vec<String> = contents.iter().filter_map(|c| c.external_id.clone()).collect();
    let mut taken: HashSet<String> = by_external_ids(conn, owner, &ext_ids)?.into_keys().collect();
    let checked = contents
        .into_iter()
        .map(|mut c| {
            check_content(ctx, &known, owner, &mut c)?;
            match &c.external_id {
                Some(ext) if !taken.insert(ext.clone()) => {
                    Err(AppError::Conflict(format!("外部编号 {ext} 已被本单位的其他信息使用")))
                }
                _ => Ok(c),
            }
        })
        .collect();
    write_new(conn, log, ctx, p, checked)
}

/// Writes new records of the principal's agency whose content passed `check_content` and
/// whose external ids are free (`create_many` checks them; a bulk import has checked its
/// chunk under the agency's upsert lock). Refused ones keep their place in the results. The
/// rest are written together (multi-row inserts) with their events, audit entries, history
/// rows and inbox items.
pub fn write_new(
    conn: &mut DbConnection,
    log: &mut Log,
    ctx: &WriteContext,
    p: &Principal,
    checked: Vec<AppResult<RecordContent>>,
) -> AppResult<Vec<AppResult<StoredRecord>>> {
    let owner = p.agency_id.as_str();
    let actor = p.actor_id();
    // New records: nothing written before can depend on them, so their numbers may be
    // taken at once (an update takes its number after it holds the row, see `Log::event`).
    log.reserve(conn, checked.iter().filter(|c| c.is_ok()).count())?;
    let (mut out, mut versions, mut items) = (Vec::with_capacity(checked.len()), Vec::new(), Vec::new());
    for c in checked {
        let c = match c {
            Ok(c) => c,
            Err(e) => {
                out.push(Err(e));
                continue;
            }
        };
        let id = new_id();
        let seq = log.event(conn, EventType::RecordCreated, Some(&id), None, Some(owner), json!({"version": 1}))?;
        let now = log.at().to_string();
        let meta = RowMeta { id: &id, owner, author: &actor, version: 1, seq, created_at: &now, updated_at: &now };
        let stored = StoredRecord::written(meta, c, vec![]);
        log.file(seq, policy::record_feed_keys(&stored.facts()));
        versions.push(VersionRow::of(&stored, "create", &actor, &now));
        log.audit(&Actor::from(p), "record.create", "record", Some(&id), None, audit_detail(&stored));
        if ctx.has_subscriptions() {
            items.extend(ctx.inbox_items(&stored, &policy::audience(&ctx.directory, &stored.facts()), seq));
        }
        out.push(Ok(stored));
    }
    let new: Vec<&StoredRecord> = out.iter().filter_map(|r| r.as_ref().ok()).collect();
    records::insert_new(conn, &new, &versions)?;
    inbox::insert(conn, &items, log.at())?;
    // Duplicate handling follows the log after commit (`similar::step`).
    Ok(out)
}

/// Publishes one new record owned by the principal's agency.
pub fn create(
    conn: &mut DbConnection,
    log: &mut Log,
    ctx: &WriteContext,
    p: &Principal,
    c: RecordContent,
) -> AppResult<StoredRecord> {
    create_many(conn, log, ctx, p, vec![c])?.pop().expect("one result per record")
}

/// Grants `agency_id` access to a record (a transfer's receiver, a deliberation's
/// participant; `source_id` is the transfer or deliberation), and files the record's
/// earlier events under it so its feed holds them (rule 6, old records included).
pub fn grant(
    conn: &mut DbConnection,
    log: &Log,
    record_id: &str,
    agency_id: &str,
    reason: policy::GrantReason,
    source_id: &str,
) -> AppResult<()> {
    use crate::db::schema::record_grants;
    use diesel::prelude::*;
    diesel::insert_into(record_grants::table)
        .values((
            record_grants::record_id.eq(record_id),
            record_grants::agency_id.eq(agency_id),
            record_grants::reason.eq(reason.as_str()),
            record_grants::source_id.eq(source_id),
            record_grants::created_at.eq(log.at()),
        ))
        .execute(conn)?;
    feed_index::refile_record(conn, record_id, &[policy::agency_feed_key(agency_id)])?;
    Ok(())
}

/// Loads a record the principal's agency owns, for a change: 404 if it may not even read
/// it, 403 if it reads it but is not the owner, 412 if `if_match` is stale.
fn load_owned(
    conn: &mut DbConnection,
    p: &Principal,
    viewer: &Viewer,
    id: &str,
    if_match: Option<i32>,
) -> AppResult<StoredRecord> {
    let s = load(conn, id)?.ok_or_else(AppError::record_not_found)?;
    if !policy::can_read(viewer, &s.facts()) {
        return Err(AppError::record_not_found());
    }
    policy::require_owner(viewer, &s.facts())?;
    policy::public_reports::require_record_editable(p, &s.facts())?;
    check_version(&s, if_match)?;
    Ok(s)
}

/// 412 if `if_match` names another version than the stored one.
fn check_version(s: &StoredRecord, if_match: Option<i32>) -> AppResult<()> {
    match if_match {
        Some(v) if v != s.row.version => Err(AppError::PreconditionFailed(format!(
            "信息已被修改(当前版本 {},请求版本 {v}),请刷新后重试",
            s.row.version
        ))),
        _ => Ok(()),
    }
}

/// Emits tombstones to agencies in `before` but not in `after` (rule 6).
fn tombstones(
    conn: &mut DbConnection,
    log: &mut Log,
    record_id: &str,
    actor_agency: &str,
    event_type: EventType,
    before: &[String],
    after: &[String],
) -> AppResult<()> {
    for a in before.iter().filter(|a| !after.contains(a)) {
        log.event(conn, event_type, Some(record_id), Some(a), Some(actor_agency), json!({}))?;
    }
    Ok(())
}

pub enum UpdateOutcome {
    Updated(StoredRecord),
    Unchanged(StoredRecord),
}

/// Replaces a record's content (the owner only), with access propagation: tombstones for
/// the agencies that lose it, inbox delivery for those that gain it.
#[allow(clippy::too_many_arguments)]
pub fn update(
    conn: &mut DbConnection,
    log: &mut Log,
    ctx: &WriteContext,
    p: &Principal,
    viewer: &Viewer,
    id: &str,
    if_match: Option<i32>,
    patch: impl FnOnce(&mut RecordContent),
) -> AppResult<UpdateOutcome> {
    // The new content is checked before the version: an invalid change is 422 whatever
    // version it names, a valid one against a stale version 412.
    let before = load_owned(conn, p, viewer, id, None)?;
    let mut c = before.content();
    patch(&mut c);
    let known = known_objects(conn, std::iter::once(&c))?;
    check_content(ctx, &known, &p.agency_id, &mut c)?;
    check_version(&before, if_match)?;
    if content_hash(&c) == before.row.content_hash {
        return Ok(UpdateOutcome::Unchanged(before));
    }
    if let Some(ext) = c.external_id.as_ref().filter(|e| before.row.external_id.as_ref() != Some(*e)) {
        if !by_external_ids(conn, &p.agency_id, std::slice::from_ref(ext))?.is_empty() {
            return Err(AppError::Conflict(format!("外部编号 {ext} 已被本单位的其他信息使用")));
        }
    }
    let audience_before = policy::audience(&ctx.directory, &before.facts());
    let version = before.row.version + 1;
    let seq =
        log.event(conn, EventType::RecordUpdated, Some(id), None, Some(&p.agency_id), json!({"version": version}))?;
    let now = log.at().to_string();
    let meta = RowMeta {
        id,
        owner: &before.row.owner_agency_id,
        author: &before.row.author_id,
        version,
        seq,
        created_at: &before.row.created_at,
        updated_at: &now,
    };
    let after = StoredRecord::written(meta, c, before.grants.clone());
    records::replace(conn, &after)?;
    // The feed index: this event under the record's readers now, and its earlier events
    // under the readers it gains (they read those too: rule 6, old records included).
    let (keys, had) = (policy::record_feed_keys(&after.facts()), policy::record_feed_keys(&before.facts()));
    let gained: Vec<String> = keys.iter().filter(|k| !had.contains(k)).cloned().collect();
    feed_index::refile_record(conn, id, &gained)?;
    log.file(seq, keys);
    let audience_after = policy::audience(&ctx.directory, &after.facts());
    tombstones(conn, log, id, &p.agency_id, EventType::RecordRevoked, &audience_before, &audience_after)?;
    records::supersede(conn, &before)?;
    records::insert_version(conn, VersionRow::of(&after, "update", &p.actor_id(), &now))?;
    log.audit(&Actor::from(p), "record.update", "record", Some(id), None, audit_detail(&after));
    let gained: Vec<String> = audience_after.iter().filter(|a| !audience_before.contains(a)).cloned().collect();
    inbox::insert_unseen(conn, ctx.inbox_items(&after, &gained, seq), log.at())?;
    Ok(UpdateOutcome::Updated(after))
}

/// Withdraws a record (the owner only): a tombstone for every agency that had it.
fn withdraw_in(
    conn: &mut DbConnection,
    log: &mut Log,
    ctx: &WriteContext,
    p: &Principal,
    viewer: &Viewer,
    id: &str,
    if_match: Option<i32>,
) -> AppResult<()> {
    let before = load_owned(conn, p, viewer, id, if_match)?;
    let audience = policy::audience(&ctx.directory, &before.facts());
    tombstones(conn, log, id, &p.agency_id, EventType::RecordWithdrawn, &audience, &[])?;
    let seq = log.last_seq();
    let version = before.row.version + 1;
    records::mark_withdrawn(conn, id, version, seq, log.at())?;
    let mut after = before.clone();
    after.row.version = version;
    after.row.seq = seq;
    records::supersede(conn, &before)?;
    let withdrawn = VersionRow::of(&after, "withdraw", &p.actor_id(), log.at()).keeping(&before.content());
    records::insert_version(conn, withdrawn)?;
    log.audit(&Actor::from(p), "record.withdraw", "record", Some(id), None, audit_detail(&after));
    Ok(())
}

/// One entitled record, or 404.
pub fn get_entitled(conn: &mut DbConnection, viewer: &Viewer, id: &str) -> AppResult<StoredRecord> {
    let s = load(conn, id)?.ok_or_else(AppError::record_not_found)?;
    if !policy::can_read(viewer, &s.facts()) {
        return Err(AppError::record_not_found());
    }
    Ok(s)
}

/// Reads one record for `viewer`, auditing the read where the policy says so.
fn read(
    conn: &mut DbConnection,
    p: &Principal,
    viewer: &Viewer,
    id: &str,
    purpose: Option<&str>,
) -> AppResult<RecordView> {
    let s = get_entitled(conn, viewer, id)?;
    let facts = s.facts();
    let d = policy::disclosure(viewer, &facts, ReadMode::Single { purpose })?;
    let view = present(&s, d);
    if policy::disclosure_is_audited(&facts, d, !view.protected_fields.is_empty()) {
        crate::store::log::write_tx(conn, |_, log| {
            log.audit(
                &Actor::from(p),
                "record.read",
                "record",
                Some(id),
                purpose,
                json!({"protected_disclosed": d.protected, "sensitivity": s.row.sensitivity}),
            );
            Ok(())
        })?;
    }
    Ok(view)
}

/// Views of listed records (lists, search, inbox) under the policy's listing disclosure:
/// without a purpose a restricted record shows neither title nor content; with one it does,
/// and every restricted record so disclosed is written to the audit log (one entry per page).
pub fn present_listing<'a>(
    conn: &mut DbConnection,
    p: &Principal,
    viewer: &Viewer,
    rows: impl IntoIterator<Item = &'a StoredRecord>,
    purpose: Option<&str>,
) -> AppResult<Vec<RecordView>> {
    let mut out = Vec::new();
    let mut audited = Vec::new();
    for s in rows {
        let facts = s.facts();
        let d = policy::disclosure(viewer, &facts, ReadMode::Listing { purpose })?;
        if policy::disclosure_is_audited(&facts, d, false) {
            audited.push(s.row.id.clone());
        }
        out.push(present(s, d));
    }
    if !audited.is_empty() {
        crate::store::log::write_tx(conn, |_, log| {
            log.audit(&Actor::from(p), "record.list", "record", None, purpose, json!({"record_ids": audited}));
            Ok(())
        })?;
    }
    Ok(out)
}
