//! A round's figures and the figures across rounds (part 11): units, problems found and
//! rectified, clues found, transferred and concluded — by unit and by category. Counted only
//! over the findings whose records the caller's agency may read (rule 2: statistics reveal
//! nothing the agency could not read), and clue handling only over transfers it is a party to.

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;
use serde::Serialize;

use crate::contract::page::Window;
use crate::db::schema::{self, findings, inspected_units, rounds};
use crate::db::DbConnection;
use crate::domain::inspection::RoundStage;
use crate::error::AppResult;
use crate::policy::{self, Principal};
use crate::service::ledger_export::Table;
use crate::store::directory;

use super::progress;
use super::{visible_round, RoundRow};

/// Problems and clues of one slice (a unit, a category, a round).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Counts {
    /// Problems found (问题).
    pub problems: i64,
    /// Problems whose every ledger item is closed (对账销号).
    pub rectified: i64,
    /// Clues found (问题线索).
    pub clues: i64,
    /// Clues transferred (by or to the caller's unit).
    pub transferred: i64,
    /// Clues whose handling was concluded (办结).
    pub concluded: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitCounts {
    pub inspected_unit_id: String,
    pub name: String,
    #[serde(flatten)]
    pub counts: Counts,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CategoryCounts {
    /// The problem category (问题类别) name, or "未分类".
    pub category: String,
    #[serde(flatten)]
    pub counts: Counts,
}

/// A round's figures.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RoundStats {
    pub round_id: String,
    pub name: String,
    pub number: i32,
    pub stage: RoundStage,
    pub units: i64,
    pub teams: i64,
    #[serde(flatten)]
    pub counts: Counts,
    /// Whole percent of problems rectified (rounded half up; 0 without problems).
    pub rectification_rate: i64,
    /// Whole percent of transferred clues concluded (rounded half up; 0 without any).
    pub conclusion_rate: i64,
    pub by_unit: Vec<UnitCounts>,
    pub by_category: Vec<CategoryCounts>,
}

/// `part` of `whole` in whole percent, rounded half up (0 when `whole` is 0).
pub fn percent(part: i64, whole: i64) -> i64 {
    if whole <= 0 {
        0
    } else {
        (part * 200 + whole) / (2 * whole)
    }
}

/// The round's figures as the caller's agency may count them.
pub fn round(conn: &mut DbConnection, p: &Principal, id: &str) -> AppResult<RoundStats> {
    let (r, _) = visible_round(conn, p, id)?;
    figures(conn, p, r)
}

