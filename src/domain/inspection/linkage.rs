//! Inspection–audit linkage (巡审联动): an inspected unit of a round linked to an audit
//! project of the same unit, for a period — the pure parts: its states, how it ended, and the
//! draft the office sends.

use crate::domain::FieldError;
use crate::wire_enum;

use super::{check_date, check_name};

wire_enum!(
    /// Where a linkage stands: both teams read each other's findings on the unit while
    /// `active`; once `ended` neither does.
    LinkageState {
        Active = "active" / "联动中",
        Ended = "ended" / "已结束",
    }
);

wire_enum!(
    /// How a linkage ended: by the office (`ended`) or by its end date passing (`expired`).
    LinkageEnd {
        Ended = "ended" / "巡察机构结束联动",
        Expired = "expired" / "联动期满自动结束",
    }
);

/// A linkage as the office asks for it, checked: every field error at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkageDraft {
    /// The audit project (审计项目), e.g. 2026年度预算执行审计.
    pub project_name: String,
    /// YYYY-MM-DD: the audit project's start.
    pub start_date: String,
    /// YYYY-MM-DD: the last day of the linkage (it ends automatically after it).
    pub end_date: String,
}

impl LinkageDraft {
    /// Checks the draft; `today` (YYYY-MM-DD, the hub's day) bounds the end date: a linkage
    /// that would already be over is refused.
    pub fn parse(
        project_name: &str,
        start_date: &str,
        end_date: &str,
        today: &str,
    ) -> Result<LinkageDraft, Vec<FieldError>> {
        let mut errs = Vec::new();
        check_name("project_name", project_name, &mut errs);
        let dates = check_date("start_date", start_date, &mut errs) & check_date("end_date", end_date, &mut errs);
        if dates && end_date < start_date {
            errs.push(FieldError::new("end_date", "结束日期不能早于开始日期"));
        } else if dates && end_date < today {
            errs.push(FieldError::new("end_date", "结束日期已过,不能建立已结束的联动"));
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        Ok(LinkageDraft {
            project_name: project_name.trim().to_string(),
            start_date: start_date.to_string(),
            end_date: end_date.to_string(),
        })
    }

    /// The name of the linkage's sharing group: `巡审联动·<unit>·<project>`.
    pub fn group_name(&self, unit_name: &str) -> String {
        format!("巡审联动·{}·{}", unit_name.trim(), self.project_name)
    }
}

/// Is a linkage with this end date over on `today` (both YYYY-MM-DD)? It runs through its
/// end date, and is over the day after.
pub fn expired(end_date: &str, today: &str) -> bool {
    end_date < today
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draft_reports_every_field_error_and_refuses_a_past_end() {
        let e = LinkageDraft::parse(" ", "2026-02-30", "2026-13-01", "2026-06-01").unwrap_err();
        let fields: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["project_name", "start_date", "end_date"]);
        let e = LinkageDraft::parse("预算执行审计", "2026-05-01", "2026-04-01", "2026-01-01").unwrap_err();
        assert_eq!((e[0].field.as_str(), e.len()), ("end_date", 1));
        let e = LinkageDraft::parse("预算执行审计", "2026-01-01", "2026-05-31", "2026-06-01").unwrap_err();
        assert!(e[0].message.contains("已过"), "{}", e[0].message);
        let ok = LinkageDraft::parse(" 预算执行审计 ", "2026-01-01", "2026-06-01", "2026-06-01").unwrap();
        assert_eq!(ok.project_name, "预算执行审计");
        assert_eq!(ok.group_name(" 市教育局党组"), "巡审联动·市教育局党组·预算执行审计");
    }

    #[test]
    fn a_linkage_runs_through_its_end_date() {
        assert!(!expired("2026-06-01", "2026-06-01"));
        assert!(expired("2026-06-01", "2026-06-02"));
        assert!(!expired("2026-06-01", "2026-05-31"));
    }
}
