//! The evaluating agencies' scores (评分): each agency scores each unit on the checks, 0–100
//! with a note, while the evaluation is open; it reads its own scores, the office reads all.

use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::db::schema::{evaluation_scores, evaluation_units};
use crate::db::DbConnection;
use crate::domain::ids::{EvaluationId, InspectedUnitId};
use crate::domain::inspection::evaluation::{Check, ScoreEntry, Weights};
use crate::error::{AppError, AppResult};
use crate::policy::evaluation as rules;
use crate::policy::Principal;
use crate::store::log::{write_tx, Actor};

use super::{require_open, show, visible, EvaluationView};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = evaluation_scores)]
pub struct ScoreRow {
    pub evaluation_id: String,
    pub inspected_unit_id: String,
    pub agency_id: String,
    pub check_code: String,
    pub score: i32,
    pub note: String,
    pub scored_by: String,
    pub updated_at: String,
}

/// One agency's score of one unit on one check.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScoreView {
    pub inspected_unit_id: String,
    /// The evaluating agency that gave the score.
    pub agency_id: String,
    pub check: Check,
    pub label: String,
    /// 0–100.
    pub score: i32,
    pub note: String,
    pub updated_at: String,
}

impl ScoreRow {
    fn view(self) -> AppResult<ScoreView> {
        let check =
            crate::domain::from_stored("检查项", &self.check_code, Check::parse).map_err(anyhow::Error::from)?;
        Ok(ScoreView {
            inspected_unit_id: self.inspected_unit_id,
            agency_id: self.agency_id,
            label: check.label().into(),
            check,
            score: self.score,
            note: self.note,
            updated_at: self.updated_at,
        })
    }
}

