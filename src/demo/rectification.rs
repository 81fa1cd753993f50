//! Demo rectification (issue 11): the feedback with its three signatures, the plans and their
//! review on the 三不过 grounds, the ledger's items moved by their steps, the four-party
//! review, the quantified evaluation and a direct-supervision campaign — on the demo rounds.

use super::days_from_today;
use super::rounds::{ok, DemoRound, DemoUnit, Lifecycle};
use crate::db::DbConnection;
use crate::domain::ids::{AgencyId, ItemId, PlanId, ReviewId};
use crate::domain::inspection::evaluation::{Check, ScoreEntry, Weights};
use crate::domain::inspection::four_party::{ItemVerdict, ReviewParty, VerdictDraft};
use crate::domain::inspection::items::ItemStep;
use crate::domain::inspection::rectification::{PlanVerdict, RejectGround, SignatureParty, TaskDraft};
use crate::policy::Principal;
use crate::service::inspection::direct_supervision::{self, NewCampaign};
use crate::service::inspection::evaluation::{self, results, scores, NewEvaluation};
use crate::service::inspection::rectification::feedback::{self, ProblemInput};
use crate::service::inspection::rectification::{four_party, items, plans};

const MEASURES: &[&str] = &[
    "召开专题民主生活会,逐条对照检视,建立问题、任务、责任清单",
    "全面清理自查,对违规发放款项限期清退,完善审批制度",
    "修订完善内部管理制度,开展专项检查,建立长效机制",
    "组织专题学习培训,压实责任,纳入年度考核",
];
const PERSONS: &[&str] = &["张副局长", "刘科长", "陈主任", "王副书记"];

/// Who acts for the unit: its own account, or the office recording its papers.
fn unit_actor<'a>(l: &'a Lifecycle, unit: &'a DemoUnit) -> &'a Principal {
    unit.account.as_ref().unwrap_or(&l.office)
}

/// The feedback to every unit of the round listing its problems; signed by all three parties
/// when `signed`, else the second unit's head has not signed yet.
pub fn feedback_all(conn: &mut DbConnection, l: &Lifecycle, r: &DemoRound, signed: bool) -> anyhow::Result<()> {
    for (n, (unit, problems)) in r.units.iter().zip(&r.problems).enumerate() {
        let listed: Vec<ProblemInput> =
            problems.iter().map(|f| ProblemInput { finding_id: f.clone(), text: None, category: None }).collect();
        let summary = format!("巡察组向{}党组反馈巡察意见,指出问题 {} 个,提出整改意见。", unit.name, listed.len());
        ok("反馈意见", feedback::issue(conn, &l.office, &unit.id, &summary, &listed))?;
        for (party, name) in [(SignatureParty::TeamLeader, "李组长"), (SignatureParty::OfficeDirector, "赵主任")]
        {
            ok("反馈签字", feedback::sign(conn, &l.office, &unit.id, party, name))?;
        }
        if signed || n == 0 {
            let head =
                ok("反馈签字", feedback::sign(conn, unit_actor(l, unit), &unit.id, SignatureParty::UnitHead, "王书记"));
            head?;
        }
    }
    Ok(())
}

/// The unit's plan: one task per problem, deadlines a month and more ahead.
fn submit_plan(conn: &mut DbConnection, l: &Lifecycle, r: &DemoRound, u: usize) -> anyhow::Result<PlanId> {
    let unit = &r.units[u];
    let tasks: Vec<TaskDraft> = r.problems[u]
        .iter()
        .enumerate()
        .map(|(i, f)| TaskDraft {
            finding_id: f.as_str().to_string(),
            task: format!("整改任务{}", i + 1),
            measure: MEASURES[i % MEASURES.len()].into(),
            responsible_person: PERSONS[i % PERSONS.len()].into(),
            deadline: days_from_today(30 + 15 * i as i64),
        })
        .collect();
    let summary = format!("{}关于巡察反馈意见的整改方案:明确整改方向、任务、措施和责任。", unit.name);
    let plan = ok("整改方案", plans::submit(conn, unit_actor(l, unit), &unit.id, &summary, tasks))?;
    Ok(PlanId::from_stored(plan.id))
}

fn approve(conn: &mut DbConnection, l: &Lifecycle, plan: &PlanId) -> anyhow::Result<()> {
    for reviewer in ["jiwei", "zuzhibu"] {
        let p = l.hub.liaison(reviewer);
        ok("方案审核", plans::review(conn, &p, plan, PlanVerdict::Approve, &[], "同意该整改方案。"))?;
    }
    Ok(())
}

fn item_ids(conn: &mut DbConnection, l: &Lifecycle, unit: &DemoUnit) -> anyhow::Result<Vec<ItemId>> {
    let items = ok("整改事项", items::list(conn, &l.office, &unit.id, None))?;
    Ok(items.into_iter().map(|i| ItemId::from_stored(i.id)).collect())
}

/// Submitted by the unit, then closed by 对账销号.
fn close(conn: &mut DbConnection, l: &Lifecycle, unit: &DemoUnit, ids: &[ItemId]) -> anyhow::Result<()> {
    let submitted =
        items::step_many(conn, unit_actor(l, unit), &unit.id, ItemStep::Submit, "已完成整改,附佐证材料。", ids);
    ok("申请销号", submitted)?;
    ok("对账销号", items::step_many(conn, &l.office, &unit.id, ItemStep::Close, "经核查,予以销号。", ids))?;
    Ok(())
}

