//! The data generator: the hub's member units, sharing groups, supervision objects and
//! records at the seed's sizes (127 agencies, 21,000 objects; seeds 000 and 001), with the
//! vocabulary of the seed articles. Deterministic for a given seed.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;
use serde_json::{json, Value};

use crate::phrases::CLAUSES;

/// One member unit to create: (code, name, kind, level).
#[derive(Debug, Clone)]
pub struct AgencySpec {
    pub code: String,
    pub name: String,
    pub kind: &'static str,
    pub level: &'static str,
    /// The city it belongs to (0: the seed's city); `SPARSE_REGION` for the unit that
    /// receives only what goes to all.
    pub region: usize,
}

/// The region of the one unit in a national run that is in no city's groups and never a
/// listed recipient: it reads only what goes to all (~0.1% of records), the feed's worst case.
pub const SPARSE_REGION: usize = usize::MAX;

/// Member units of one city (the seed's city has 127).
pub const CITY_UNITS: usize = 127;

/// Cities of a national run beyond the seed's (漯河): their units repeat the seed city's,
/// named after them.
const CITIES: &[&str] = &[
    "郑州市",
    "开封市",
    "洛阳市",
    "平顶山市",
    "安阳市",
    "鹤壁市",
    "新乡市",
    "焦作市",
    "濮阳市",
    "许昌市",
    "三门峡市",
    "南阳市",
    "商丘市",
    "信阳市",
    "周口市",
    "驻马店市",
    "济源市",
    "石家庄市",
    "太原市",
    "济南市",
    "合肥市",
    "武汉市",
    "长沙市",
    "西安市",
];

/// The name prefix of region `r` (empty for the seed's city) and its code prefix.
fn city_prefix(r: usize) -> (String, String) {
    match r {
        0 => (String::new(), String::new()),
        _ => {
            let city = CITIES[(r - 1) % CITIES.len()];
            let round = (r - 1) / CITIES.len();
            let name = if round == 0 { city.to_string() } else { format!("{city}{}", round + 1) };
            (name, format!("c{r}-"))
        }
    }
}

/// The 13 member units of the city's joint meeting (联席会议, seed 000).
const CITY_JOINT: &[(&str, &str, &str)] = &[
    ("xunchaban", "市委巡察办", "inspection"),
    ("jiwei", "市纪委监委", "discipline"),
    ("zuzhibu", "市委组织部", "organization"),
    ("xuanchuanbu", "市委宣传部", "publicity"),
    ("zhengfawei", "市委政法委", "political_legal"),
    ("bianban", "市委编办", "establishment"),
    ("fayuan", "市中级人民法院", "court"),
    ("jianchayuan", "市人民检察院", "procuratorate"),
    ("gonganju", "市公安局", "police"),
    ("caizhengju", "市财政局", "finance"),
    ("shenjiju", "市审计局", "audit"),
    ("xinfangju", "市信访局", "petition"),
    ("duchaju", "市委市政府督查局", "supervision_office"),
];

const COUNTIES: &[(&str, &str)] =
    &[("yh", "源汇区"), ("yc", "郾城区"), ("zl", "召陵区"), ("wy", "舞阳县"), ("ly", "临颍县")];

/// Units every county/district has: (code suffix, name suffix, kind).
const COUNTY_UNITS: &[(&str, &str, &str)] = &[
    ("jiwei", "纪委监委", "discipline"),
    ("xunchaban", "委巡察办", "inspection"),
    ("zuzhibu", "委组织部", "organization"),
    ("shenjiju", "审计局", "audit"),
    ("xinfangju", "信访局", "petition"),
    ("zhengfawei", "委政法委", "political_legal"),
    ("fayuan", "人民法院", "court"),
    ("jianchayuan", "人民检察院", "procuratorate"),
    ("gonganju", "公安分局", "police"),
    ("caizhengju", "财政局", "finance"),
    ("xuanchuanbu", "委宣传部", "publicity"),
    ("duchashi", "委督查室", "supervision_office"),
    ("bianban", "委编办", "establishment"),
];

