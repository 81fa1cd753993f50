//! Clue transfers (线索移交) and their handling to closure, the clue ledger (问题线索管理台账)
//! and its statistics. The state machine is `domain::transfer`; who sees and moves what is
//! `policy`; every step is an event for both parties, an audit entry and a notification to
//! the other side, in one transaction.

use diesel::prelude::*;
use serde_json::json;

use crate::db::schema::{record_grants, transfers};
use crate::db::DbConnection;
use crate::domain::event::EventType;
use crate::domain::ids::TransferId;
use crate::domain::transfer::{
    self, Command, NewTransfer, Outcome, Sanctions, Side, TransferDraft, TransferState, TransitionError,
};
use crate::domain::{from_stored, new_id, record::RecordKind, UnknownStoredValue};
use crate::error::{AppError, AppResult, FieldError};
use crate::policy::{self, Principal, Viewer};
use crate::service::inbox;
use crate::service::records::{self, WriteContext};
use crate::store::directory;
use crate::store::log::{Actor, Log};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = transfers, treat_none_as_null = true)]
pub struct TransferRow {
    pub id: String,
    pub record_id: String,
    pub from_agency_id: String,
    pub to_agency_id: String,
    pub suggestion: String,
    pub deadline: String,
    pub round: Option<String>,
    pub category: Option<String>,
    pub state: String,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    pub accepted_at: Option<String>,
    pub started_at: Option<String>,
    pub concluded_at: Option<String>,
    pub closed_at: Option<String>,
    pub returned_at: Option<String>,
    pub return_reason: Option<String>,
    pub outcome: Option<String>,
    pub sanctions_disciplinary: i32,
    pub sanctions_organizational: i32,
    pub sanctions_judicial: i32,
    pub summary: Option<String>,
    pub feedback_note: Option<String>,
    pub version: i32,
}

impl TransferRow {
    /// The stored state; one the hub does not write is an error, never a default.
    pub fn state(&self) -> Result<TransferState, UnknownStoredValue> {
        from_stored("移交状态", &self.state, TransferState::parse)
    }
    pub fn outcome(&self) -> Result<Option<Outcome>, UnknownStoredValue> {
        self.outcome.as_deref().map(|o| from_stored("处置结果", o, Outcome::parse)).transpose()
    }
    pub fn sanctions(&self) -> Sanctions {
        Sanctions {
            disciplinary: self.sanctions_disciplinary,
            organizational: self.sanctions_organizational,
            judicial: self.sanctions_judicial,
        }
    }
}

/// Today's date in the hub's time zone, `YYYY-MM-DD`.
pub fn today() -> String {
    crate::domain::clock::today()
}

/// Emits a transfer step to both parties' feeds.
fn step_events(
    conn: &mut DbConnection,
    log: &mut Log,
    t: &TransferRow,
    event_type: EventType,
    actor_agency: &str,
) -> AppResult<i64> {
    let payload = json!({"transfer_id": t.id, "state": t.state});
    log.event(conn, event_type, Some(&t.record_id), Some(&t.from_agency_id), Some(actor_agency), payload.clone())?;
    log.event(conn, event_type, Some(&t.record_id), Some(&t.to_agency_id), Some(actor_agency), payload)
}

