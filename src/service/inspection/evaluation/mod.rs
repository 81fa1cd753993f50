//! Quantified evaluations of rectification (量化评估): the round's office sets one up (the eight
//! checks and their weights, the evaluating agencies, the units evaluated), the agencies score
//! (`scores`), the office finalises and the results go to each unit's record (`results`).
//! Who sees what is `policy::evaluation`; the arithmetic is `domain::inspection::evaluation`.

use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::db::schema::{evaluation_agencies, evaluation_units, evaluations, inspected_units};
use crate::db::DbConnection;
use crate::domain::event::EventType;
use crate::domain::ids::{AgencyId, EvaluationId, InspectedUnitId, RoundId};
use crate::domain::inspection::evaluation::{Check, EvaluationState, Weights};
use crate::domain::inspection::{check_name, RoundStage};
use crate::domain::new_id;
use crate::error::{AppError, AppResult, FieldError};
use crate::policy::evaluation::{self as rules, EvaluationAccess, EVALUATION_NOT_FOUND};
use crate::policy::Principal;
use crate::store::log::{write_tx, Actor};

use super::{visible_round, RoundRow};

pub mod results;
pub mod scores;

pub use results::{EvaluatedUnit, UnitEvaluationResult};
pub use scores::ScoreView;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = evaluations)]
pub struct EvaluationRow {
    pub id: String,
    pub round_id: String,
    pub name: String,
    pub weights: String,
    pub state: String,
    pub version: i32,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    pub finalised_at: Option<String>,
}

impl EvaluationRow {
    pub fn state(&self) -> AppResult<EvaluationState> {
        Ok(crate::domain::from_stored("评估状态", &self.state, EvaluationState::parse).map_err(anyhow::Error::from)?)
    }
    pub fn weights(&self) -> AppResult<Weights> {
        Ok(Weights::from_stored(&self.weights).ok_or_else(|| anyhow::anyhow!("数据库中的评估权重无法识别"))?)
    }
}

/// One check with its weight.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CheckWeight {
    pub check: Check,
    /// The check's name (八查 of seed 003).
    pub label: String,
    pub weight: i64,
}

/// An evaluation as the caller may see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EvaluationView {
    pub id: String,
    pub round_id: String,
    pub name: String,
    pub state: EvaluationState,
    /// The eight checks in order, with their weights.
    pub weights: Vec<CheckWeight>,
    /// The evaluating agencies.
    pub evaluator_agency_ids: Vec<String>,
    /// Whether the caller sees the means, scores and ranks (the office always, provisional
    /// while open; an evaluator once finalised).
    pub results_visible: bool,
    /// The units evaluated, by rank when results are visible (else by name).
    pub units: Vec<EvaluatedUnit>,
    /// For an evaluating agency: how many (unit, weighted check) scores it has still to give.
    pub my_scores_missing: Option<i64>,
    pub version: i32,
    pub created_at: String,
    pub updated_at: String,
    pub finalised_at: Option<String>,
}

/// What the office gives to set up an evaluation (ids parsed, weights checked).
#[derive(Debug, Clone)]
pub struct NewEvaluation {
    pub name: String,
    pub weights: Weights,
    pub evaluator_agency_ids: Vec<AgencyId>,
    pub inspected_unit_ids: Vec<InspectedUnitId>,
}

pub(crate) fn evaluators(conn: &mut DbConnection, id: &str) -> QueryResult<Vec<String>> {
    evaluation_agencies::table
        .filter(evaluation_agencies::evaluation_id.eq(id))
        .order(evaluation_agencies::agency_id)
        .select(evaluation_agencies::agency_id)
        .load(conn)
}

/// An evaluation with its round and evaluators, as the caller may see it, or 404.
pub(crate) fn visible(
    conn: &mut DbConnection,
    p: &Principal,
    id: &str,
) -> AppResult<(EvaluationRow, RoundRow, Vec<String>, EvaluationAccess)> {
    let e: EvaluationRow = evaluations::table
        .find(id)
        .select(EvaluationRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(EVALUATION_NOT_FOUND.into()))?;
    let r = super::load_round(conn, &e.round_id)?;
    let ev = evaluators(conn, id)?;
    let access = rules::evaluation_access(p, &r.owner_agency_id, &ev)?;
    Ok((e, r, ev, access))
}