const ZONES: &[(&str, &str)] = &[("jk", "经济技术开发区"), ("sf", "城乡一体化示范区")];

const ZONE_UNITS: &[(&str, &str, &str)] = &[
    ("jigongwei", "纪工委", "discipline"),
    ("xunchaban", "党工委巡察办", "inspection"),
    ("dangqun", "党群工作部", "organization"),
    ("caishen", "财政审计局", "audit"),
    ("xinfang", "信访办", "petition"),
];

/// Township and street discipline committees (乡镇纪委、街道纪工委), by county.
const TOWNS: &[(&str, &[&str])] = &[
    ("yh", &["马路街街道", "顺河街街道", "老街街道", "干河陈街道", "空冢郭镇"]),
    ("yc", &["沙北街道", "城关镇", "孟庙镇", "商桥镇"]),
    ("zl", &["天桥街道", "召陵镇", "邓襄镇", "万金镇"]),
    ("wy", &["北舞渡镇", "吴城镇", "孟寨镇", "辛安镇"]),
    ("ly", &["城关街道", "杜曲镇", "繁城回族镇", "王岗镇"]),
];

const NUMERALS: &[&str] = &["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"];

fn county_name(code: &str) -> &'static str {
    COUNTIES.iter().find(|c| c.0 == code).map(|c| c.1).unwrap_or("")
}

/// The member units. Up to 127: the seed's city — 31 city units (joint meeting, 12
/// stationed discipline groups, 6 inspection groups), 13 units in each of 5
/// counties/districts, 5 in each of 2 development zones, and 21 township discipline
/// committees; mostly discipline, inspection, audit, organization and petition units, as in
/// the seeds. More (a national run, issue 12): further cities with the same units, and one
/// unit that receives only what goes to all (`SPARSE_REGION`).
pub fn agencies(limit: usize) -> Vec<AgencySpec> {
    if limit <= CITY_UNITS {
        let mut out = city(0);
        out.truncate(limit);
        return out;
    }
    let mut out = Vec::new();
    let mut r = 0;
    while out.len() < limit - 1 {
        out.extend(city(r));
        r += 1;
    }
    out.truncate(limit - 1);
    out.push(AgencySpec {
        code: "dangan".into(),
        name: "省档案馆".into(),
        kind: "other",
        level: "city",
        region: SPARSE_REGION,
    });
    out
}

/// The 127 units of city `r` (see `agencies`).
fn city(r: usize) -> Vec<AgencySpec> {
    let (np, cp) = city_prefix(r);
    let mut out = Vec::new();
    let mut push = |code: String, name: String, kind: &'static str, level: &'static str| {
        // "市纪委监委" becomes "郑州市纪委监委"; county units are prefixed whole.
        let name = match name.strip_prefix('市') {
            Some(rest) if !np.is_empty() => format!("{np}{rest}"),
            _ => format!("{np}{name}"),
        };
        out.push(AgencySpec { code: format!("{cp}{code}"), name, kind, level, region: r })
    };
    for (code, name, kind) in CITY_JOINT {
        push(code.to_string(), name.to_string(), kind, "city");
    }
    for (i, n) in NUMERALS.iter().enumerate() {
        push(format!("pz{:02}", i + 1), format!("市纪委监委派驻第{n}纪检监察组"), "discipline", "city");
    }
    for (i, n) in NUMERALS.iter().take(6).enumerate() {
        push(format!("xcz{}", i + 1), format!("市委第{n}巡察组"), "inspection", "city");
    }
    for (cc, cn) in COUNTIES {
        for (uc, un, kind) in COUNTY_UNITS {
            push(format!("{cc}-{uc}"), format!("{cn}{un}"), kind, "county");
        }
    }
    for (zc, zn) in ZONES {
        for (uc, un, kind) in ZONE_UNITS {
            push(format!("{zc}-{uc}"), format!("{zn}{un}"), kind, "county");
        }
    }
    for (cc, towns) in TOWNS {
        for (i, t) in towns.iter().enumerate() {
            let suffix = if t.ends_with("街道") { "纪工委" } else { "纪委" };
            push(format!("{cc}-t{}", i + 1), format!("{}{t}{suffix}", county_name(cc)), "discipline", "county");
        }
    }
    debug_assert_eq!(out.len(), CITY_UNITS);
    out
}

