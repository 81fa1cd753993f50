//! The units' subscriptions (made before anything is published, so the real fan-out fills
//! their inboxes), and three deliberations (会商) on transferred clues with minutes,
//! conclusions and assignments (交办): one urged (督办), some completed — through
//! `service::subscriptions` and `service::deliberations`, as a liaison would.

use super::transfers::{End, Sent};
use super::Hub;
use crate::db::DbConnection;
use crate::domain::deliberation::DeliberationDraft;
use crate::domain::ids::{AgencyId, AssignmentId, DeliberationId, RecordId};
use crate::domain::subscription::Criteria;
use crate::error::AppResult;
use crate::service::deliberations as d;
use crate::service::subscriptions::{self, Subscription};
use crate::store::log::{Actor, Log};

fn list(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Subscriptions of several units (categories by their Chinese names, as the service
/// stores them).
pub fn subscriptions(conn: &mut DbConnection, log: &mut Log, hub: &Hub) -> AppResult<()> {
    let plan: [(&str, &str, Criteria); 7] = [
        (
            "jiwei",
            "廉洁纪律与八项规定问题",
            Criteria {
                kinds: list(&["clue", "petition", "audit_report"]),
                categories: list(&["廉洁纪律", "中央八项规定精神"]),
                ..Default::default()
            },
        ),
        (
            "zuzhibu",
            "选人用人与党的建设",
            Criteria {
                categories: list(&["组织纪律", "党的建设缺失", "党的领导弱化"]), ..Default::default()
            },
        ),
        (
            "xunchaban",
            "审计与督查发现",
            Criteria { kinds: list(&["audit_report", "special_check"]), ..Default::default() },
        ),
        ("shenjiju", "巡察移交线索(巡审联动)", Criteria { tags: list(&["巡察移交"]), ..Default::default() }),
        (
            "duchaju",
            "通报与纪检监察建议",
            Criteria { kinds: list(&["notice", "recommendation"]), ..Default::default() },
        ),
        (
            "yc_jiwei",
            "区委巡察办移交与反馈",
            Criteria { source_agency_ids: vec![hub.agency("yc_xunchaban")], ..Default::default() },
        ),
        ("caizhengju", "财政资金相关审计", Criteria { kinds: list(&["audit_report"]), ..Default::default() }),
    ];
    for (code, name, criteria) in plan {
        let p = hub.liaison(code);
        let s = Subscription {
            id: crate::domain::new_id(),
            agency_id: p.agency_id.clone(),
            user_id: p.user_id.clone(),
            name: name.to_string(),
            criteria,
            created_at: crate::domain::now(),
        };
        subscriptions::insert(conn, log, &Actor::from(&p), &s, 100)?;
    }
    Ok(())
}

/// The clue of the `nth` transfer from `from` to `to` in progress.
fn clue(sent: &[Sent], from: &str, to: &str, nth: usize) -> RecordId {
    let t = sent
        .iter()
        .filter(|t| t.from == from && t.to == to && matches!(t.end, End::InProgress))
        .nth(nth)
        .expect("the plan has the transfer");
    RecordId::from_stored(t.record_id.clone())
}

/// Opens a deliberation with its participants; returns its id.
fn open(
    conn: &mut DbConnection,
    hub: &Hub,
    by: &str,
    record: RecordId,
    title: &str,
    with: &[&str],
    minutes: &str,
) -> AppResult<DeliberationId> {
    let draft = DeliberationDraft {
        record_id: record,
        title: title.into(),
        agency_ids: with.iter().map(|c| AgencyId::from_stored(hub.agency(c))).collect(),
        minutes: minutes.into(),
    };
    Ok(DeliberationId::from_stored(d::open(conn, &hub.liaison(by), &draft)?.id))
}

fn assign(
    conn: &mut DbConnection,
    hub: &Hub,
    by: &str,
    id: &DeliberationId,
    to: &str,
    task: &str,
    days: i64,
) -> AppResult<AssignmentId> {
    let a = d::assign(
        conn,
        &hub.liaison(by),
        id,
        &AgencyId::from_stored(hub.agency(to)),
        task,
        &super::days_from_today(days),
    )?;
    Ok(AssignmentId::from_stored(a.id))
}

/// Three deliberations: a four-party review (四方会审) convened by the inspection office,
/// concluded, with one assignment urged and one completed; an open one of the discipline
/// commission with the police and the procuratorate; and one of the audit bureau, concluded
/// and all its tasks done.
pub fn deliberate(conn: &mut DbConnection, hub: &Hub, sent: &[Sent]) -> AppResult<()> {
    let four = open(
        conn,
        hub,
        "xunchaban",
        clue(sent, "xunchaban", "jiwei", 0),
        "四方会审:巡察移交线索办理情况会商",
        &["jiwei", "zuzhibu", "shenjiju"],
        "会商时间:本月上旬。参加单位:市委巡察办、市纪委监委、市委组织部、市审计局。\n巡察办通报了线索移交及被巡察单位整改情况。",
    )?;
    d::add_minutes(conn, &hub.liaison("jiwei"), &four, "市纪委监委:线索已开始初步核实,已调取相关财务凭证。")?;
    d::add_minutes(
        conn,
        &hub.liaison("shenjiju"),
        &four,
        "市审计局:可提供该单位近三年预算执行审计底稿,配合核查资金去向。",
    )?;
    let a1 = assign(conn, hub, "xunchaban", &four, "jiwei", "完成线索初步核实,形成核实报告报市委巡察办", 25)?;
    let a2 = assign(conn, hub, "xunchaban", &four, "zuzhibu", "核查被巡察单位近三年选人用人情况,提出组织处理意见", 2)?;
    let a3 = assign(conn, hub, "xunchaban", &four, "shenjiju", "提供相关项目审计底稿及资金流向分析", 10)?;
    d::urge(conn, &hub.liaison("xunchaban"), &a2, "该任务即将到期,请抓紧办理并按期反馈")?;
    d::complete(conn, &hub.liaison("shenjiju"), &a3, "审计底稿及资金流向分析已移送市纪委监委、市委巡察办")?;
    d::conclude(
        conn,
        &hub.liaison("xunchaban"),
        &four,
        "线索由市纪委监委牵头核实,市委组织部同步核查选人用人问题,市审计局提供资金线索支持;一个月后再次会商。",
    )?;
    let _ = a1;

    let jw = open(
        conn,
        hub,
        "jiwei",
        clue(sent, "xunchaban", "jiwei", 1),
        "涉嫌职务犯罪线索协同会商",
        &["gonganju", "jianchayuan"],
        "市纪委监委通报了线索初核进展,提请公安、检察机关就涉嫌犯罪问题的证据收集提前介入。",
    )?;
    assign(conn, hub, "jiwei", &jw, "gonganju", "协助查询涉案人员资金往来及车辆、房产信息", 15)?;
    assign(conn, hub, "jiwei", &jw, "jianchayuan", "就证据收集和案件定性提出意见", 30)?;

    let sj = open(
        conn,
        hub,
        "shenjiju",
        clue(sent, "shenjiju", "jiwei", 0),
        "巡审联动:专项资金挪用问题会商",
        &["caizhengju", "xunchaban"],
        "市审计局通报了专项资金挪用问题的审计发现。",
    )?;
    let c1 = assign(conn, hub, "shenjiju", &sj, "caizhengju", "暂停拨付该单位剩余专项资金,核对资金账户", 7)?;
    let c2 = assign(conn, hub, "shenjiju", &sj, "xunchaban", "将该问题纳入下一轮巡察重点", 20)?;
    d::complete(conn, &hub.liaison("caizhengju"), &c1, "已暂停拨付剩余资金286万元,资金账户核对完毕")?;
    d::complete(conn, &hub.liaison("xunchaban"), &c2, "已纳入七届市委第十四轮巡察工作方案")?;
    d::conclude(conn, &hub.liaison("shenjiju"), &sj, "问题线索已移交市纪委监委,财政部门追回被挪用资金,巡察跟进监督。")?;
    Ok(())
}
