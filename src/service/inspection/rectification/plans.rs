//! The rectification plan (整改方案): submitted by the unit after its feedback's receipt is
//! complete, one attempt at a time; reviewed by the round's discipline commission and
//! organisation department (三不过). Any rejection rejects the attempt; once every reviewer has
//! approved, the plan is accepted and its tasks become the ledger's items, in one transaction.

use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::db::schema::rectification_plans as pl;
use crate::db::schema::{rectification_items, rectification_plan_reviews as pr, rectification_plan_tasks as pt};
use crate::db::DbConnection;
use crate::domain::event::EventType;
use crate::domain::ids::{InspectedUnitId, PlanId};
use crate::domain::inspection::items::ItemState;
use crate::domain::inspection::rectification::{
    plan_decision, PlanDraft, PlanReviewDraft, PlanState, PlanVerdict, RejectGround, TaskDraft,
};
use crate::domain::inspection::RoundStage;
use crate::domain::new_id;
use crate::error::{AppError, AppResult};
use crate::policy::rectification::{self as rules, ReviewerKind};
use crate::policy::Principal;
use crate::store::log::{write_tx, Actor, Log};

use super::{ctx_of, feedback, reviewers, stored, unit_ctx, ItemRow, UnitCtx};

/// The message for a plan the caller may not see (or that does not exist).
pub const PLAN_NOT_FOUND: &str = "整改方案不存在或无权查看";

/// One task of a plan.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, Queryable, Selectable)]
#[diesel(table_name = pt)]
pub struct TaskView {
    pub id: String,
    /// The problem of the feedback the task rectifies.
    pub finding_id: String,
    pub position: i32,
    pub task: String,
    pub measure: String,
    pub responsible_person: String,
    /// YYYY-MM-DD
    pub deadline: String,
}

/// One reviewing agency's verdict on a plan.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlanReviewView {
    pub agency_id: String,
    pub verdict: PlanVerdict,
    /// The 三不过 grounds of a rejection.
    pub grounds: Vec<RejectGround>,
    pub opinion: String,
    pub reviewed_at: String,
}

/// One attempt of a unit's rectification plan, with its tasks and verdicts.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlanView {
    pub id: String,
    pub round_id: String,
    pub inspected_unit_id: String,
    /// 1 for the first plan, then one more for each resubmission.
    pub attempt: i32,
    pub summary: String,
    pub state: PlanState,
    pub tasks: Vec<TaskView>,
    pub reviews: Vec<PlanReviewView>,
    pub submitted_at: String,
    pub decided_at: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = pl)]
struct PlanRow {
    id: String,
    round_id: String,
    inspected_unit_id: String,
    attempt: i32,
    summary: String,
    state: String,
    submitted_at: String,
    decided_at: Option<String>,
}

fn view(conn: &mut DbConnection, r: PlanRow) -> AppResult<PlanView> {
    let tasks: Vec<TaskView> =
        pt::table.filter(pt::plan_id.eq(&r.id)).order(pt::position).select(TaskView::as_select()).load(conn)?;
    let rows: Vec<(String, String, String, String, String)> = pr::table
        .filter(pr::plan_id.eq(&r.id))
        .order(pr::reviewed_at)
        .select((pr::agency_id, pr::verdict, pr::grounds, pr::opinion, pr::reviewed_at))
        .load(conn)?;
    let mut reviews = Vec::with_capacity(rows.len());
    for (agency_id, verdict, grounds, opinion, reviewed_at) in rows {
        let names: Vec<String> = serde_json::from_str(&grounds).map_err(anyhow::Error::from)?;
        let grounds = names.iter().map(|g| stored("三不过情形", g, RejectGround::parse)).collect::<AppResult<_>>()?;
        reviews.push(PlanReviewView {
            agency_id,
            verdict: stored("审核意见", &verdict, PlanVerdict::parse)?,
            grounds,
            opinion,
            reviewed_at,
        });
    }
    Ok(PlanView {
        state: stored("整改方案状态", &r.state, PlanState::parse)?,
        id: r.id,
        round_id: r.round_id,
        inspected_unit_id: r.inspected_unit_id,
        attempt: r.attempt,
        summary: r.summary,
        tasks,
        reviews,
        submitted_at: r.submitted_at,
        decided_at: r.decided_at,
    })
}

fn unit_plans(conn: &mut DbConnection, unit_id: &str) -> QueryResult<Vec<PlanRow>> {
    pl::table
        .filter(pl::inspected_unit_id.eq(unit_id))
        .order(pl::attempt.desc())
        .select(PlanRow::as_select())
        .load(conn)
}

/// The unit's plans, newest attempt first (the office, the participants, the unit).
pub fn list(conn: &mut DbConnection, p: &Principal, unit_id: &InspectedUnitId) -> AppResult<Vec<PlanView>> {
    let ctx = unit_ctx(conn, p, unit_id)?;
    unit_plans(conn, &ctx.unit.id)?.into_iter().map(|r| view(conn, r)).collect()
}

