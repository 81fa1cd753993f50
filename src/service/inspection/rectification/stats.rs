//! A round's rectification statistics: problems found and rectified (as
//! `progress::problems` counts them), ledger items by state, feedback, plans and four-party
//! reviews — for the round and per unit. For the office and the participants.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{
    four_party_reviews as rv, inspected_units, rectification_feedbacks as fb, rectification_items as it,
    rectification_plans as pl,
};
use crate::db::DbConnection;
use crate::domain::ids::RoundId;
use crate::domain::inspection::four_party::{ReviewOutcome, ReviewState};
use crate::domain::inspection::items::ItemState;
use crate::domain::inspection::rectification::PlanState;
use crate::error::AppResult;
use crate::policy::Principal;
use crate::service::inspection::{progress, unit_views, visible_round, InspectedUnitRow};

use super::feedback;
use super::stored;

/// Ledger items by state.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ItemCounts {
    pub total: i64,
    pub in_progress: i64,
    pub submitted: i64,
    pub closed: i64,
    /// Past the deadline and not closed.
    pub overdue: i64,
}

/// Four-party reviews (四方会审): units whose review has concluded, and how their latest one ended.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ReviewCounts {
    pub units_reviewed: i64,
    pub passed: i64,
    pub returned: i64,
    /// Units with a review under way.
    pub open: i64,
}

/// One inspected unit's rectification.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitRectificationStats {
    pub inspected_unit_id: String,
    pub object_name: String,
    pub problems_found: i64,
    pub problems_rectified: i64,
    pub feedback_issued: bool,
    pub receipt_complete: bool,
    /// The latest plan attempt's state.
    pub plan_state: Option<PlanState>,
    pub plan_attempts: i64,
    pub items: ItemCounts,
    /// The latest concluded four-party review's outcome.
    pub review_outcome: Option<ReviewOutcome>,
}

/// A round's rectification statistics.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RectificationStats {
    pub round_id: String,
    /// Problems found in the round (findings of kind problem).
    pub problems_found: i64,
    /// Problems whose every ledger item is closed (对账销号).
    pub problems_rectified: i64,
    /// problems_rectified / problems_found, 0..1 (0 when nothing was found).
    pub rectification_rate: f64,
    pub units: i64,
    pub feedback_issued: i64,
    pub receipts_complete: i64,
    pub plans_accepted: i64,
    pub items: ItemCounts,
    pub four_party_review: ReviewCounts,
    pub by_unit: Vec<UnitRectificationStats>,
}

fn count_item(c: &mut ItemCounts, state: ItemState, overdue: bool) {
    c.total += 1;
    match state {
        ItemState::InProgress => c.in_progress += 1,
        ItemState::Submitted => c.submitted += 1,
        ItemState::Closed => c.closed += 1,
    }
    c.overdue += i64::from(overdue);
}

/// The statistics of a round the caller's agency runs or takes part in (else 404).
pub fn round(conn: &mut DbConnection, p: &Principal, id: &RoundId) -> AppResult<RectificationStats> {
    let (r, _) = visible_round(conn, p, id)?;
    let unit_rows: Vec<InspectedUnitRow> = inspected_units::table
        .filter(inspected_units::round_id.eq(&r.id))
        .order(inspected_units::id)
        .select(InspectedUnitRow::as_select())
        .load(conn)?;
    let units = unit_views(conn, unit_rows)?;
    let problems = progress::problems(conn, &r.id, None)?;
    let today = crate::domain::clock::today();
    let items: Vec<(String, String, String)> =
        it::table.filter(it::round_id.eq(&r.id)).select((it::inspected_unit_id, it::state, it::deadline)).load(conn)?;
    let plans: Vec<(String, i32, String)> = pl::table
        .filter(pl::round_id.eq(&r.id))
        .order(pl::attempt)
        .select((pl::inspected_unit_id, pl::attempt, pl::state))
        .load(conn)?;
    let reviews: Vec<(String, String, Option<String>)> = rv::table
        .filter(rv::round_id.eq(&r.id))
        .order(rv::id)
        .select((rv::inspected_unit_id, rv::state, rv::outcome))
        .load(conn)?;
    let with_feedback: Vec<String> =
        fb::table.filter(fb::round_id.eq(&r.id)).select(fb::inspected_unit_id).load(conn)?;

    let mut total = ItemCounts::default();
    let mut by_unit_items: HashMap<&str, ItemCounts> = HashMap::new();
    for (u, state, deadline) in &items {
        let state = stored("整改事项状态", state, ItemState::parse)?;
        let overdue = state != ItemState::Closed && *deadline < today;
        count_item(&mut total, state, overdue);
        count_item(by_unit_items.entry(u.as_str()).or_default(), state, overdue);
    }
    let mut review_counts = ReviewCounts::default();
    let mut by_unit = Vec::with_capacity(units.len());
    let (mut receipts, mut accepted) = (0, 0);
    for u in units {
        let found = problems.iter().filter(|p| p.inspected_unit_id == u.id);
        let rectified = found.clone().filter(|p| p.rectified_at.is_some()).count() as i64;
        let issued = with_feedback.contains(&u.id);
        let receipt = issued && feedback::load(conn, &u.id)?.is_some_and(|f| f.receipt_complete);
        let attempts: Vec<&(String, i32, String)> = plans.iter().filter(|p| p.0 == u.id).collect();
        let plan_state = attempts.last().map(|p| stored("整改方案状态", &p.2, PlanState::parse)).transpose()?;
        let unit_reviews: Vec<&(String, String, Option<String>)> = reviews.iter().filter(|v| v.0 == u.id).collect();
        let concluded = unit_reviews.iter().rev().find(|v| v.1 == ReviewState::Concluded.as_str());
        let review_outcome =
            concluded.and_then(|v| v.2.as_deref()).map(|o| stored("会审结论", o, ReviewOutcome::parse)).transpose()?;
        match review_outcome {
            Some(ReviewOutcome::Passed) => review_counts.passed += 1,
            Some(ReviewOutcome::Returned) => review_counts.returned += 1,
            None => {}
        }
        review_counts.units_reviewed += i64::from(review_outcome.is_some());
        review_counts.open += i64::from(unit_reviews.iter().any(|v| v.1 == ReviewState::Open.as_str()));
        receipts += i64::from(receipt);
        accepted += i64::from(plan_state == Some(PlanState::Accepted));
        by_unit.push(UnitRectificationStats {
            problems_found: found.count() as i64,
            problems_rectified: rectified,
            feedback_issued: issued,
            receipt_complete: receipt,
            plan_state,
            plan_attempts: attempts.len() as i64,
            items: by_unit_items.remove(u.id.as_str()).unwrap_or_default(),
            review_outcome,
            inspected_unit_id: u.id,
            object_name: u.object_name,
        });
    }
    let found = problems.len() as i64;
    let rectified = problems.iter().filter(|p| p.rectified_at.is_some()).count() as i64;
    Ok(RectificationStats {
        round_id: r.id,
        problems_found: found,
        problems_rectified: rectified,
        rectification_rate: if found == 0 { 0.0 } else { rectified as f64 / found as f64 },
        units: by_unit.len() as i64,
        feedback_issued: with_feedback.len() as i64,
        receipts_complete: receipts,
        plans_accepted: accepted,
        items: total,
        four_party_review: review_counts,
        by_unit,
    })
}
