//! Demo rounds (issue 11): the city inspection office's rounds, one in each stage, so a
//! newcomer can walk the whole lifecycle in the web client — 巡前准备 with a pre-inspection
//! request (函询) half answered, 进驻巡察 with teams drawn from the talent pool and findings
//! coming in, 巡察反馈 with a feedback half signed, 整改落实 with plans approved, rejected and
//! pending, items closed and a direct-supervision campaign, and 完成 with every item closed,
//! the four-party review concluded and the quantified evaluation final. One inspected unit
//! (市教育局) acts through its own account. Everything through the service layer.

use diesel::prelude::*;

use super::{days_from_today, rectification, requests, Hub};
use crate::db::schema::subject_objects;
use crate::db::DbConnection;
use crate::domain::ids::{AgencyId, FindingId, InspectedUnitId, ObjectId, RoundId, TalentId, TeamId};
use crate::domain::inspection::talent::TeamPosition;
use crate::domain::inspection::{FindingKind, RoundDraft, RoundKind, RoundStage};
use crate::domain::record::{Distribution, DistributionLevel, RecordContent, Sensitivity};
use crate::domain::{new_id, now, Role};
use crate::error::AppResult;
use crate::policy::Principal;
use crate::service::agencies::Agency;
use crate::service::inspection::rounds::UnitSettings;
use crate::service::inspection::{findings, rounds, team_members};
use crate::service::users::UserRow;
use crate::service::{self};
use crate::store::log::{write_tx, Actor};

/// The inspected unit's own account: agency code and login.
pub const UNIT_ACCOUNT: (&str, &str) = ("jiaoyuju", "jiaoyuju_unit");
/// Years within which a former posting in an inspected unit means avoidance (回避).
const AVOIDANCE_YEARS: u32 = 5;

/// A service call's failure, named for the demo's log.
pub fn ok<T>(what: &str, r: AppResult<T>) -> anyhow::Result<T> {
    r.map_err(|e| anyhow::anyhow!("{what}:{e:?}"))
}

/// An inspected unit of a demo round: its id and the object's name.
pub struct DemoUnit {
    pub id: InspectedUnitId,
    pub name: String,
    /// Its own account's principal, when it has one.
    pub account: Option<Principal>,
}

/// A demo round: the office's principal, the round and its units.
pub struct DemoRound {
    pub id: RoundId,
    pub units: Vec<DemoUnit>,
    pub teams: Vec<TeamId>,
    /// The problems found in each unit (finding ids), in the order of `units`.
    pub problems: Vec<Vec<FindingId>>,
}

/// (title, category) of the problems found, as the seeds' reports word them.
const PROBLEMS: &[(&str, &str)] = &[
    ("落实全面从严治党主体责任不到位,党组研究党风廉政建设流于形式", "全面从严治党不力"),
    ("违规发放津补贴,以“加班费”名义变相发放福利", "中央八项规定精神"),
    ("公务接待超标准、超范围,接待清单与实际不符", "中央八项规定精神"),
    ("选人用人程序不规范,干部档案审核把关不严", "组织纪律"),
    ("政府采购未按规定公开招标,化整为零规避招标", "廉洁纪律"),
    ("惠民惠农资金发放不及时,群众反映强烈", "群众纪律"),
    ("基层党组织“三会一课”制度落实不到位", "党的建设缺失"),
    ("上轮巡察反馈问题整改不彻底,存在虚假整改", "工作纪律"),
    ("意识形态工作责任制落实不力", "政治纪律"),
    ("专项资金管理使用不规范,存在挤占挪用", "廉洁纪律"),
];
const CLUES: &[&str] = &[
    "反映某副局长插手工程项目招投标的问题线索",
    "反映某科长利用职务便利收受管理服务对象礼金的问题线索",
    "反映下属单位负责人违规入股经营企业的问题线索",
];

/// The office and the units' principals, and the objects named by the rounds.
pub struct Lifecycle<'a> {
    pub hub: &'a Hub,
    pub office: Principal,
    pub account: Principal,
}