/// Transfers a clue (its owner only) to another agency, which gains full access to it
/// (rule 3); a second live transfer of the same clue to the same agency is refused. Flags
/// possible duplicate handling.
pub fn create(
    conn: &mut DbConnection,
    log: &mut Log,
    ctx: &WriteContext,
    p: &Principal,
    viewer: &Viewer,
    record_id: &str,
    n: NewTransfer,
) -> AppResult<TransferRow> {
    let s = records::get_entitled(conn, viewer, record_id)?;
    policy::require_may_transfer(viewer, &s.facts())?;
    // The record's and the receiver's checks and the draft's own, reported together.
    let mut errs = Vec::new();
    if s.row.kind != RecordKind::Clue.as_str() {
        errs.push(FieldError::new("record_id", "只有问题线索(clue)可以移交"));
    }
    if !ctx.is_active_agency(&n.to_agency_id) {
        errs.push(FieldError::new("to_agency_id", "接收单位不存在或已停用"));
    } else if n.to_agency_id == s.row.owner_agency_id {
        errs.push(FieldError::new("to_agency_id", "不能移交给本单位"));
    }
    let draft = TransferDraft::parse(n, &today());
    let n = match draft {
        Ok(d) if errs.is_empty() => d,
        Ok(_) => return Err(AppError::Validation(errs)),
        Err(e) => {
            // A malformed receiver id is already "does not exist": one error for the field.
            let receiver_reported = errs.iter().any(|x| x.field == "to_agency_id");
            errs.extend(e.into_iter().filter(|e| e.field != "to_agency_id" || !receiver_reported));
            return Err(AppError::Validation(errs));
        }
    };
    let to_agency_id = n.to_agency_id.to_string();
    let errs = ctx.check_transfer(&s.row.owner_agency_id, &s.row.kind, &to_agency_id);
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    let live: i64 = transfers::table
        .filter(transfers::record_id.eq(record_id))
        .filter(transfers::to_agency_id.eq(&to_agency_id))
        .filter(transfers::state.ne(TransferState::Returned.as_str()))
        .count()
        .get_result(conn)?;
    if live > 0 {
        return Err(AppError::Conflict("该线索已移交给此单位,不得重复移交".into()));
    }
    let id = new_id();
    let row = TransferRow {
        id: id.clone(),
        record_id: record_id.to_string(),
        from_agency_id: s.row.owner_agency_id.clone(),
        to_agency_id: to_agency_id.clone(),
        suggestion: n.suggestion,
        deadline: n.deadline,
        round: n.round,
        category: s.row.category.clone(),
        state: TransferState::Transferred.as_str().into(),
        created_by: p.actor_id(),
        created_at: log.at().into(),
        updated_at: log.at().into(),
        accepted_at: None,
        started_at: None,
        concluded_at: None,
        closed_at: None,
        returned_at: None,
        return_reason: None,
        outcome: None,
        sanctions_disciplinary: 0,
        sanctions_organizational: 0,
        sanctions_judicial: 0,
        summary: None,
        feedback_note: None,
        version: 1,
    };
    let receiver = ctx.directory.iter().find(|e| e.agency_id == to_agency_id).cloned();
    let had_access = receiver.as_ref().is_some_and(|v| policy::can_read(v, &s.facts()));
    diesel::insert_into(transfers::table).values(&row).execute(conn)?;
    records::grant(conn, log, record_id, &to_agency_id, policy::GrantReason::Transfer, &id)?;
    if !had_access {
        log.event(
            conn,
            EventType::RecordShared,
            Some(record_id),
            Some(&to_agency_id),
            Some(&p.agency_id),
            json!({"transfer_id": id}),
        )?;
    }
    let seq = step_events(conn, log, &row, EventType::TransferCreated, &p.agency_id)?;
    let note = format!("移交线索,办理期限 {}:{}", row.deadline, row.suggestion);
    inbox::notify(
        conn,
        &row.to_agency_id,
        record_id,
        EventType::TransferCreated.as_str(),
        Some(&id),
        &note,
        seq,
        log.at(),
    )?;
    log.audit(
        &Actor::from(p),
        "transfer.create",
        "transfer",
        Some(&id),
        None,
        json!({"record_id": record_id, "to_agency_id": row.to_agency_id, "deadline": row.deadline}),
    );
    // The receiver now handles the clue too: the duplicates job flags it after commit if it
    // (or another agency) handles a similar one (`similar::step`).
    Ok(row)
}

/// A transfer the agency may see, or 404.
pub fn get_visible(conn: &mut DbConnection, agency_id: &str, id: &TransferId) -> AppResult<TransferRow> {
    let id = id.as_str();
    let row: Option<TransferRow> = transfers::table.find(id).select(TransferRow::as_select()).first(conn).optional()?;
    let not_found = || AppError::NotFound("移交记录不存在或无权查看".into());
    let t = row.ok_or_else(not_found)?;
    let state = t.state().map_err(anyhow::Error::from)?;
    if !policy::can_see_transfer(agency_id, &t.from_agency_id, &t.to_agency_id, state) {
        return Err(not_found());
    }
    Ok(t)
}

