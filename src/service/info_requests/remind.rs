//! Reminders (催办) and closing: the asker reminds the targets that have not answered every
//! subject (an `info_request.reminder` event to each, which the mail dispatcher turns into
//! mail); the daily sweep reminds them once when the deadline is near and once when it has
//! passed; the asker closes a request when it has what it needs.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use serde::Serialize;
use serde_json::json;

use crate::db::schema::{info_request_targets, info_requests};
use crate::db::DbConnection;
use crate::domain::event::EventType;
use crate::domain::ids::InfoRequestId;
use crate::domain::inspection::requests::{RequestState, TargetStatus};
use crate::error::{AppError, AppResult};
use crate::policy::info_requests as rules;
use crate::policy::Principal;
use crate::store::log::{write_tx, Actor};

use super::{subject_ids, target_views, view, visible, InfoRequestView};

/// What a reminder did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RemindResult {
    /// The targets reminded (those that had not answered every subject).
    pub reminded_agency_ids: Vec<String>,
}

/// Reminds every target that has not answered every subject (the asker, while open).
pub fn remind(conn: &mut DbConnection, p: &Principal, id: &InfoRequestId) -> AppResult<RemindResult> {
    write_tx(conn, |conn, log| {
        let (r, targets, access) = visible(conn, p, id)?;
        rules::require_asker_writer(p, access)?;
        if r.state().map_err(anyhow::Error::from)? == RequestState::Closed {
            return Err(AppError::Conflict("函询已办结,无需催办".into()));
        }
        let subjects = subject_ids(conn, &r.id)?.len();
        let views = target_views(conn, &r, targets, subjects, (&p.agency_id, access))?;
        let due: Vec<String> =
            views.into_iter().filter(|t| t.status != TargetStatus::Answered).map(|t| t.agency_id).collect();
        for a in &due {
            diesel::update(info_request_targets::table.find((&r.id, a)))
                .set((
                    info_request_targets::reminded_at.eq(log.at()),
                    info_request_targets::remind_count.eq(info_request_targets::remind_count + 1),
                ))
                .execute(conn)?;
            log.event(
                conn,
                EventType::InfoRequestReminder,
                None,
                Some(a),
                Some(&p.agency_id),
                json!({"info_request_id": r.id, "reason": "manual"}),
            )?;
        }
        log.audit(
            &Actor::from(p),
            "info_request.remind",
            "info_request",
            Some(&r.id),
            None,
            json!({"agency_ids": due}),
        );
        Ok(RemindResult { reminded_agency_ids: due })
    })
}

/// Closes a request (the asker): no more answers or reminders.
pub fn close(conn: &mut DbConnection, p: &Principal, id: &InfoRequestId) -> AppResult<InfoRequestView> {
    write_tx(conn, |conn, log| {
        let (r, targets, access) = visible(conn, p, id)?;
        rules::require_asker_writer(p, access)?;
        if r.state().map_err(anyhow::Error::from)? == RequestState::Closed {
            return Err(AppError::Conflict("函询已办结".into()));
        }
        diesel::update(info_requests::table.find(&r.id))
            .set((info_requests::state.eq(RequestState::Closed.as_str()), info_requests::closed_at.eq(log.at())))
            .execute(conn)?;
        log.audit(&Actor::from(p), "info_request.close", "info_request", Some(&r.id), None, json!({}));
        let r = super::load(conn, &r.id)?;
        view(conn, p, r, targets, access)
    })
}

/// Target rows of open requests not fully answered by that target.
fn unanswered() -> diesel::expression::SqlLiteral<Bool> {
    sql::<Bool>(
        "(SELECT COUNT(*) FROM info_request_answers a WHERE a.request_id = info_request_targets.request_id \
         AND a.agency_id = info_request_targets.agency_id) < (SELECT COUNT(*) FROM info_request_subjects s \
         WHERE s.request_id = info_request_targets.request_id)",
    )
}

/// Open requests' targets due an automatic reminder of `kind` (`due_soon`: the deadline
/// within `DEADLINE_SOON_DAYS`; `overdue`: passed) on `today`, not yet reminded so.
fn due(conn: &mut DbConnection, kind: &str, today: &str, limit: i64) -> QueryResult<Vec<(String, String)>> {
    let q = info_request_targets::table
        .inner_join(info_requests::table)
        .filter(info_requests::state.eq(RequestState::Open.as_str()))
        .filter(unanswered())
        .order((info_request_targets::request_id, info_request_targets::agency_id))
        .limit(limit)
        .select((info_request_targets::request_id, info_request_targets::agency_id))
        .into_boxed();
    if kind == "overdue" {
        q.filter(info_request_targets::overdue_reminded_at.is_null())
            .filter(info_requests::deadline.lt(today.to_string()))
            .load(conn)
    } else {
        q.filter(info_request_targets::soon_reminded_at.is_null())
            .filter(info_requests::deadline.ge(today.to_string()))
            .filter(info_requests::deadline.le(crate::domain::mail::deadline_soon_until(today)))
            .load(conn)
    }
}

/// The daily sweep's part: `info_request.reminder` events (reason `due_soon` or `overdue`)
/// once each per unanswered target of an open request. Returns how many were appended.
pub fn sweep_deadlines(conn: &mut DbConnection, today: &str, limit: i64) -> AppResult<usize> {
    const KINDS: [&str; 2] = ["due_soon", "overdue"];
    let mut any = false;
    for kind in KINDS {
        any |= !due(conn, kind, today, 1)?.is_empty();
    }
    if !any {
        return Ok(0);
    }
    // Read again under the log's lock: another instance's sweep has committed or waits.
    write_tx(conn, |conn, log| {
        let mut n = 0;
        for kind in KINDS {
            for (request_id, agency_id) in due(conn, kind, today, limit)? {
                let row = info_request_targets::table.find((&request_id, &agency_id));
                if kind == "overdue" {
                    diesel::update(row).set(info_request_targets::overdue_reminded_at.eq(log.at())).execute(conn)?;
                } else {
                    diesel::update(row).set(info_request_targets::soon_reminded_at.eq(log.at())).execute(conn)?;
                }
                log.event(
                    conn,
                    EventType::InfoRequestReminder,
                    None,
                    Some(&agency_id),
                    None,
                    json!({"info_request_id": request_id, "reason": kind}),
                )?;
                log.audit(
                    &Actor::default(),
                    &format!("info_request.remind_{kind}"),
                    "info_request",
                    Some(&request_id),
                    None,
                    json!({"agency_id": agency_id}),
                );
                n += 1;
            }
        }
        Ok(n)
    })
}
