//! The inspection lifecycle (巡察): rounds and their stages, inspected units, teams and
//! findings — the pure parts, no I/O. Each later part of the lifecycle (talent pool, 函询,
//! rectification …) has its own file here.

use crate::domain::clock::parse_date;
use crate::domain::FieldError;
use crate::wire_enum;

pub mod campaigns;
pub mod direct_supervision;
pub mod evaluation;
pub mod evidence;
pub mod four_party;
pub mod items;
pub mod linkage;
pub mod rectification;
pub mod requests;
pub mod talent;

wire_enum!(
    /// The kind of a round (巡察类型).
    RoundKind {
        Regular = "regular" / "常规巡察",
        Special = "special" / "专项巡察",
        Mobile = "mobile" / "机动巡察",
        Elevated = "elevated" / "提级巡察",
    }
);

wire_enum!(
    /// Where a round stands: before (巡前准备), during (进驻巡察), feedback (反馈), the
    /// rectification after it (整改), and closed (完成). A round moves one stage forward at a time.
    RoundStage {
        Preparation = "preparation" / "巡前准备",
        Inspection = "inspection" / "进驻巡察",
        Feedback = "feedback" / "巡察反馈",
        Rectification = "rectification" / "整改落实",
        Closed = "closed" / "完成",
    }
);

impl RoundStage {
    /// The stage after this one (`None` once closed).
    pub fn next(self) -> Option<RoundStage> {
        let all = RoundStage::ALL;
        all.iter().position(|s| *s == self).and_then(|i| all.get(i + 1)).copied()
    }
}

wire_enum!(
    /// What was found in an inspected unit: a problem (问题, rectified by the unit) or a clue
    /// (问题线索, handed over through the transfer workflow).
    FindingKind {
        Problem = "problem" / "问题",
        Clue = "clue" / "问题线索",
    }
);

/// Longest name of a round, team or unit label.
pub const MAX_NAME_CHARS: usize = 100;
/// Most focus tags of a round (巡察重点), each up to 20 characters.
pub const MAX_FOCUS_TAGS: usize = 20;
pub const MAX_TAG_CHARS: usize = 20;

/// Checks a name: not blank, at most `MAX_NAME_CHARS`.
pub fn check_name(field: &str, name: &str, errs: &mut Vec<FieldError>) {
    let n = name.chars().count();
    if name.trim().is_empty() || n > MAX_NAME_CHARS {
        errs.push(FieldError::new(field, format!("不能为空,且不超过 {MAX_NAME_CHARS} 个字符")));
    }
}

/// Checks a list of short tags (trimmed, de-duplicated, in order).
pub fn check_tags(field: &str, tags: &[String], errs: &mut Vec<FieldError>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if tags.len() > MAX_FOCUS_TAGS {
        errs.push(FieldError::new(field, format!("最多 {MAX_FOCUS_TAGS} 项")));
    }
    for (i, t) in tags.iter().enumerate() {
        let t = t.trim();
        if t.is_empty() || t.chars().count() > MAX_TAG_CHARS {
            errs.push(FieldError::new(format!("{field}[{i}]"), format!("不能为空,且不超过 {MAX_TAG_CHARS} 个字符")));
        } else if !out.iter().any(|o| o == t) {
            out.push(t.to_string());
        }
    }
    out
}

/// Checks a `YYYY-MM-DD` date field.
pub fn check_date(field: &str, value: &str, errs: &mut Vec<FieldError>) -> bool {
    if parse_date(value).is_some() {
        true
    } else {
        errs.push(FieldError::new(field, "日期格式须为 YYYY-MM-DD"));
        false
    }
}

/// A round as the inspection office creates it, checked: every field error at once.
#[derive(Debug, Clone)]
pub struct RoundDraft {
    pub name: String,
    pub number: i32,
    pub kind: RoundKind,
    pub period_start: String,
    pub period_end: String,
    pub focus: Vec<String>,
}

impl RoundDraft {
    pub fn parse(
        name: &str,
        number: i64,
        kind: RoundKind,
        period_start: &str,
        period_end: &str,
        focus: &[String],
    ) -> Result<RoundDraft, Vec<FieldError>> {
        let mut errs = Vec::new();
        check_name("name", name, &mut errs);
        if !(1..=999).contains(&number) {
            errs.push(FieldError::new("number", "轮次须为 1–999 的整数"));
        }
        let dates =
            check_date("period_start", period_start, &mut errs) & check_date("period_end", period_end, &mut errs);
        if dates && period_end < period_start {
            errs.push(FieldError::new("period_end", "结束日期不能早于开始日期"));
        }
        let focus = check_tags("focus", focus, &mut errs);
        if !errs.is_empty() {
            return Err(errs);
        }
        Ok(RoundDraft {
            name: name.trim().to_string(),
            number: number as i32,
            kind,
            period_start: period_start.to_string(),
            period_end: period_end.to_string(),
            focus,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_move_forward_one_at_a_time_and_end_closed() {
        assert_eq!(RoundStage::Preparation.next(), Some(RoundStage::Inspection));
        assert_eq!(RoundStage::Rectification.next(), Some(RoundStage::Closed));
        assert_eq!(RoundStage::Closed.next(), None);
    }

    #[test]
    fn a_round_draft_reports_every_field_error() {
        let e = RoundDraft::parse(" ", 0, RoundKind::Regular, "2026-13-01", "2026-01-01", &[" ".into()]).unwrap_err();
        let fields: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "number", "period_start", "focus[0]"]);
        let e = RoundDraft::parse("第十三轮", 13, RoundKind::Regular, "2026-03-01", "2026-02-01", &[]).unwrap_err();
        assert_eq!(e[0].field, "period_end");
        let ok = RoundDraft::parse(
            " 七届市委第十三轮巡察 ",
            13,
            RoundKind::Special,
            "2026-03-01",
            "2026-05-01",
            &["乡村振兴".into(), "乡村振兴".into()],
        )
        .unwrap();
        assert_eq!((ok.name.as_str(), ok.focus.len()), ("七届市委第十三轮巡察", 1));
    }
}