fn load_plan(conn: &mut DbConnection, p: &Principal, id: &str) -> AppResult<(PlanRow, UnitCtx)> {
    let r: PlanRow = pl::table
        .find(id)
        .select(PlanRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(PLAN_NOT_FOUND.into()))?;
    let ctx = ctx_of(conn, p, &r.inspected_unit_id, PLAN_NOT_FOUND)?;
    Ok((r, ctx))
}

/// One plan attempt.
pub fn show(conn: &mut DbConnection, p: &Principal, id: &PlanId) -> AppResult<PlanView> {
    let (r, _) = load_plan(conn, p, id)?;
    view(conn, r)
}

/// The unit submits a plan (stage `rectification`, receipt complete, no attempt pending or
/// accepted); every problem of its feedback needs a task. The reviewers are told.
pub fn submit(
    conn: &mut DbConnection,
    p: &Principal,
    unit_id: &InspectedUnitId,
    summary: &str,
    tasks: Vec<TaskDraft>,
) -> AppResult<PlanView> {
    let id = write_tx(conn, |conn, log| {
        let ctx = unit_ctx(conn, p, unit_id)?;
        ctx.require_unit(p)?;
        let draft = PlanDraft::parse(summary, tasks, &crate::domain::clock::today()).map_err(AppError::Validation)?;
        ctx.require_stage(&[RoundStage::Rectification], "提交整改方案")?;
        let fb = feedback::load(conn, &ctx.unit.id)?
            .ok_or_else(|| AppError::Conflict("尚未收到反馈意见,不能提交整改方案".into()))?;
        if !fb.receipt_complete {
            return Err(AppError::Conflict("反馈意见尚未完成三方签字背书,不能提交整改方案".into()));
        }
        let earlier = unit_plans(conn, &ctx.unit.id)?;
        if let Some(busy) = earlier.iter().find(|r| r.state != PlanState::Rejected.as_str()) {
            return Err(AppError::Conflict(if busy.state == PlanState::Accepted.as_str() {
                "整改方案已通过审核,不能再次提交".into()
            } else {
                "上一稿整改方案正在审核中,审核结论出来后才能再次提交".into()
            }));
        }
        let revs = reviewers(conn, &ctx.participants)?;
        if !both_kinds(&revs) {
            return Err(AppError::Conflict("本轮巡察尚未确定参与审核的纪委监委和组织部,暂不能提交整改方案".into()));
        }
        let problems: Vec<String> = fb.problems.iter().map(|pr| pr.finding_id.clone()).collect();
        let errs = draft.check_coverage(&problems);
        if !errs.is_empty() {
            return Err(AppError::Validation(errs));
        }
        let id = new_id();
        let attempt = earlier.first().map_or(1, |r| r.attempt + 1);
        diesel::insert_into(pl::table)
            .values((
                pl::id.eq(&id),
                pl::round_id.eq(&ctx.round.id),
                pl::inspected_unit_id.eq(&ctx.unit.id),
                pl::feedback_id.eq(&fb.id),
                pl::attempt.eq(attempt),
                pl::summary.eq(&draft.summary),
                pl::state.eq(PlanState::Submitted.as_str()),
                pl::submitted_by.eq(p.actor_id()),
                pl::submitted_at.eq(log.at()),
            ))
            .execute(conn)?;
        for (i, t) in draft.tasks.iter().enumerate() {
            diesel::insert_into(pt::table)
                .values((
                    pt::id.eq(new_id()),
                    pt::plan_id.eq(&id),
                    pt::finding_id.eq(&t.finding_id),
                    pt::position.eq(i as i32 + 1),
                    pt::task.eq(&t.task),
                    pt::measure.eq(&t.measure),
                    pt::responsible_person.eq(&t.responsible_person),
                    pt::deadline.eq(&t.deadline),
                ))
                .execute(conn)?;
        }
        let payload = json!({"plan_id": id, "inspected_unit_id": ctx.unit.id, "attempt": attempt});
        for target in revs.iter().map(|(a, _)| a.as_str()).chain([ctx.round.owner_agency_id.as_str()]) {
            log.event(
                conn,
                EventType::RectificationPlanSubmitted,
                None,
                Some(target),
                Some(&p.agency_id),
                payload.clone(),
            )?;
        }
        log.audit(
            &Actor::from(p),
            "rectification_plan.submit",
            "rectification_plan",
            Some(&id),
            None,
            json!({"inspected_unit_id": ctx.unit.id, "attempt": attempt, "tasks": draft.tasks.len()}),
        );
        Ok(id)
    })?;
    show(conn, p, &PlanId::from_stored(id))
}

fn both_kinds(revs: &[(String, ReviewerKind)]) -> bool {
    [ReviewerKind::Discipline, ReviewerKind::Organization].iter().all(|k| revs.iter().any(|(_, r)| r == k))
}

