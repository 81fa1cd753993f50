//! About three hundred records over every kind, composed from `titles` deterministically
//! (a seeded generator: the same demo every time): their objects, categories, tags,
//! distributions within the sharing agreements, sensitive ones with protected reporter
//! fields, a few restricted; and twins of five clues held by other units, which the real
//! duplicate check flags (重复办理).

use std::collections::{BTreeMap, HashSet};

use serde_json::json;

use super::titles::{self, Template};
use super::{Hub, Rng};
use crate::domain::record::{Distribution, DistributionLevel, RecordContent, RecordKind, Sensitivity};

/// How many records each unit publishes of each kind (owner code, kind, count): 295, with
/// the five twins 300.
pub const PLAN: &[(&str, RecordKind, usize)] = &[
    ("xunchaban", RecordKind::Clue, 34),
    ("yc_xunchaban", RecordKind::Clue, 8),
    ("xinfangju", RecordKind::Clue, 8),
    ("shenjiju", RecordKind::Clue, 8),
    ("duchaju", RecordKind::Clue, 6),
    ("jiwei", RecordKind::Clue, 14),
    ("yc_jiwei", RecordKind::Clue, 5),
    ("wy_jiwei", RecordKind::Clue, 4),
    ("gonganju", RecordKind::Clue, 4),
    ("jianchayuan", RecordKind::Clue, 4),
    ("xinfangju", RecordKind::Petition, 32),
    ("xunchaban", RecordKind::Petition, 8),
    ("jiwei", RecordKind::Case, 12),
    ("yc_jiwei", RecordKind::Case, 4),
    ("wy_jiwei", RecordKind::Case, 3),
    ("jianchayuan", RecordKind::Case, 3),
    ("xunchaban", RecordKind::InspectionFeedback, 18),
    ("yc_xunchaban", RecordKind::InspectionFeedback, 6),
    ("shenjiju", RecordKind::AuditReport, 24),
    ("duchaju", RecordKind::SpecialCheck, 9),
    ("caizhengju", RecordKind::SpecialCheck, 6),
    ("zhengfawei", RecordKind::SpecialCheck, 5),
    ("xuanchuanbu", RecordKind::SpecialCheck, 3),
    ("bianban", RecordKind::SpecialCheck, 3),
    ("gonganju", RecordKind::SpecialCheck, 2),
    ("jiwei", RecordKind::CaseAnalysis, 8),
    ("yc_jiwei", RecordKind::CaseAnalysis, 3),
    ("fayuan", RecordKind::CaseAnalysis, 3),
    ("jianchayuan", RecordKind::CaseAnalysis, 3),
    ("jiwei", RecordKind::Recommendation, 10),
    ("yc_jiwei", RecordKind::Recommendation, 4),
    ("wy_jiwei", RecordKind::Recommendation, 3),
    ("jiwei", RecordKind::Notice, 8),
    ("zuzhibu", RecordKind::Notice, 5),
    ("xuanchuanbu", RecordKind::Notice, 3),
    ("xunchaban", RecordKind::Notice, 4),
    ("zhengfawei", RecordKind::Notice, 3),
    ("bianban", RecordKind::Notice, 2),
    ("yc_jiwei", RecordKind::Notice, 3),
];

/// The clues whose twins another unit holds: (owner, index among its clues, twin's owner).
pub const TWINS: &[(&str, usize, &str)] = &[
    ("xunchaban", 0, "jiwei"),
    ("xunchaban", 5, "xinfangju"),
    ("shenjiju", 1, "jiwei"),
    ("yc_xunchaban", 0, "yc_jiwei"),
    ("duchaju", 2, "zuzhibu"),
];

/// A supervision object: a unit or township, or a person in one.
pub struct Obj {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub position: String,
}

/// A record to publish: its owner, content and how many days ago it was published.
pub struct Draft {
    pub owner: &'static str,
    pub content: RecordContent,
    pub days_ago: i64,
}

