//! The clue ledger (线索台账): the agency's transfers in or out, filtered and paged.

use super::*;
use crate::db::schema::{record_objects, transfers};
use crate::db::DbConnection;
use crate::domain::transfer::TransferState;
use crate::policy::{self};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    In,
    Out,
    Both,
}

/// The UTC bounds of a period of local days (the hub's time zone), both ends inclusive days.
pub(crate) fn period(from: Option<&str>, to: Option<&str>) -> (Option<String>, Option<String>) {
    use crate::domain::clock::{parse_date, period_bounds};
    period_bounds(from.and_then(parse_date), to.and_then(parse_date))
}

/// Ledger filters.
#[derive(Debug, Clone)]
pub struct LedgerQuery {
    pub direction: Direction,
    pub state: Option<TransferState>,
    pub overdue: Option<bool>,
    pub round: Option<String>,
    pub category: Option<String>,
    pub object_id: Option<String>,
    /// Transfers made on or after this date (YYYY-MM-DD).
    pub from: Option<String>,
    /// Transfers made on or before this date.
    pub to: Option<String>,
    /// Only open transfers due on or before this date (YYYY-MM-DD), overdue ones included,
    /// soonest deadline first (not paged by cursor).
    pub due_by: Option<String>,
    pub before_id: Option<String>,
    pub limit: i64,
}

/// The agency's clue ledger (in, out or both), newest first, within what it may see.
pub fn ledger(conn: &mut DbConnection, agency_id: &str, f: &LedgerQuery) -> QueryResult<Vec<TransferRow>> {
    let mut q =
        transfers::table.select(TransferRow::as_select()).filter(policy::transfer_visible_sql(agency_id)).into_boxed();
    q = match f.direction {
        Direction::In => q.filter(transfers::to_agency_id.eq(agency_id.to_string())),
        Direction::Out => q.filter(transfers::from_agency_id.eq(agency_id.to_string())),
        Direction::Both => q,
    };
    if let Some(s) = f.state {
        q = q.filter(transfers::state.eq(s.as_str()));
    }
    let open = [TransferState::Transferred, TransferState::Accepted, TransferState::InProgress].map(|s| s.as_str());
    match f.overdue {
        Some(true) => q = q.filter(transfers::state.eq_any(open)).filter(transfers::deadline.lt(today())),
        Some(false) => {
            q = q.filter(transfers::state.ne_all(open).or(transfers::deadline.ge(today())));
        }
        None => {}
    }
    if let Some(d) = &f.due_by {
        q = q.filter(transfers::state.eq_any(open)).filter(transfers::deadline.le(d.clone()));
    }
    if let Some(r) = &f.round {
        q = q.filter(transfers::round.eq(r.clone()));
    }
    if let Some(c) = &f.category {
        q = q.filter(transfers::category.eq(c.clone()));
    }
    if let Some(o) = &f.object_id {
        q = q.filter(transfers::record_id.eq_any(
            record_objects::table.filter(record_objects::object_id.eq(o.clone())).select(record_objects::record_id),
        ));
    }
    let (start, end) = period(f.from.as_deref(), f.to.as_deref());
    if let Some(t) = start {
        q = q.filter(transfers::created_at.ge(t));
    }
    if let Some(t) = end {
        q = q.filter(transfers::created_at.lt(t));
    }
    if let Some(b) = &f.before_id {
        q = q.filter(transfers::id.lt(b.clone()));
    }
    if f.due_by.is_some() {
        return q.order((transfers::deadline.asc(), transfers::id.asc())).limit(f.limit).load(conn);
    }
    q.order(transfers::id.desc()).limit(f.limit).load(conn)
}
