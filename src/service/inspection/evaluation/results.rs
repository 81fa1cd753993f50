//! The results of an evaluation: per unit the mean of the agencies' scores on each check, the
//! weighted score and the rank (provisional while open, fixed by finalisation); finalising
//! writes each unit's result to its record — a record of kind `special_check` (专项检查情况)
//! owned by the office, linked to the unit's supervision object and distributed to the
//! evaluating agencies — and the export of the result table.

use std::collections::{BTreeMap, BTreeSet};

use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::db::schema::{evaluation_units, evaluations, inspected_units};
use crate::db::DbConnection;
use crate::domain::event::EventType;
use crate::domain::ids::{EvaluationId, InspectedUnitId};
use crate::domain::inspection::evaluation::EvaluationState;
use crate::domain::inspection::evaluation::{format_centi, mean_centi, ranks, unit_score_centi, Check, Weights};
use crate::domain::record::{Distribution, DistributionLevel, RecordContent, RecordKind, Sensitivity};
use crate::error::{AppError, AppResult};
use crate::policy::evaluation as rules;
use crate::policy::inspection::UnitAccess;
use crate::policy::Principal;
use crate::service::ledger_export::{ExportFormat, Table};
use crate::service::records::{self, WriteContext};
use crate::store::log::{write_tx, Actor};

use super::{evaluators, require_open, scores, show, visible, EvaluationRow, EvaluationView};
use crate::service::inspection::{unit_views, visible_unit, InspectedUnitRow};

/// The mean of the agencies' scores on one check.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CheckMean {
    pub check: Check,
    /// In two decimals; `null` before any score.
    pub mean: Option<f64>,
    /// How many agencies scored it.
    pub scores: i64,
}

/// A unit evaluated, with its result when the caller may see results.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EvaluatedUnit {
    pub inspected_unit_id: String,
    pub object_id: String,
    pub object_name: String,
    /// The eight checks in order (empty when results are not visible to the caller).
    pub check_means: Vec<CheckMean>,
    /// The weighted score, two decimals (`null` until every weighted check has a score, or
    /// when results are not visible).
    pub score: Option<f64>,
    /// 1 = best; equal scores (in hundredths) share a rank.
    pub rank: Option<u32>,
    /// Scores still missing for this unit (agency × weighted check); `null` when results are
    /// not visible.
    pub scores_missing: Option<i64>,
    /// The record the final result was written to (once finalised).
    pub record_id: Option<String>,
}

/// A unit's final result, as its own account or the office sees it on the unit.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitEvaluationResult {
    pub evaluation_id: String,
    pub evaluation_name: String,
    pub round_id: String,
    pub inspected_unit_id: String,
    pub score: f64,
    pub rank: u32,
    /// How many units were ranked.
    pub units: i64,
    pub finalised_at: String,
    /// The result record (not shown to the unit's own account, which reads no records).
    pub record_id: Option<String>,
}

struct Computed {
    unit: crate::service::inspection::InspectedUnitView,
    means: Vec<(Check, Option<i64>, i64)>,
    score: Option<i64>,
    rank: Option<u32>,
    missing: i64,
    record_id: Option<String>,
}

type UnitRow = (String, Option<i32>, Option<i32>, Option<String>);
/// An evaluation with one unit's stored score, rank and record.
type ResultRow = (EvaluationRow, Option<i32>, Option<i32>, Option<String>);

