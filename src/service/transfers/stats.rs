//! Clue statistics (线索统计) of one agency and period, aggregated in the database: a few
//! grouped counts over the transfers the agency is a party to and may see, never the rows.

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_types::Bool;
use serde::{Deserialize, Serialize};

use super::{period, today, Direction};
use crate::db::schema::transfers;
use crate::db::{DbConnection, MultiBackend};
use crate::domain::transfer::{Outcome, TransferState};
use crate::error::AppResult;
use crate::policy;

/// Clue statistics (DESIGN.md, "Clue transfer states").
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct ClueStats {
    pub agency_id: String,
    pub direction: String,
    pub from: Option<String>,
    pub to: Option<String>,
    /// All transfers in scope, whatever their state.
    pub transferred: i64,
    /// Accepted at some point (now accepted, in progress, concluded or closed).
    pub accepted: i64,
    pub in_progress: i64,
    /// Now concluded (办结, not yet fed back).
    pub concluded: i64,
    /// Fed back and closed (反馈).
    pub closed: i64,
    pub returned: i64,
    pub overdue: i64,
    /// (concluded + closed) / transferred, 0..1.
    pub closure_rate: f64,
    /// Mean days from transfer to conclusion, over concluded and closed transfers.
    pub mean_days_to_conclude: Option<f64>,
    pub by_outcome: BTreeMap<String, i64>,
    pub sanctions: SanctionTotals,
}

/// Persons sanctioned, by kind, summed over the concluded and closed transfers in scope. A
/// sum, so without the per-transfer maximum of `Sanctions` (schemathesis met 10,011).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct SanctionTotals {
    #[schema(minimum = 0)]
    pub disciplinary: i64,
    #[schema(minimum = 0)]
    pub organizational: i64,
    #[schema(minimum = 0)]
    pub judicial: i64,
}

type Scope = Box<dyn diesel::expression::BoxableExpression<transfers::table, MultiBackend, SqlType = Bool>>;

/// The transfers of one agency's statistics: those it sent (`Out`), received (`In`) or both,
/// made within the period, and only those it may see (a returned transfer is the sender's
/// alone: it leaves the receiver's ledger and statistics).
fn scope(agency_id: &str, direction: Direction, from: Option<&str>, to: Option<&str>) -> Scope {
    let a = agency_id.to_string();
    let mut e: Scope = match direction {
        Direction::In => Box::new(transfers::to_agency_id.eq(a.clone())),
        Direction::Out => Box::new(transfers::from_agency_id.eq(a.clone())),
        Direction::Both => Box::new(transfers::to_agency_id.eq(a.clone()).or(transfers::from_agency_id.eq(a.clone()))),
    };
    e = Box::new(e.and(policy::transfer_visible_sql(&a)));
    let (start, end) = period(from, to);
    if let Some(t) = start {
        e = Box::new(e.and(transfers::created_at.ge(t)));
    }
    if let Some(t) = end {
        e = Box::new(e.and(transfers::created_at.lt(t)));
    }
    e
}

/// Mean days from transfer to conclusion, as SQL over the stored RFC 3339 texts.
fn mean_days_sql(conn: &DbConnection) -> &'static str {
    match conn {
        DbConnection::Sqlite(_) => "AVG(julianday(concluded_at) - julianday(created_at))",
        DbConnection::Pg(_) => {
            "(AVG(EXTRACT(EPOCH FROM (concluded_at::timestamptz - created_at::timestamptz))) / 86400.0)::float8"
        }
    }
}

/// One group of the statistics query: state, outcome, count, and the three sanction sums.
type StateGroup = (String, Option<String>, i64, Option<i64>, Option<i64>, Option<i64>);

