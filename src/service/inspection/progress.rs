//! How far the rectification of a round's problems has come: one place that says when a
//! problem counts as rectified (every item of it closed, `domain::inspection::items`) and
//! since when (its last item's closing), for the round statistics, the direct-supervision
//! window (巡后直督) and the review.

use std::collections::BTreeMap;

use diesel::prelude::*;

use crate::db::schema::{findings, rectification_items};
use crate::db::DbConnection;
use crate::domain::inspection::items::{problem_rectified, ItemState};
use crate::domain::inspection::FindingKind;
use crate::error::AppResult;

/// One problem found in a round and whether (and when) it is rectified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemProgress {
    pub finding_id: String,
    pub inspected_unit_id: String,
    /// Ledger items addressing it.
    pub items: usize,
    /// The time its last item was closed, when every item is closed.
    pub rectified_at: Option<String>,
}

/// Every problem found in the round (optionally only in the listed units), in finding order.
pub fn problems(
    conn: &mut DbConnection,
    round_id: &str,
    unit_ids: Option<&[String]>,
) -> AppResult<Vec<ProblemProgress>> {
    let mut q = findings::table
        .filter(findings::round_id.eq(round_id))
        .filter(findings::kind.eq(FindingKind::Problem.as_str()))
        .into_boxed();
    if let Some(u) = unit_ids {
        q = q.filter(findings::inspected_unit_id.eq_any(u));
    }
    let found: Vec<(String, String)> =
        q.order(findings::id).select((findings::id, findings::inspected_unit_id)).load(conn)?;
    let items: Vec<(String, String, Option<String>)> = rectification_items::table
        .filter(rectification_items::round_id.eq(round_id))
        .select((rectification_items::finding_id, rectification_items::state, rectification_items::closed_at))
        .load(conn)?;
    let mut by_finding: BTreeMap<String, (Vec<ItemState>, Option<String>)> = BTreeMap::new();
    for (f, state, closed_at) in items {
        let state =
            crate::domain::from_stored("整改事项状态", &state, ItemState::parse).map_err(anyhow::Error::from)?;
        let e = by_finding.entry(f).or_default();
        e.0.push(state);
        if state == ItemState::Closed {
            e.1 = e.1.take().max(closed_at);
        }
    }
    Ok(found
        .into_iter()
        .map(|(finding_id, inspected_unit_id)| {
            let (states, last) = by_finding.remove(&finding_id).unwrap_or_default();
            ProblemProgress {
                items: states.len(),
                rectified_at: if problem_rectified(&states) { last } else { None },
                finding_id,
                inspected_unit_id,
            }
        })
        .collect())
}

/// One clue found in a round and how far its handling has come, as an agency that is a party
/// to its transfers sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClueProgress {
    pub finding_id: String,
    pub inspected_unit_id: String,
    /// When it was first transferred (by or to `agency`).
    pub transferred_at: Option<String>,
    /// When a transfer of it was first concluded (办结; also when feedback closed it since).
    pub concluded_at: Option<String>,
}

/// Every clue found in the round (optionally only in the listed units), with its transfers
/// counted only where `agency` sent or received them: statistics never reveal a transfer the
/// agency has no part in (DESIGN.md, clue statistics).
pub fn clues(
    conn: &mut DbConnection,
    round_id: &str,
    unit_ids: Option<&[String]>,
    agency: &str,
) -> AppResult<Vec<ClueProgress>> {
    use crate::db::schema::transfers;
    let mut q = findings::table
        .filter(findings::round_id.eq(round_id))
        .filter(findings::kind.eq(FindingKind::Clue.as_str()))
        .into_boxed();
    if let Some(u) = unit_ids {
        q = q.filter(findings::inspected_unit_id.eq_any(u));
    }
    let found: Vec<(String, String, String)> =
        q.order(findings::id).select((findings::id, findings::inspected_unit_id, findings::record_id)).load(conn)?;
    let record_ids: Vec<&str> = found.iter().map(|f| f.2.as_str()).collect();
    let moves: Vec<(String, String, Option<String>)> = transfers::table
        .filter(transfers::record_id.eq_any(&record_ids))
        .filter(transfers::from_agency_id.eq(agency).or(transfers::to_agency_id.eq(agency)))
        .select((transfers::record_id, transfers::created_at, transfers::concluded_at))
        .load(conn)?;
    let mut by_record: BTreeMap<String, (Option<String>, Option<String>)> = BTreeMap::new();
    for (record, created, concluded) in moves {
        let e = by_record.entry(record).or_default();
        e.0 = Some(e.0.take().map_or(created.clone(), |t| t.min(created)));
        if let Some(c) = concluded {
            e.1 = Some(e.1.take().map_or(c.clone(), |t| t.min(c)));
        }
    }
    Ok(found
        .into_iter()
        .map(|(finding_id, inspected_unit_id, record)| {
            let (transferred_at, concluded_at) = by_record.remove(&record).unwrap_or_default();
            ClueProgress { finding_id, inspected_unit_id, transferred_at, concluded_at }
        })
        .collect())
}