/// Every unit's means, score and rank: recomputed while open, as fixed once finalised;
/// ordered by rank (units without one last), then by name.
fn compute(conn: &mut DbConnection, e: &EvaluationRow, w: &Weights) -> AppResult<Vec<Computed>> {
    let rows: Vec<UnitRow> = evaluation_units::table
        .filter(evaluation_units::evaluation_id.eq(&e.id))
        .select((
            evaluation_units::inspected_unit_id,
            evaluation_units::score_centi,
            evaluation_units::unit_rank,
            evaluation_units::record_id,
        ))
        .load(conn)?;
    let ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    let unit_rows: Vec<InspectedUnitRow> = inspected_units::table
        .filter(inspected_units::id.eq_any(&ids))
        .select(InspectedUnitRow::as_select())
        .load(conn)?;
    let views: BTreeMap<String, _> = unit_views(conn, unit_rows)?.into_iter().map(|u| (u.id.clone(), u)).collect();
    let agencies = evaluators(conn, &e.id)?;
    let mut by_unit: BTreeMap<&str, BTreeMap<Check, Vec<i64>>> = BTreeMap::new();
    let mut given: BTreeSet<(String, String, Check)> = BTreeSet::new();
    let all = scores::all(conn, &e.id)?;
    for (u, a, c, s) in &all {
        // Only the scores of the current evaluating agencies count.
        if agencies.contains(a) {
            by_unit.entry(u.as_str()).or_default().entry(*c).or_default().push(*s);
            given.insert((u.clone(), a.clone(), *c));
        }
    }
    let finalised = e.state()? == EvaluationState::Finalised;
    let mut out: Vec<Computed> = Vec::with_capacity(rows.len());
    for (uid, stored_score, stored_rank, record_id) in &rows {
        let Some(unit) = views.get(uid).cloned() else { continue };
        let empty = BTreeMap::new();
        let s = by_unit.get(uid.as_str()).unwrap_or(&empty);
        let means = Check::ALL
            .iter()
            .map(|c| (*c, s.get(c).and_then(|v| mean_centi(v)), s.get(c).map_or(0, |v| v.len() as i64)));
        let missing = w
            .weighted()
            .iter()
            .flat_map(|c| agencies.iter().map(move |a| (a, *c)))
            .filter(|(a, c)| !given.contains(&(uid.clone(), (*a).clone(), *c)))
            .count() as i64;
        out.push(Computed {
            unit,
            means: means.collect(),
            score: if finalised { stored_score.map(i64::from) } else { unit_score_centi(w, s) },
            rank: if finalised { stored_rank.map(|r| r as u32) } else { None },
            missing,
            record_id: record_id.clone(),
        });
    }
    if !finalised {
        let scores: Vec<Option<i64>> = out.iter().map(|c| c.score).collect();
        for (c, r) in out.iter_mut().zip(ranks(&scores)) {
            c.rank = r;
        }
    }
    out.sort_by(|a, b| {
        (a.rank.is_none(), a.rank, &a.unit.object_name).cmp(&(b.rank.is_none(), b.rank, &b.unit.object_name))
    });
    Ok(out)
}

fn to_f64(centi: i64) -> f64 {
    centi as f64 / 100.0
}

/// The units of an evaluation as the caller sees them (results only when `results_visible`).
pub(super) fn units(
    conn: &mut DbConnection,
    e: &EvaluationRow,
    w: &Weights,
    results_visible: bool,
) -> AppResult<Vec<EvaluatedUnit>> {
    let mut computed = compute(conn, e, w)?;
    if !results_visible {
        computed.sort_by(|a, b| a.unit.object_name.cmp(&b.unit.object_name));
    }
    Ok(computed
        .into_iter()
        .map(|c| EvaluatedUnit {
            inspected_unit_id: c.unit.id,
            object_id: c.unit.object_id,
            object_name: c.unit.object_name,
            check_means: if results_visible {
                c.means.iter().map(|(k, m, n)| CheckMean { check: *k, mean: m.map(to_f64), scores: *n }).collect()
            } else {
                vec![]
            },
            score: c.score.filter(|_| results_visible).map(to_f64),
            rank: c.rank.filter(|_| results_visible),
            scores_missing: results_visible.then_some(c.missing),
            record_id: c.record_id.filter(|_| results_visible),
        })
        .collect())
}

