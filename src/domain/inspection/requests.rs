//! Information requests (函询), the pure part: the two kinds (巡前函询 for a round, 党风廉政意见回复
//! for cadres before promotion), the findings an answer may give for each, what a request and
//! an answer must hold (every field error at once), and where each target stands.

use std::collections::BTreeSet;

use crate::domain::clock::parse_date;
use crate::domain::FieldError;
use crate::wire_enum;

wire_enum!(
    /// What a request is for.
    RequestKind {
        PreInspection = "pre_inspection" / "巡前函询",
        Integrity = "integrity" / "党风廉政意见回复",
    }
);

wire_enum!(
    /// What an answer says about one subject. A pre-inspection answer is `none_held` (未掌握
    /// 相关情况 — an answer too) or `records` (提供相关信息); an integrity opinion is
    /// `no_problem` (未发现问题), `under_verification` (问题线索正在核查) or `sanctioned`
    /// (期内受到处分).
    Finding {
        NoneHeld = "none_held" / "未掌握相关情况",
        Records = "records" / "提供相关信息",
        NoProblem = "no_problem" / "未发现问题",
        UnderVerification = "under_verification" / "问题线索正在核查",
        Sanctioned = "sanctioned" / "期内受到处分",
    }
);

/// How many record references a finding takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum References {
    /// None: "nothing held" and "no problem found" refer to nothing.
    None,
    /// Optional: a matter under verification may name the records the asker may read, but
    /// need not (verification is confidential until it ends).
    Optional,
    /// At least one: "here is what we hold" and "sanctioned" without a record say nothing.
    Required,
}

impl Finding {
    /// The findings an answer to a request of `kind` may give.
    pub fn allowed(kind: RequestKind) -> &'static [Finding] {
        match kind {
            RequestKind::PreInspection => &[Finding::NoneHeld, Finding::Records],
            RequestKind::Integrity => &[Finding::NoProblem, Finding::UnderVerification, Finding::Sanctioned],
        }
    }

    pub fn references(self) -> References {
        match self {
            Finding::NoneHeld | Finding::NoProblem => References::None,
            Finding::UnderVerification => References::Optional,
            Finding::Records | Finding::Sanctioned => References::Required,
        }
    }
}

wire_enum!(
    /// How an agency stands to a request: it sent it, or it was asked.
    RequestSide {
        Asker = "asker" / "函询单位",
        Target = "target" / "被函询单位",
    }
);

wire_enum!(
    /// Whether a request still takes answers: open until the asker closes it (an answer after
    /// the deadline is late, not refused).
    RequestState {
        Open = "open" / "办理中",
        Closed = "closed" / "已办结",
    }
);

wire_enum!(
    /// Where one target stands: every subject answered, the deadline passed (in the hub's time
    /// zone) without that, or still within the deadline.
    TargetStatus {
        Answered = "answered" / "已答复",
        Late = "late" / "逾期未答复",
        Pending = "pending" / "待答复",
    }
);

/// A target's status from how many of the request's subjects it answered.
pub fn target_status(answered: usize, subjects: usize, deadline: &str, today: &str) -> TargetStatus {
    if subjects > 0 && answered >= subjects {
        TargetStatus::Answered
    } else if deadline < today {
        TargetStatus::Late
    } else {
        TargetStatus::Pending
    }
}

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_NOTE_CHARS: usize = 5000;
pub const MAX_ANSWER_NOTE_CHARS: usize = 2000;
pub const MAX_TARGETS: usize = 50;
pub const MAX_SUBJECTS: usize = 1000;
pub const MAX_ANSWERS: usize = 1000;
pub const MAX_REFERENCES: usize = 50;

/// A request as the asker writes it, checked (ids are checked against the database by the
/// service: which agencies, objects and round they name).
#[derive(Debug, Clone)]
pub struct RequestDraft {
    pub kind: RequestKind,
    pub title: String,
    pub note: String,
    pub deadline: String,
    pub round_id: Option<String>,
    pub target_agency_ids: Vec<String>,
    pub subject_object_ids: Vec<String>,
}

fn unique(field: &str, ids: &[String], errs: &mut Vec<FieldError>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        if !crate::domain::is_id(id) {
            errs.push(FieldError::new(format!("{field}[{i}]"), "编号格式无效"));
        } else if seen.insert(id.as_str()) {
            out.push(id.clone());
        }
    }
    out
}

