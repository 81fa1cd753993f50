//! Deadline reminders: `transfer.deadline_soon` and `transfer.overdue` events, once per transfer.

use crate::db::schema::{transfer_reminders, transfers};
use crate::db::DbConnection;
use crate::domain::event::EventType;
use crate::domain::mail::{self};
use crate::domain::transfer::TransferState;
use crate::error::AppResult;
use crate::service::transfers::TransferRow;
use crate::store::log::{write_tx, Actor};
use diesel::dsl::{exists, not};
use diesel::prelude::*;
use serde_json::json;

pub(super) const OPEN: [TransferState; 3] =
    [TransferState::Transferred, TransferState::Accepted, TransferState::InProgress];

/// Open transfers due a reminder of `kind` on `today`, not yet reminded.
pub(super) fn due_reminders(
    conn: &mut DbConnection,
    kind: &str,
    today: &str,
    limit: i64,
) -> QueryResult<Vec<TransferRow>> {
    let reminded = exists(
        transfer_reminders::table
            .filter(transfer_reminders::transfer_id.eq(transfers::id))
            .filter(transfer_reminders::kind.eq(kind.to_string())),
    );
    let open = transfers::table.filter(transfers::state.eq_any(OPEN.map(|s| s.as_str()))).filter(not(reminded));
    if kind == "overdue" {
        open.filter(transfers::deadline.lt(today.to_string()))
            .order(transfers::id)
            .limit(limit)
            .select(TransferRow::as_select())
            .load(conn)
    } else {
        open.filter(transfers::deadline.ge(today.to_string()))
            .filter(transfers::deadline.le(mail::deadline_soon_until(today)))
            .order(transfers::id)
            .limit(limit)
            .select(TransferRow::as_select())
            .load(conn)
    }
}

/// The deadline sweep: transfers, then information requests (函询). Returns how many
/// reminders were appended.
pub fn sweep_deadlines(conn: &mut DbConnection, today: &str, limit: i64) -> AppResult<usize> {
    let transfers = sweep_transfer_deadlines(conn, today, limit)?;
    Ok(transfers + crate::service::info_requests::remind::sweep_deadlines(conn, today, limit)?)
}

/// Appends `transfer.deadline_soon` (deadline within three days; to the receiver) and
/// `transfer.overdue` (deadline passed; to both parties) once per open transfer, marking each
/// so it is not repeated. Returns how many reminders were appended.
fn sweep_transfer_deadlines(conn: &mut DbConnection, today: &str, limit: i64) -> AppResult<usize> {
    const KINDS: [&str; 2] = ["deadline_soon", "overdue"];
    let mut any = false;
    for kind in KINDS {
        any |= !due_reminders(conn, kind, today, 1)?.is_empty();
    }
    if !any {
        return Ok(0);
    }
    // Read again under the log's lock: a concurrent sweep of another instance has either
    // committed its marks or waits for ours.
    write_tx(conn, |conn, log| {
        let mut n = 0;
        for kind in KINDS {
            for t in due_reminders(conn, kind, today, limit)? {
                let event_type =
                    if kind == "overdue" { EventType::TransferOverdue } else { EventType::TransferDeadlineSoon };
                let payload = json!({"transfer_id": t.id, "state": t.state, "deadline": t.deadline});
                let mut seq =
                    log.event(conn, event_type, Some(&t.record_id), Some(&t.to_agency_id), None, payload.clone())?;
                if kind == "overdue" {
                    seq = log.event(conn, event_type, Some(&t.record_id), Some(&t.from_agency_id), None, payload)?;
                }
                diesel::insert_into(transfer_reminders::table)
                    .values((
                        transfer_reminders::transfer_id.eq(&t.id),
                        transfer_reminders::kind.eq(kind),
                        transfer_reminders::seq.eq(seq),
                        transfer_reminders::created_at.eq(log.at()),
                    ))
                    .execute(conn)?;
                log.audit(
                    &Actor::default(),
                    &format!("transfer.remind_{kind}"),
                    "transfer",
                    Some(&t.id),
                    None,
                    json!({"deadline": t.deadline}),
                );
                n += 1;
            }
        }
        Ok(n)
    })
}
