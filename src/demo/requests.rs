//! Demo preparation (issue 11): the talent pool recommended by member units, the round's
//! pre-inspection request (巡前函询) half answered, and 组织部's integrity request
//! (党风廉政意见回复) to 纪委监委 — through the service layer.

use diesel::prelude::*;

use super::days_from_today;
use super::rounds::{ok, DemoRound, Lifecycle};
use crate::db::schema::subject_objects;
use crate::db::DbConnection;
use crate::domain::ids::{InfoRequestId, TalentId};
use crate::domain::inspection::requests::{AnswerDraft, Finding, RequestDraft, RequestKind};
use crate::domain::inspection::talent::{TalentDraft, TeamPosition};
use crate::service::info_requests;
use crate::service::inspection::talents;

/// Thirty people recommended by five member units, of every eligibility.
pub fn talent_pool(conn: &mut DbConnection, l: &Lifecycle) -> anyhow::Result<Vec<TalentId>> {
    const NAMES: &[&str] = &[
        "王建国",
        "李志强",
        "张海燕",
        "刘伟",
        "陈静",
        "杨帆",
        "赵磊",
        "黄丽",
        "周涛",
        "吴敏",
        "徐峰",
        "孙红",
        "胡斌",
        "朱琳",
        "高翔",
        "林芳",
        "何军",
        "郭婷",
        "马超",
        "罗娟",
        "梁勇",
        "宋佳",
        "郑凯",
        "谢萍",
        "韩冰",
        "唐亮",
        "冯雪",
        "于洋",
        "董蕾",
        "萧然",
    ];
    const SKILLS: &[&[&str]] = &[
        &["财务审计", "工程建设"],
        &["纪检监察", "案件审理"],
        &["组织人事", "干部选任"],
        &["财务审计", "政府采购"],
        &["信访处理", "基层治理"],
    ];
    let units = ["jiwei", "zuzhibu", "shenjiju", "caizhengju", "xinfangju"];
    let mut ids = Vec::new();
    for (i, name) in NAMES.iter().enumerate() {
        let code = units[i % units.len()];
        let eligible = match i % 6 {
            0 => vec![TeamPosition::Leader, TeamPosition::Deputy],
            1 | 2 => vec![TeamPosition::Deputy, TeamPosition::Staff],
            _ => vec![TeamPosition::Staff],
        };
        let d = TalentDraft {
            name: name.to_string(),
            work_unit_object_id: None,
            work_unit_name: Some(l.hub.name_of(code)),
            position: ["副主任", "科长", "副科长", "一级主任科员", "四级主任科员"][i % 5].into(),
            expertise: SKILLS[i % SKILLS.len()].iter().map(|s| s.to_string()).collect(),
            eligible,
            postings: vec![],
            relations: vec![],
            active: true,
        };
        let v = ok("人才库推荐", talents::create(conn, &l.hub.liaison(code), &d))?;
        ids.push(TalentId::from_stored(v.id));
    }
    Ok(ids)
}

/// 巡前函询 to four member units about every unit of the round; two have answered.
pub fn pre_inspection_request(conn: &mut DbConnection, l: &Lifecycle, r: &DemoRound) -> anyhow::Result<()> {
    let targets = ["jiwei", "zuzhibu", "xinfangju", "shenjiju"];
    let draft = RequestDraft {
        kind: RequestKind::PreInspection,
        title: "关于七届市委第十四轮机动巡察被巡察单位有关情况的函询".into(),
        note: "请提供被巡察单位及其领导班子成员的问题线索、信访举报、审计发现等情况。".into(),
        deadline: days_from_today(14),
        round_id: Some(r.id.as_str().to_string()),
        target_agency_ids: targets.iter().map(|c| l.hub.agency(c)).collect(),
        subject_object_ids: vec![],
    };
    let v = ok("巡前函询", info_requests::create::create(conn, &l.office, &draft))?;
    let id = InfoRequestId::from_stored(v.id);
    let subjects = ok("函询对象", info_requests::subject_ids(conn, id.as_str()).map_err(Into::into))?;
    for (code, finding) in [("xinfangju", Finding::NoneHeld), ("shenjiju", Finding::NoneHeld)] {
        let answers: Vec<AnswerDraft> = subjects
            .iter()
            .map(|s| AnswerDraft {
                subject_object_id: s.clone(),
                finding,
                note: "经查,本单位未掌握相关情况。".into(),
                record_ids: vec![],
            })
            .collect();
        ok("函询答复", info_requests::answers::answer(conn, &l.hub.liaison(code), &id, &answers))?;
    }
    Ok(())
}

/// 党风廉政意见回复: 组织部 asks 纪委监委 about three cadres before a promotion; one answered.
pub fn integrity_request(conn: &mut DbConnection, l: &Lifecycle) -> anyhow::Result<()> {
    let persons: Vec<String> = subject_objects::table
        .filter(subject_objects::kind.eq("person"))
        .order(subject_objects::name)
        .select(subject_objects::id)
        .limit(3)
        .load(conn)?;
    let draft = RequestDraft {
        kind: RequestKind::Integrity,
        title: "关于拟提拔干部党风廉政情况的征求意见函".into(),
        note: "拟提拔使用,请回复有关党风廉政情况。".into(),
        deadline: days_from_today(7),
        round_id: None,
        target_agency_ids: vec![l.hub.agency("jiwei")],
        subject_object_ids: persons.clone(),
    };
    let v = ok("廉政意见函询", info_requests::create::create(conn, &l.hub.liaison("zuzhibu"), &draft))?;
    let answer = AnswerDraft {
        subject_object_id: persons[0].clone(),
        finding: Finding::NoProblem,
        note: "经查,未发现该同志有违反党风廉政建设规定的问题。".into(),
        record_ids: vec![],
    };
    let id = InfoRequestId::from_stored(v.id);
    ok("廉政意见回复", info_requests::answers::answer(conn, &l.hub.liaison("jiwei"), &id, &[answer]))?;
    Ok(())
}