/// How much an agency publishes, relative to others: the discipline commissions,
/// inspection offices, auditors and petition offices are the big sources.
pub fn publish_weight(kind: &str) -> usize {
    match kind {
        "discipline" | "inspection" => 3,
        "audit" | "petition" => 2,
        _ => 1,
    }
}

/// The sharing groups of each of the first `regions` cities: (name, description, member
/// codes). Codes not in the hub (small runs) are skipped by the caller.
pub fn groups(regions: usize) -> Vec<(String, &'static str, Vec<String>)> {
    (0..regions.max(1)).flat_map(city_groups).collect()
}

fn city_groups(r: usize) -> Vec<(String, &'static str, Vec<String>)> {
    let (np, cp) = city_prefix(r);
    let mut joint: Vec<String> = CITY_JOINT.iter().map(|c| c.0.to_string()).collect();
    joint.extend(COUNTIES.iter().map(|(c, _)| format!("{c}-xunchaban")));
    joint.extend(["xcz1".to_string(), "xcz2".to_string()]);
    let four = ["xunchaban", "jiwei", "zuzhibu", "shenjiju"].iter().map(|s| s.to_string()).collect();
    let mut audit_link: Vec<String> = vec!["xunchaban".into(), "shenjiju".into()];
    audit_link.extend((1..=6).map(|i| format!("xcz{i}")));
    for (c, _) in COUNTIES {
        audit_link.push(format!("{c}-xunchaban"));
        audit_link.push(format!("{c}-shenjiju"));
    }
    let mut district: Vec<String> = vec!["jiwei".into()];
    for (c, towns) in TOWNS {
        district.push(format!("{c}-jiwei"));
        district.extend((1..=towns.len()).map(|i| format!("{c}-t{i}")));
    }
    let prefixed = |v: Vec<String>| v.into_iter().map(|c| format!("{cp}{c}")).collect::<Vec<_>>();
    vec![
        (format!("{np}联席会议成员单位"), "市委巡察工作联席会议成员单位", prefixed(joint)),
        (format!("{np}四方会审组"), "巡察、纪检、组织、审计四方会审", prefixed(four)),
        (format!("{np}巡审联动组"), "巡察机构与审计机关巡审联动", prefixed(audit_link)),
        (format!("{np}纪检监察片区协作组"), "市县乡三级纪检监察机关片区协作", prefixed(district)),
    ]
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马",
    "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧",
];

const BUREAUS: &[&str] = &[
    "住房和城乡建设局",
    "交通运输局",
    "农业农村局",
    "自然资源和规划局",
    "教育局",
    "卫生健康委员会",
    "民政局",
    "人力资源和社会保障局",
    "水利局",
    "生态环境局",
    "市场监督管理局",
    "城市管理局",
    "文化广电和旅游局",
    "发展和改革委员会",
    "商务局",
    "应急管理局",
    "医疗保障局",
    "退役军人事务局",
    "统计局",
    "林业局",
];

const VILLAGE_A: &[&str] =
    &["东", "西", "南", "北", "前", "后", "大", "小", "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"];
const VILLAGE_B: &[&str] = &["庄", "营", "楼", "寨", "店", "集", "湾", "屯", "岗", "桥", "湖", "河", "坡", "庙"];

const POSITIONS: &[&str] = &[
    "党组书记、局长",
    "党组成员、副局长",
    "办公室主任",
    "财务科科长",
    "项目办主任",
    "镇党委书记",
    "镇长",
    "村党支部书记",
    "村委会主任",
    "村报账员",
    "学校校长",
    "医院院长",
    "公司总经理",
];

