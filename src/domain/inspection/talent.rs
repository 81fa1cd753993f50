//! The talent pool (人才库) — the pure parts: a recommended person as a member unit describes
//! them (checked, every field error at once), the avoidance rules (回避) that keep a person
//! off the team of a unit they are tied to, and the order in which a team proposal ranks the
//! people who may serve.

use std::cmp::Ordering;

use chrono::{Months, NaiveDate};

use crate::domain::clock::parse_date;
use crate::domain::ids::ObjectId;
use crate::domain::FieldError;
use crate::wire_enum;

use super::{check_date, check_name, check_tags};

wire_enum!(
    /// A position in an inspection team (巡察组): 组长, 副组长 or 工作人员.
    TeamPosition {
        Leader = "leader" / "组长",
        Deputy = "deputy" / "副组长",
        Staff = "staff" / "工作人员",
    }
);

/// Most past postings and declared relations of one person.
pub const MAX_POSTINGS: usize = 50;
pub const MAX_RELATIONS: usize = 50;
/// Longest declared relation (e.g. 配偶在该单位任财务科科长).
pub const MAX_RELATION_CHARS: usize = 200;
/// Most people in one batch of recommendations.
pub const MAX_BATCH: usize = 500;

/// A past posting (任职经历) as given: the unit (a supervision object) and the period; no end
/// date means the person still works there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostingDraft {
    pub unit_object_id: ObjectId,
    pub from: String,
    pub to: Option<String>,
}

/// A declared relation to a unit (亲属关系等), as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationDraft {
    pub unit_object_id: ObjectId,
    pub relation: String,
}

/// A person as the recommending unit describes them, before checking. Ids are raw text here
/// so that a bad one is reported with every other field error.
#[derive(Debug, Clone, Default)]
pub struct TalentInput {
    pub name: String,
    pub work_unit_object_id: Option<String>,
    pub work_unit_name: Option<String>,
    pub position: String,
    pub expertise: Vec<String>,
    pub eligible: Vec<TeamPosition>,
    pub postings: Vec<(String, String, Option<String>)>,
    pub relations: Vec<(String, String)>,
    pub active: bool,
}

/// A person checked: trimmed, tags de-duplicated, positions in their fixed order. When
/// `work_unit_name` is `None` the work unit object's name is used (the object is required then).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TalentDraft {
    pub name: String,
    pub work_unit_object_id: Option<ObjectId>,
    pub work_unit_name: Option<String>,
    pub position: String,
    pub expertise: Vec<String>,
    pub eligible: Vec<TeamPosition>,
    pub postings: Vec<PostingDraft>,
    pub relations: Vec<RelationDraft>,
    pub active: bool,
}

fn object_id(field: String, raw: &str, errs: &mut Vec<FieldError>) -> Option<ObjectId> {
    let id = ObjectId::parse(raw);
    if id.is_none() {
        errs.push(FieldError::new(field, "编号格式无效"));
    }
    id
}

