//! Demo data (`guantong serve --demo`, `guantong demo`): the member units of a city
//! joint-meeting (联席会议) and a few county units, a liaison and an agency-admin login per
//! unit, sharing groups, an agreement, supervision objects and records. Idempotent: skipped when already loaded.

use std::collections::BTreeMap;

use crate::db::DbPool;
use crate::domain::ids::{AgencyId, GroupId, TransferId};
use crate::domain::record::{Distribution, DistributionLevel, RecordContent, RecordKind, Sensitivity};
use crate::domain::transfer::NewTransfer;
use crate::domain::transfer::{Command, Outcome, Sanctions};
use crate::domain::{new_id, now, Role};
use crate::error::AppError;
use crate::policy::Principal;
use crate::service::agencies::Agency;
use crate::service::agreements::AgreementView;
use crate::service::objects::SubjectObject;
use crate::service::records::WriteContext;
use crate::service::users::UserRow;
use crate::service::{self};
use crate::store::log::{write_tx, Actor};

pub const DEMO_PASSWORD: &str = "Guantong@2026";

/// (code, name, kind, level)
pub const AGENCIES: &[(&str, &str, &str, &str)] = &[
    ("xunchaban", "市委巡察办", "inspection", "city"),
    ("jiwei", "市纪委监委", "discipline", "city"),
    ("zuzhibu", "市委组织部", "organization", "city"),
    ("xuanchuanbu", "市委宣传部", "publicity", "city"),
    ("zhengfawei", "市委政法委", "political_legal", "city"),
    ("bianban", "市委编办", "establishment", "city"),
    ("fayuan", "市中级人民法院", "court", "city"),
    ("jianchayuan", "市人民检察院", "procuratorate", "city"),
    ("gonganju", "市公安局", "police", "city"),
    ("caizhengju", "市财政局", "finance", "city"),
    ("shenjiju", "市审计局", "audit", "city"),
    ("xinfangju", "市信访局", "petition", "city"),
    ("duchaju", "市委市政府督查局", "supervision_office", "city"),
    ("yc_jiwei", "源汇区纪委监委", "discipline", "county"),
    ("yc_xunchaban", "源汇区委巡察办", "inspection", "county"),
    ("wy_jiwei", "舞阳县纪委监委", "discipline", "county"),
];

pub struct DemoLogin {
    pub agency: String,
    pub username: String,
    /// 联络员 or 单位管理员 (the unit's admin issues its API keys and sets its webhooks).
    pub role: &'static str,
}