/// Sets up an evaluation of the round (its office, once the round is in rectification or
/// closed): every field error at once.
pub fn create(
    conn: &mut DbConnection,
    p: &Principal,
    round_id: &RoundId,
    n: &NewEvaluation,
) -> AppResult<EvaluationView> {
    let id = write_tx(conn, |conn, log| {
        let (r, parts) = visible_round(conn, p, round_id)?;
        rules::require_office(p, &r.owner_agency_id)?;
        let stage = r.stage().map_err(anyhow::Error::from)?;
        if !matches!(stage, RoundStage::Rectification | RoundStage::Closed) {
            return Err(AppError::Conflict(format!(
                "巡察轮次处于“{}”阶段:整改落实阶段起方可开展量化评估",
                stage.label()
            )));
        }
        let mut errs = Vec::new();
        check_name("name", &n.name, &mut errs);
        let taken: i64 = evaluations::table
            .filter(evaluations::round_id.eq(&r.id))
            .filter(evaluations::name.eq(n.name.trim()))
            .count()
            .get_result(conn)?;
        if taken > 0 {
            errs.push(FieldError::new("name", "本轮巡察已有同名的量化评估"));
        }
        let mut agencies: Vec<&str> = Vec::new();
        if n.evaluator_agency_ids.is_empty() {
            errs.push(FieldError::new("evaluator_agency_ids", "请至少指定一个评估单位"));
        }
        for (i, a) in n.evaluator_agency_ids.iter().enumerate() {
            if !rules::may_evaluate(a, &r.owner_agency_id, &parts) {
                errs.push(FieldError::new(
                    format!("evaluator_agency_ids[{i}]"),
                    "评估单位须为本轮巡察的巡察机构或参与单位",
                ));
            } else if !agencies.contains(&a.as_str()) {
                agencies.push(a.as_str());
            }
        }
        let mut units: Vec<&str> = Vec::new();
        if n.inspected_unit_ids.is_empty() {
            errs.push(FieldError::new("inspected_unit_ids", "请至少指定一个被评估单位"));
        }
        for (i, u) in n.inspected_unit_ids.iter().enumerate() {
            let ours: i64 = inspected_units::table
                .filter(inspected_units::id.eq(u.as_str()))
                .filter(inspected_units::round_id.eq(&r.id))
                .count()
                .get_result(conn)?;
            if ours == 0 {
                errs.push(FieldError::new(format!("inspected_unit_ids[{i}]"), "被巡察单位不存在或不属于本轮巡察"));
            } else if !units.contains(&u.as_str()) {
                units.push(u.as_str());
            }
        }
        if !errs.is_empty() {
            return Err(AppError::Validation(errs));
        }
        let row = EvaluationRow {
            id: new_id(),
            round_id: r.id.clone(),
            name: n.name.trim().to_string(),
            weights: n.weights.to_stored(),
            state: EvaluationState::Open.as_str().into(),
            version: 1,
            created_by: p.actor_id(),
            created_at: log.at().into(),
            updated_at: log.at().into(),
            finalised_at: None,
        };
        diesel::insert_into(evaluations::table).values(&row).execute(conn)?;
        for a in &agencies {
            diesel::insert_into(evaluation_agencies::table)
                .values((evaluation_agencies::evaluation_id.eq(&row.id), evaluation_agencies::agency_id.eq(*a)))
                .execute(conn)?;
        }
        for u in &units {
            diesel::insert_into(evaluation_units::table)
                .values((evaluation_units::evaluation_id.eq(&row.id), evaluation_units::inspected_unit_id.eq(*u)))
                .execute(conn)?;
        }
        log.audit(
            &Actor::from(p),
            "evaluation.create",
            "evaluation",
            Some(&row.id),
            None,
            json!({"round_id": r.id, "evaluator_agency_ids": agencies, "inspected_unit_ids": units}),
        );
        let payload = json!({"evaluation_id": row.id, "round_id": r.id, "state": row.state});
        for a in agencies.iter().filter(|a| **a != r.owner_agency_id) {
            log.event(conn, EventType::EvaluationOpened, None, Some(a), Some(&p.agency_id), payload.clone())?;
        }
        Ok(row.id)
    })?;
    show(conn, p, &EvaluationId::from_stored(id))
}

/// One evaluation as the caller may see it.
pub fn show(conn: &mut DbConnection, p: &Principal, id: &EvaluationId) -> AppResult<EvaluationView> {
    let (e, _, ev, access) = visible(conn, p, id)?;
    view(conn, p, e, ev, access)
}

