//! Joint deliberation (会商) of an important clue by several agencies: participants, minutes,
//! conclusion, and assignments (交办) with deadlines under supervision (督办) until done.
//! Only the clue's owner or the receiver of a live transfer convenes, within the owner's
//! sharing agreements (`policy::deliberation`); participants gain read access to the clue
//! (a `record_grants` row, reason `deliberation`), protected fields only by field grant.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::contract::page::{Page, Window};
use crate::db::schema::{assignments, deliberation_participants, deliberations};
use crate::db::DbConnection;
use crate::domain::event::EventType;
use crate::domain::ids::DeliberationId;
use crate::domain::new_id;
use crate::domain::transfer::MAX_TEXT_CHARS;
use crate::error::{AppError, AppResult, FieldError};
use crate::policy::{self, Principal, Viewer};
use crate::service::records::{self, WriteContext};
use crate::service::{inbox, transfers::today};
use crate::store::directory;
use crate::store::log::{write_tx, Actor, Log};

mod requests;
mod tasks;

pub use crate::domain::deliberation::DeliberationDraft;
pub use requests::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = deliberations)]
pub struct DeliberationRow {
    pub id: String,
    pub record_id: String,
    pub convener_agency_id: String,
    pub title: String,
    pub state: String,
    pub minutes: String,
    pub conclusion: Option<String>,
    pub created_by: String,
    pub created_at: String,
    pub concluded_at: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, Deserialize, utoipa::ToSchema)]
