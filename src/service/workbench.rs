//! 工作台: what needs the officer's unit now — transfers waiting for acceptance, deadlines
//! within three days and overdue, unread inbox items, possible duplicate handling, and tasks
//! assigned in deliberations. Everything through the same entitled views as the lists.

use chrono::{Duration, Utc};
use diesel::prelude::*;

use crate::db::schema::{assignments, deliberations};
use crate::db::DbConnection;
use crate::domain::clock;
use crate::domain::transfer::TransferState;
use crate::error::AppResult;
use crate::policy::{self, Principal};
use crate::service::inbox::{self, InboxItem, InboxQuery};
use crate::service::transfers::{self, Direction, LedgerQuery, TransferView};

/// How many of each the workbench shows (the full lists are a click away).
pub const SHOWN: i64 = 10;
/// Deadlines this many days ahead count as due soon.
pub const DUE_SOON_DAYS: i64 = 3;

pub struct Workbench {
    /// Transfers to the unit not yet accepted (受理).
    pub awaiting_acceptance: Vec<TransferView>,
    /// Open transfers to the unit due within `DUE_SOON_DAYS` days or overdue, soonest first.
    pub due_soon: Vec<TransferView>,
    /// Unread inbox items other than duplicate flags.
    pub inbox: Vec<InboxItem>,
    /// Unread flags of possible duplicate handling (重复办理).
    pub duplicates: Vec<InboxItem>,
    /// Tasks assigned to the unit in deliberations and not yet done, soonest first.
    pub assignments: Vec<AssignmentDue>,
}

pub struct AssignmentDue {
    pub id: String,
    /// The deliberation the task was assigned in (its page: /deliberations/{id}).
    pub deliberation_id: String,
    pub deliberation_title: String,
    pub task: String,
    pub deadline: String,
    pub overdue: bool,
    pub urge_count: i32,
}

fn ledger(direction: Direction, state: Option<TransferState>, due_by: Option<String>, limit: i64) -> LedgerQuery {
    LedgerQuery {
        direction,
        state,
        overdue: None,
        round: None,
        category: None,
        object_id: None,
        from: None,
        to: None,
        due_by,
        before_id: None,
        limit,
    }
}

pub fn of(conn: &mut DbConnection, p: &Principal) -> AppResult<Workbench> {
    policy::require_content_reader(p)?;
    let awaiting = ledger(Direction::In, Some(TransferState::Transferred), None, SHOWN);
    let awaiting_acceptance = transfers::ledger_page(conn, p, &awaiting, None)?.items;
    let due_by = clock::format_date(clock::current().date_at(Utc::now() + Duration::days(DUE_SOON_DAYS)));
    let due_soon = transfers::ledger_page(conn, p, &ledger(Direction::In, None, Some(due_by), SHOWN), None)?.items;
    let unread =
        |duplicates| InboxQuery { unacked_only: true, before_seq: None, limit: SHOWN, duplicates: Some(duplicates) };
    let inbox = inbox::page(conn, p, &unread(false), None)?.items;
    let duplicates = inbox::page(conn, p, &unread(true), None)?.items;
    Ok(Workbench { awaiting_acceptance, due_soon, inbox, duplicates, assignments: assignments_due(conn, p)? })
}

/// The unit's open deliberation tasks, soonest deadline first.
fn assignments_due(conn: &mut DbConnection, p: &Principal) -> AppResult<Vec<AssignmentDue>> {
    let today = clock::today();
    let rows: Vec<(String, String, String, String, String, i32)> = assignments::table
        .inner_join(deliberations::table.on(deliberations::id.eq(assignments::deliberation_id)))
        .filter(assignments::agency_id.eq(&p.agency_id))
        .filter(assignments::state.eq("assigned"))
        .order((assignments::deadline.asc(), assignments::id.asc()))
        .limit(SHOWN)
        .select((
            assignments::id,
            deliberations::id,
            deliberations::title,
            assignments::task,
            assignments::deadline,
            assignments::urge_count,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, deliberation_id, deliberation_title, task, deadline, urge_count)| AssignmentDue {
            overdue: deadline < today,
            id,
            deliberation_id,
            deliberation_title,
            task,
            deadline,
            urge_count,
        })
        .collect())
}