/// A supervision object to create (POST /api/v1/objects) and the name records use for it.
pub struct ObjectSpec {
    pub body: Value,
    pub label: String,
}

fn unit_name(rng: &mut StdRng) -> String {
    let prefix = match rng.gen_range(0..7) {
        0 => "市".to_string(),
        _ => COUNTIES[rng.gen_range(0..COUNTIES.len())].1.to_string(),
    };
    match rng.gen_range(0..10) {
        0..=5 => format!("{prefix}{}", BUREAUS[rng.gen_range(0..BUREAUS.len())]),
        _ => {
            let (cc, towns) = TOWNS[rng.gen_range(0..TOWNS.len())];
            let town = towns[rng.gen_range(0..towns.len())];
            format!(
                "{}{town}{}{}村",
                county_name(cc),
                VILLAGE_A[rng.gen_range(0..VILLAGE_A.len())],
                VILLAGE_B[rng.gen_range(0..VILLAGE_B.len())]
            )
        }
    }
}

fn person_name(rng: &mut StdRng) -> String {
    let s = SURNAMES[rng.gen_range(0..SURNAMES.len())];
    if rng.gen_bool(0.7) {
        format!("{s}某某")
    } else {
        format!("{s}某")
    }
}

fn digits(rng: &mut StdRng, n: usize) -> String {
    (0..n).map(|_| char::from(b'0' + rng.gen_range(0..10u8))).collect()
}

/// One supervision object: about 15% units (党组织/单位), the rest leading cadres.
pub fn object(rng: &mut StdRng) -> ObjectSpec {
    if rng.gen_bool(0.15) {
        let name = unit_name(rng);
        let name = if name.ends_with('村') { format!("{name}党支部") } else { format!("{name}党组") };
        ObjectSpec { body: json!({"name": name, "kind": "unit"}), label: name }
    } else {
        let unit = unit_name(rng);
        let position = POSITIONS[rng.gen_range(0..POSITIONS.len())];
        let name = person_name(rng);
        let mut body = json!({"name": name, "kind": "person", "unit": unit, "position": position});
        if rng.gen_bool(0.5) {
            body["id_number"] = json!(format!("4111{}", digits(rng, 14)));
        }
        ObjectSpec { label: format!("{unit}{position}{name}"), body }
    }
}

/// Problem phrases of the seeds and their category in the seeded taxonomy.
const PROBLEMS: &[(&str, &str)] = &[
    ("违规发放津补贴", "中央八项规定精神"),
    ("违规收送礼品礼金", "中央八项规定精神"),
    ("违规公款吃喝", "中央八项规定精神"),
    ("违规使用公务用车", "中央八项规定精神"),
    ("违规操办婚丧喜庆事宜", "廉洁纪律"),
    ("利用职务便利为他人谋取利益", "廉洁纪律"),
    ("违规兼职取酬", "廉洁纪律"),
    ("违规经商办企业", "廉洁纪律"),
    ("工程项目监管不到位", "工作纪律"),
    ("工程项目围标串标", "廉洁纪律"),
    ("政府采购程序不规范", "工作纪律"),
    ("专项资金管理使用不规范", "工作纪律"),
    ("财务管理混乱", "工作纪律"),
    ("形式主义官僚主义", "工作纪律"),
    ("选人用人不规范", "组织纪律"),
    ("干部档案管理不规范", "组织纪律"),
    ("扶贫项目资金挪用", "群众纪律"),
    ("惠民惠农补贴发放不精准", "群众纪律"),
    ("集体“三资”管理不规范", "群众纪律"),
    ("侵害群众利益", "群众纪律"),
    ("贯彻落实上级决策部署不坚决", "政治纪律"),
    ("意识形态工作责任制落实不到位", "政治纪律"),
    ("生活作风问题", "生活纪律"),
    ("“三重一大”事项决策不规范", "党的领导弱化"),
    ("基层党组织软弱涣散", "党的建设缺失"),
    ("落实全面从严治党主体责任不力", "全面从严治党不力"),
    ("巡察整改不到位", "全面从严治党不力"),
];