#[diesel(table_name = assignments)]
pub struct Assignment {
    pub id: String,
    pub deliberation_id: String,
    /// The agency the task is assigned to (交办).
    pub agency_id: String,
    pub task: String,
    pub deadline: String,
    /// `assigned` or `done`.
    pub state: String,
    /// How often it was urged (督办).
    pub urge_count: i32,
    pub last_urged_at: Option<String>,
    pub last_urge_note: Option<String>,
    pub result: Option<String>,
    pub done_at: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeliberationView {
    pub id: String,
    pub record_id: String,
    pub convener_agency_id: String,
    pub title: String,
    /// `open` or `concluded`.
    pub state: String,
    pub participant_agency_ids: Vec<String>,
    /// 会商纪要, appended by the participants.
    pub minutes: String,
    pub conclusion: Option<String>,
    pub assignments: Vec<AssignmentView>,
    pub created_at: String,
    pub concluded_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AssignmentView {
    #[serde(flatten)]
    pub assignment: Assignment,
    pub overdue: bool,
}

fn text_ok(field: &str, v: &str, errs: &mut Vec<FieldError>) {
    if v.trim().is_empty() || v.chars().count() > MAX_TEXT_CHARS {
        errs.push(FieldError::new(field, format!("不能为空,且不超过 {MAX_TEXT_CHARS} 个字符")));
    }
}

fn participants(conn: &mut DbConnection, id: &str) -> QueryResult<Vec<String>> {
    deliberation_participants::table
        .filter(deliberation_participants::deliberation_id.eq(id))
        .order(deliberation_participants::agency_id)
        .select(deliberation_participants::agency_id)
        .load(conn)
}

pub fn view(conn: &mut DbConnection, d: DeliberationRow) -> QueryResult<DeliberationView> {
    let today = today();
    let items: Vec<Assignment> = assignments::table
        .filter(assignments::deliberation_id.eq(&d.id))
        .order(assignments::id)
        .select(Assignment::as_select())
        .load(conn)?;
    Ok(DeliberationView {
        participant_agency_ids: participants(conn, &d.id)?,
        assignments: items
            .into_iter()
            .map(|a| AssignmentView { overdue: a.state == "assigned" && a.deadline < today, assignment: a })
            .collect(),
        id: d.id,
        record_id: d.record_id,
        convener_agency_id: d.convener_agency_id,
        title: d.title,
        state: d.state,
        minutes: d.minutes,
        conclusion: d.conclusion,
        created_at: d.created_at,
        concluded_at: d.concluded_at,
    })
}

/// A deliberation the agency convened or takes part in, or 404.
pub fn get_visible(
    conn: &mut DbConnection,
    agency_id: &str,
    id: &DeliberationId,
) -> AppResult<(DeliberationRow, Vec<String>)> {
    let id = id.as_str();
    let d: Option<DeliberationRow> =
        deliberations::table.find(id).select(DeliberationRow::as_select()).first(conn).optional()?;
    let not_found = || AppError::NotFound("会商不存在或无权查看".into());
    let d = d.ok_or_else(not_found)?;
    let parts = participants(conn, id)?;
    if policy::can_see_deliberation(agency_id, &d.convener_agency_id, &parts) {
        Ok((d, parts))
    } else {
        Err(not_found())
    }
}

/// Opens a deliberation on a clue the convener owns or handles by a live transfer; every
/// participant gains read access to the clue and is notified.
pub fn open(conn: &mut DbConnection, p: &Principal, draft: &DeliberationDraft) -> AppResult<DeliberationView> {
    write_tx(conn, |conn, log| {
        let ctx = WriteContext::load(conn)?;
        let viewer = directory::viewer(conn, &p.agency_id)?;
        let d = open_in_tx(conn, log, &ctx, p, &viewer, draft)?;
        Ok(view(conn, d)?)
    })
}

fn open_in_tx(
    conn: &mut DbConnection,
    log: &mut Log,
    ctx: &WriteContext,
    p: &Principal,
    viewer: &Viewer,
    draft: &DeliberationDraft,
) -> AppResult<DeliberationRow> {
    let DeliberationDraft { record_id, title, agency_ids, minutes } = draft;
    let (record_id, title, minutes) = (record_id.as_str(), title.as_str(), minutes.as_str());
    let agency_ids: Vec<String> = agency_ids.iter().map(|a| a.to_string()).collect();
    let s = records::get_entitled(conn, viewer, record_id)?;
    policy::require_may_convene(viewer, &s.facts())?;
    let mut errs = Vec::new();
    text_ok("title", title, &mut errs);
    if s.row.kind != "clue" {
        errs.push(FieldError::new("record_id", "会商的对象须为问题线索"));
    }
    let mut parts: Vec<String> = agency_ids.iter().filter(|a| **a != p.agency_id).cloned().collect();
    parts.sort();
    parts.dedup();
    if parts.is_empty() {
        errs.push(FieldError::new("participant_agency_ids", "至少邀请一个其他单位参加会商"));
    }
    for (i, a) in parts.iter().enumerate() {
        if !ctx.is_active_agency(a) {
            errs.push(FieldError::new(format!("participant_agency_ids[{i}]"), "成员单位不存在或已停用"));
        }
    }
    if errs.is_empty() {
        errs.extend(ctx.check_shared_with(&s.row.owner_agency_id, &s.row.kind, &parts, "participant_agency_ids"));
    }
    if minutes.chars().count() > MAX_TEXT_CHARS {
        errs.push(FieldError::new("minutes", format!("不超过 {MAX_TEXT_CHARS} 个字符")));
    }
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    let id = new_id();
    diesel::insert_into(deliberations::table)
        .values((
            deliberations::id.eq(&id),
            deliberations::record_id.eq(record_id),
            deliberations::convener_agency_id.eq(&p.agency_id),
            deliberations::title.eq(title.trim()),
            deliberations::state.eq("open"),
            deliberations::minutes.eq(minutes.trim()),
            deliberations::created_by.eq(p.actor_id()),
            deliberations::created_at.eq(log.at()),
        ))
        .execute(conn)?;
    for a in &parts {
        diesel::insert_into(deliberation_participants::table)
            .values((deliberation_participants::deliberation_id.eq(&id), deliberation_participants::agency_id.eq(a)))
            .execute(conn)?;
        let had = ctx.directory.iter().find(|e| e.agency_id == *a).is_some_and(|v| policy::can_read(v, &s.facts()));
        records::grant(conn, log, record_id, a, policy::GrantReason::Deliberation, &id)?;
        if !had {
            log.event(
                conn,
                EventType::RecordShared,
                Some(record_id),
                Some(a),
                Some(&p.agency_id),
                json!({"deliberation_id": id}),
            )?;
        }
        let seq = log.event(
            conn,
            EventType::DeliberationOpened,
            Some(record_id),
            Some(a),
            Some(&p.agency_id),
            json!({"deliberation_id": id}),
        )?;
        inbox::notify(
            conn,
            a,
            record_id,
            EventType::DeliberationOpened.as_str(),
            Some(&id),
            &format!("邀请参加会商:{}", title.trim()),
            seq,
            log.at(),
        )?;
    }
    log.audit(
        &Actor::from(p),
        "deliberation.open",
        "deliberation",
        Some(&id),
        None,
        json!({"record_id": record_id, "participants": parts}),
    );
    Ok(deliberations::table.find(&id).select(DeliberationRow::as_select()).first(conn)?)
}

fn notify_all(
    conn: &mut DbConnection,
    log: &mut Log,
    d: &DeliberationRow,
    parts: &[String],
    except: &str,
    reason: EventType,
    note: &str,
) -> AppResult<()> {
    let everyone = std::iter::once(&d.convener_agency_id).chain(parts.iter());
    for a in everyone.filter(|a| *a != except) {
        let seq =
            log.event(conn, reason, Some(&d.record_id), Some(a), Some(except), json!({"deliberation_id": d.id}))?;
        inbox::notify(conn, a, &d.record_id, reason.as_str(), Some(&d.id), note, seq, log.at())?;
    }
    Ok(())
}

/// Appends to the minutes (any participant, while open).
pub(super) fn add_minutes_in(
    conn: &mut DbConnection,
    log: &mut Log,
    p: &Principal,
    id: &DeliberationId,
    text: &str,
) -> AppResult<()> {
    let (id_typed, id) = (id, id.as_str());
    let (d, parts) = get_visible(conn, &p.agency_id, id_typed)?;
    if d.state != "open" {
        return Err(AppError::Conflict("会商已结束,不能再记录纪要".into()));
    }
    let mut errs = Vec::new();
    text_ok("text", text, &mut errs);
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    let minutes =
        if d.minutes.is_empty() { text.trim().to_string() } else { format!("{}\n{}", d.minutes, text.trim()) };
    if minutes.chars().count() > 20 * MAX_TEXT_CHARS {
        return Err(AppError::validation("text", "会商纪要已达上限"));
    }
    diesel::update(deliberations::table.find(id)).set(deliberations::minutes.eq(minutes)).execute(conn)?;
    log.audit(&Actor::from(p), "deliberation.minutes", "deliberation", Some(id), None, json!({}));
    notify_all(conn, log, &d, &parts, &p.agency_id, EventType::DeliberationMinutes, "会商纪要已更新")
}

/// Records the conclusion (the convener only).
pub(super) fn conclude_in(
    conn: &mut DbConnection,
    log: &mut Log,
    p: &Principal,
    id: &DeliberationId,
    conclusion: &str,
) -> AppResult<()> {
    let (id_typed, id) = (id, id.as_str());
    let (d, parts) = get_visible(conn, &p.agency_id, id_typed)?;
    policy::require_convener(&p.agency_id, &d.convener_agency_id, policy::ConveneAction::Conclude)?;
    if d.state != "open" {
        return Err(AppError::Conflict("会商已有结论".into()));
    }
    let mut errs = Vec::new();
    text_ok("conclusion", conclusion, &mut errs);
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    diesel::update(deliberations::table.find(id))
        .set((
            deliberations::state.eq("concluded"),
            deliberations::conclusion.eq(conclusion.trim()),
            deliberations::concluded_at.eq(log.at()),
        ))
        .execute(conn)?;
    log.audit(&Actor::from(p), "deliberation.conclude", "deliberation", Some(id), None, json!({}));
    notify_all(
        conn,
        log,
        &d,
        &parts,
        &p.agency_id,
        EventType::DeliberationConcluded,
        &format!("会商结论:{}", conclusion.trim()),
    )
}

/// A page of the deliberations the agency convened or takes part in, newest first,
/// optionally in one state (`open`, `concluded`).
pub fn page(
    conn: &mut DbConnection,
    agency_id: &str,
    w: &Window,
    state: Option<&str>,
) -> AppResult<Page<DeliberationView>> {
    let mut q = deliberations::table
        .filter(policy::deliberation_visible_sql(agency_id))
        .order(deliberations::id.desc())
        .limit(w.limit)
        .select(DeliberationRow::as_select())
        .into_boxed();
    if let Some(after) = &w.after {
        q = q.filter(deliberations::id.lt(after.clone()));
    }
    if let Some(s) = state {
        q = q.filter(deliberations::state.eq(s.to_string()));
    }
    let rows = q.load(conn)?;
    let mut items = Vec::with_capacity(rows.len());
    for d in rows {
        items.push(view(conn, d)?);
    }
    Ok(Page::of(items, w, |d| &d.id))
}