fn figures(conn: &mut DbConnection, p: &Principal, r: RoundRow) -> AppResult<RoundStats> {
    let viewer = directory::viewer(conn, &p.agency_id)?;
    // The findings the agency may read, with their categories.
    let readable: Vec<(String, Option<String>)> = findings::table
        .inner_join(schema::records::table)
        .filter(findings::round_id.eq(&r.id))
        .filter(policy::entitled_sql(&viewer))
        .select((findings::id, schema::records::category))
        .load(conn)?;
    let category: HashMap<String, String> =
        readable.into_iter().map(|(f, c)| (f, c.unwrap_or_else(|| "未分类".into()))).collect();
    let units: Vec<(String, String)> = inspected_units::table
        .inner_join(schema::subject_objects::table)
        .filter(inspected_units::round_id.eq(&r.id))
        .order(inspected_units::id)
        .select((inspected_units::id, schema::subject_objects::name))
        .load(conn)?;
    let teams: i64 = schema::teams::table.filter(schema::teams::round_id.eq(&r.id)).count().get_result(conn)?;
    let mut total = Counts::default();
    let mut by_unit: BTreeMap<String, Counts> = BTreeMap::new();
    let mut by_category: BTreeMap<String, Counts> = BTreeMap::new();
    let mut add = |unit: &str, finding: &str, f: &dyn Fn(&mut Counts)| {
        let Some(c) = category.get(finding) else { return };
        f(&mut total);
        f(by_unit.entry(unit.to_string()).or_default());
        f(by_category.entry(c.clone()).or_default());
    };
    for pr in progress::problems(conn, &r.id, None)? {
        let rectified = pr.rectified_at.is_some();
        add(&pr.inspected_unit_id, &pr.finding_id, &|c| {
            c.problems += 1;
            c.rectified += rectified as i64;
        });
    }
    for cl in progress::clues(conn, &r.id, None, &p.agency_id)? {
        let (t, d) = (cl.transferred_at.is_some(), cl.concluded_at.is_some());
        add(&cl.inspected_unit_id, &cl.finding_id, &|c| {
            c.clues += 1;
            c.transferred += t as i64;
            c.concluded += d as i64;
        });
    }
    let stage = r.stage().map_err(anyhow::Error::from)?;
    Ok(RoundStats {
        rectification_rate: percent(total.rectified, total.problems),
        conclusion_rate: percent(total.concluded, total.transferred),
        units: units.len() as i64,
        teams,
        by_unit: units
            .into_iter()
            .map(|(id, name)| UnitCounts {
                counts: by_unit.remove(&id).unwrap_or_default(),
                inspected_unit_id: id,
                name,
            })
            .collect(),
        by_category: by_category.into_iter().map(|(category, counts)| CategoryCounts { category, counts }).collect(),
        counts: total,
        round_id: r.id,
        name: r.name,
        number: r.number,
        stage,
    })
}

/// The figures of every round the caller's agency runs or takes part in (newest first, at
/// most `w.limit`), for the comparison across rounds.
pub fn across(conn: &mut DbConnection, p: &Principal, w: &Window) -> AppResult<Vec<RoundStats>> {
    let page = super::rounds::page(conn, p, w, None)?;
    let ids: Vec<String> = page.items.into_iter().map(|r| r.id).collect();
    let rows: Vec<RoundRow> = rounds::table.filter(rounds::id.eq_any(&ids)).select(RoundRow::as_select()).load(conn)?;
    let mut by_id: HashMap<String, RoundRow> = rows.into_iter().map(|r| (r.id.clone(), r)).collect();
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(r) = by_id.remove(&id) {
            out.push(figures(conn, p, r)?);
        }
    }
    Ok(out)
}

pub const ACROSS_HEADERS: [&str; 11] = [
    "轮次",
    "巡察轮次",
    "阶段",
    "被巡察单位",
    "发现问题",
    "已整改",
    "整改率(%)",
    "发现线索",
    "已移交",
    "已办结",
    "办结率(%)",
];

/// The across-rounds figures as a ledger to export.
pub fn across_table(items: &[RoundStats]) -> Table<'static> {
    let rows = items
        .iter()
        .map(|s| {
            vec![
                s.number.to_string(),
                s.name.clone(),
                s.stage.label().to_string(),
                s.units.to_string(),
                s.counts.problems.to_string(),
                s.counts.rectified.to_string(),
                s.rectification_rate.to_string(),
                s.counts.clues.to_string(),
                s.counts.transferred.to_string(),
                s.counts.concluded.to_string(),
                s.conclusion_rate.to_string(),
            ]
        })
        .collect();
    Table { headers: &ACROSS_HEADERS, rows, number_columns: &[0, 3, 4, 5, 6, 7, 8, 9, 10] }
}

#[cfg(test)]
mod tests {
    #[test]
    fn percent_rounds_half_up_and_is_zero_without_a_whole() {
        assert_eq!(super::percent(804, 1183), 68);
        assert_eq!(super::percent(220, 344), 64);
        assert_eq!(super::percent(305, 351), 87);
        assert_eq!(super::percent(1, 2), 50);
        assert_eq!(super::percent(1, 8), 13);
        assert_eq!(super::percent(0, 0), 0);
    }
}