/// Moves a transfer one step (the receiving agency only); notifies the sender.
pub fn act(
    conn: &mut DbConnection,
    log: &mut Log,
    p: &Principal,
    id: &TransferId,
    cmd: Command,
) -> AppResult<TransferRow> {
    let (id_typed, id) = (id, id.as_str());
    let mut t = get_visible(conn, &p.agency_id, id_typed)?;
    let side = policy::transfer_side(&p.agency_id, &t.from_agency_id, &t.to_agency_id).unwrap_or(Side::Sender);
    let next = transfer::transition(t.state().map_err(anyhow::Error::from)?, side, &cmd).map_err(|e| match e {
        TransitionError::NotReceiver => AppError::Forbidden(e.to_string()),
        TransitionError::IllegalState { .. } => AppError::Conflict(e.to_string()),
        TransitionError::Invalid(errs) => AppError::Validation(errs),
    })?;
    let now = log.at().to_string();
    let action = cmd.action();
    let note = match &cmd {
        Command::Accept => "接收单位已受理".to_string(),
        Command::Start => "接收单位已开始办理".to_string(),
        Command::Return { reason } => {
            t.returned_at = Some(now.clone());
            t.return_reason = Some(reason.trim().to_string());
            format!("线索被退回:{}", reason.trim())
        }
        Command::Conclude { outcome, sanctions, summary } => {
            t.concluded_at = Some(now.clone());
            t.outcome = Some(outcome.as_str().to_string());
            t.sanctions_disciplinary = sanctions.disciplinary;
            t.sanctions_organizational = sanctions.organizational;
            t.sanctions_judicial = sanctions.judicial;
            t.summary = Some(summary.trim().to_string()).filter(|s| !s.is_empty());
            format!(
                "已办结:{};党纪政务处分 {} 人,组织处理 {} 人,移送司法 {} 人。{}",
                outcome.label(),
                sanctions.disciplinary,
                sanctions.organizational,
                sanctions.judicial,
                summary.trim()
            )
        }
        Command::Feedback { note } => {
            t.closed_at = Some(now.clone());
            t.feedback_note = Some(note.trim().to_string()).filter(|s| !s.is_empty());
            format!("已反馈办理结果:{}", note.trim())
        }
    };
    match action {
        transfer::TransferAction::Accept => t.accepted_at = Some(now.clone()),
        transfer::TransferAction::Start => t.started_at = Some(now.clone()),
        _ => {}
    }
    t.state = next.as_str().to_string();
    t.updated_at = now.clone();
    t.version += 1;
    diesel::update(transfers::table.find(id)).set(&t).execute(conn)?;
    let event_type = EventType::of_transfer_step(next);
    let seq = step_events(conn, log, &t, event_type, &p.agency_id)?;
    if next == TransferState::Returned {
        // Back with the sender (after the step events, so the tombstone is the last word): the receiver's access through this transfer ends.
        diesel::delete(
            record_grants::table
                .filter(record_grants::record_id.eq(&t.record_id))
                .filter(record_grants::agency_id.eq(&t.to_agency_id))
                .filter(record_grants::source_id.eq(id)),
        )
        .execute(conn)?;
        let receiver = directory::viewer(conn, &t.to_agency_id)?;
        let still =
            crate::store::records::load(conn, &t.record_id)?.is_some_and(|s| policy::can_read(&receiver, &s.facts()));
        if !still {
            log.event(
                conn,
                EventType::RecordRevoked,
                Some(&t.record_id),
                Some(&t.to_agency_id),
                Some(&p.agency_id),
                json!({"transfer_id": id}),
            )?;
        }
    }
    inbox::notify(conn, &t.from_agency_id, &t.record_id, event_type.as_str(), Some(id), &note, seq, log.at())?;
    log.audit(
        &Actor::from(p),
        &format!("transfer.{}", action.as_str()),
        "transfer",
        Some(id),
        None,
        json!({"record_id": t.record_id, "state": t.state, "outcome": t.outcome}),
    );
    Ok(t)
}

pub use stats::{stats, stats_by_agency, stats_of, ClueStats};

mod ledger;
mod offers;
mod requests;
mod stats;
mod views;

pub use ledger::*;
pub use offers::*;
pub use requests::*;
pub use views::*;