fn templates(kind: RecordKind) -> &'static [Template] {
    match kind {
        RecordKind::Clue => titles::CLUES,
        RecordKind::Petition => titles::PETITIONS,
        RecordKind::Case => titles::CASES,
        RecordKind::InspectionFeedback | RecordKind::InspectionProblem => titles::FEEDBACKS,
        RecordKind::AuditReport => titles::AUDITS,
        RecordKind::SpecialCheck => titles::CHECKS,
        RecordKind::CaseAnalysis => titles::ANALYSES,
        RecordKind::Recommendation => titles::RECOMMENDATIONS,
        RecordKind::Notice => titles::NOTICES,
    }
}

/// A tag saying what the matter is about, by its category.
fn topic(category: &str) -> &'static str {
    match category {
        "中央八项规定精神" => "八项规定",
        "廉洁纪律" => "廉洁风险",
        "群众纪律" => "群众身边不正之风",
        "组织纪律" => "选人用人",
        "政治纪律" => "意识形态",
        "工作纪律" => "形式主义官僚主义",
        "生活纪律" => "婚丧喜事",
        "党的领导弱化" | "党的建设缺失" => "党的建设",
        _ => "主体责任",
    }
}

/// The tag of the channel a record came by, by its owner.
fn channel(owner: &str, kind: RecordKind) -> &'static str {
    match (owner, kind) {
        ("xunchaban", RecordKind::Petition) => "码上巡察",
        ("xunchaban" | "yc_xunchaban", _) => "巡察移交",
        ("shenjiju", _) => "巡审联动",
        ("duchaju", _) => "巡后直督",
        ("xinfangju", _) => "信访转办",
        _ => "日常监督",
    }
}

fn prefix(owner: &str) -> &'static str {
    match owner {
        "xunchaban" => "XC",
        "jiwei" => "JW",
        "zuzhibu" => "ZZ",
        "xuanchuanbu" => "XCB",
        "zhengfawei" => "ZFW",
        "bianban" => "BB",
        "fayuan" => "FY",
        "jianchayuan" => "JCY",
        "gonganju" => "GA",
        "caizhengju" => "CZ",
        "shenjiju" => "SJ",
        "xinfangju" => "XF",
        "duchaju" => "DC",
        "yc_jiwei" => "YHJW",
        "yc_xunchaban" => "YHXC",
        _ => "WYJW",
    }
}

/// Fills a template's placeholders.
fn fill(text: &str, vars: &[(&str, String)]) -> String {
    vars.iter().fold(text.to_string(), |t, (k, v)| t.replace(&format!("{{{k}}}"), v))
}

/// Who a record goes to: a distribution (and the agencies granted its protected fields)
/// that the sharing agreements allow for this owner and kind, varied by `i`.
fn distribution(hub: &Hub, owner: &str, kind: RecordKind, sens: Sensitivity, i: usize) -> (Distribution, Vec<String>) {
    let to = |codes: &[&str]| {
        let agencies: Vec<String> = codes.iter().filter(|c| **c != owner).map(|c| hub.agency(c)).collect();
        if agencies.is_empty() {
            Distribution::own()
        } else {
            Distribution { level: DistributionLevel::Agencies, agencies, group: None }
        }
    };
    let group = |g: &String| Distribution { level: DistributionLevel::Group, agencies: vec![], group: Some(g.clone()) };
    let all = Distribution { level: DistributionLevel::All, agencies: vec![], group: None };
    let county = owner.starts_with("yc_") || owner.starts_with("wy_");
    let restricted = sens == Sensitivity::Restricted;
    let d = match kind {
        _ if restricted && (i / 2) % 2 == 1 => Distribution::own(),
        _ if restricted => to(&["jiwei", "xunchaban"]),
        // Petitions: the reporter's identity may go to the discipline commissions and the
        // inspection office only; the organization department gets the matter without it.
        RecordKind::Petition if owner == "xinfangju" => match i % 4 {
            0 => to(&["jiwei"]),
            1 => to(&["jiwei", "zuzhibu"]),
            2 => to(&["jiwei", "xunchaban", "yc_jiwei"]),
            _ => Distribution::own(),
        },
        RecordKind::Petition => to(&["jiwei"]),
        _ if county => match i % 3 {
            0 => group(&hub.county),
            1 => to(&["jiwei", "yc_xunchaban", "yc_jiwei"]),
            _ => Distribution::own(),
        },
        RecordKind::Clue => match i % 5 {
            0 | 3 => to(&["jiwei", "zuzhibu"]),
            1 => group(&hub.four),
            2 => Distribution::own(),
            _ => to(&["jiwei"]),
        },
        RecordKind::Notice | RecordKind::SpecialCheck => match i % 4 {
            0 => group(&hub.joint),
            _ => all,
        },
        RecordKind::AuditReport => match i % 3 {
            0 => group(&hub.four),
            1 => to(&["jiwei", "caizhengju", "xunchaban"]),
            _ => all,
        },
        _ => match i % 3 {
            0 => group(&hub.joint),
            1 => to(&["jiwei", "zuzhibu", "duchaju"]),
            _ => all,
        },
    };
    let grants = if sens == Sensitivity::General || owner == "jiwei" { vec![] } else { vec![hub.agency("jiwei")] };
    (d, grants)
}