fn in_evaluation(conn: &mut DbConnection, evaluation_id: &str, unit_id: &str) -> QueryResult<bool> {
    let n: i64 = evaluation_units::table
        .filter(evaluation_units::evaluation_id.eq(evaluation_id))
        .filter(evaluation_units::inspected_unit_id.eq(unit_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// An evaluating agency scores a unit on some checks (a score given again replaces the
/// earlier one), while the evaluation is open. Returns the agency's scores of that unit.
pub fn submit(
    conn: &mut DbConnection,
    p: &Principal,
    id: &EvaluationId,
    unit_id: &InspectedUnitId,
    entries: &[ScoreEntry],
) -> AppResult<Vec<ScoreView>> {
    write_tx(conn, |conn, log| {
        let (e, _, ev, _) = visible(conn, p, id)?;
        rules::require_scorer(p, &ev)?;
        require_open(&e)?;
        if !in_evaluation(conn, &e.id, unit_id)? {
            return Err(AppError::validation("inspected_unit_id", "该单位不在本次评估的被评估单位之中"));
        }
        for s in entries {
            let key = evaluation_scores::table
                .filter(evaluation_scores::evaluation_id.eq(&e.id))
                .filter(evaluation_scores::inspected_unit_id.eq(unit_id.as_str()))
                .filter(evaluation_scores::agency_id.eq(&p.agency_id))
                .filter(evaluation_scores::check_code.eq(s.check.as_str()));
            diesel::delete(key).execute(conn)?;
            let row = ScoreRow {
                evaluation_id: e.id.clone(),
                inspected_unit_id: unit_id.to_string(),
                agency_id: p.agency_id.clone(),
                check_code: s.check.as_str().into(),
                score: s.score as i32,
                note: s.note.clone(),
                scored_by: p.actor_id(),
                updated_at: log.at().into(),
            };
            diesel::insert_into(evaluation_scores::table).values(&row).execute(conn)?;
        }
        let checks: Vec<&str> = entries.iter().map(|s| s.check.as_str()).collect();
        log.audit(
            &Actor::from(p),
            "evaluation.score",
            "evaluation",
            Some(&e.id),
            None,
            json!({"inspected_unit_id": unit_id.as_str(), "checks": checks}),
        );
        load(conn, &e.id, Some(unit_id), Some(&p.agency_id))
    })
}

fn load(
    conn: &mut DbConnection,
    evaluation_id: &str,
    unit_id: Option<&InspectedUnitId>,
    agency_id: Option<&str>,
) -> AppResult<Vec<ScoreView>> {
    let mut q = evaluation_scores::table.filter(evaluation_scores::evaluation_id.eq(evaluation_id)).into_boxed();
    if let Some(u) = unit_id {
        q = q.filter(evaluation_scores::inspected_unit_id.eq(u.as_str()));
    }
    if let Some(a) = agency_id {
        q = q.filter(evaluation_scores::agency_id.eq(a));
    }
    let rows: Vec<ScoreRow> = q
        .order((evaluation_scores::inspected_unit_id, evaluation_scores::agency_id, evaluation_scores::check_code))
        .select(ScoreRow::as_select())
        .load(conn)?;
    let mut out: Vec<ScoreView> = rows.into_iter().map(ScoreRow::view).collect::<AppResult<_>>()?;
    // The checks in the seed's order, not alphabetical.
    out.sort_by_key(|s| (s.inspected_unit_id.clone(), s.agency_id.clone(), s.check));
    Ok(out)
}

/// The raw scores the caller may see: the office every agency's, an evaluator its own.
pub fn list(
    conn: &mut DbConnection,
    p: &Principal,
    id: &EvaluationId,
    unit_id: Option<&InspectedUnitId>,
) -> AppResult<Vec<ScoreView>> {
    let (e, _, _, access) = visible(conn, p, id)?;
    load(conn, &e.id, unit_id, rules::score_scope(access, &p.agency_id))
}

/// Every score of the evaluation as (unit, agency, check, score), for the results.
pub(crate) fn all(conn: &mut DbConnection, evaluation_id: &str) -> AppResult<Vec<(String, String, Check, i64)>> {
    let rows: Vec<ScoreRow> = evaluation_scores::table
        .filter(evaluation_scores::evaluation_id.eq(evaluation_id))
        .select(ScoreRow::as_select())
        .load(conn)?;
    rows.into_iter()
        .map(|r| {
            let c = crate::domain::from_stored("检查项", &r.check_code, Check::parse).map_err(anyhow::Error::from)?;
            Ok((r.inspected_unit_id, r.agency_id, c, r.score as i64))
        })
        .collect()
}

/// How many (unit, weighted check) scores the agency has still to give.
pub(crate) fn missing_of(conn: &mut DbConnection, evaluation_id: &str, agency_id: &str, w: &Weights) -> AppResult<i64> {
    let units: i64 =
        evaluation_units::table.filter(evaluation_units::evaluation_id.eq(evaluation_id)).count().get_result(conn)?;
    let weighted: Vec<&str> = w.weighted().iter().map(|c| c.as_str()).collect();
    let given: i64 = evaluation_scores::table
        .filter(evaluation_scores::evaluation_id.eq(evaluation_id))
        .filter(evaluation_scores::agency_id.eq(agency_id))
        .filter(evaluation_scores::check_code.eq_any(&weighted))
        .count()
        .get_result(conn)?;
    Ok(units * weighted.len() as i64 - given)
}

/// What an evaluating agency's scoring form shows: the evaluation and the agency's own scores
/// of the unit (403 for anyone else, 409 once finalised, 404 for a unit not evaluated).
pub fn for_form(
    conn: &mut DbConnection,
    p: &Principal,
    id: &EvaluationId,
    unit_id: &InspectedUnitId,
) -> AppResult<(EvaluationView, Vec<ScoreView>)> {
    let (e, _, ev, _) = visible(conn, p, id)?;
    rules::require_scorer(p, &ev)?;
    require_open(&e)?;
    if !in_evaluation(conn, &e.id, unit_id)? {
        return Err(AppError::NotFound(crate::policy::inspection::UNIT_NOT_FOUND.into()));
    }
    let mine = load(conn, &e.id, Some(unit_id), Some(&p.agency_id))?;
    Ok((show(conn, p, id)?, mine))
}
