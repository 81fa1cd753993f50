//! The ledger's three lists (三清单): the problem list (问题清单: each problem of the feedback
//! and whether it is rectified, as `progress::problems` says), the task list (任务清单) and the
//! responsibility list (责任清单, by responsible person); for one unit or a whole round, as
//! JSON or exported (CSV/XLSX with Chinese headers through `ledger_export::Table`).

use std::collections::HashMap;

use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{rectification_feedback_problems as fp, rectification_feedbacks as fb};
use crate::db::DbConnection;
use crate::domain::ids::{InspectedUnitId, RoundId};
use crate::domain::inspection::items::ItemState;
use crate::domain::inspection::rectification::LedgerList;
use crate::error::{AppError, AppResult};
use crate::policy::Principal;
use crate::service::inspection::progress;
use crate::service::inspection::{unit_views, visible_round, InspectedUnitRow};
use crate::service::ledger_export::{ExportFormat, Table};

use super::items::{problem_texts, views};
use super::{unit_ctx, unit_items};

/// A line of the problem list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProblemLine {
    pub finding_id: String,
    /// Order in the feedback, from 1.
    pub position: i32,
    pub problem: String,
    pub category: Option<String>,
    /// Ledger items addressing it, and how many of them are closed.
    pub items: i64,
    pub items_closed: i64,
    /// Every item of it closed (对账销号).
    pub rectified: bool,
    pub rectified_at: Option<String>,
}

/// A line of the task list or the responsibility list (one per ledger item).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TaskLine {
    pub item_id: String,
    pub finding_id: String,
    pub problem: String,
    pub task: String,
    pub measure: String,
    pub responsible_person: String,
    /// YYYY-MM-DD
    pub deadline: String,
    pub state: ItemState,
    pub overdue: bool,
}

/// A unit's ledger as its three lists.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LedgerView {
    pub round_id: String,
    pub inspected_unit_id: String,
    pub object_name: String,
    /// 问题清单: the problems of the feedback, in its order.
    pub problems: Vec<ProblemLine>,
    /// 任务清单: the items, in plan order.
    pub tasks: Vec<TaskLine>,
    /// 责任清单: the items by responsible person, then deadline.
    pub responsibilities: Vec<TaskLine>,
}

fn build(conn: &mut DbConnection, unit: InspectedUnitRow) -> AppResult<LedgerView> {
    let progress: HashMap<String, progress::ProblemProgress> =
        progress::problems(conn, &unit.round_id, Some(std::slice::from_ref(&unit.id)))?
            .into_iter()
            .map(|p| (p.finding_id.clone(), p))
            .collect();
    let listed: Vec<(String, i32, String, Option<String>)> = fp::table
        .inner_join(fb::table.on(fb::id.eq(fp::feedback_id)))
        .filter(fb::inspected_unit_id.eq(&unit.id))
        .order(fp::position)
        .select((fp::finding_id, fp::position, fp::text, fp::category))
        .load(conn)?;
    let items = views(unit_items(conn, &unit.id)?, &problem_texts(conn, &unit.id)?)?;
    let problems = listed
        .into_iter()
        .map(|(finding_id, position, problem, category)| {
            let of = items.iter().filter(|i| i.finding_id == finding_id);
            let closed = of.clone().filter(|i| i.state == ItemState::Closed).count() as i64;
            let pr = progress.get(&finding_id);
            ProblemLine {
                items: of.count() as i64,
                items_closed: closed,
                rectified: pr.is_some_and(|p| p.rectified_at.is_some()),
                rectified_at: pr.and_then(|p| p.rectified_at.clone()),
                finding_id,
                position,
                problem,
                category,
            }
        })
        .collect();
    let tasks: Vec<TaskLine> = items
        .into_iter()
        .map(|i| TaskLine {
            item_id: i.id,
            finding_id: i.finding_id,
            problem: i.problem,
            task: i.task,
            measure: i.measure,
            responsible_person: i.responsible_person,
            deadline: i.deadline,
            state: i.state,
            overdue: i.overdue,
        })
        .collect();
    let mut responsibilities = tasks.clone();
    responsibilities.sort_by(|a, b| (&a.responsible_person, &a.deadline).cmp(&(&b.responsible_person, &b.deadline)));
    let object_name = unit_views(conn, vec![unit.clone()])?.remove(0).object_name;
    Ok(LedgerView {
        round_id: unit.round_id,
        inspected_unit_id: unit.id,
        object_name,
        problems,
        tasks,
        responsibilities,
    })
}