/// The closed round: every plan approved, every item closed, the four-party review
/// concluded and the quantified evaluation final.
pub fn finish(conn: &mut DbConnection, l: &Lifecycle, r: &DemoRound) -> anyhow::Result<()> {
    for (u, unit) in r.units.iter().enumerate() {
        let plan = submit_plan(conn, l, r, u)?;
        approve(conn, l, &plan)?;
        let ids = item_ids(conn, l, unit)?;
        close(conn, l, unit, &ids)?;
        let review = ok("四方会审", four_party::open(conn, &l.office, &unit.id))?;
        let review = ReviewId::from_stored(review.id);
        let verdicts: Vec<VerdictDraft> = ids
            .iter()
            .map(|i| VerdictDraft { item_id: i.as_str().into(), verdict: ItemVerdict::Pass, opinion: String::new() })
            .collect();
        for (party, who, signer) in [
            (ReviewParty::InspectionOffice, l.office.clone(), "赵主任"),
            (ReviewParty::Team, l.office.clone(), "李组长"),
            (ReviewParty::Discipline, l.hub.liaison("jiwei"), "孙主任"),
            (ReviewParty::Organization, l.hub.liaison("zuzhibu"), "钱处长"),
        ] {
            ok("会审意见", four_party::record(conn, &who, &review, party, signer, &verdicts))?;
        }
        ok("会审结论", four_party::conclude(conn, &l.office, &review))?;
    }
    evaluate(conn, l, r)
}

/// 量化评估 of the round's units by the office and 纪委监委, finalised.
fn evaluate(conn: &mut DbConnection, l: &Lifecycle, r: &DemoRound) -> anyhow::Result<()> {
    let jiwei = l.hub.liaison("jiwei");
    let n = NewEvaluation {
        name: "七届市委第十轮巡察整改成效量化评估".into(),
        weights: Weights::equal(),
        evaluator_agency_ids: vec![
            AgencyId::from_stored(l.office.agency_id.clone()),
            AgencyId::from_stored(jiwei.agency_id.clone()),
        ],
        inspected_unit_ids: r.units.iter().map(|u| u.id.clone()).collect(),
    };
    let e = ok("量化评估", evaluation::create(conn, &l.office, &r.id, &n))?;
    let id = crate::domain::ids::EvaluationId::from_stored(e.id);
    for (k, who) in [&l.office, &jiwei].into_iter().enumerate() {
        for (u, unit) in r.units.iter().enumerate() {
            let entries: Vec<ScoreEntry> = Check::ALL
                .iter()
                .enumerate()
                .map(|(c, check)| ScoreEntry {
                    check: *check,
                    score: 95 - ((u * 7 + c * 3 + k * 2) % 17) as i64,
                    note: String::new(),
                })
                .collect();
            ok("评分", scores::submit(conn, who, &id, &unit.id, &entries))?;
        }
    }
    ok("确定评估结果", results::finalise(conn, &l.office, &id, None))?;
    Ok(())
}

/// The round in rectification: 市教育局's plan approved with items closed, one awaiting
/// 对账销号 and the rest in hand; the second unit's plan rejected on 三不过 grounds; the
/// third's awaiting review; and the month's direct-supervision campaign over all three.
pub fn in_progress(conn: &mut DbConnection, l: &Lifecycle, r: &DemoRound) -> anyhow::Result<()> {
    let first = &r.units[0];
    let plan = submit_plan(conn, l, r, 0)?;
    approve(conn, l, &plan)?;
    let ids = item_ids(conn, l, first)?;
    close(conn, l, first, &ids[..2])?;
    let submitted =
        items::step_many(conn, unit_actor(l, first), &first.id, ItemStep::Submit, "已完成整改。", &ids[2..3]);
    ok("申请销号", submitted)?;
    ok("整改进展", items::add_note(conn, unit_actor(l, first), &ids[3], "已完成自查,正在清退违规款项。"))?;

    let rejected = submit_plan(conn, l, r, 1)?;
    let grounds = [RejectGround::MeasuresVague, RejectGround::TasksMissing];
    let opinion = "整改措施笼统,缺少时限和量化要求;部分问题未列入整改任务,请修改后重新报送。";
    ok("方案审核", plans::review(conn, &l.hub.liaison("jiwei"), &rejected, PlanVerdict::Reject, &grounds, opinion))?;
    submit_plan(conn, l, r, 2)?;

    let campaign = NewCampaign {
        name: "七届市委第十一轮巡察巡后直督".into(),
        window_start: days_from_today(-10),
        window_end: days_from_today(20),
        team_agency_ids: ["jiwei", "zuzhibu", "duchaju"]
            .iter()
            .map(|c| AgencyId::from_stored(l.hub.agency(c)))
            .collect(),
        team_ids: r.teams[..1].to_vec(),
        inspected_unit_ids: r.units.iter().map(|u| u.id.clone()).collect(),
    };
    ok("巡后直督", direct_supervision::create(conn, &l.office, &r.id, &campaign))?;
    Ok(())
}