const CONTEXTS: &[&str] =
    &["巡察", "专项审计", "信访举报受理", "日常监督检查", "巡审联动", "四方会审", "巡前函询", "专项整治"];

const HANDLERS: &[&str] = &["市纪委监委", "市委组织部", "市审计局", "被巡察党组织", "县区纪委监委"];

pub const TAGS: &[&str] =
    &["巡察移交", "巡审联动", "信访举报", "专项整治", "群众身边腐败", "四风问题", "整改督办", "重点领域"];

/// Search terms for `?q=`: common (in ~5% of records), rare (~0.2%) and absent, and the same
/// for two-character Chinese terms (single terms of the bigram index).
pub const SEARCH_TERMS: &[(&str, &str)] = &[
    ("common", "违规发放津补贴"),
    ("rare", "房屋征收补偿款"),
    ("absent", "区块链存证"),
    ("two characters, common", "巡察"),
    ("two characters, less common", "纪律"),
    ("two characters, absent", "区块"),
];

/// Share of clues that report again what another clue on the same object reported (the
/// repeated handling the similarity check exists for).
const REREPORT: f64 = 0.02;

/// The record kinds an agency of `kind` publishes, with weights.
fn kinds_for(kind: &str) -> &'static [(&'static str, u32)] {
    match kind {
        "discipline" => &[("clue", 35), ("case", 30), ("case_analysis", 10), ("recommendation", 10), ("notice", 15)],
        "inspection" => &[("clue", 40), ("inspection_feedback", 40), ("special_check", 10), ("notice", 10)],
        "audit" => &[("audit_report", 50), ("clue", 30), ("special_check", 20)],
        "petition" => &[("petition", 60), ("clue", 20), ("notice", 20)],
        "organization" => &[("special_check", 40), ("notice", 30), ("clue", 30)],
        _ => &[("clue", 40), ("special_check", 30), ("notice", 30)],
    }
}