impl RequestDraft {
    /// Checks every field; `today` is the hub's today (a deadline before it is refused).
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        kind: RequestKind,
        title: &str,
        note: &str,
        deadline: &str,
        round_id: Option<&str>,
        targets: &[String],
        subjects: &[String],
        today: &str,
    ) -> Result<RequestDraft, Vec<FieldError>> {
        let mut errs = Vec::new();
        if title.trim().is_empty() || title.chars().count() > MAX_TITLE_CHARS {
            errs.push(FieldError::new("title", format!("不能为空,且不超过 {MAX_TITLE_CHARS} 个字符")));
        }
        if note.chars().count() > MAX_NOTE_CHARS {
            errs.push(FieldError::new("note", format!("不超过 {MAX_NOTE_CHARS} 个字符")));
        }
        match parse_date(deadline) {
            None => errs.push(FieldError::new("deadline", "日期格式须为 YYYY-MM-DD")),
            Some(_) if deadline < today => {
                errs.push(FieldError::new("deadline", format!("答复期限不能早于今天({today})")))
            }
            Some(_) => {}
        }
        match (kind, round_id) {
            (RequestKind::PreInspection, None) => {
                errs.push(FieldError::new("round_id", "巡前函询须指定巡察轮次"));
            }
            (RequestKind::PreInspection, Some(r)) if !crate::domain::is_id(r) => {
                errs.push(FieldError::new("round_id", "编号格式无效"));
            }
            (RequestKind::Integrity, Some(_)) => {
                errs.push(FieldError::new("round_id", "党风廉政意见回复不关联巡察轮次"));
            }
            _ => {}
        }
        let target_agency_ids = unique("target_agency_ids", targets, &mut errs);
        if targets.is_empty() || targets.len() > MAX_TARGETS {
            errs.push(FieldError::new("target_agency_ids", format!("须指定 1–{MAX_TARGETS} 个被函询单位")));
        }
        let subject_object_ids = unique("subject_object_ids", subjects, &mut errs);
        if subjects.len() > MAX_SUBJECTS {
            errs.push(FieldError::new("subject_object_ids", format!("函询对象最多 {MAX_SUBJECTS} 个")));
        }
        // A pre-inspection request may leave its subjects to the round's inspected units.
        if subjects.is_empty() && kind == RequestKind::Integrity {
            errs.push(FieldError::new("subject_object_ids", "请列出需要回复意见的干部"));
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        Ok(RequestDraft {
            kind,
            title: title.trim().to_string(),
            note: note.trim().to_string(),
            deadline: deadline.to_string(),
            round_id: round_id.map(str::to_string),
            target_agency_ids,
            subject_object_ids,
        })
    }
}

/// One answer as a target writes it, before the service checks the subject and records.
#[derive(Debug, Clone)]
pub struct AnswerDraft {
    pub subject_object_id: String,
    pub finding: Finding,
    pub note: String,
    pub record_ids: Vec<String>,
}

