//! Feedback and the rectification plan (巡后), the pure parts: the three signatures of a
//! feedback's receipt (签字背书), a plan's tasks and their checks (every problem of the feedback
//! needs a task), the reviewers' verdicts with the 三不过 grounds, and when a plan is decided.

use crate::domain::clock::parse_date;
use crate::domain::inspection::items::ItemStep;
use crate::domain::FieldError;
use crate::wire_enum;

use super::check_name;

/// Longest text of a problem as the feedback words it, and of a task.
pub const MAX_SHORT_TEXT_CHARS: usize = 500;
/// Longest measure, opinion, progress note or reason.
pub const MAX_TEXT_CHARS: usize = 2000;
/// Longest summary of a feedback or plan.
pub const MAX_SUMMARY_CHARS: usize = 5000;
/// Most problems one feedback lists, and most tasks one plan holds.
pub const MAX_ENTRIES: usize = 1000;

wire_enum!(
    /// Who signs a feedback's receipt (签字背书): the unit's principal (by the unit's account),
    /// the team leader and the office director (both by the office).
    SignatureParty {
        UnitHead = "unit_head" / "被巡察单位主要负责人",
        TeamLeader = "team_leader" / "巡察组组长",
        OfficeDirector = "office_director" / "巡察办主任",
    }
);

wire_enum!(
    /// Where one attempt of a rectification plan stands.
    PlanState {
        Submitted = "submitted" / "待审核",
        Rejected = "rejected" / "未通过审核",
        Accepted = "accepted" / "已通过审核",
    }
);

wire_enum!(
    /// A reviewing agency's verdict on a plan.
    PlanVerdict {
        Approve = "approve" / "同意",
        Reject = "reject" / "不同意",
    }
);

wire_enum!(
    /// The 三不过 grounds on which a plan is rejected.
    RejectGround {
        DirectionUnclear = "direction_unclear" / "整改方向不明确",
        TasksMissing = "tasks_missing" / "整改任务不全面",
        MeasuresVague = "measures_vague" / "整改措施不具体",
    }
);

wire_enum!(
    /// An entry of a ledger item's history: a progress note by the unit, or a step taken.
    EntryKind {
        Note = "note" / "整改进展",
        Submit = "submit" / "申请销号",
        Close = "close" / "对账销号",
        SendBack = "send_back" / "退回整改",
        Reopen = "reopen" / "会审退回",
    }
);

impl EntryKind {
    /// The history entry a step writes.
    pub fn of_step(step: ItemStep) -> EntryKind {
        match step {
            ItemStep::Submit => EntryKind::Submit,
            ItemStep::Close => EntryKind::Close,
            ItemStep::SendBack => EntryKind::SendBack,
            ItemStep::Reopen => EntryKind::Reopen,
        }
    }
}

wire_enum!(
    /// A step taken through the ledger (a reopening comes only from the four-party review).
    LedgerStep {
        Submit = "submit" / "申请销号",
        Close = "close" / "对账销号",
        SendBack = "send_back" / "退回整改",
    }
);

impl LedgerStep {
    pub fn item_step(self) -> ItemStep {
        match self {
            LedgerStep::Submit => ItemStep::Submit,
            LedgerStep::Close => ItemStep::Close,
            LedgerStep::SendBack => ItemStep::SendBack,
        }
    }
}

/// Checks the text that goes with a step taken through the ledger: the unit's submission
/// says what was done (整改完成情况), a send-back says why; a closing may add the office's
/// verification note. A reopening comes only from the four-party review.
pub fn check_step_text(step: ItemStep, text: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    match step {
        ItemStep::Submit | ItemStep::SendBack => check_text("note", text, MAX_TEXT_CHARS, &mut errs),
        ItemStep::Close => check_optional_text("note", text, MAX_TEXT_CHARS, &mut errs),
        ItemStep::Reopen => errs.push(FieldError::new("step", "会审退回只能由四方会审的结论产生")),
    }
    errs
}

wire_enum!(
    /// The three lists of a rectification ledger (三清单).
    LedgerList {
        Problems = "problems" / "问题清单",
        Tasks = "tasks" / "任务清单",
        Responsibilities = "responsibilities" / "责任清单",
    }
);

/// Checks a text field: not blank, at most `max` characters.
pub fn check_text(field: &str, value: &str, max: usize, errs: &mut Vec<FieldError>) {
    if value.trim().is_empty() || value.chars().count() > max {
        errs.push(FieldError::new(field, format!("不能为空,且不超过 {max} 个字符")));
    }
}