fn weighted<'a>(rng: &mut StdRng, items: &'a [(&'a str, u32)]) -> &'a str {
    let total: u32 = items.iter().map(|i| i.1).sum();
    let mut x = rng.gen_range(0..total);
    for (v, w) in items {
        if x < *w {
            return v;
        }
        x -= w;
    }
    items[0].0
}

/// A member unit as created.
pub struct HubAgency {
    pub id: String,
    pub code: String,
    pub name: String,
    pub kind: &'static str,
    pub region: usize,
}

/// What the record generator needs to know about the hub once it exists.
pub struct Hub {
    /// Every member unit, in `agencies()` order.
    pub agencies: Vec<HubAgency>,
    /// (group id, member indexes into `agencies`).
    pub groups: Vec<(String, Vec<usize>)>,
    /// (object id, label).
    pub objects: Vec<(String, String)>,
}

impl Hub {
    fn of_kind(&self, kinds: &[&str]) -> Vec<usize> {
        (0..self.agencies.len()).filter(|i| kinds.contains(&self.agencies[*i].kind)).collect()
    }
}

/// Generates record lines for the bulk import, and counts for every agency how many of
/// them it is entitled to (to pick the agencies whose latency is measured).
pub struct RecordGen {
    rng: StdRng,
    /// Per agency: records shared to it specifically (own, listed, group).
    pub visible: Vec<u64>,
    /// Records shared with everyone (`all`).
    pub visible_all: u64,
    pub generated: u64,
    petition_recipients: Vec<usize>,
    discipline: Vec<usize>,
    member_of: Vec<Vec<usize>>,
    /// A national run (more than one city): ~0.1% of records go to all, the rest stay in
    /// their owner's city (its units, its groups).
    national: bool,
    /// Per city: its units, and its groups.
    city_units: Vec<Vec<usize>>,
    city_groups: Vec<Vec<usize>>,
    /// Recent clues with objects: (first object, body), for re-reports.
    recent: Vec<(usize, String)>,
}

impl RecordGen {
    pub fn new(hub: &Hub, seed: u64) -> RecordGen {
        let mut member_of = vec![Vec::new(); hub.agencies.len()];
        for (g, (_, members)) in hub.groups.iter().enumerate() {
            for m in members {
                member_of[*m].push(g);
            }
        }
        let cities = hub.agencies.iter().filter(|a| a.region != SPARSE_REGION).map(|a| a.region + 1).max().unwrap_or(1);
        let mut city_units = vec![Vec::new(); cities];
        for (i, a) in hub.agencies.iter().enumerate().filter(|(_, a)| a.region != SPARSE_REGION) {
            city_units[a.region].push(i);
        }
        let mut city_groups = vec![Vec::new(); cities];
        for (g, (_, members)) in hub.groups.iter().enumerate() {
            if let Some(m) = members.first() {
                city_groups[hub.agencies[*m].region].push(g);
            }
        }
        RecordGen {
            national: cities > 1,
            city_units,
            city_groups,
            rng: rand::SeedableRng::seed_from_u64(seed),
            visible: vec![0; hub.agencies.len()],
            visible_all: 0,
            generated: 0,
            petition_recipients: hub.of_kind(&["discipline", "organization"]),
            discipline: hub.of_kind(&["discipline"]),
            member_of,
            recent: Vec::new(),
        }
    }

    /// The owner of each batch, weighted by how much agencies publish (a shuffled
    /// round-robin, so every agency pushes over a full run).
    pub fn schedule(&mut self, hub: &Hub) -> Vec<usize> {
        let mut s: Vec<usize> = (0..hub.agencies.len())
            .filter(|i| hub.agencies[*i].region != SPARSE_REGION)
            .flat_map(|i| std::iter::repeat_n(i, publish_weight(hub.agencies[i].kind)))
            .collect();
        s.shuffle(&mut self.rng);
        s
    }

    /// One NDJSON line of a record owned by agency `owner`, numbered `n` in its system.
    pub fn line(&mut self, hub: &Hub, owner: usize, n: u64) -> String {
        let rng = &mut self.rng;
        let (owner_kind, owner_name) = (hub.agencies[owner].kind, &hub.agencies[owner].name);
        // Distribution mix: ~30% all, ~30% listed agencies, ~20% group, ~20% own; in a
        // national run ~0.1% all and the rest in those proportions within the owner's city.
        let mut level = if self.national {
            match (rng.gen_bool(0.001), rng.gen_range(0..7)) {
                (true, _) => "all",
                (_, 0..=2) => "agencies",
                (_, 3..=4) => "group",
                _ => "own",
            }
        } else {
            match rng.gen_range(0..10) {
                0..=2 => "all",
                3..=5 => "agencies",
                6..=7 => "group",
                _ => "own",
            }
        };
        let mut kind = weighted(rng, kinds_for(owner_kind));
        // Petitions are bound by the agreement (only discipline and organization units
        // may receive them): their wider distributions are sent as notices instead.
        if kind == "petition" && (level == "all" || level == "group") {
            kind = "notice";
        }
        let mut recipients: Vec<usize> = Vec::new();
        let mut group: Option<usize> = None;
        let city = hub.agencies[owner].region;
        match level {
            "agencies" if self.national => {
                let pool: Vec<usize> = if kind == "petition" {
                    self.petition_recipients.iter().copied().filter(|a| hub.agencies[*a].region == city).collect()
                } else {
                    self.city_units[city].clone()
                };
                let pool: Vec<usize> = pool.into_iter().filter(|a| *a != owner).collect();
                let k = rng.gen_range(2..=5).min(pool.len());
                recipients = pool.choose_multiple(rng, k).copied().collect();
                if recipients.is_empty() {
                    level = "own";
                }
            }
            "group" if self.national => {
                let mine = &self.member_of[owner];
                let theirs = &self.city_groups[city];
                group = if !mine.is_empty() && rng.gen_bool(0.8) {
                    Some(mine[rng.gen_range(0..mine.len())])
                } else if !theirs.is_empty() {
                    Some(theirs[rng.gen_range(0..theirs.len())])
                } else {
                    level = "own";
                    None
                };
            }
            "agencies" => {
                // At most as many as there are others to pick from (a small hub, or petitions,
                // whose recipients are few): otherwise this would never end.
                let others = if kind == "petition" {
                    self.petition_recipients.iter().filter(|a| **a != owner).count()
                } else {
                    hub.agencies.len().saturating_sub(1)
                };
                let k = rng.gen_range(2..=5).min(others);
                if k == 0 {
                    level = "own";
                }
                while recipients.len() < k {
                    let a = if kind == "petition" {
                        let pool = &self.petition_recipients;
                        pool[rng.gen_range(0..pool.len())]
                    } else {
                        rng.gen_range(0..hub.agencies.len())
                    };
                    if a != owner && !recipients.contains(&a) {
                        recipients.push(a);
                    }
                }
            }
            "group" => {
                let mine = &self.member_of[owner];
                group = Some(if !mine.is_empty() && rng.gen_bool(0.8) {
                    mine[rng.gen_range(0..mine.len())]
                } else {
                    rng.gen_range(0..hub.groups.len())
                });
            }
            _ => {}
        }
        // ~15% sensitive, ~3% restricted (never distributed to all).
        let x: f64 = rng.gen();
        let sensitivity = if level != "all" && x < 0.03 / 0.7 {
            "restricted"
        } else if x < 0.043 + 0.15 {
            "sensitive"
        } else {
            "general"
        };
        // Links to 0–2 supervision objects; the first names the target in the text.
        let links = match rng.gen_range(0..10) {
            0..=3 => 0,
            4..=7 => 1,
            _ => 2,
        };
        let mut objects: Vec<usize> = (0..links).map(|_| rng.gen_range(0..hub.objects.len())).collect();
        // A few clues report again what a recent clue on the same object said.
        let rereport = (kind == "clue" && links > 0 && !self.recent.is_empty() && rng.gen_bool(REREPORT))
            .then(|| self.recent[rng.gen_range(0..self.recent.len())].clone());
        if let Some((o, _)) = &rereport {
            objects[0] = *o;
        }
        let target = match objects.first() {
            Some(o) => hub.objects[*o].1.clone(),
            None => unit_name(rng),
        };
        let (problem, category) = PROBLEMS[rng.gen_range(0..PROBLEMS.len())];
        let title = title(rng, kind, owner_name, &target, problem);
        let body = match rereport {
            Some((_, old)) => format!("据{}反映,{old}", CONTEXTS[rng.gen_range(0..CONTEXTS.len())]),
            None => body(rng, owner_name, &target, problem),
        };
        if kind == "clue" && links > 0 {
            let entry = (objects[0], body.clone());
            if self.recent.len() < 256 {
                self.recent.push(entry);
            } else {
                let i = rng.gen_range(0..256);
                self.recent[i] = entry;
            }
        }
        let ntags = rng.gen_range(0..=3);
        let mut tags: Vec<&str> = TAGS.choose_multiple(rng, ntags).copied().collect();
        tags.sort();
        let year = 2019 + (n % 8);
        let mut rec = json!({
            "external_id": format!("{}-{year}-{n:07}", hub.agencies[owner].code.to_uppercase()),
            "kind": kind,
            "title": title,
            "body": body,
            "category": category,
            "object_ids": objects.iter().map(|o| hub.objects[*o].0.as_str()).collect::<Vec<_>>(),
            "tags": tags,
            "attributes": {"来源": CONTEXTS[rng.gen_range(0..CONTEXTS.len())], "年度": year},
            "distribution": {"level": level},
            "sensitivity": sensitivity,
        });
        if level == "agencies" {
            rec["distribution"]["agencies"] =
                json!(recipients.iter().map(|a| &hub.agencies[*a].id).collect::<Vec<_>>());
        }
        if let Some(g) = group {
            rec["distribution"]["group"] = json!(hub.groups[g].0);
        }
        if sensitivity != "general" {
            rec["protected"] = json!({
                "reporter_name": person_name(rng),
                "reporter_phone": format!("1{}{}", rng.gen_range(3..10), digits(rng, 9)),
                "reporter_id_number": format!("4111{}", digits(rng, 14)),
            });
            // Some owners grant the protected fields to a discipline commission recipient.
            if let Some(d) = recipients.iter().find(|a| self.discipline.contains(a)) {
                if rng.gen_bool(0.5) {
                    rec["field_grants"] = json!([hub.agencies[*d].id]);
                }
            }
        }
        // Who may read it, for picking the measured agencies.
        self.generated += 1;
        match level {
            "all" => self.visible_all += 1,
            "agencies" => {
                self.visible[owner] += 1;
                for a in &recipients {
                    self.visible[*a] += 1;
                }
            }
            "group" => {
                let members = &hub.groups[group.unwrap()].1;
                if !members.contains(&owner) {
                    self.visible[owner] += 1;
                }
                for m in members {
                    self.visible[*m] += 1;
                }
            }
            _ => self.visible[owner] += 1,
        }
        rec.to_string()
    }

    /// How many records agency `a` may read.
    pub fn entitled(&self, a: usize) -> u64 {
        self.visible_all + self.visible[a]
    }
}

fn title(rng: &mut StdRng, kind: &str, owner: &str, target: &str, problem: &str) -> String {
    let year = rng.gen_range(2019..=2026);
    let t = match kind {
        "clue" => format!("关于{target}{problem}的问题线索"),
        "case" => format!("{target}{problem}案"),
        "petition" => format!("群众反映{target}{problem}"),
        "inspection_feedback" => format!("{owner}关于{target}的巡察反馈意见"),
        "audit_report" => format!("{target}{year}年度财政收支审计报告"),
        "special_check" => format!("{target}{problem}专项检查情况"),
        "case_analysis" => format!("{target}{problem}案件剖析报告"),
        "recommendation" => format!("关于{target}{problem}的纪检监察建议书"),
        _ => format!("关于{target}{problem}典型问题的通报"),
    };
    t.chars().take(200).collect()
}

/// A body of ~100–300 characters: what was found and by whom, then clauses of the seed
/// articles, and sometimes who should handle it.
fn body(rng: &mut StdRng, owner: &str, target: &str, problem: &str) -> String {
    let want = rng.gen_range(100..=300);
    let year = rng.gen_range(2019..=2026);
    let ctx = CONTEXTS[rng.gen_range(0..CONTEXTS.len())];
    let mut s = format!(
        "{year}年{}月,{owner}在{ctx}中发现,{target}存在{problem}问题,涉及金额约{}.{}万元。",
        rng.gen_range(1..=12),
        rng.gen_range(1..500),
        rng.gen_range(0..10)
    );
    if rng.gen_bool(0.3) {
        let (p2, _) = PROBLEMS[rng.gen_range(0..PROBLEMS.len())];
        s.push_str(&format!("经初步核实,还存在{p2}等问题。"));
    }
    if rng.gen_bool(0.002) {
        s.push_str("其中涉及房屋征收补偿款发放问题。");
    }
    // Sentences of two or three clauses of the seeds.
    while s.chars().count() < want {
        let k = rng.gen_range(2..=3);
        let clauses: Vec<&str> = CLAUSES.choose_multiple(rng, k).copied().collect();
        s.push_str(&clauses.join(","));
        s.push('。');
    }
    if rng.gen_bool(0.2) {
        let h = HANDLERS[rng.gen_range(0..HANDLERS.len())];
        s.push_str(&format!("建议由{h}依规依纪依法处置,并将办理结果及时反馈。"));
    }
    s
}