/// A unit's three lists (the office, the participants, the unit).
pub fn ledger(conn: &mut DbConnection, p: &Principal, unit_id: &InspectedUnitId) -> AppResult<LedgerView> {
    let ctx = unit_ctx(conn, p, unit_id)?;
    build(conn, ctx.unit)
}

const PROBLEM_HEADERS: [&str; 8] =
    ["序号", "被巡察单位", "问题", "问题类别", "整改任务数", "已销号任务数", "是否整改到位", "整改完成时间"];
const TASK_HEADERS: [&str; 9] =
    ["序号", "被巡察单位", "问题", "整改任务", "整改措施", "责任人", "整改时限", "整改状态", "是否逾期"];
const RESPONSIBILITY_HEADERS: [&str; 9] =
    ["序号", "责任人", "被巡察单位", "整改任务", "整改措施", "问题", "整改时限", "整改状态", "是否逾期"];

fn yes_no(b: bool) -> String {
    if b { "是" } else { "否" }.into()
}

/// One list of several units' ledgers as a file.
fn table(list: LedgerList, ledgers: &[LedgerView], format: ExportFormat) -> AppResult<Vec<u8>> {
    let mut rows: Vec<Vec<String>> = Vec::new();
    for l in ledgers {
        match list {
            LedgerList::Problems => rows.extend(l.problems.iter().map(|p| {
                vec![
                    String::new(),
                    l.object_name.clone(),
                    p.problem.clone(),
                    p.category.clone().unwrap_or_default(),
                    p.items.to_string(),
                    p.items_closed.to_string(),
                    yes_no(p.rectified),
                    p.rectified_at.as_deref().map(|t| t.chars().take(10).collect()).unwrap_or_default(),
                ]
            })),
            LedgerList::Tasks => rows.extend(l.tasks.iter().map(|t| {
                vec![
                    String::new(),
                    l.object_name.clone(),
                    t.problem.clone(),
                    t.task.clone(),
                    t.measure.clone(),
                    t.responsible_person.clone(),
                    t.deadline.clone(),
                    t.state.label().into(),
                    yes_no(t.overdue),
                ]
            })),
            LedgerList::Responsibilities => rows.extend(l.responsibilities.iter().map(|t| {
                vec![
                    String::new(),
                    t.responsible_person.clone(),
                    l.object_name.clone(),
                    t.task.clone(),
                    t.measure.clone(),
                    t.problem.clone(),
                    t.deadline.clone(),
                    t.state.label().into(),
                    yes_no(t.overdue),
                ]
            })),
        }
    }
    for (i, r) in rows.iter_mut().enumerate() {
        r[0] = (i + 1).to_string();
    }
    let (headers, numbers): (&[&str], &[usize]) = match list {
        LedgerList::Problems => (&PROBLEM_HEADERS, &[0, 4, 5]),
        LedgerList::Tasks => (&TASK_HEADERS, &[0]),
        LedgerList::Responsibilities => (&RESPONSIBILITY_HEADERS, &[0]),
    };
    Ok(format.write(&Table { headers, rows, number_columns: numbers }, list.label())?)
}

/// One list of a unit's ledger as a file.
pub fn export_unit(
    conn: &mut DbConnection,
    p: &Principal,
    unit_id: &InspectedUnitId,
    list: LedgerList,
    format: ExportFormat,
) -> AppResult<Vec<u8>> {
    let l = ledger(conn, p, unit_id)?;
    table(list, &[l], format)
}

/// One list of every unit's ledger in a round (the office and the participants), at most
/// `max_rows` lines.
pub fn export_round(
    conn: &mut DbConnection,
    p: &Principal,
    round_id: &RoundId,
    list: LedgerList,
    format: ExportFormat,
    max_rows: i64,
) -> AppResult<Vec<u8>> {
    let (r, _) = visible_round(conn, p, round_id)?;
    let units: Vec<InspectedUnitRow> = crate::db::schema::inspected_units::table
        .filter(crate::db::schema::inspected_units::round_id.eq(&r.id))
        .order(crate::db::schema::inspected_units::id)
        .select(InspectedUnitRow::as_select())
        .load(conn)?;
    let mut ledgers = Vec::with_capacity(units.len());
    let mut lines = 0i64;
    for u in units {
        let l = build(conn, u)?;
        lines += match list {
            LedgerList::Problems => l.problems.len(),
            _ => l.tasks.len(),
        } as i64;
        if lines > max_rows {
            return Err(AppError::validation("list", format!("台账超过 {max_rows} 行,请按被巡察单位分别导出")));
        }
        ledgers.push(l);
    }
    table(list, &ledgers, format)
}