/// Statistics of the transfers an agency sent (`Out`), received (`In`) or both, made within
/// the period, aggregated in the database (a few grouped counts, never the rows). Only
/// transfers the agency is a party to and may see count; overdue is judged by the hub's today.
pub fn stats(
    conn: &mut DbConnection,
    agency_id: &str,
    direction: Direction,
    from: Option<&str>,
    to: Option<&str>,
) -> QueryResult<ClueStats> {
    use diesel::dsl::{count_star, sql, sum};
    use diesel::sql_types::{Double, Nullable};
    let mut s = ClueStats {
        agency_id: agency_id.to_string(),
        direction: match direction {
            Direction::In => "in",
            Direction::Out => "out",
            Direction::Both => "both",
        }
        .into(),
        from: from.map(str::to_string),
        to: to.map(str::to_string),
        ..Default::default()
    };
    for o in Outcome::ALL {
        s.by_outcome.insert(o.as_str().to_string(), 0);
    }
    let groups: Vec<StateGroup> = transfers::table
        .filter(scope(agency_id, direction, from, to))
        .group_by((transfers::state, transfers::outcome))
        .select((
            transfers::state,
            transfers::outcome,
            count_star(),
            sum(transfers::sanctions_disciplinary),
            sum(transfers::sanctions_organizational),
            sum(transfers::sanctions_judicial),
        ))
        .load(conn)?;
    for (state, outcome, n, d, o, j) in groups {
        s.transferred += n;
        let state = crate::domain::from_stored("移交状态", &state, TransferState::parse)
            .map_err(crate::store::unknown_stored)?;
        match state {
            TransferState::InProgress => s.in_progress += n,
            TransferState::Concluded => s.concluded += n,
            TransferState::Closed => s.closed += n,
            TransferState::Returned => s.returned += n,
            _ => {}
        }
        if matches!(state, TransferState::Concluded | TransferState::Closed) {
            if let Some(o) = outcome.as_deref().and_then(Outcome::parse) {
                *s.by_outcome.entry(o.as_str().to_string()).or_default() += n;
            }
            let persons = |v: Option<i64>| v.unwrap_or(0).max(0);
            s.sanctions.disciplinary = s.sanctions.disciplinary.saturating_add(persons(d));
            s.sanctions.organizational = s.sanctions.organizational.saturating_add(persons(o));
            s.sanctions.judicial = s.sanctions.judicial.saturating_add(persons(j));
        }
    }
    s.accepted = transfers::table
        .filter(scope(agency_id, direction, from, to))
        .filter(transfers::accepted_at.is_not_null())
        .filter(transfers::state.ne(TransferState::Returned.as_str()))
        .count()
        .get_result(conn)?;
    let open = [TransferState::Transferred, TransferState::Accepted, TransferState::InProgress].map(|s| s.as_str());
    s.overdue = transfers::table
        .filter(scope(agency_id, direction, from, to))
        .filter(transfers::state.eq_any(open))
        .filter(transfers::deadline.lt(today()))
        .count()
        .get_result(conn)?;
    let closed = [TransferState::Concluded, TransferState::Closed].map(|s| s.as_str());
    let mean: Option<f64> = transfers::table
        .filter(scope(agency_id, direction, from, to))
        .filter(transfers::state.eq_any(closed))
        .filter(transfers::concluded_at.is_not_null())
        .select(sql::<Nullable<Double>>(mean_days_sql(conn)))
        .get_result(conn)?;
    s.mean_days_to_conclude = mean.map(|m| (m * 100.0).round() / 100.0);
    if s.transferred > 0 {
        s.closure_rate = (s.concluded + s.closed) as f64 / s.transferred as f64;
    }
    Ok(s)
}

/// The statistics of each of `agency_ids` (aggregated in the database, one agency at a time).
/// The statistics of one existing agency (404 for an unknown one).
pub fn stats_of(
    conn: &mut DbConnection,
    agency_id: &str,
    direction: Direction,
    from: Option<&str>,
    to: Option<&str>,
) -> AppResult<ClueStats> {
    crate::service::agencies::get(conn, agency_id)?;
    Ok(stats(conn, agency_id, direction, from, to)?)
}

/// The statistics of every member unit, with its name, in code order.
pub fn stats_by_agency(
    conn: &mut DbConnection,
    direction: Direction,
    from: Option<&str>,
    to: Option<&str>,
) -> AppResult<Vec<(String, ClueStats)>> {
    let agencies = crate::service::agencies::list(conn)?;
    agencies.into_iter().map(|a| Ok((a.name, stats(conn, &a.id, direction, from, to)?))).collect()
}