impl TalentDraft {
    /// Checks a person; field names are prefixed with `prefix` (e.g. `items[3].` in a batch).
    pub fn parse(input: &TalentInput, prefix: &str) -> Result<TalentDraft, Vec<FieldError>> {
        let f = |name: &str| format!("{prefix}{name}");
        let mut errs = Vec::new();
        check_name(&f("name"), &input.name, &mut errs);
        let work_unit_object_id =
            input.work_unit_object_id.as_deref().and_then(|w| object_id(f("work_unit_object_id"), w, &mut errs));
        let work_unit_name = input.work_unit_name.as_deref().map(str::trim);
        match input.work_unit_name.as_deref() {
            Some(w) => check_name(&f("work_unit_name"), w, &mut errs),
            None if input.work_unit_object_id.is_none() => {
                errs.push(FieldError::new(f("work_unit_name"), "须填写现工作单位(或给出工作单位的监督对象编号)"))
            }
            None => {}
        }
        check_name(&f("position"), &input.position, &mut errs);
        let expertise = check_tags(&f("expertise"), &input.expertise, &mut errs);
        let eligible: Vec<TeamPosition> =
            TeamPosition::ALL.iter().copied().filter(|p| input.eligible.contains(p)).collect();
        if eligible.is_empty() {
            errs.push(FieldError::new(f("eligible"), "至少选择一项可担任的组内职务(组长、副组长或工作人员)"));
        }
        if input.postings.len() > MAX_POSTINGS {
            errs.push(FieldError::new(f("postings"), format!("最多 {MAX_POSTINGS} 项")));
        }
        let mut postings = Vec::new();
        for (i, (unit, from, to)) in input.postings.iter().enumerate() {
            let at = |n: &str| f(&format!("postings[{i}].{n}"));
            let unit = object_id(at("unit_object_id"), unit, &mut errs);
            let ok_from = check_date(&at("from"), from, &mut errs);
            let ok_to = to.as_deref().is_none_or(|t| check_date(&at("to"), t, &mut errs));
            if ok_from && ok_to && to.as_deref().is_some_and(|t| t < from.as_str()) {
                errs.push(FieldError::new(at("to"), "结束日期不能早于开始日期"));
            }
            if let Some(unit) = unit {
                postings.push(PostingDraft { unit_object_id: unit, from: from.clone(), to: to.clone() });
            }
        }
        if input.relations.len() > MAX_RELATIONS {
            errs.push(FieldError::new(f("relations"), format!("最多 {MAX_RELATIONS} 项")));
        }
        let mut relations = Vec::new();
        for (i, (unit, relation)) in input.relations.iter().enumerate() {
            let at = |n: &str| f(&format!("relations[{i}].{n}"));
            let unit = object_id(at("unit_object_id"), unit, &mut errs);
            if relation.trim().is_empty() || relation.chars().count() > MAX_RELATION_CHARS {
                errs.push(FieldError::new(at("relation"), format!("不能为空,且不超过 {MAX_RELATION_CHARS} 个字符")));
            }
            if let Some(unit) = unit {
                relations.push(RelationDraft { unit_object_id: unit, relation: relation.trim().to_string() });
            }
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        Ok(TalentDraft {
            name: input.name.trim().to_string(),
            work_unit_object_id,
            work_unit_name: work_unit_name.map(str::to_string),
            position: input.position.trim().to_string(),
            expertise,
            eligible,
            postings,
            relations,
            active: input.active,
        })
    }
}

/// What avoidance looks at for one person and one inspected unit (the unit's supervision
/// object): the person's current work unit, past postings and declared relations.
#[derive(Debug, Clone, Default)]
pub struct PersonTies<'a> {
    pub work_unit_object_id: Option<&'a str>,
    /// (unit object, from, to): `to` `None` while the person still works there.
    pub postings: Vec<(&'a str, &'a str, Option<&'a str>)>,
    /// (unit object, relation as declared).
    pub relations: Vec<(&'a str, &'a str)>,
}

/// Why a person must stay off the team of the unit `unit_object_id` (回避), in Chinese; empty
/// when they may serve. Avoided: the person works in the unit now; or worked there within
/// the last `years` years (a posting without an end, or ending on or after the day `years`
/// years before `today`); or declared a relation to it.
pub fn avoidance_reasons(ties: &PersonTies, unit_object_id: &str, today: NaiveDate, years: u32) -> Vec<String> {
    let mut reasons = Vec::new();
    if ties.work_unit_object_id == Some(unit_object_id) {
        reasons.push("现工作单位即被巡察单位".to_string());
    }
    let since = today.checked_sub_months(Months::new(years.saturating_mul(12))).unwrap_or(NaiveDate::MIN);
    for (unit, from, to) in &ties.postings {
        if *unit != unit_object_id {
            continue;
        }
        let recent = match to {
            None => true,
            Some(t) => parse_date(t).is_none_or(|t| t >= since),
        };
        if recent {
            let to = to.unwrap_or("今");
            reasons.push(format!("{years} 年内曾在被巡察单位工作({from} 至 {to})"));
        }
    }
    for (unit, relation) in &ties.relations {
        if *unit == unit_object_id {
            reasons.push(format!("与被巡察单位有申报的关联关系:{relation}"));
        }
    }
    reasons
}

/// The person's expertise tags that match the round's focus (巡察重点), in the focus's order.
pub fn matched_tags(expertise: &[String], focus: &[String]) -> Vec<String> {
    focus.iter().filter(|f| expertise.iter().any(|e| e == *f)).cloned().collect()
}

/// What a team proposal ranks a person by.
#[derive(Debug, Clone, Copy)]
pub struct RankFacts<'a> {
    /// How many of their expertise tags match the round's focus.
    pub matched: usize,
    /// How many teams they have served on.
    pub participations: i64,
    pub name: &'a str,
    pub id: &'a str,
}