/// The text of a unit's result record.
fn result_content(e: &EvaluationRow, w: &Weights, c: &Computed, n: usize, recipients: Vec<String>) -> RecordContent {
    let score = c.score.map(format_centi).unwrap_or_default();
    let rank = c.rank.unwrap_or_default();
    let mut body = format!(
        "{}:{} 综合得分 {score},在 {n} 个被评估单位中排名第 {rank}。\n各项检查(权重)平均得分:\n",
        e.name, c.unit.object_name
    );
    for (check, mean, _) in &c.means {
        let m = mean.map(format_centi).unwrap_or_else(|| "—".into());
        body.push_str(&format!("{}({}):{m}\n", check.label(), w.of(*check)));
    }
    let title: String =
        format!("{}:{}(第 {rank} 名,{score} 分)", e.name, c.unit.object_name).chars().take(200).collect();
    let mut attributes = serde_json::Map::new();
    attributes.insert("evaluation_id".into(), json!(e.id));
    attributes.insert("round_id".into(), json!(e.round_id));
    attributes.insert("inspected_unit_id".into(), json!(c.unit.id));
    attributes.insert("score".into(), json!(score));
    attributes.insert("rank".into(), json!(rank));
    attributes.insert("units".into(), json!(n));
    RecordContent {
        kind: RecordKind::SpecialCheck,
        title,
        body,
        category: None,
        object_ids: vec![c.unit.object_id.clone()],
        tags: vec!["量化评估".into()],
        attributes,
        distribution: if recipients.is_empty() {
            Distribution::own()
        } else {
            Distribution { level: DistributionLevel::Agencies, agencies: recipients, group: None }
        },
        sensitivity: Sensitivity::General,
        protected: Default::default(),
        field_grants: vec![],
        external_id: None,
    }
}

/// Finalises the evaluation (the office): every evaluating agency must have scored every unit
/// on every weighted check; the scores and ranks are fixed, each unit's result is written to
/// its record, and the evaluators are told, in one transaction.
pub fn finalise(
    conn: &mut DbConnection,
    p: &Principal,
    id: &EvaluationId,
    if_match: Option<i32>,
) -> AppResult<EvaluationView> {
    write_tx(conn, |conn, log| {
        let (e, r, ev, _) = visible(conn, p, id)?;
        rules::require_office(p, &r.owner_agency_id)?;
        if let Some(v) = if_match.filter(|v| *v != e.version) {
            return Err(AppError::PreconditionFailed(format!(
                "量化评估已被修改(当前版本 {},请求版本 {v}),请刷新后重试",
                e.version
            )));
        }
        require_open(&e)?;
        let w = e.weights()?;
        let computed = compute(conn, &e, &w)?;
        let missing: i64 = computed.iter().map(|c| c.missing).sum();
        if missing > 0 {
            return Err(AppError::Conflict(format!("尚有 {missing} 项评分未完成,全部评分后方可确定结果")));
        }
        let recipients: Vec<String> = ev.iter().filter(|a| **a != r.owner_agency_id).cloned().collect();
        let ctx = WriteContext::load(conn)?;
        let n = computed.len();
        for c in &computed {
            let stored = records::create(conn, log, &ctx, p, result_content(&e, &w, c, n, recipients.clone()))?;
            diesel::update(
                evaluation_units::table
                    .filter(evaluation_units::evaluation_id.eq(&e.id))
                    .filter(evaluation_units::inspected_unit_id.eq(&c.unit.id)),
            )
            .set((
                evaluation_units::score_centi.eq(c.score.map(|s| s as i32)),
                evaluation_units::unit_rank.eq(c.rank.map(|r| r as i32)),
                evaluation_units::record_id.eq(&stored.row.id),
            ))
            .execute(conn)?;
        }
        diesel::update(evaluations::table.find(&e.id))
            .set((
                evaluations::state.eq(EvaluationState::Finalised.as_str()),
                evaluations::finalised_at.eq(log.at()),
                evaluations::version.eq(e.version + 1),
                evaluations::updated_at.eq(log.at()),
            ))
            .execute(conn)?;
        log.audit(&Actor::from(p), "evaluation.finalise", "evaluation", Some(&e.id), None, json!({"units": n}));
        let payload =
            json!({"evaluation_id": e.id, "round_id": e.round_id, "state": EvaluationState::Finalised.as_str()});
        for a in &recipients {
            log.event(conn, EventType::EvaluationFinalised, None, Some(a), Some(&p.agency_id), payload.clone())?;
        }
        Ok(())
    })?;
    show(conn, p, id)
}

