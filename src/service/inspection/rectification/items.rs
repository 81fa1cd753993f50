//! The items of a unit's rectification ledger (整改台账): read by the office, the participants
//! and the unit; worked on by the unit (progress notes, evidence, submission for closure);
//! closed (对账销号) or sent back only by the office. Every move goes through `ItemStep::apply`.

use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::db::schema::{rectification_feedback_problems as fp, rectification_feedbacks as fb};
use crate::db::schema::{rectification_item_entries as en, rectification_items as it};
use crate::db::DbConnection;
use crate::domain::event::EventType;
use crate::domain::ids::{InspectedUnitId, ItemId};
use crate::domain::inspection::items::{ItemState, ItemStep};
use crate::domain::inspection::rectification::{check_step_text, check_text, EntryKind, MAX_ENTRIES, MAX_TEXT_CHARS};
use crate::domain::new_id;
use crate::error::{AppError, AppResult, FieldError};
use crate::policy::rectification as rules;
use crate::policy::Principal;
use crate::store::log::{write_tx, Actor, Log};

use super::evidence::{self, EvidenceView};
pub use super::{load_item, ITEM_NOT_FOUND};
use super::{stored, unit_ctx, unit_items, ItemRow, UnitCtx};

/// A ledger item (整改事项): the problem, the task, the responsible person, where it stands.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ItemView {
    pub id: String,
    pub round_id: String,
    pub inspected_unit_id: String,
    pub plan_id: String,
    /// The problem (as the feedback words it) the item rectifies.
    pub finding_id: String,
    pub problem: String,
    pub task: String,
    pub measure: String,
    pub responsible_person: String,
    /// YYYY-MM-DD
    pub deadline: String,
    pub state: ItemState,
    /// Past its deadline and not closed (the hub's today).
    pub overdue: bool,
    pub closed_at: Option<String>,
    /// The version, for `If-Match` on a step.
    pub version: i32,
    pub created_at: String,
    pub updated_at: String,
}

/// An entry of an item's history: a progress note, or a step with its text.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EntryView {
    pub id: String,
    pub kind: EntryKind,
    /// The item's state after the entry.
    pub state: ItemState,
    pub text: String,
    pub agency_id: String,
    pub at: String,
}

/// An item with its history and, for those who may download them, its evidence files.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ItemDetail {
    #[serde(flatten)]
    pub item: ItemView,
    pub entries: Vec<EntryView>,
    pub evidence: Vec<EvidenceView>,
}