/// Loads the rounds; returns the inspected unit's login line for the start banner.
pub fn load(conn: &mut DbConnection, hub: &Hub, hash: &str) -> anyhow::Result<()> {
    let account = unit_account(conn, hash)?;
    let l = Lifecycle { hub, office: hub.liaison("xunchaban"), account };
    let talent_ids = requests::talent_pool(conn, &l)?;

    // 完成: the tenth round, two units, everything closed and evaluated.
    let mut r10 =
        l.round(conn, ("七届市委第十轮巡察", 10, RoundKind::Regular), ("2025-09-01", "2025-11-30"), &[0, 1])?;
    l.findings(conn, &mut r10, 3)?;
    l.advance(conn, &r10, &[RoundStage::Feedback])?;
    rectification::feedback_all(conn, &l, &r10, true)?;
    l.advance(conn, &r10, &[RoundStage::Rectification])?;
    rectification::finish(conn, &l, &r10)?;
    l.advance(conn, &r10, &[RoundStage::Closed])?;

    // 整改落实: the eleventh round, three units, 市教育局 with its own account.
    let mut r11 =
        l.round(conn, ("七届市委第十一轮巡察", 11, RoundKind::Regular), ("2026-03-01", "2026-05-31"), &[3, 2, 4])?;
    l.findings(conn, &mut r11, 4)?;
    l.advance(conn, &r11, &[RoundStage::Feedback])?;
    rectification::feedback_all(conn, &l, &r11, true)?;
    l.advance(conn, &r11, &[RoundStage::Rectification])?;
    rectification::in_progress(conn, &l, &r11)?;

    // 巡察反馈: the twelfth, a special round on funds for people's livelihoods.
    let mut r12 =
        l.round(conn, ("七届市委第十二轮专项巡察", 12, RoundKind::Special), ("2026-06-01", "2026-08-31"), &[5, 6])?;
    l.findings(conn, &mut r12, 3)?;
    l.advance(conn, &r12, &[RoundStage::Feedback])?;
    rectification::feedback_all(conn, &l, &r12, false)?;

    // 进驻巡察: the thirteenth, teams from the talent pool, findings coming in.
    let mut r13 =
        l.round(conn, ("七届市委第十三轮巡察", 13, RoundKind::Regular), ("2026-10-08", "2026-12-31"), &[7, 8, 9])?;
    l.staff(conn, &r13, &talent_ids)?;
    l.advance(conn, &r13, &[RoundStage::Inspection])?;
    l.findings(conn, &mut r13, 2)?;
    l.reporting_channels(conn, &r13)?;

    // 巡前准备: the fourteenth, a mobile round, its pre-inspection request half answered.
    let r14 = l.round(
        conn,
        ("七届市委第十四轮机动巡察", 14, RoundKind::Mobile),
        (&days_from_today(40), &days_from_today(100)),
        &[10, 11],
    )?;
    requests::pre_inspection_request(conn, &l, &r14)?;
    requests::integrity_request(conn, &l)?;
    Ok(())
}

/// The agency and login of 市教育局 as an inspected unit (the hub admin's invitation, done).
fn unit_account(conn: &mut DbConnection, hash: &str) -> anyhow::Result<Principal> {
    let sys = Actor::default();
    let (code, username) = UNIT_ACCOUNT;
    let a = Agency {
        id: new_id(),
        code: code.into(),
        name: "市教育局(被巡察单位)".into(),
        kind: "inspected_unit".into(),
        level: "city".into(),
        parent_id: None,
        active: true,
        created_at: now(),
    };
    let u = UserRow {
        id: new_id(),
        username: username.into(),
        display_name: "市教育局整改联络员".into(),
        password_hash: hash.to_string(),
        agency_id: a.id.clone(),
        roles: Role::join(&[Role::Inspected]),
        email: Some(format!("{code}@example.gov.cn")),
        active: true,
        created_at: now(),
    };
    ok(
        "被巡察单位账号",
        write_tx(conn, |conn, log| {
            service::agencies::insert(conn, log, &sys, &a)?;
            service::users::insert(conn, log, &sys, &u)?;
            Ok(())
        }),
    )?;
    Ok(Principal {
        user_id: Some(u.id),
        api_key_id: None,
        username: username.into(),
        agency_id: a.id,
        roles: vec![Role::Inspected],
    })
}