/// The proposal's order: more matching expertise first, then fewer participations (spread
/// the work), then by name, then by id (so the order is total and stable).
pub fn proposal_order(a: &RankFacts, b: &RankFacts) -> Ordering {
    b.matched
        .cmp(&a.matched)
        .then(a.participations.cmp(&b.participations))
        .then(a.name.cmp(b.name))
        .then(a.id.cmp(b.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    const UNIT: &str = "unit-a";

    #[test]
    fn each_tie_to_the_unit_is_a_reason_and_ties_elsewhere_are_not() {
        let today = day("2026-06-15");
        let none = PersonTies::default();
        assert!(avoidance_reasons(&none, UNIT, today, 5).is_empty());
        let works_there = PersonTies { work_unit_object_id: Some(UNIT), ..Default::default() };
        assert_eq!(avoidance_reasons(&works_there, UNIT, today, 5), ["现工作单位即被巡察单位"]);
        let works_elsewhere = PersonTies { work_unit_object_id: Some("unit-b"), ..Default::default() };
        assert!(avoidance_reasons(&works_elsewhere, UNIT, today, 5).is_empty());
        let related = PersonTies {
            relations: vec![(UNIT, "配偶在该单位任职"), ("unit-b", "兄弟")],
            ..Default::default()
        };
        assert_eq!(avoidance_reasons(&related, UNIT, today, 5), ["与被巡察单位有申报的关联关系:配偶在该单位任职"]);
    }

    #[test]
    fn a_posting_counts_while_it_ended_within_the_years() {
        let today = day("2026-06-15");
        let posting = |to: Option<&'static str>| PersonTies {
            postings: vec![(UNIT, "2010-01-01", to), ("unit-b", "2024-01-01", None)],
            ..Default::default()
        };
        // Table: (end, years, avoided).
        let table = [
            (None, 5, true),
            (Some("2026-01-01"), 5, true),
            (Some("2021-06-15"), 5, true), // exactly five years ago: still within
            (Some("2021-06-14"), 5, false),
            (Some("2019-12-31"), 5, false),
            (Some("2019-12-31"), 7, true),
            (Some("2025-12-31"), 0, false),
        ];
        for (to, years, avoided) in table {
            let r = avoidance_reasons(&posting(to), UNIT, today, years);
            assert_eq!(!r.is_empty(), avoided, "{to:?} {years}: {r:?}");
        }
        let r = avoidance_reasons(&posting(None), UNIT, today, 5);
        assert_eq!(r, ["5 年内曾在被巡察单位工作(2010-01-01 至 今)"]);
    }

    #[test]
    fn proposals_rank_by_matching_expertise_then_fewer_participations_then_name() {
        let focus = vec!["财务".to_string(), "工程建设".to_string()];
        assert_eq!(matched_tags(&["工程建设".into(), "法律".into(), "财务".into()], &focus), ["财务", "工程建设"]);
        let mut people = [
            RankFacts { matched: 1, participations: 0, name: "丙", id: "3" },
            RankFacts { matched: 2, participations: 3, name: "乙", id: "2" },
            RankFacts { matched: 1, participations: 0, name: "甲", id: "1" },
            RankFacts { matched: 1, participations: 2, name: "丁", id: "4" },
            RankFacts { matched: 0, participations: 0, name: "戊", id: "5" },
        ];
        people.sort_by(proposal_order);
        let ids: Vec<&str> = people.iter().map(|p| p.id).collect();
        assert_eq!(ids, ["2", "3", "1", "4", "5"]); // 丙 (U+4E19) sorts before 甲 (U+7532)
    }

    #[test]
    fn a_talent_draft_reports_every_field_error() {
        let bad = TalentInput {
            name: " ".into(),
            work_unit_object_id: Some("x".into()),
            position: String::new(),
            expertise: vec![" ".into()],
            postings: vec![("y".into(), "2020-01-01".into(), Some("2019-01-01".into()))],
            relations: vec![(crate::domain::new_id(), " ".into())],
            ..Default::default()
        };
        let e = TalentDraft::parse(&bad, "items[2].").unwrap_err();
        let fields: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "items[2].name",
                "items[2].work_unit_object_id",
                "items[2].position",
                "items[2].expertise[0]",
                "items[2].eligible",
                "items[2].postings[0].unit_object_id",
                "items[2].postings[0].to",
                "items[2].relations[0].relation",
            ]
        );
        let no_unit = TalentInput { name: "张三".into(), position: "科长".into(), ..Default::default() };
        let e = TalentDraft::parse(&no_unit, "").unwrap_err();
        assert_eq!(e[0].field, "work_unit_name");
        let ok = TalentInput {
            name: " 张三 ".into(),
            work_unit_name: Some("市财政局".into()),
            position: "科长".into(),
            expertise: vec!["财务".into(), "财务".into()],
            eligible: vec![TeamPosition::Staff, TeamPosition::Leader, TeamPosition::Staff],
            active: true,
            ..Default::default()
        };
        let d = TalentDraft::parse(&ok, "").unwrap();
        assert_eq!((d.name.as_str(), d.expertise.len()), ("张三", 1));
        assert_eq!(d.eligible, [TeamPosition::Leader, TeamPosition::Staff]);
    }
}
