//! Tasks assigned in a deliberation (交办): assigned by the convener, urged, completed.

use super::*;
use crate::db::schema::assignments;
use crate::db::DbConnection;
use crate::domain::event::EventType;
use crate::domain::ids::{AgencyId, AssignmentId, DeliberationId};
use crate::domain::new_id;
use crate::domain::transfer::validate_deadline;
use crate::error::{AppError, AppResult, FieldError};
use crate::policy::{self, Principal};
use crate::service::{inbox, transfers::today};
use crate::store::log::{Actor, Log};
use serde_json::json;

/// Assigns a task to a participant (交办; the convener only).
pub(super) fn assign_in(
    conn: &mut DbConnection,
    log: &mut Log,
    p: &Principal,
    id: &DeliberationId,
    agency_id: &AgencyId,
    task: &str,
    deadline: &str,
) -> AppResult<Assignment> {
    let agency_id = agency_id.as_str();
    let (id_typed, id) = (id, id.as_str());
    let (d, parts) = get_visible(conn, &p.agency_id, id_typed)?;
    policy::require_convener(&p.agency_id, &d.convener_agency_id, policy::ConveneAction::Assign)?;
    let mut errs = Vec::new();
    text_ok("task", task, &mut errs);
    errs.extend(validate_deadline(deadline, &today()));
    if !parts.iter().any(|a| a == agency_id) && agency_id != d.convener_agency_id {
        errs.push(FieldError::new("agency_id", "只能交办给参加会商的单位"));
    }
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    let aid = new_id();
    diesel::insert_into(assignments::table)
        .values((
            assignments::id.eq(&aid),
            assignments::deliberation_id.eq(id),
            assignments::agency_id.eq(agency_id),
            assignments::task.eq(task.trim()),
            assignments::deadline.eq(deadline),
            assignments::state.eq("assigned"),
            assignments::urge_count.eq(0),
            assignments::created_at.eq(log.at()),
        ))
        .execute(conn)?;
    let seq = log.event(
        conn,
        EventType::AssignmentCreated,
        Some(&d.record_id),
        Some(agency_id),
        Some(&p.agency_id),
        json!({"assignment_id": aid}),
    )?;
    inbox::notify(
        conn,
        agency_id,
        &d.record_id,
        EventType::AssignmentCreated.as_str(),
        Some(&aid),
        &format!("交办任务(期限 {deadline}):{}", task.trim()),
        seq,
        log.at(),
    )?;
    log.audit(
        &Actor::from(p),
        "assignment.create",
        "assignment",
        Some(&aid),
        None,
        json!({"deliberation_id": id, "agency_id": agency_id, "deadline": deadline}),
    );
    Ok(assignments::table.find(&aid).select(Assignment::as_select()).first(conn)?)
}

pub(super) fn load_assignment(
    conn: &mut DbConnection,
    agency_id: &str,
    aid: &AssignmentId,
) -> AppResult<(Assignment, DeliberationRow)> {
    let aid = aid.as_str();
    let not_found = || AppError::NotFound("交办任务不存在或无权查看".into());
    let a: Assignment =
        assignments::table.find(aid).select(Assignment::as_select()).first(conn).optional()?.ok_or_else(not_found)?;
    let (d, _) = get_visible(conn, agency_id, &DeliberationId::from_stored(a.deliberation_id.clone()))
        .map_err(|_| not_found())?;
    Ok((a, d))
}

/// Urges an open assignment (督办; the convener only).
pub(super) fn urge_in(
    conn: &mut DbConnection,
    log: &mut Log,
    p: &Principal,
    aid: &AssignmentId,
    note: &str,
) -> AppResult<Assignment> {
    let (aid_typed, aid) = (aid, aid.as_str());
    let (a, d) = load_assignment(conn, &p.agency_id, aid_typed)?;
    policy::require_convener(&p.agency_id, &d.convener_agency_id, policy::ConveneAction::Urge)?;
    if a.state != "assigned" {
        return Err(AppError::Conflict("任务已办结,无需督办".into()));
    }
    let mut errs = Vec::new();
    text_ok("note", note, &mut errs);
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    diesel::update(assignments::table.find(aid))
        .set((
            assignments::urge_count.eq(a.urge_count + 1),
            assignments::last_urged_at.eq(log.at()),
            assignments::last_urge_note.eq(note.trim()),
        ))
        .execute(conn)?;
    let seq = log.event(
        conn,
        EventType::AssignmentUrged,
        Some(&d.record_id),
        Some(&a.agency_id),
        Some(&p.agency_id),
        json!({"assignment_id": aid}),
    )?;
    inbox::notify(
        conn,
        &a.agency_id,
        &d.record_id,
        EventType::AssignmentUrged.as_str(),
        Some(aid),
        &format!("督办:{}", note.trim()),
        seq,
        log.at(),
    )?;
    log.audit(&Actor::from(p), "assignment.urge", "assignment", Some(aid), None, json!({}));
    Ok(assignments::table.find(aid).select(Assignment::as_select()).first(conn)?)
}

/// Reports an assignment done (the assignee only).
pub(super) fn complete_in(
    conn: &mut DbConnection,
    log: &mut Log,
    p: &Principal,
    aid: &AssignmentId,
    result: &str,
) -> AppResult<Assignment> {
    let (aid_typed, aid) = (aid, aid.as_str());
    let (a, d) = load_assignment(conn, &p.agency_id, aid_typed)?;
    policy::require_assignee(&p.agency_id, &a.agency_id)?;
    if a.state != "assigned" {
        return Err(AppError::Conflict("任务已办结".into()));
    }
    let mut errs = Vec::new();
    text_ok("result", result, &mut errs);
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    diesel::update(assignments::table.find(aid))
        .set((assignments::state.eq("done"), assignments::result.eq(result.trim()), assignments::done_at.eq(log.at())))
        .execute(conn)?;
    let seq = log.event(
        conn,
        EventType::AssignmentDone,
        Some(&d.record_id),
        Some(&d.convener_agency_id),
        Some(&p.agency_id),
        json!({"assignment_id": aid}),
    )?;
    inbox::notify(
        conn,
        &d.convener_agency_id,
        &d.record_id,
        EventType::AssignmentDone.as_str(),
        Some(aid),
        &format!("交办任务已办结:{}", result.trim()),
        seq,
        log.at(),
    )?;
    log.audit(&Actor::from(p), "assignment.complete", "assignment", Some(aid), None, json!({}));
    Ok(assignments::table.find(aid).select(Assignment::as_select()).first(conn)?)
}