impl Lifecycle<'_> {
    /// A round with the joint meeting's key units as participants, one team per unit and the
    /// units (`UNITS` indexes) inspected; 市教育局 (index 3) is given its own account.
    fn round(
        &self,
        conn: &mut DbConnection,
        (name, number, kind): (&str, i64, RoundKind),
        (from, to): (&str, &str),
        unit_indexes: &[usize],
    ) -> anyhow::Result<DemoRound> {
        let focus = vec!["落实全面从严治党".to_string(), "整改落实".to_string()];
        let draft = RoundDraft::parse(name, number, kind, from, to, &focus)
            .map_err(|e| anyhow::anyhow!("巡察轮次 {name}:{e:?}"))?;
        let participants: Vec<AgencyId> = ["jiwei", "zuzhibu", "shenjiju", "xinfangju", "zhengfawei"]
            .iter()
            .map(|c| AgencyId::from_stored(self.hub.agency(c)))
            .collect();
        let r = ok(name, rounds::create(conn, &self.office, &draft, &participants))?;
        let id = RoundId::from_stored(r.id);
        let (mut units, mut teams) = (Vec::new(), Vec::new());
        for (n, i) in unit_indexes.iter().enumerate() {
            let team_name = format!("第{}巡察组", ["一", "二", "三", "四"][n % 4]);
            let team = ok("巡察组", rounds::add_team(conn, &self.office, &id, &team_name))?;
            let team_id = TeamId::from_stored(team.id);
            let object_name = super::titles::UNITS[*i];
            let own = *i == 3;
            let settings = UnitSettings {
                team_id: Some(team_id.clone()),
                account_agency_id: own.then(|| AgencyId::from_stored(self.account.agency_id.clone())),
            };
            let object = unit_object(conn, object_name)?;
            let u = ok("被巡察单位", rounds::add_unit(conn, &self.office, &id, &object, &settings))?;
            units.push(DemoUnit {
                id: InspectedUnitId::from_stored(u.id),
                name: object_name.into(),
                account: own.then(|| self.account.clone()),
            });
            teams.push(team_id);
        }
        let problems = vec![Vec::new(); units.len()];
        Ok(DemoRound { id, units, teams, problems })
    }

    fn advance(&self, conn: &mut DbConnection, r: &DemoRound, to: &[RoundStage]) -> anyhow::Result<()> {
        for stage in to {
            let mut at = ok("巡察轮次", rounds::show(conn, &self.office, &r.id))?.stage;
            // The stages between are passed through in order.
            while at != *stage {
                let next = at.next().ok_or_else(|| anyhow::anyhow!("巡察轮次已完成"))?;
                at = ok("推进阶段", rounds::advance(conn, &self.office, &r.id, next, None))?.stage;
            }
        }
        Ok(())
    }

    /// `per_unit` problems and one clue in each unit, distributed to 纪委监委 and 组织部.
    fn findings(&self, conn: &mut DbConnection, r: &mut DemoRound, per_unit: usize) -> anyhow::Result<()> {
        self.advance(conn, r, &[RoundStage::Inspection])?;
        let to = vec![self.hub.agency("jiwei"), self.hub.agency("zuzhibu")];
        for (u, unit) in r.units.iter().enumerate() {
            let problems = (0..per_unit).map(|k| {
                let (title, category) = PROBLEMS[(u * 3 + k) % PROBLEMS.len()];
                (FindingKind::Problem, format!("{}{title}", unit.name), Some(category.to_string()))
            });
            let clue = (FindingKind::Clue, format!("{}:{}", unit.name, CLUES[u % CLUES.len()]), None);
            for (kind, title, category) in problems.chain([clue]) {
                let agencies = if kind == FindingKind::Clue { to[..1].to_vec() } else { to.clone() };
                let content = RecordContent {
                    kind: findings::record_kind(kind),
                    title,
                    body: "巡察组在进驻期间通过个别谈话、调阅资料、下沉走访发现。".into(),
                    category,
                    object_ids: vec![],
                    tags: vec!["巡察发现".into()],
                    attributes: Default::default(),
                    distribution: Distribution { level: DistributionLevel::Agencies, agencies, group: None },
                    sensitivity: Sensitivity::General,
                    protected: Default::default(),
                    field_grants: vec![],
                    external_id: None,
                };
                let f = ok("巡察发现", findings::record(conn, &self.office, &unit.id, kind, content))?;
                if kind == FindingKind::Problem {
                    r.problems[u].push(FindingId::from_stored(f.id));
                }
            }
        }
        Ok(())
    }

    /// 码上巡察: each team stationed in a unit takes reports from the public for its stay
    /// (opened ten days ago, open another thirty): their pages are under `/public/c/…`.
    fn reporting_channels(&self, conn: &mut DbConnection, r: &DemoRound) -> anyhow::Result<()> {
        use crate::service::public_reports::{channels, ChannelDraft};
        for (n, unit) in r.units.iter().enumerate() {
            let draft = ChannelDraft {
                contact_line: Some(format!("巡察组值班电话 0668-28{n:05} 邮箱 xuncha{n}@example.gov.cn")),
                opens_on: Some(days_from_today(-10)),
                closes_on: Some(days_from_today(30)),
                liaison_user_id: None,
            };
            ok("码上巡察渠道", channels::create(conn, &self.office, "", &unit.id, &draft))?;
        }
        Ok(())
    }

    /// Each team gets a leader, a deputy and two staff from the pool (avoidance checked).
    fn staff(&self, conn: &mut DbConnection, r: &DemoRound, pool: &[TalentId]) -> anyhow::Result<()> {
        let (leaders, deputies): (Vec<usize>, Vec<usize>) = (
            (0..pool.len()).filter(|i| i % 6 == 0).collect(),
            (0..pool.len()).filter(|i| matches!(i % 6, 1 | 2)).collect(),
        );
        let staff: Vec<usize> = (0..pool.len()).filter(|i| i % 6 >= 3).collect();
        for (n, team) in r.teams.iter().enumerate() {
            let members = [
                (leaders[n % leaders.len()], TeamPosition::Leader),
                (deputies[n % deputies.len()], TeamPosition::Deputy),
                (staff[(2 * n) % staff.len()], TeamPosition::Staff),
                (staff[(2 * n + 1) % staff.len()], TeamPosition::Staff),
            ];
            for (i, position) in members {
                let add = team_members::add_member(conn, &self.office, team, &pool[i], position, AVOIDANCE_YEARS);
                ok("选派组员", add)?;
            }
        }
        Ok(())
    }
}

/// A supervision object of kind unit, by name (the demo made one per unit).
fn unit_object(conn: &mut DbConnection, name: &str) -> anyhow::Result<ObjectId> {
    let id: String = subject_objects::table
        .filter(subject_objects::kind.eq("unit"))
        .filter(subject_objects::name.eq(name))
        .select(subject_objects::id)
        .first(conn)?;
    Ok(ObjectId::from_stored(id))
}