/// The protected fields of a sensitive or restricted record (举报人姓名、联系方式 …).
fn protected(rng: &mut Rng, kind: RecordKind) -> BTreeMap<String, String> {
    let name = format!("{}某", rng.pick(titles::SURNAMES));
    let phone = format!("13{}****{:04}", rng.below(10), rng.below(10_000));
    match kind {
        RecordKind::Petition | RecordKind::Clue => {
            BTreeMap::from([("reporter_name".to_string(), name), ("reporter_phone".to_string(), phone)])
        }
        _ => BTreeMap::from([("source_contact".to_string(), format!("承办人{name} {phone}"))]),
    }
}

/// Every record of the plan, with the twins last.
pub fn drafts(hub: &Hub, units: &[Obj], persons: &[Obj], rng: &mut Rng) -> Vec<Draft> {
    let mut out = Vec::new();
    let mut serial: BTreeMap<&str, usize> = BTreeMap::new();
    // City units write about the city's bureaus, county units about the townships; each
    // person or unit is the subject of one clue of a kind at most (so that similar clues are
    // the twins below, not accidents of the templates).
    let city_units = &units[..titles::UNITS.len()];
    let towns = &units[titles::UNITS.len()..];
    let city_persons = &persons[..persons.len() - titles::TOWNS.len() * 3];
    let town_persons = &persons[persons.len() - titles::TOWNS.len() * 3..];
    let mut cursor: BTreeMap<(bool, bool), usize> = BTreeMap::new();
    let mut taken: HashSet<(usize, String)> = HashSet::new();
    let mut turns: BTreeMap<&str, usize> = BTreeMap::new();
    for (owner, kind, count) in PLAN {
        for i in 0..*count {
            let ts = templates(*kind);
            // Each kind's templates in turn, over all its owners.
            let turn = turns.entry(kind.as_str()).or_default();
            let t = *turn % ts.len();
            *turn += 1;
            let tpl = &ts[t];
            let county = owner.starts_with("yc_") || owner.starts_with("wy_") || tpl.title.contains("三资");
            let pool = match (tpl.person, county) {
                (true, false) => city_persons,
                (true, true) => town_persons,
                (false, false) => city_units,
                (false, true) => towns,
            };
            let at = cursor.entry((tpl.person, county)).or_default();
            let mut subject = &pool[0];
            for _ in 0..pool.len() {
                *at += 1;
                subject = &pool[(*at * 5) % pool.len()];
                let key = (if tpl.person { 0 } else { t + 1 }, subject.id.clone());
                if *kind != RecordKind::Clue || taken.insert(key) {
                    break;
                }
            }
            let amount = format!("{:.1}", 3.0 + rng.below(2_000) as f64 / 10.0);
            let round =
                if owner.starts_with("yc_") { rng.pick(titles::COUNTY_ROUNDS) } else { rng.pick(titles::ROUNDS) };
            let vars = [
                ("unit", subject.unit.clone()),
                ("pos", subject.position.clone()),
                ("person", if tpl.person { subject.name.clone() } else { String::new() }),
                ("year", (2023 + rng.below(3)).to_string()),
                ("amount", amount.clone()),
                ("n", (2 + rng.below(14)).to_string()),
                ("m", (1 + rng.below(6)).to_string()),
                ("project", rng.pick(titles::PROJECTS).to_string()),
                ("biz", rng.pick(titles::BUSINESSES).to_string()),
                ("task", rng.pick(titles::TASKS).to_string()),
                ("round", round.to_string()),
            ];
            let owner_kind = hub.kind_of(owner);
            let lead = if *kind == RecordKind::Petition && *owner == "xunchaban" {
                "“码上巡察”平台收到群众实名举报,".to_string()
            } else if matches!(kind, RecordKind::Clue | RecordKind::Petition) {
                fill(titles::source_phrase(owner_kind), &vars)
            } else {
                String::new()
            };
            let body = format!("{lead}{}", fill(tpl.body, &vars));
            let n = serial.entry(owner).or_default();
            *n += 1;
            let sens = if (*kind == RecordKind::Petition && i % 5 != 4) || (*kind == RecordKind::Clue && i % 5 == 1) {
                Sensitivity::Sensitive
            } else if (matches!(kind, RecordKind::Case | RecordKind::CaseAnalysis) && i % 3 == 1)
                || (*kind == RecordKind::Clue && *owner == "jiwei" && i % 4 == 3)
                || (*kind == RecordKind::Petition && *owner == "xinfangju" && i % 16 == 9)
            {
                Sensitivity::Restricted
            } else if *kind == RecordKind::AuditReport && tpl.person {
                Sensitivity::Sensitive
            } else {
                Sensitivity::General
            };
            let (distribution, field_grants) = distribution(hub, owner, *kind, sens, i);
            let protected = if sens == Sensitivity::General { BTreeMap::new() } else { protected(rng, *kind) };
            let field_grants = if protected.is_empty() { vec![] } else { field_grants };
            let mut attributes = serde_json::Map::new();
            if tpl.body.contains("{amount}") {
                attributes.insert("amount_wan".into(), json!(amount.parse::<f64>().unwrap_or_default()));
            }
            if matches!(*owner, "xunchaban" | "yc_xunchaban") {
                attributes.insert("round".into(), json!(round));
            }
            let content = RecordContent {
                kind: *kind,
                title: fill(tpl.title, &vars),
                body,
                category: Some(tpl.category.to_string()),
                object_ids: vec![subject.id.clone()],
                tags: vec![channel(owner, *kind).to_string(), topic(tpl.category).to_string()],
                attributes,
                distribution,
                sensitivity: sens,
                protected,
                field_grants,
                external_id: Some(format!("{}-{}-{:04}", prefix(owner), 2026, *n)),
            };
            out.push(Draft { owner, content, days_ago: 3 + ((out.len() * 37) % 175) as i64 });
        }
    }
    for (owner, index, twin_owner) in TWINS {
        let base = out
            .iter()
            .filter(|d| d.owner == *owner && d.content.kind == RecordKind::Clue)
            .nth(*index)
            .expect("the plan has the twin's clue");
        let mut c = base.content.clone();
        c.title = format!("{}(群众举报)", c.title.trim_end_matches("的线索").trim_end_matches("线索"));
        c.body = format!("{}经初步了解,反映问题基本属实。", c.body);
        c.tags = vec![channel(twin_owner, RecordKind::Clue).to_string(), "疑似重复".to_string()];
        c.distribution = Distribution::own();
        c.sensitivity = Sensitivity::General;
        c.protected = BTreeMap::new();
        c.field_grants = vec![];
        let n = serial.entry(twin_owner).or_default();
        *n += 1;
        c.external_id = Some(format!("{}-{}-{:04}", prefix(twin_owner), 2026, *n));
        out.push(Draft { owner: twin_owner, content: c, days_ago: 2 });
    }
    out
}
