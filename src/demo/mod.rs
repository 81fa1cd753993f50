//! Demo data (`guantong serve --demo`, `guantong demo`): a living hub for a newcomer. The
//! member units of a city joint meeting (联席会议) and a few county units, a liaison and an
//! agency-admin login per unit, sharing groups and agreements, about a hundred and fifty
//! supervision objects, three hundred records of every kind, forty clue transfers in every
//! state, deliberations with assignments, subscriptions with unread inbox items and
//! possible-duplicate flags, and the inspection office's rounds, one in each stage, with the
//! talent pool, requests, findings, feedback, plans, ledgers, reviews and evaluations
//! (`rounds`, `rectification`) — all written through the service layer, so events, audit
//! entries, inbox items and flags come from the real code paths. Deterministic (a seeded
//! generator), and loaded only into an empty hub.

use std::collections::BTreeMap;

use diesel::prelude::*;

use crate::db::schema::{agencies, records as records_table};
use crate::db::{DbConnection, DbPool};
use crate::domain::ids::{AgencyId, GroupId};
use crate::domain::{new_id, now, Role};
use crate::error::AppError;
use crate::policy::Principal;
use crate::service::agencies::Agency;
use crate::service::agreements::AgreementView;
use crate::service::objects::SubjectObject;
use crate::service::records::WriteContext;
use crate::service::users::UserRow;
use crate::service::{self};
use crate::store::log::{write_tx, Actor, Log};

mod backdate;
mod deliberations;
mod records;
mod rectification;
mod requests;
mod rounds;
mod titles;
mod transfers;

pub const DEMO_PASSWORD: &str = "Guantong@2026";
/// The login of the demo's inspected unit (市教育局), which sees only its own rectification.
pub const UNIT_LOGIN: &str = rounds::UNIT_ACCOUNT.1;

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

/// The logins printed on start: a few key ones, then the pattern of the rest.
const KEY_LOGINS: &[&str] = &["xunchaban", "jiwei", "zuzhibu", "shenjiju", "xinfangju", "yc_jiwei"];

pub struct DemoLogin {
    pub agency: String,
    pub username: String,
    /// 联络员 or 单位管理员 (the unit's admin issues its API keys and sets its webhooks).
    pub role: &'static str,
}

/// The logins to print: the key units' liaisons, and the pattern every unit follows.
pub fn logins() -> Vec<DemoLogin> {
    let name = |code: &str| AGENCIES.iter().find(|a| a.0 == code).map(|a| a.1).unwrap_or_default().to_string();
    let mut out: Vec<DemoLogin> = KEY_LOGINS
        .iter()
        .map(|c| DemoLogin { agency: name(c), username: format!("{c}_liaison"), role: "联络员" })
        .collect();
    out.push(DemoLogin { agency: name("xunchaban"), username: "xunchaban_admin".into(), role: "单位管理员" });
    let codes: Vec<&str> = AGENCIES.iter().map(|a| a.0).collect();
    out.push(DemoLogin {
        agency: format!("每个单位,代码:{}", codes.join("、")),
        username: "<代码>_liaison".into(),
        role: "联络员",
    });
    out.push(DemoLogin { agency: "每个单位".into(), username: "<代码>_admin".into(), role: "单位管理员" });
    out.push(DemoLogin {
        agency: "市教育局(七届市委第十一轮巡察的被巡察单位)".into(),
        username: rounds::UNIT_ACCOUNT.1.into(),
        role: "被巡察单位",
    });
    out
}

/// `n` days from the hub's today, `YYYY-MM-DD` (deadlines and windows of the demo).
pub fn days_from_today(n: i64) -> String {
    let today = crate::domain::clock::parse_date(&crate::domain::clock::today()).expect("today is a date");
    crate::domain::clock::format_date(today + chrono::Duration::days(n))
}

/// A small deterministic generator (SplitMix64): the same demo every time.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// The hub as the demo made it: agency ids and kinds by code, groups, and the liaisons.
pub struct Hub {
    ids: BTreeMap<String, String>,
    kinds: BTreeMap<String, &'static str>,
    users: BTreeMap<String, String>,
    pub joint: String,
    pub four: String,
    pub county: String,
}

impl Hub {
    pub fn agency(&self, code: &str) -> String {
        self.ids[code].clone()
    }
    /// The unit's name, by code.
    pub fn name_of(&self, code: &str) -> String {
        AGENCIES.iter().find(|a| a.0 == code).map(|a| a.1.to_string()).unwrap_or_default()
    }
    pub fn kind_of(&self, code: &str) -> &'static str {
        self.kinds[code]
    }
    /// The unit's liaison, as the services see a signed-in user.
    pub fn liaison(&self, code: &str) -> Principal {
        Principal {
            user_id: Some(self.users[code].clone()),
            api_key_id: None,
            username: format!("{code}_liaison"),
            agency_id: self.agency(code),
            roles: vec![Role::Liaison],
        }
    }
}