/// A reviewing agency's verdict on a submitted plan (once per agency and attempt). A
/// rejection rejects the attempt; the last approval accepts it and writes the ledger.
pub fn review(
    conn: &mut DbConnection,
    p: &Principal,
    id: &PlanId,
    verdict: PlanVerdict,
    grounds: &[RejectGround],
    opinion: &str,
) -> AppResult<PlanView> {
    write_tx(conn, |conn, log| {
        let (plan, ctx) = load_plan(conn, p, id)?;
        rules::require_plan_reviewer(p, ctx.who)?;
        let draft = PlanReviewDraft::parse(verdict, grounds, opinion).map_err(AppError::Validation)?;
        if plan.state != PlanState::Submitted.as_str() {
            return Err(AppError::Conflict("该稿整改方案已有审核结论".into()));
        }
        let done: i64 = pr::table
            .filter(pr::plan_id.eq(&plan.id))
            .filter(pr::agency_id.eq(&p.agency_id))
            .count()
            .get_result(conn)?;
        if done > 0 {
            return Err(AppError::Conflict("本单位已审核过该稿整改方案".into()));
        }
        let grounds: Vec<&str> = draft.grounds.iter().map(|g| g.as_str()).collect();
        diesel::insert_into(pr::table)
            .values((
                pr::plan_id.eq(&plan.id),
                pr::agency_id.eq(&p.agency_id),
                pr::verdict.eq(draft.verdict.as_str()),
                pr::grounds.eq(serde_json::to_string(&grounds).map_err(anyhow::Error::from)?),
                pr::opinion.eq(&draft.opinion),
                pr::reviewed_by.eq(p.actor_id()),
                pr::reviewed_at.eq(log.at()),
            ))
            .execute(conn)?;
        log.audit(
            &Actor::from(p),
            "rectification_plan.review",
            "rectification_plan",
            Some(&plan.id),
            None,
            json!({"verdict": draft.verdict.as_str(), "grounds": grounds}),
        );
        let revs = reviewers(conn, &ctx.participants)?;
        let verdicts: Vec<(String, String)> =
            pr::table.filter(pr::plan_id.eq(&plan.id)).select((pr::agency_id, pr::verdict)).load(conn)?;
        let verdicts: Vec<(String, PlanVerdict)> = verdicts
            .into_iter()
            .map(|(a, v)| Ok((a, stored("审核意见", &v, PlanVerdict::parse)?)))
            .collect::<AppResult<_>>()?;
        let ids: Vec<String> = revs.iter().map(|(a, _)| a.clone()).collect();
        if let Some(state) = plan_decision(&ids, both_kinds(&revs), &verdicts) {
            decide(conn, log, p, &plan, &ctx, state)?;
        }
        Ok(())
    })?;
    show(conn, p, id)
}

/// Records the plan's decision; an accepted plan's tasks become ledger items (in progress).
fn decide(
    conn: &mut DbConnection,
    log: &mut Log,
    p: &Principal,
    plan: &PlanRow,
    ctx: &UnitCtx,
    state: PlanState,
) -> AppResult<()> {
    diesel::update(pl::table.find(&plan.id))
        .set((pl::state.eq(state.as_str()), pl::decided_at.eq(log.at())))
        .execute(conn)?;
    let mut items = 0;
    if state == PlanState::Accepted {
        let tasks: Vec<TaskView> =
            pt::table.filter(pt::plan_id.eq(&plan.id)).order(pt::position).select(TaskView::as_select()).load(conn)?;
        let rows: Vec<ItemRow> = tasks
            .into_iter()
            .map(|t| ItemRow {
                id: new_id(),
                round_id: plan.round_id.clone(),
                inspected_unit_id: plan.inspected_unit_id.clone(),
                plan_id: plan.id.clone(),
                finding_id: t.finding_id,
                task: t.task,
                measure: t.measure,
                responsible_person: t.responsible_person,
                deadline: t.deadline,
                state: ItemState::InProgress.as_str().into(),
                closed_at: None,
                version: 1,
                created_at: log.at().into(),
                updated_at: log.at().into(),
            })
            .collect();
        items = rows.len();
        for chunk in rows.chunks(crate::store::INSERT_CHUNK) {
            crate::insert_batch!(conn, rectification_items::table, chunk)?;
        }
    }
    let payload = json!({"plan_id": plan.id, "inspected_unit_id": plan.inspected_unit_id, "state": state.as_str()});
    let targets = ctx.unit.account_agency_id.iter().map(String::as_str).chain([ctx.round.owner_agency_id.as_str()]);
    for target in targets {
        log.event(conn, EventType::RectificationPlanDecided, None, Some(target), Some(&p.agency_id), payload.clone())?;
    }
    log.audit(
        &Actor::from(p),
        "rectification_plan.decide",
        "rectification_plan",
        Some(&plan.id),
        None,
        json!({"state": state.as_str(), "items": items}),
    );
    Ok(())
}