/// The feedback's wording of the unit's problems, by finding.
pub fn problem_texts(conn: &mut DbConnection, unit_id: &str) -> QueryResult<std::collections::HashMap<String, String>> {
    Ok(fp::table
        .inner_join(fb::table.on(fb::id.eq(fp::feedback_id)))
        .filter(fb::inspected_unit_id.eq(unit_id))
        .select((fp::finding_id, fp::text))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}

/// Item rows as views (`texts` from `problem_texts`).
pub fn views(rows: Vec<ItemRow>, texts: &std::collections::HashMap<String, String>) -> AppResult<Vec<ItemView>> {
    let today = crate::domain::clock::today();
    rows.into_iter()
        .map(|r| {
            let state = r.state()?;
            Ok(ItemView {
                problem: texts.get(&r.finding_id).cloned().unwrap_or_default(),
                overdue: state != ItemState::Closed && r.deadline < today,
                state,
                id: r.id,
                round_id: r.round_id,
                inspected_unit_id: r.inspected_unit_id,
                plan_id: r.plan_id,
                finding_id: r.finding_id,
                task: r.task,
                measure: r.measure,
                responsible_person: r.responsible_person,
                deadline: r.deadline,
                closed_at: r.closed_at,
                version: r.version,
                created_at: r.created_at,
                updated_at: r.updated_at,
            })
        })
        .collect()
}

/// The unit's ledger items in plan order, optionally in one state.
pub fn list(
    conn: &mut DbConnection,
    p: &Principal,
    unit_id: &InspectedUnitId,
    state: Option<ItemState>,
) -> AppResult<Vec<ItemView>> {
    let ctx = unit_ctx(conn, p, unit_id)?;
    let rows = unit_items(conn, &ctx.unit.id)?;
    let rows = rows.into_iter().filter(|r| state.is_none_or(|s| r.state == s.as_str())).collect();
    views(rows, &problem_texts(conn, &ctx.unit.id)?)
}

/// One item with its history; its evidence files listed to those who may download them.
pub fn show(conn: &mut DbConnection, p: &Principal, id: &ItemId) -> AppResult<ItemDetail> {
    let (r, ctx) = load_item(conn, p, id)?;
    let rows: Vec<(String, String, String, String, String, String)> = en::table
        .filter(en::item_id.eq(&r.id))
        .order(en::id)
        .select((en::id, en::kind, en::state, en::text, en::agency_id, en::at))
        .load(conn)?;
    let mut entries = Vec::with_capacity(rows.len());
    for (id, kind, state, text, agency_id, at) in rows {
        entries.push(EntryView {
            id,
            kind: stored("整改记录类别", &kind, EntryKind::parse)?,
            state: stored("整改事项状态", &state, ItemState::parse)?,
            text,
            agency_id,
            at,
        });
    }
    let evidence = if rules::may_read_evidence(ctx.who) { evidence::of_item(conn, &r.id)? } else { vec![] };
    let texts = problem_texts(conn, &ctx.unit.id)?;
    let item = views(vec![r], &texts)?.remove(0);
    Ok(ItemDetail { item, entries, evidence })
}

/// Appends an entry to an item's history.
pub fn write_entry(
    conn: &mut DbConnection,
    log: &Log,
    p: &Principal,
    item_id: &str,
    kind: EntryKind,
    state: ItemState,
    text: &str,
) -> QueryResult<EntryView> {
    let e = EntryView {
        id: new_id(),
        kind,
        state,
        text: text.trim().to_string(),
        agency_id: p.agency_id.clone(),
        at: log.at().into(),
    };
    diesel::insert_into(en::table)
        .values((
            en::id.eq(&e.id),
            en::item_id.eq(item_id),
            en::kind.eq(kind.as_str()),
            en::state.eq(state.as_str()),
            en::text.eq(&e.text),
            en::agency_id.eq(&e.agency_id),
            en::author.eq(p.actor_id()),
            en::at.eq(&e.at),
        ))
        .execute(conn)?;
    Ok(e)
}

/// The unit writes a progress note (整改进展) on an item not yet closed.
pub fn add_note(conn: &mut DbConnection, p: &Principal, id: &ItemId, text: &str) -> AppResult<EntryView> {
    write_tx(conn, |conn, log| {
        let (r, ctx) = load_item(conn, p, id)?;
        ctx.require_unit(p)?;
        let mut errs = Vec::new();
        check_text("text", text, MAX_TEXT_CHARS, &mut errs);
        if !errs.is_empty() {
            return Err(AppError::Validation(errs));
        }
        let state = r.state()?;
        if state == ItemState::Closed {
            return Err(AppError::Conflict("该整改事项已销号,不能再添加整改进展".into()));
        }
        let e = write_entry(conn, log, p, &r.id, EntryKind::Note, state, text)?;
        log.audit(&Actor::from(p), "rectification_item.note", "rectification_item", Some(&r.id), None, json!({}));
        Ok(e)
    })
}

/// Who takes a step: the unit submits (the office for a unit without an account); the
/// office closes and sends back.
fn require_step(p: &Principal, ctx: &UnitCtx, step: ItemStep) -> AppResult<()> {
    match step {
        ItemStep::Submit => ctx.require_unit(p),
        ItemStep::Close | ItemStep::SendBack | ItemStep::Reopen => rules::require_office(p, ctx.who),
    }
}

/// Moves one item (already checked visible and allowed) by `step` with its text.
pub fn apply_step(
    conn: &mut DbConnection,
    log: &mut Log,
    p: &Principal,
    ctx: &UnitCtx,
    r: &ItemRow,
    step: ItemStep,
    text: &str,
) -> AppResult<ItemState> {
    let from = r.state()?;
    let to = step
        .apply(from)
        .ok_or_else(|| AppError::Conflict(format!("整改事项当前为“{}”,不能“{}”", from.label(), step.label())))?;
    let closed_at = (to == ItemState::Closed).then(|| log.at().to_string());
    diesel::update(it::table.find(&r.id))
        .set((
            it::state.eq(to.as_str()),
            it::closed_at.eq(closed_at),
            it::version.eq(r.version + 1),
            it::updated_at.eq(log.at()),
        ))
        .execute(conn)?;
    write_entry(conn, log, p, &r.id, EntryKind::of_step(step), to, text)?;
    // The other side is told: the office of a submission, the unit of the rest.
    let target = match step {
        ItemStep::Submit => Some(ctx.round.owner_agency_id.as_str()),
        _ => ctx.unit.account_agency_id.as_deref(),
    };
    if let Some(target) = target {
        log.event(
            conn,
            EventType::RectificationItemStep,
            None,
            Some(target),
            Some(&p.agency_id),
            json!({"item_id": r.id, "inspected_unit_id": r.inspected_unit_id, "step": step.as_str(), "state": to.as_str()}),
        )?;
    }
    log.audit(
        &Actor::from(p),
        &format!("rectification_item.{}", step.as_str()),
        "rectification_item",
        Some(&r.id),
        None,
        json!({"from": from.as_str(), "to": to.as_str()}),
    );
    Ok(to)
}

/// One step on one item (`If-Match` optional): submit (the unit, with what was done), close
/// (对账销号, the office) or send back (the office, with the reason).
pub fn step(
    conn: &mut DbConnection,
    p: &Principal,
    id: &ItemId,
    step: ItemStep,
    text: &str,
    if_match: Option<i32>,
) -> AppResult<ItemView> {
    write_tx(conn, |conn, log| {
        let (r, ctx) = load_item(conn, p, id)?;
        require_step(p, &ctx, step)?;
        let errs = check_step_text(step, text);
        if !errs.is_empty() {
            return Err(AppError::Validation(errs));
        }
        if let Some(v) = if_match.filter(|v| *v != r.version) {
            return Err(AppError::PreconditionFailed(format!(
                "整改事项已被修改(当前版本 {},请求版本 {v}),请刷新后重试",
                r.version
            )));
        }
        apply_step(conn, log, p, &ctx, &r, step, text)?;
        Ok(())
    })?;
    let (r, ctx) = load_item(conn, p, id)?;
    Ok(views(vec![r], &problem_texts(conn, &ctx.unit.id)?)?.remove(0))
}

/// The same step on several items of one unit, all or none: every item must be the unit's
/// and in a state the step may be taken from (else 422 naming each `item_ids[i]`).
pub fn step_many(
    conn: &mut DbConnection,
    p: &Principal,
    unit_id: &InspectedUnitId,
    step: ItemStep,
    text: &str,
    item_ids: &[ItemId],
) -> AppResult<Vec<ItemView>> {
    write_tx(conn, |conn, log| {
        let ctx = unit_ctx(conn, p, unit_id)?;
        require_step(p, &ctx, step)?;
        let mut errs = check_step_text(step, text);
        if item_ids.is_empty() || item_ids.len() > MAX_ENTRIES {
            errs.push(FieldError::new("item_ids", format!("须列出 1–{MAX_ENTRIES} 个整改事项")));
        }
        let rows = unit_items(conn, &ctx.unit.id)?;
        let mut chosen = Vec::with_capacity(item_ids.len());
        for (i, id) in item_ids.iter().enumerate() {
            let field = format!("item_ids[{i}]");
            if item_ids[..i].contains(id) {
                errs.push(FieldError::new(field, "同一整改事项只能列出一次"));
                continue;
            }
            match rows.iter().find(|r| r.id == id.as_str()) {
                None => errs.push(FieldError::new(field, "不是本单位的整改事项")),
                Some(r) => {
                    let from = r.state()?;
                    if step.apply(from).is_none() {
                        errs.push(FieldError::new(field, format!("当前为“{}”,不能“{}”", from.label(), step.label())));
                    }
                    chosen.push(r.clone());
                }
            }
        }
        if !errs.is_empty() {
            return Err(AppError::Validation(errs));
        }
        for r in &chosen {
            apply_step(conn, log, p, &ctx, r, step, text)?;
        }
        Ok(())
    })?;
    let ctx = unit_ctx(conn, p, unit_id)?;
    let rows = unit_items(conn, &ctx.unit.id)?;
    let rows = rows.into_iter().filter(|r| item_ids.iter().any(|i| i.as_str() == r.id)).collect();
    views(rows, &problem_texts(conn, &ctx.unit.id)?)
}