/// Whether the hub holds anything besides the hub's own operator unit and administrator.
fn hub_is_empty(conn: &mut DbConnection) -> QueryResult<bool> {
    let units: i64 = agencies::table.filter(agencies::kind.ne("hub")).count().get_result(conn)?;
    let records: i64 = records_table::table.count().get_result(conn)?;
    Ok(units == 0 && records == 0)
}

/// Loads the demo data into an empty hub and returns the logins to print (all with
/// `DEMO_PASSWORD`). A hub that holds member units or records is left as it is, and says so
/// on stderr: a second run changes nothing.
pub fn load(pool: &DbPool) -> anyhow::Result<Vec<DemoLogin>> {
    let mut conn = pool.get()?;
    if !hub_is_empty(&mut conn)? {
        let demo = service::agencies::by_code(&mut conn, "xunchaban")?.is_some()
            && service::agencies::by_code(&mut conn, "jiwei")?.is_some();
        if demo {
            eprintln!("演示数据已载入,未重复载入(--demo 只在空数据库中载入演示数据)");
            return Ok(logins());
        }
        eprintln!("数据库中已有成员单位或信息,--demo 未载入演示数据(只在空数据库中载入)");
        return Ok(vec![]);
    }
    let hash = crate::auth::hash_password(DEMO_PASSWORD)?;
    let loaded = write_tx(&mut conn, |conn, log| {
        // Checked again under the write lock: two instances started at once load once.
        if !hub_is_empty(conn)? {
            return Ok(None);
        }
        let hub = directory(conn, log, &hash)?;
        let mut rng = Rng::new(20_260_101);
        let (units, persons) = objects(conn, log, &hub, &mut rng)?;
        deliberations::subscriptions(conn, log, &hub)?;
        let drafts = records::drafts(&hub, &units, &persons, &mut rng);
        let mut ages = BTreeMap::new();
        let mut by_owner: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        // Each unit publishes its records in one batch, as a nightly sync would.
        let ctx = WriteContext::load(conn)?;
        for (code, ..) in AGENCIES {
            let mine: Vec<&records::Draft> = drafts.iter().filter(|d| d.owner == *code).collect();
            if mine.is_empty() {
                continue;
            }
            let contents = mine.iter().map(|d| d.content.clone()).collect();
            let created = service::records::create_many(conn, log, &ctx, &hub.liaison(code), contents)?;
            for (d, r) in mine.iter().zip(created) {
                let r = r.map_err(|e| AppError::Internal(anyhow::anyhow!("{}:{e:?}", d.content.title)))?;
                ages.insert(r.row.id.clone(), d.days_ago);
                if r.kind == crate::domain::record::RecordKind::Clue {
                    by_owner.entry(code).or_default().push(r.row.id.clone());
                }
            }
        }
        let sent = transfers::send_all(conn, log, &hub, &by_owner, &mut ages)?;
        Ok(Some((hub, sent, ages)))
    })
    .map_err(|e| anyhow::anyhow!("载入演示数据失败:{e}"))?;
    let Some((hub, sent, ages)) = loaded else {
        eprintln!("数据库中已有数据,--demo 未载入演示数据");
        return Ok(vec![]);
    };
    deliberations::deliberate(&mut conn, &hub, &sent).map_err(|e| anyhow::anyhow!("载入演示会商失败:{e}"))?;
    // The inspection rounds, one in each stage (issue 11).
    rounds::load(&mut conn, &hub, &hash).map_err(|e| anyhow::anyhow!("载入演示巡察轮次失败:{e}"))?;
    write_tx(&mut conn, |conn, _| backdate::history(conn, &sent, &ages))
        .map_err(|e| anyhow::anyhow!("载入演示数据失败:{e}"))?;
    Ok(logins())
}