/// The result table (排名, unit, the eight check means, score) as CSV or XLSX: the office at
/// any time (provisional while open), an evaluator once finalised (before: `409`).
pub fn export(conn: &mut DbConnection, p: &Principal, id: &EvaluationId, format: ExportFormat) -> AppResult<Vec<u8>> {
    let (e, _, _, access) = visible(conn, p, id)?;
    let state = e.state()?;
    if !rules::sees_results(access, state) {
        return Err(AppError::Conflict("评估结果确定后方可导出".into()));
    }
    let w = e.weights()?;
    let computed = compute(conn, &e, &w)?;
    let mut headers: Vec<String> = vec!["排名".into(), "被巡察单位".into()];
    headers.extend(Check::ALL.iter().map(|c| format!("{}(权重{})", c.label(), w.of(*c))));
    headers.extend(["综合得分".to_string(), "结果状态".to_string()]);
    let status = if state == EvaluationState::Finalised { "已确定" } else { "暂定" };
    let rows = computed
        .iter()
        .map(|c| {
            let mut row = vec![c.rank.map(|r| r.to_string()).unwrap_or_default(), c.unit.object_name.clone()];
            row.extend(c.means.iter().map(|(_, m, _)| m.map(format_centi).unwrap_or_default()));
            row.extend([c.score.map(format_centi).unwrap_or_default(), status.to_string()]);
            row
        })
        .collect();
    let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let numbers: Vec<usize> = (0..headers.len() - 1).filter(|i| *i != 1).collect();
    let table = Table { headers: &header_refs, rows, number_columns: &numbers };
    Ok(format.write(&table, "量化评估结果")?)
}

/// The final results of an inspected unit: its own account sees its score and rank once an
/// evaluation is finalised; the office and the evaluators see the results of the finalised
/// evaluations they take part in.
pub fn of_unit(
    conn: &mut DbConnection,
    p: &Principal,
    unit_id: &InspectedUnitId,
) -> AppResult<Vec<UnitEvaluationResult>> {
    let (u, _, access) = visible_unit(conn, p, unit_id)?;
    let mut q = evaluation_units::table
        .inner_join(evaluations::table)
        .filter(evaluation_units::inspected_unit_id.eq(&u.id))
        .filter(evaluations::state.eq(EvaluationState::Finalised.as_str()))
        .into_boxed();
    if access == UnitAccess::Round {
        q = q.filter(rules::evaluations_visible_sql(&p.agency_id));
    }
    let rows: Vec<ResultRow> = q
        .order(evaluations::id)
        .select((
            EvaluationRow::as_select(),
            evaluation_units::score_centi,
            evaluation_units::unit_rank,
            evaluation_units::record_id,
        ))
        .load(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for (e, score, rank, record_id) in rows {
        if !rules::unit_sees_result(e.state()?) {
            continue;
        }
        let (Some(score), Some(rank)) = (score, rank) else { continue };
        let units: i64 =
            evaluation_units::table.filter(evaluation_units::evaluation_id.eq(&e.id)).count().get_result(conn)?;
        out.push(UnitEvaluationResult {
            evaluation_id: e.id,
            evaluation_name: e.name,
            round_id: e.round_id,
            inspected_unit_id: u.id.clone(),
            score: to_f64(score as i64),
            rank: rank as u32,
            units,
            finalised_at: e.finalised_at.unwrap_or_default(),
            record_id: record_id.filter(|_| access == UnitAccess::Round),
        });
    }
    Ok(out)
}