fn view(
    conn: &mut DbConnection,
    p: &Principal,
    e: EvaluationRow,
    ev: Vec<String>,
    access: EvaluationAccess,
) -> AppResult<EvaluationView> {
    let state = e.state()?;
    let weights = e.weights()?;
    let results_visible = rules::sees_results(access, state);
    let units = results::units(conn, &e, &weights, results_visible)?;
    let my_scores_missing =
        if ev.contains(&p.agency_id) { Some(scores::missing_of(conn, &e.id, &p.agency_id, &weights)?) } else { None };
    Ok(EvaluationView {
        weights: Check::ALL
            .iter()
            .map(|c| CheckWeight { check: *c, label: c.label().into(), weight: weights.of(*c) })
            .collect(),
        evaluator_agency_ids: ev,
        results_visible,
        units,
        my_scores_missing,
        state,
        id: e.id,
        round_id: e.round_id,
        name: e.name,
        version: e.version,
        created_at: e.created_at,
        updated_at: e.updated_at,
        finalised_at: e.finalised_at,
    })
}

/// The round's evaluations the caller sees (the office all, an evaluator its own), newest first.
pub fn list_for_round(conn: &mut DbConnection, p: &Principal, round_id: &RoundId) -> AppResult<Vec<EvaluationView>> {
    let (r, _) = visible_round(conn, p, round_id)?;
    let rows: Vec<EvaluationRow> = evaluations::table
        .filter(evaluations::round_id.eq(&r.id))
        .filter(rules::evaluations_visible_sql(&p.agency_id))
        .order(evaluations::id.desc())
        .select(EvaluationRow::as_select())
        .load(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for e in rows {
        let ev = evaluators(conn, &e.id)?;
        let access = rules::evaluation_access(p, &r.owner_agency_id, &ev)?;
        out.push(view(conn, p, e, ev, access)?);
    }
    Ok(out)
}

/// Changes the name or the weights (the office, while scoring is open; `if_match` when given).
pub fn update(
    conn: &mut DbConnection,
    p: &Principal,
    id: &EvaluationId,
    name: Option<&str>,
    weights: Option<&Weights>,
    if_match: Option<i32>,
) -> AppResult<EvaluationView> {
    write_tx(conn, |conn, log| {
        let (e, r, _, _) = visible(conn, p, id)?;
        rules::require_office(p, &r.owner_agency_id)?;
        if let Some(v) = if_match.filter(|v| *v != e.version) {
            return Err(AppError::PreconditionFailed(format!(
                "量化评估已被修改(当前版本 {},请求版本 {v}),请刷新后重试",
                e.version
            )));
        }
        require_open(&e)?;
        let mut name_out = e.name.clone();
        if let Some(n) = name {
            let mut errs = Vec::new();
            check_name("name", n, &mut errs);
            let taken: i64 = evaluations::table
                .filter(evaluations::round_id.eq(&e.round_id))
                .filter(evaluations::name.eq(n.trim()))
                .filter(evaluations::id.ne(&e.id))
                .count()
                .get_result(conn)?;
            if taken > 0 {
                errs.push(FieldError::new("name", "本轮巡察已有同名的量化评估"));
            }
            if !errs.is_empty() {
                return Err(AppError::Validation(errs));
            }
            name_out = n.trim().to_string();
        }
        let weights_out = weights.map_or(e.weights.clone(), |w| w.to_stored());
        diesel::update(evaluations::table.find(&e.id))
            .set((
                evaluations::name.eq(&name_out),
                evaluations::weights.eq(&weights_out),
                evaluations::version.eq(e.version + 1),
                evaluations::updated_at.eq(log.at()),
            ))
            .execute(conn)?;
        log.audit(
            &Actor::from(p),
            "evaluation.update",
            "evaluation",
            Some(&e.id),
            None,
            json!({"name_changed": name.is_some(), "weights_changed": weights.is_some()}),
        );
        Ok(())
    })?;
    show(conn, p, id)
}

/// Scoring and weights change only while the evaluation is open (`409` once finalised).
pub(crate) fn require_open(e: &EvaluationRow) -> AppResult<()> {
    if e.state()? == EvaluationState::Open {
        Ok(())
    } else {
        Err(AppError::Conflict("量化评估结果已确定,不能再修改".into()))
    }
}
