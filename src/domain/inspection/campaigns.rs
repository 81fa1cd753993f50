//! After a round: common problems (共性问题) notified to member units, self-check requirements
//! (未巡先改) of units not inspected, and special campaigns (专项整治) that address problems —
//! the pure parts: states, drafts, and the counts' arithmetic.

use crate::domain::transfer::MAX_TEXT_CHARS;
use crate::domain::FieldError;
use crate::wire_enum;

use super::{check_date, check_name, RoundStage};

/// The tag every common problem's record carries (kind `notice`).
pub const COMMON_PROBLEM_TAG: &str = "共性问题";

/// Common problems are notified, and self-checks required, after the round's inspection:
/// from its feedback stage on.
pub fn after_inspection(stage: RoundStage) -> bool {
    matches!(stage, RoundStage::Feedback | RoundStage::Rectification | RoundStage::Closed)
}

wire_enum!(
    /// Where a self-check requirement stands: required of the unit, or its self-check report
    /// (自查自纠情况) received.
    SelfCheckState {
        Required = "required" / "待报送",
        Reported = "reported" / "已报送",
    }
);

/// Is a requirement overdue on `today`: not reported and its deadline passed (the deadline day
/// itself is still in time).
pub fn self_check_overdue(state: SelfCheckState, deadline: &str, today: &str) -> bool {
    state == SelfCheckState::Required && deadline < today
}

/// Checks a free text of 1–5,000 characters that is not blank.
pub fn check_text(field: &str, v: &str, errs: &mut Vec<FieldError>) {
    if v.trim().is_empty() || v.chars().count() > MAX_TEXT_CHARS {
        errs.push(FieldError::new(field, format!("不能为空,且不超过 {MAX_TEXT_CHARS} 个字符")));
    }
}

/// A self-check requirement as the office writes it (the unit and account are checked
/// against the database by the service).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfCheckDraft {
    pub requirement: String,
    pub deadline: String,
}

impl SelfCheckDraft {
    pub fn parse(requirement: &str, deadline: &str, today: &str) -> Result<SelfCheckDraft, Vec<FieldError>> {
        let mut errs = Vec::new();
        check_text("requirement", requirement, &mut errs);
        if check_date("deadline", deadline, &mut errs) && deadline < today {
            errs.push(FieldError::new("deadline", "完成期限不能早于今天"));
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        Ok(SelfCheckDraft { requirement: requirement.trim().to_string(), deadline: deadline.to_string() })
    }
}

/// A special campaign (专项整治) as its creator writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignDraft {
    pub name: String,
    pub description: String,
    pub period_start: String,
    pub period_end: String,
}

impl CampaignDraft {
    pub fn parse(
        name: &str,
        description: &str,
        period_start: &str,
        period_end: &str,
    ) -> Result<CampaignDraft, Vec<FieldError>> {
        let mut errs = Vec::new();
        check_name("name", name, &mut errs);
        if description.chars().count() > MAX_TEXT_CHARS {
            errs.push(FieldError::new("description", format!("不超过 {MAX_TEXT_CHARS} 个字符")));
        }
        let dates =
            check_date("period_start", period_start, &mut errs) & check_date("period_end", period_end, &mut errs);
        if dates && period_end < period_start {
            errs.push(FieldError::new("period_end", "结束日期不能早于开始日期"));
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        Ok(CampaignDraft {
            name: name.trim().to_string(),
            description: description.trim().to_string(),
            period_start: period_start.to_string(),
            period_end: period_end.to_string(),
        })
    }
}

/// The share of `part` in `whole`, 0..1 (0 when there is nothing to count).
pub fn rate(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_problems_come_after_the_inspection() {
        assert!(!after_inspection(RoundStage::Preparation) && !after_inspection(RoundStage::Inspection));
        assert!(after_inspection(RoundStage::Feedback) && after_inspection(RoundStage::Closed));
    }

    #[test]
    fn overdue_is_a_required_check_past_its_deadline() {
        use SelfCheckState::*;
        assert!(self_check_overdue(Required, "2026-06-01", "2026-06-02"));
        assert!(!self_check_overdue(Required, "2026-06-01", "2026-06-01"));
        assert!(!self_check_overdue(Reported, "2026-06-01", "2026-07-01"));
    }

    #[test]
    fn drafts_report_every_field_error() {
        let e = SelfCheckDraft::parse(" ", "2026-06-01", "2026-06-02").unwrap_err();
        let fields: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["requirement", "deadline"]);
        assert!(SelfCheckDraft::parse("对照共性问题自查", "2026-06-02", "2026-06-02").is_ok());
        let e = CampaignDraft::parse("", &"长".repeat(5001), "2026-13-01", "2026-01-01").unwrap_err();
        let fields: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "description", "period_start"]);
        let e = CampaignDraft::parse("违规收送礼金专项整治", "", "2026-05-01", "2026-04-01").unwrap_err();
        assert_eq!(e[0].field, "period_end");
        let ok = CampaignDraft::parse(" 违规收送礼金专项整治 ", " 说明 ", "2026-04-01", "2026-06-30").unwrap();
        assert_eq!((ok.name.as_str(), ok.description.as_str()), ("违规收送礼金专项整治", "说明"));
    }

    #[test]
    fn rates_are_shares_and_zero_for_nothing() {
        assert_eq!(rate(0, 0), 0.0);
        assert_eq!(rate(305, 351), 305.0 / 351.0);
        assert_eq!(rate(2, 2), 1.0);
    }
}