/// The member units, a liaison and an admin for each, the groups and the agreements.
fn directory(conn: &mut DbConnection, log: &mut Log, hash: &str) -> Result<Hub, AppError> {
    let sys = Actor::default();
    let (mut ids, mut kinds, mut users) = (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    for (code, name, kind, level) in AGENCIES {
        let a = Agency {
            id: new_id(),
            code: code.to_string(),
            name: name.to_string(),
            kind: kind.to_string(),
            level: level.to_string(),
            parent_id: None,
            active: true,
            created_at: now(),
        };
        service::agencies::insert(conn, log, &sys, &a)?;
        ids.insert(code.to_string(), a.id.clone());
        kinds.insert(code.to_string(), *kind);
        let roles = if *code == "xunchaban" {
            vec![Role::Liaison, Role::AgencyAdmin, Role::Reviewer]
        } else {
            vec![Role::Liaison]
        };
        let liaison = UserRow {
            id: new_id(),
            username: format!("{code}_liaison"),
            display_name: format!("{name}联络员"),
            password_hash: hash.to_string(),
            agency_id: a.id.clone(),
            roles: Role::join(&roles),
            email: Some(format!("{code}@example.gov.cn")),
            active: true,
            created_at: now(),
        };
        service::users::insert(conn, log, &sys, &liaison)?;
        users.insert(code.to_string(), liaison.id.clone());
        // The unit's own admin: issues its API keys, sets its webhooks and creates its
        // users (the hub admin does none of that, rule 1).
        let admin = UserRow {
            id: new_id(),
            username: format!("{code}_admin"),
            display_name: format!("{name}管理员"),
            password_hash: hash.to_string(),
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
    let mut group = |name: &str, about: &str, members: &[AgencyId]| -> Result<String, AppError> {
        let g = GroupId::generate();
        service::groups::insert(conn, log, &sys, &g, name, about, members)?;
        Ok(g.as_str().to_string())
    };
    let joint = group("联席会议成员单位", "市委巡察工作联席会议成员单位", &city)?;
    let four: Vec<AgencyId> = ["xunchaban", "jiwei", "zuzhibu", "shenjiju"].iter().map(|c| agency(c)).collect();
    let four = group("四方会审组", "巡察、纪检、组织、审计四方会审", &four)?;
    let county: Vec<AgencyId> =
        ["xunchaban", "jiwei", "yc_jiwei", "yc_xunchaban", "wy_jiwei"].iter().map(|c| agency(c)).collect();
    let county = group("市县巡察上下联动组", "市委巡察办、市纪委监委与区县纪委监委、巡察机构上下联动", &county)?;
    for (name, kinds, protected) in [
        ("信访举报人信息仅限纪检监察机关", vec!["discipline".to_string()], true),
        ("信访件可送组织部门(不含举报人信息)", vec!["organization".to_string()], false),
    ] {
        let recipients = if protected { vec![ids["xunchaban"].clone()] } else { vec![] };
        service::agreements::insert(
            conn,
            log,
            &sys,
            &AgreementView {
                id: new_id(),
                name: name.into(),
                source_agency_id: None,
                source_kind: Some("petition".into()),
                record_kind: "petition".into(),
                recipient_agency_ids: recipients,
                recipient_kinds: kinds,
                protected_fields: protected,
                created_at: now(),
            },
        )?;
    }
    Ok(Hub { ids, kinds, users, joint, four, county })
}

/// The supervision objects: the units and townships, and persons in each.
fn objects(
    conn: &mut DbConnection,
    log: &mut Log,
    hub: &Hub,
    rng: &mut Rng,
) -> Result<(Vec<records::Obj>, Vec<records::Obj>), AppError> {
    let sys = Actor::default();
    let (mut units, mut persons) = (Vec::new(), Vec::new());
    let places = titles::UNITS.iter().map(|u| (*u, false)).chain(titles::TOWNS.iter().map(|t| (*t, true)));
    for (i, (place, town)) in places.enumerate() {
        let creator = if town { "yc_xunchaban" } else { "xunchaban" };
        let positions = if town { titles::TOWN_POSITIONS } else { titles::UNIT_POSITIONS };
        let mut add = |name: String, kind: &str, position: Option<String>| -> Result<records::Obj, AppError> {
            let o = SubjectObject {
                id: new_id(),
                name: name.clone(),
                kind: kind.into(),
                unit: (kind == "person").then(|| place.to_string()),
                position: position.clone(),
                id_number_hash: None,
                created_by_agency_id: hub.agency(creator),
                created_at: now(),
            };
            service::objects::insert(conn, log, &sys, &o)?;
            Ok(records::Obj { id: o.id, name, unit: place.to_string(), position: position.unwrap_or_default() })
        };
        let lead = if town { "党委书记" } else { "党组书记" };
        units.push(add(place.to_string(), "unit", None)?.with_position(lead));
        for k in 0..(if town { 3 } else { 4 }) {
            let name = format!("{}{}", rng.pick(titles::SURNAMES), titles::GIVEN[(i * 4 + k) % titles::GIVEN.len()]);
            let position = positions[(i + k) % positions.len()].to_string();
            persons.push(add(name, "person", Some(position))?);
        }
    }
    Ok((units, persons))
}

impl records::Obj {
    fn with_position(mut self, p: &str) -> Self {
        self.position = p.to_string();
        self
    }
}
