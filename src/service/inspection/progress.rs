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