/// Checks a batch of answers to a request of `kind`: fields are named `answers[i].…`.
pub fn check_answers(kind: RequestKind, answers: &[AnswerDraft]) -> Result<Vec<AnswerDraft>, Vec<FieldError>> {
    let mut errs = Vec::new();
    if answers.is_empty() || answers.len() > MAX_ANSWERS {
        errs.push(FieldError::new("answers", format!("须有 1–{MAX_ANSWERS} 条答复")));
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(answers.len());
    for (i, a) in answers.iter().enumerate() {
        let f = |name: &str| format!("answers[{i}].{name}");
        if !crate::domain::is_id(&a.subject_object_id) {
            errs.push(FieldError::new(f("subject_object_id"), "编号格式无效"));
        } else if !seen.insert(a.subject_object_id.clone()) {
            errs.push(FieldError::new(f("subject_object_id"), "同一对象在一次答复中只能出现一次"));
        }
        if !Finding::allowed(kind).contains(&a.finding) {
            let ok: Vec<&str> = Finding::allowed(kind).iter().map(|f| f.as_str()).collect();
            errs.push(FieldError::new(f("finding"), format!("{}的答复结论可选:{}", kind.label(), ok.join(" / "))));
        }
        if a.note.chars().count() > MAX_ANSWER_NOTE_CHARS {
            errs.push(FieldError::new(f("note"), format!("不超过 {MAX_ANSWER_NOTE_CHARS} 个字符")));
        }
        let record_ids = unique(&f("record_ids"), &a.record_ids, &mut errs);
        match a.finding.references() {
            References::None if !a.record_ids.is_empty() => {
                errs.push(FieldError::new(f("record_ids"), format!("答复“{}”时不引用信息", a.finding.label())))
            }
            References::Required if a.record_ids.is_empty() => {
                errs.push(FieldError::new(f("record_ids"), format!("答复“{}”须引用至少一条信息", a.finding.label())))
            }
            _ => {}
        }
        if a.record_ids.len() > MAX_REFERENCES {
            errs.push(FieldError::new(f("record_ids"), format!("最多引用 {MAX_REFERENCES} 条信息")));
        }
        out.push(AnswerDraft {
            subject_object_id: a.subject_object_id.clone(),
            finding: a.finding,
            note: a.note.trim().to_string(),
            record_ids,
        });
    }
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(errs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0190a0f4-0000-7000-8000-000000000001";
    const ID2: &str = "0190a0f4-0000-7000-8000-000000000002";

    #[test]
    fn a_request_reports_every_field_error() {
        let e = RequestDraft::parse(
            RequestKind::PreInspection,
            " ",
            "",
            "2026-01-01",
            None,
            &["x".into()],
            &[],
            "2026-06-01",
        )
        .unwrap_err();
        let fields: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["title", "deadline", "round_id", "target_agency_ids[0]"]);
        let e = RequestDraft::parse(RequestKind::Integrity, "意见", "", "2026-06-01", Some(ID), &[], &[], "2026-06-01")
            .unwrap_err();
        let fields: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["round_id", "target_agency_ids", "subject_object_ids"]);
        let ok = RequestDraft::parse(
            RequestKind::PreInspection,
            " 关于提供被巡察单位有关情况的函 ",
            "",
            "2026-06-01",
            Some(ID),
            &[ID.into(), ID.into(), ID2.into()],
            &[],
            "2026-06-01",
        )
        .unwrap();
        assert_eq!(ok.title, "关于提供被巡察单位有关情况的函");
        assert_eq!(ok.target_agency_ids, [ID, ID2], "duplicates dropped, order kept");
    }

    #[test]
    fn findings_belong_to_their_kind_and_take_references_as_they_say() {
        let a = |finding, records: &[&str]| AnswerDraft {
            subject_object_id: ID.into(),
            finding,
            note: String::new(),
            record_ids: records.iter().map(|r| r.to_string()).collect(),
        };
        assert!(check_answers(RequestKind::PreInspection, &[a(Finding::NoneHeld, &[])]).is_ok());
        assert!(check_answers(RequestKind::PreInspection, &[a(Finding::Records, &[ID2])]).is_ok());
        assert!(check_answers(RequestKind::Integrity, &[a(Finding::UnderVerification, &[])]).is_ok());
        let fields = |kind, answers: &[AnswerDraft]| -> Vec<String> {
            check_answers(kind, answers).unwrap_err().into_iter().map(|e| e.field).collect()
        };
        assert_eq!(fields(RequestKind::PreInspection, &[a(Finding::Records, &[])]), ["answers[0].record_ids"]);
        assert_eq!(fields(RequestKind::Integrity, &[a(Finding::NoProblem, &[ID2])]), ["answers[0].record_ids"]);
        assert_eq!(fields(RequestKind::Integrity, &[a(Finding::NoneHeld, &[])]), ["answers[0].finding"]);
        assert_eq!(
            fields(RequestKind::Integrity, &[a(Finding::Sanctioned, &[ID2]), a(Finding::NoProblem, &[])]),
            ["answers[1].subject_object_id"]
        );
        assert_eq!(fields(RequestKind::Integrity, &[]), ["answers"]);
    }

    #[test]
    fn a_target_is_answered_late_or_pending() {
        assert_eq!(target_status(2, 2, "2026-01-01", "2026-06-01"), TargetStatus::Answered);
        assert_eq!(target_status(1, 2, "2026-05-31", "2026-06-01"), TargetStatus::Late);
        assert_eq!(target_status(1, 2, "2026-06-01", "2026-06-01"), TargetStatus::Pending, "due today is not late");
        assert_eq!(target_status(0, 0, "2026-06-02", "2026-06-01"), TargetStatus::Pending);
    }
}