/// Checks an optional text field: at most `max` characters (blank is "not given").
pub fn check_optional_text(field: &str, value: &str, max: usize, errs: &mut Vec<FieldError>) {
    if value.chars().count() > max {
        errs.push(FieldError::new(field, format!("不超过 {max} 个字符")));
    }
}

/// One task of a plan, as the unit writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskDraft {
    /// The problem (a finding listed in the feedback) the task rectifies.
    pub finding_id: String,
    pub task: String,
    pub measure: String,
    pub responsible_person: String,
    /// YYYY-MM-DD, not before today.
    pub deadline: String,
}

/// A rectification plan as the unit submits it, checked: every field error at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanDraft {
    pub summary: String,
    pub tasks: Vec<TaskDraft>,
}

impl PlanDraft {
    /// Checks the plan's own fields (`today` in the hub's time zone); which problems it must
    /// cover is checked against the feedback by `check_coverage`.
    pub fn parse(summary: &str, tasks: Vec<TaskDraft>, today: &str) -> Result<PlanDraft, Vec<FieldError>> {
        let mut errs = Vec::new();
        check_text("summary", summary, MAX_SUMMARY_CHARS, &mut errs);
        if tasks.is_empty() || tasks.len() > MAX_ENTRIES {
            errs.push(FieldError::new("tasks", format!("整改任务须为 1–{MAX_ENTRIES} 项")));
        }
        for (i, t) in tasks.iter().enumerate() {
            check_text(&format!("tasks[{i}].task"), &t.task, MAX_SHORT_TEXT_CHARS, &mut errs);
            check_text(&format!("tasks[{i}].measure"), &t.measure, MAX_TEXT_CHARS, &mut errs);
            check_name(&format!("tasks[{i}].responsible_person"), &t.responsible_person, &mut errs);
            let field = format!("tasks[{i}].deadline");
            match parse_date(&t.deadline) {
                None => errs.push(FieldError::new(field, "日期格式须为 YYYY-MM-DD")),
                Some(_) if t.deadline.as_str() < today => {
                    errs.push(FieldError::new(field, format!("整改时限不能早于今天({today})")))
                }
                Some(_) => {}
            }
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        Ok(PlanDraft {
            summary: summary.trim().to_string(),
            tasks: tasks
                .into_iter()
                .map(|t| TaskDraft {
                    finding_id: t.finding_id,
                    task: t.task.trim().to_string(),
                    measure: t.measure.trim().to_string(),
                    responsible_person: t.responsible_person.trim().to_string(),
                    deadline: t.deadline,
                })
                .collect(),
        })
    }

    /// Every task names a problem of the feedback, and every problem of the feedback has at
    /// least one task (else the plan leaves a problem without rectification).
    pub fn check_coverage(&self, problems: &[String]) -> Vec<FieldError> {
        let mut errs = Vec::new();
        for (i, t) in self.tasks.iter().enumerate() {
            if !problems.contains(&t.finding_id) {
                errs.push(FieldError::new(format!("tasks[{i}].finding_id"), "不是本单位反馈意见所列的问题"));
            }
        }
        let missing = problems.iter().filter(|p| !self.tasks.iter().any(|t| t.finding_id == **p)).count();
        if missing > 0 {
            errs.push(FieldError::new("tasks", format!("反馈意见所列问题中有 {missing} 个没有对应的整改任务")));
        }
        errs
    }
}

/// A reviewing agency's verdict, checked: a rejection names at least one 三不过 ground and
/// gives an opinion; an approval names no ground.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanReviewDraft {
    pub verdict: PlanVerdict,
    pub grounds: Vec<RejectGround>,
    pub opinion: String,
}