/// Loads the demo data unless present; returns the logins (all with `DEMO_PASSWORD`).
pub fn load(pool: &DbPool) -> anyhow::Result<Vec<DemoLogin>> {
    let mut conn = pool.get()?;
    let hash = crate::auth::hash_password(DEMO_PASSWORD)?;
    let logins: Vec<DemoLogin> = AGENCIES
        .iter()
        .flat_map(|(code, name, _, _)| {
            [
                DemoLogin { agency: name.to_string(), username: format!("{code}_liaison"), role: "联络员" },
                DemoLogin { agency: name.to_string(), username: format!("{code}_admin"), role: "单位管理员" },
            ]
        })
        .collect();
    if service::agencies::by_code(&mut conn, "jiwei")?.is_some() {
        return Ok(logins);
    }
    let demo_ids = write_tx(&mut conn, |conn, log| {
        let sys = Actor::default();
        let mut ids = BTreeMap::new();
        for (code, name, kind, level) in AGENCIES {
            let code: String = code.to_string();
            let a = Agency { id: new_id(), code: code.clone(), name: name.to_string(), kind: kind.to_string(), level: level.to_string(), parent_id: None, active: true, created_at: now() };
            service::agencies::insert(conn, log, &sys, &a)?;
            ids.insert(code.clone(), a.id.clone());
            let roles = if code == "xunchaban" { vec![Role::Liaison, Role::AgencyAdmin, Role::Reviewer] } else { vec![Role::Liaison] };
            let u = UserRow {
                id: new_id(),
                username: format!("{code}_liaison"),
                display_name: format!("{name}联络员"),
                password_hash: hash.clone(),
                agency_id: a.id.clone(),
                roles: Role::join(&roles),
                email: Some(format!("{code}@example.gov.cn")),
                active: true,
                created_at: now(),
            };
            service::users::insert(conn, log, &sys, &u)?;
            // The unit's own admin: issues its API keys, sets its webhooks and creates its
            // users (the hub admin does none of that, rule 1).
            let admin = UserRow {
                id: new_id(),
                username: format!("{code}_admin"),
                display_name: format!("{name}管理员"),
                password_hash: hash.clone(),
                agency_id: a.id.clone(),
                roles: Role::join(&[Role::AgencyAdmin, Role::Liaison]),
                email: Some(format!("{code}.admin@example.gov.cn")),
                active: true,
                created_at: now(),
            };
            service::users::insert(conn, log, &sys, &admin)?;
        }
        let agency = |code: &str| AgencyId::from_stored(ids[code].clone());
        let city: Vec<AgencyId> = AGENCIES.iter().filter(|a| a.3 == "city").map(|a| agency(a.0)).collect();
        let joint = GroupId::generate();
        service::groups::insert(conn, log, &sys, &joint, "联席会议成员单位", "市委巡察工作联席会议成员单位", &city)?;
        let four = GroupId::generate();
        let four_members: Vec<AgencyId> = ["xunchaban", "jiwei", "zuzhibu", "shenjiju"].iter().map(|c| agency(c)).collect();
        service::groups::insert(conn, log, &sys, &four, "四方会审组", "巡察、纪检、组织、审计四方会审", &four_members)?;
        service::agreements::insert(conn, log, &sys, &AgreementView {
            id: new_id(),
            name: "信访举报人信息仅限纪检监察机关".into(),
            source_agency_id: None,
            source_kind: Some("petition".into()),
            record_kind: "petition".into(),
            recipient_agency_ids: vec![ids["xunchaban"].clone()],
            recipient_kinds: vec!["discipline".into()],
            protected_fields: true,
            created_at: now(),
        })?;
        service::agreements::insert(conn, log, &sys, &AgreementView {
            id: new_id(),
            name: "信访件可送组织部门(不含举报人信息)".into(),
            source_agency_id: None,
            source_kind: Some("petition".into()),
            record_kind: "petition".into(),
            recipient_agency_ids: vec![],
            recipient_kinds: vec!["organization".into()],
            protected_fields: false,
            created_at: now(),
        })?;
        let mut objects = Vec::new();
        for (name, kind, unit, position) in [
            ("市住房和城乡建设局", "unit", None, None),
            ("市交通运输局", "unit", None, None),
            ("市农业农村局", "unit", None, None),
            ("张某某", "person", Some("市住房和城乡建设局"), Some("党组书记、局长")),
            ("李某某", "person", Some("市交通运输局"), Some("副局长")),
        ] {
            let o = SubjectObject { id: new_id(), name: name.into(), kind: kind.into(), unit: unit.map(Into::into), position: position.map(Into::into), id_number_hash: None, created_by_agency_id: ids["xunchaban"].clone(), created_at: now() };
            service::objects::insert(conn, log, &sys, &o)?;
            objects.push(o.id);
        }
        let ctx = WriteContext::load(conn)?;
        let as_agency = |code: &str| Principal { user_id: None, api_key_id: None, username: "demo".into(), agency_id: ids[code].clone(), roles: vec![Role::Liaison] };
        let rec = |kind, title: &str, body: &str, category: &str, objs: Vec<String>, dist: Distribution, sens, protected: BTreeMap<String, String>, grants: Vec<String>, ext: &str| RecordContent {
            kind,
            title: title.into(),
            body: body.into(),
            category: Some(category.into()),
            object_ids: objs,
            tags: vec!["巡察移交".into()],
            attributes: Default::default(),
            distribution: dist,
            sensitivity: sens,
            protected,
            field_grants: grants,
            external_id: Some(ext.into()),
        };
        let group = |g: &str| Distribution { level: DistributionLevel::Group, agencies: vec![], group: Some(g.to_string()) };
        let to = |codes: &[&str]| Distribution { level: DistributionLevel::Agencies, agencies: codes.iter().map(|c| ids[*c].clone()).collect(), group: None };
        let items = vec![
            ("xunchaban", rec(RecordKind::Clue, "市住建局违规发放津补贴问题线索", "十一届市委第三轮巡察发现,市住房和城乡建设局2023年至2025年以加班费名义违规发放津补贴共计46.8万元,建议移交市纪委监委处置。", "中央八项规定精神", vec![objects[0].clone(), objects[3].clone()], to(&["jiwei", "zuzhibu"]), Sensitivity::Sensitive, BTreeMap::from([("source_contact".to_string(), "巡察组联络人 139****0001".to_string())]), vec![ids["jiwei"].clone()], "XC-2026-0001")),
            ("xunchaban", rec(RecordKind::InspectionFeedback, "关于市交通运输局党组的巡察反馈意见", "巡察组反馈:党的领导弱化、工程项目监管不严、选人用人不规范等问题,要求在两个月内完成整改。", "党的领导弱化", vec![objects[1].clone()], group(&joint), Sensitivity::General, BTreeMap::new(), vec![], "XC-2026-0002")),
            ("shenjiju", rec(RecordKind::AuditReport, "市农业农村局高标准农田建设资金审计报告", "审计发现项目资金拨付滞后、部分工程未按设计施工,涉及资金1260万元。", "工作纪律", vec![objects[2].clone()], group(&four), Sensitivity::General, BTreeMap::new(), vec![], "SJ-2026-0107")),
            ("xinfangju", rec(RecordKind::Petition, "反映市交通运输局副局长李某某插手工程项目的信访举报", "举报人反映李某某利用职务便利为亲属承揽道路养护工程提供帮助。", "廉洁纪律", vec![objects[1].clone(), objects[4].clone()], to(&["jiwei"]), Sensitivity::Sensitive, BTreeMap::from([("reporter_name".to_string(), "王某".to_string()), ("reporter_phone".to_string(), "13800000000".to_string())]), vec![ids["jiwei"].clone()], "XF-2026-0315")),
            ("jiwei", rec(RecordKind::Notice, "关于3起违反中央八项规定精神问题的通报", "市纪委监委通报3起违反中央八项规定精神典型问题,涉及违规发放津补贴、公款吃喝等。", "中央八项规定精神", vec![], Distribution { level: DistributionLevel::All, agencies: vec![], group: None }, Sensitivity::General, BTreeMap::new(), vec![], "JW-2026-0042")),
        ];
        let mut created = Vec::new();
        for (code, c) in items {
            created.push(service::records::create(conn, log, &ctx, &as_agency(code), c)?);
        }
        // A second inspection clue, and the transfers of both: one accepted by the discipline
        // commission, one concluded by the organization department.
        let second = service::records::create(conn, log, &ctx, &as_agency("xunchaban"), rec(RecordKind::Clue, "市交通运输局选人用人不规范问题线索", "巡察发现该局2024年突击提拔干部3人,干部档案审核不严。", "组织纪律", vec![objects[1].clone()], Distribution::own(), Sensitivity::General, BTreeMap::new(), vec![], "XC-2026-0003"))?;
        // The discipline commission holds a similar clue on the same bureau: flagged to both as
        // possible duplicate handling (重复办理).
        let jw_clue = service::records::create(conn, log, &ctx, &as_agency("jiwei"), rec(RecordKind::Clue, "关于市住建局违规发放津补贴的问题线索", "信访举报反映:市住房和城乡建设局2023年至2025年以加班费名义违规发放津补贴,共计46.8万元。", "中央八项规定精神", vec![objects[0].clone()], Distribution::own(), Sensitivity::General, BTreeMap::new(), vec![], "JW-2026-0101"))?;
        let deadline = (chrono::Utc::now() + chrono::Duration::days(60)).format("%Y-%m-%d").to_string();
        let ctx = WriteContext::load(conn)?;
        let xc = as_agency("xunchaban");
        let xc_viewer = crate::store::directory::viewer(conn, &ids["xunchaban"])?;
        let transfer = |to: &str, suggestion: &str| NewTransfer {
            to_agency_id: ids[to].clone(),
            suggestion: suggestion.into(),
            deadline: deadline.clone(),
            round: Some("七届市委第十三轮巡察".into()),
        };
        let t1 = service::transfers::create(conn, log, &ctx, &xc, &xc_viewer, &created[0].row.id, transfer("jiwei", "建议由市纪委监委谈话函询"))?;
        service::transfers::act(conn, log, &as_agency("jiwei"), &TransferId::from_stored(t1.id.clone()), Command::Accept)?;
        let t2 = service::transfers::create(conn, log, &ctx, &xc, &xc_viewer, &second.row.id, transfer("zuzhibu", "建议由市委组织部进行组织处理"))?;
        let zz = as_agency("zuzhibu");
        service::transfers::act(conn, log, &zz, &TransferId::from_stored(t2.id.clone()), Command::Accept)?;
        service::transfers::act(conn, log, &zz, &TransferId::from_stored(t2.id.clone()), Command::Start)?;
        let sanctions = Sanctions { disciplinary: 0, organizational: 2, judicial: 0 };
        let summary = "对2名相关责任人诫勉谈话".to_string();
        service::transfers::act(conn, log, &zz, &TransferId::from_stored(t2.id.clone()), Command::Conclude { outcome: Outcome::Form1, sanctions, summary })?;
        Ok::<_, AppError>(created.iter().chain([&second, &jw_clue]).map(|r| r.row.id.clone()).collect::<Vec<_>>())
    })
    .map_err(|e| anyhow::anyhow!("载入演示数据失败:{e}"))?;
    // Duplicate handling is compared after commit, as for every publish and transfer.
    service::similar::flag_after_commit(&mut conn, &demo_ids);
    Ok(logins)
}