impl PlanReviewDraft {
    pub fn parse(verdict: PlanVerdict, grounds: &[RejectGround], opinion: &str) -> Result<Self, Vec<FieldError>> {
        let mut errs = Vec::new();
        let mut unique: Vec<RejectGround> = Vec::new();
        for g in grounds {
            if !unique.contains(g) {
                unique.push(*g);
            }
        }
        match verdict {
            PlanVerdict::Reject => {
                if unique.is_empty() {
                    errs.push(FieldError::new("grounds", "不同意时须至少选择一项“三不过”情形"));
                }
                check_text("opinion", opinion, MAX_TEXT_CHARS, &mut errs);
            }
            PlanVerdict::Approve => {
                if !unique.is_empty() {
                    errs.push(FieldError::new("grounds", "同意时不选择“三不过”情形"));
                }
                check_optional_text("opinion", opinion, MAX_TEXT_CHARS, &mut errs);
            }
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        unique.sort();
        Ok(PlanReviewDraft { verdict, grounds: unique, opinion: opinion.trim().to_string() })
    }
}

/// A plan's review so far, decided: any rejection rejects the attempt; it is accepted once
/// every reviewing agency has approved (and there are reviewers of both kinds, 纪委监委 and
/// 组织部 — `kinds_present`); otherwise it waits (`None`).
pub fn plan_decision(
    reviewers: &[String],
    kinds_present: bool,
    verdicts: &[(String, PlanVerdict)],
) -> Option<PlanState> {
    if verdicts.iter().any(|(_, v)| *v == PlanVerdict::Reject) {
        return Some(PlanState::Rejected);
    }
    let all = !reviewers.is_empty()
        && reviewers.iter().all(|r| verdicts.iter().any(|(a, v)| a == r && *v == PlanVerdict::Approve));
    (kinds_present && all).then_some(PlanState::Accepted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(f: &str, deadline: &str) -> TaskDraft {
        TaskDraft {
            finding_id: f.into(),
            task: " 清理违规津补贴 ".into(),
            measure: "逐项核查并追缴".into(),
            responsible_person: "张局长".into(),
            deadline: deadline.into(),
        }
    }

    #[test]
    fn a_plan_reports_every_field_error_and_its_coverage() {
        let e = PlanDraft::parse(" ", vec![], "2026-06-01").unwrap_err();
        assert_eq!(e.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["summary", "tasks"]);
        let mut bad = task("f1", "2026-05-31");
        bad.measure = " ".into();
        let e = PlanDraft::parse("方案", vec![bad, task("f1", "2026-13-01")], "2026-06-01").unwrap_err();
        let fields: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["tasks[0].measure", "tasks[0].deadline", "tasks[1].deadline"]);
        let ok =
            PlanDraft::parse("方案", vec![task("f1", "2026-06-01"), task("x", "2026-07-01")], "2026-06-01").unwrap();
        assert_eq!(ok.tasks[0].task, "清理违规津补贴");
        let e = ok.check_coverage(&["f1".into(), "f2".into()]);
        let fields: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["tasks[1].finding_id", "tasks"]);
        assert!(e[1].message.contains("1 个"));
        let ok = PlanDraft::parse("方案", vec![task("f1", "2026-06-01")], "2026-06-01").unwrap();
        assert!(ok.check_coverage(&["f1".into()]).is_empty());
    }

    #[test]
    fn a_rejection_names_its_grounds_and_opinion() {
        let e = PlanReviewDraft::parse(PlanVerdict::Reject, &[], " ").unwrap_err();
        assert_eq!(e.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["grounds", "opinion"]);
        let e = PlanReviewDraft::parse(PlanVerdict::Approve, &[RejectGround::TasksMissing], "").unwrap_err();
        assert_eq!(e[0].field, "grounds");
        let ok = PlanReviewDraft::parse(
            PlanVerdict::Reject,
            &[RejectGround::MeasuresVague, RejectGround::DirectionUnclear, RejectGround::MeasuresVague],
            "措施空泛",
        )
        .unwrap();
        assert_eq!(ok.grounds, [RejectGround::DirectionUnclear, RejectGround::MeasuresVague]);
        assert!(PlanReviewDraft::parse(PlanVerdict::Approve, &[], "").is_ok());
    }

    #[test]
    fn a_plan_is_accepted_only_when_every_reviewer_approved_and_rejected_by_any() {
        let reviewers = vec!["jw".to_string(), "zzb".to_string()];
        let approve = |a: &str| (a.to_string(), PlanVerdict::Approve);
        assert_eq!(plan_decision(&reviewers, true, &[]), None);
        assert_eq!(plan_decision(&reviewers, true, &[approve("jw")]), None);
        assert_eq!(plan_decision(&reviewers, true, &[approve("jw"), approve("zzb")]), Some(PlanState::Accepted));
        assert_eq!(plan_decision(&reviewers, false, &[approve("jw"), approve("zzb")]), None);
        let reject = ("zzb".to_string(), PlanVerdict::Reject);
        assert_eq!(plan_decision(&reviewers, true, &[approve("jw"), reject]), Some(PlanState::Rejected));
        assert_eq!(plan_decision(&[], true, &[]), None);
    }
}
