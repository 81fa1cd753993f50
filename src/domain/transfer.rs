//! Clue transfer (线索移交) and its handling to closure, as a pure state machine:
//!
//! ```text
//! transferred ──accept──▶ accepted ──start──▶ in_progress ──conclude──▶ concluded ──feedback──▶ closed
//!      │
//!      └──return (with reason)──▶ returned
//! ```
//! Only the receiving agency moves a transfer (DESIGN.md, "Clue transfer states"); `conclude`
//! needs an outcome (one of the four forms, or cleared) and sanction counts.

use serde::{Deserialize, Serialize};

use crate::domain::ids::AgencyId;
use crate::domain::FieldError;
use crate::wire_enum;

wire_enum!(
    TransferState {
        Transferred = "transferred" / "已移交",
        Accepted = "accepted" / "已受理",
        InProgress = "in_progress" / "办理中",
        Concluded = "concluded" / "已办结",
        Closed = "closed" / "已反馈",
        Returned = "returned" / "已退回",
    }
);

wire_enum!(
    /// The disposition (处置结果): the "four forms" (四种形态) or cleared (了结/予以澄清).
    Outcome {
        Form1 = "form1" / "第一种形态",
        Form2 = "form2" / "第二种形态",
        Form3 = "form3" / "第三种形态",
        Form4 = "form4" / "第四种形态",
        Cleared = "cleared" / "了结澄清",
    }
);

wire_enum!(
    TransferAction {
        Accept = "accept" / "受理",
        Start = "start" / "开始办理",
        Conclude = "conclude" / "办结",
        Feedback = "feedback" / "反馈",
        Return = "return" / "退回",
    }
);

/// Persons sanctioned: 党纪政务处分, 组织处理, 移送司法.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Sanctions {
    #[schema(minimum = 0, maximum = 10000)]
    #[serde(deserialize_with = "crate::wire::whole::i32")]
    pub disciplinary: i32,
    #[schema(minimum = 0, maximum = 10000)]
    #[serde(deserialize_with = "crate::wire::whole::i32")]
    pub organizational: i32,
    #[schema(minimum = 0, maximum = 10000)]
    #[serde(deserialize_with = "crate::wire::whole::i32")]
    pub judicial: i32,
}

pub const MAX_PERSONS: i32 = 10_000;
pub const MAX_TEXT_CHARS: usize = 5_000;

/// A transition request with what it carries.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Accept,
    Start,
    Return { reason: String },
    Conclude { outcome: Outcome, sanctions: Sanctions, summary: String },
    Feedback { note: String },
}

impl Command {
    pub fn action(&self) -> TransferAction {
        match self {
            Command::Accept => TransferAction::Accept,
            Command::Start => TransferAction::Start,
            Command::Return { .. } => TransferAction::Return,
            Command::Conclude { .. } => TransferAction::Conclude,
            Command::Feedback { .. } => TransferAction::Feedback,
        }
    }
}

/// Which side of a transfer an agency is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Sender,
    Receiver,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TransitionError {
    /// Only the receiving agency moves a transfer.
    NotReceiver,
    /// The action is not possible in the current state.
    IllegalState { from: TransferState, action: TransferAction },
    /// What the command carries is incomplete or invalid.
    Invalid(Vec<FieldError>),
}

impl std::fmt::Display for TransitionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TransitionError::NotReceiver => f.write_str("只有接收单位可以办理此移交"),
            TransitionError::IllegalState { from, action } => {
                write!(f, "移交当前为“{}”状态,不能执行“{}”", from.label(), action.label())
            }
            TransitionError::Invalid(errs) => {
                let parts: Vec<String> = errs.iter().map(|e| format!("{}:{}", e.field, e.message)).collect();
                f.write_str(&parts.join(";"))
            }
        }
    }
}

fn check_text(field: &str, text: &str, required: bool, errs: &mut Vec<FieldError>) {
    let n = text.trim().chars().count();
    if required && n == 0 {
        errs.push(FieldError::new(field, "不能为空"));
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        errs.push(FieldError::new(field, format!("不超过 {MAX_TEXT_CHARS} 个字符")));
    }
}

/// Checks what a command carries, whatever the state.
pub fn validate(cmd: &Command) -> Vec<FieldError> {
    let mut errs = Vec::new();
    match cmd {
        Command::Accept | Command::Start => {}
        Command::Return { reason } => check_text("reason", reason, true, &mut errs),
        Command::Feedback { note } => check_text("note", note, false, &mut errs),
        Command::Conclude { outcome, sanctions, summary } => {
            check_text("summary", summary, false, &mut errs);
            for (field, n) in [
                ("sanctions.disciplinary", sanctions.disciplinary),
                ("sanctions.organizational", sanctions.organizational),
                ("sanctions.judicial", sanctions.judicial),
            ] {
                if !(0..=MAX_PERSONS).contains(&n) {
                    errs.push(FieldError::new(field, format!("人数须在 0 到 {MAX_PERSONS} 之间")));
                }
            }
            if *outcome == Outcome::Cleared && *sanctions != Sanctions::default() {
                errs.push(FieldError::new("sanctions", "了结澄清的线索不应有处分、处理或移送人数"));
            }
        }
    }
    errs
}

/// The next state, or why not. Checks the side, then the state, then the content.
pub fn transition(state: TransferState, side: Side, cmd: &Command) -> Result<TransferState, TransitionError> {
    use TransferState::*;
    if side != Side::Receiver {
        return Err(TransitionError::NotReceiver);
    }
    let next = match (state, cmd) {
        (Transferred, Command::Accept) => Accepted,
        (Transferred, Command::Return { .. }) => Returned,
        (Accepted, Command::Start) => InProgress,
        (InProgress, Command::Conclude { .. }) => Concluded,
        (Concluded, Command::Feedback { .. }) => Closed,
        (from, cmd) => return Err(TransitionError::IllegalState { from, action: cmd.action() }),
    };
    let errs = validate(cmd);
    if !errs.is_empty() {
        return Err(TransitionError::Invalid(errs));
    }
    Ok(next)
}

/// Still with the receiver and not yet concluded.
pub fn is_open(state: TransferState) -> bool {
    matches!(state, TransferState::Transferred | TransferState::Accepted | TransferState::InProgress)
}

/// Past its deadline (a `YYYY-MM-DD` date, due at the end of that day) and not concluded.
pub fn is_overdue(state: TransferState, deadline: &str, today: &str) -> bool {
    is_open(state) && deadline < today
}

/// Checks a deadline: a canonical `YYYY-MM-DD` date (deadlines are compared as text) not
/// before `today` (the hub's time zone).
pub fn validate_deadline(deadline: &str, today: &str) -> Option<FieldError> {
    match crate::domain::clock::parse_date(deadline) {
        None => Some(FieldError::new("deadline", "办理期限须为日期,格式 YYYY-MM-DD(如 2027-01-05)")),
        Some(_) if deadline < today => Some(FieldError::new("deadline", "办理期限不能早于今天")),
        Some(_) => None,
    }
}

/// A transfer as its sender asks for it (the wire fields, unchecked).
#[derive(Debug, Clone)]
pub struct NewTransfer {
    pub to_agency_id: String,
    pub suggestion: String,
    pub deadline: String,
    pub round: Option<String>,
}

/// A transfer's own fields, checked: the receiver's id, the suggestion (1–5000 characters),
/// the deadline (a date not before `today`) and the round (≤ 100 characters).
#[derive(Debug, Clone)]
pub struct TransferDraft {
    pub to_agency_id: AgencyId,
    pub suggestion: String,
    pub deadline: String,
    pub round: Option<String>,
}

impl TransferDraft {
    pub fn parse(n: NewTransfer, today: &str) -> Result<TransferDraft, Vec<FieldError>> {
        let mut errs = Vec::new();
        let to = AgencyId::parse(&n.to_agency_id);
        if to.is_none() {
            errs.push(FieldError::new("to_agency_id", "单位编号格式无效"));
        }
        let len = n.suggestion.trim().chars().count();
        if len == 0 || n.suggestion.chars().count() > MAX_TEXT_CHARS {
            errs.push(FieldError::new("suggestion", "处置建议不能为空,且不超过 5000 个字符"));
        }
        errs.extend(validate_deadline(&n.deadline, today));
        if n.round.as_ref().is_some_and(|r| r.trim().is_empty() || r.chars().count() > 100) {
            errs.push(FieldError::new("round", "巡察轮次不超过 100 个字符"));
        }
        match to {
            Some(to_agency_id) if errs.is_empty() => Ok(TransferDraft {
                to_agency_id,
                suggestion: n.suggestion.trim().to_string(),
                deadline: n.deadline,
                round: n.round.map(|r| r.trim().to_string()),
            }),
            _ => Err(errs),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TransferState::*;

    fn commands() -> Vec<Command> {
        vec![
            Command::Accept,
            Command::Start,
            Command::Return { reason: "不属于本单位管辖".into() },
            Command::Conclude {
                outcome: Outcome::Form1,
                sanctions: Sanctions { disciplinary: 0, organizational: 2, judicial: 0 },
                summary: "谈话提醒".into(),
            },
            Command::Feedback { note: "已反馈".into() },
        ]
    }

    /// Every (state, command) pair: exactly the five arrows of the diagram succeed.
    #[test]
    fn exactly_the_documented_transitions_are_allowed() {
        let allowed = [
            (Transferred, TransferAction::Accept, Accepted),
            (Transferred, TransferAction::Return, Returned),
            (Accepted, TransferAction::Start, InProgress),
            (InProgress, TransferAction::Conclude, Concluded),
            (Concluded, TransferAction::Feedback, Closed),
        ];
        for state in TransferState::ALL {
            for cmd in commands() {
                let expected = allowed.iter().find(|(s, a, _)| s == state && *a == cmd.action()).map(|(_, _, n)| *n);
                match (transition(*state, Side::Receiver, &cmd), expected) {
                    (Ok(next), Some(n)) => assert_eq!(next, n),
                    (Err(TransitionError::IllegalState { from, action }), None) => {
                        assert_eq!((from, action), (*state, cmd.action()))
                    }
                    (got, exp) => panic!("{state:?} + {:?}: got {got:?}, expected {exp:?}", cmd.action()),
                }
            }
        }
    }

    #[test]
    fn the_sender_moves_nothing() {
        for state in TransferState::ALL {
            for cmd in commands() {
                assert_eq!(transition(*state, Side::Sender, &cmd), Err(TransitionError::NotReceiver));
            }
        }
    }

    #[test]
    fn conclude_and_return_check_what_they_carry() {
        let bad = Command::Conclude {
            outcome: Outcome::Cleared,
            sanctions: Sanctions { disciplinary: 1, organizational: 0, judicial: 0 },
            summary: String::new(),
        };
        assert!(
            matches!(transition(InProgress, Side::Receiver, &bad), Err(TransitionError::Invalid(e)) if e[0].field == "sanctions")
        );
        let negative = Command::Conclude {
            outcome: Outcome::Form2,
            sanctions: Sanctions { disciplinary: -1, organizational: 0, judicial: 0 },
            summary: String::new(),
        };
        assert!(
            matches!(transition(InProgress, Side::Receiver, &negative), Err(TransitionError::Invalid(e)) if e[0].field == "sanctions.disciplinary")
        );
        let blank = Command::Return { reason: "  ".into() };
        assert!(
            matches!(transition(Transferred, Side::Receiver, &blank), Err(TransitionError::Invalid(e)) if e[0].field == "reason")
        );
        // A wrong state is reported before invalid content.
        assert!(matches!(transition(Closed, Side::Receiver, &blank), Err(TransitionError::IllegalState { .. })));
    }

    #[test]
    fn overdue_means_open_and_past_the_deadline() {
        assert!(is_overdue(Accepted, "2026-11-20", "2026-11-21"));
        assert!(!is_overdue(Accepted, "2026-11-21", "2026-11-21"), "due at the end of the day");
        assert!(!is_overdue(Concluded, "2026-01-01", "2026-11-21"));
        assert!(!is_overdue(Returned, "2026-01-01", "2026-11-21"));
        assert!(validate_deadline("2026-02-30", "2026-01-01").is_some());
        assert!(validate_deadline("2027-1-5", "2026-01-01").is_some(), "not canonical");
        assert!(validate_deadline("2026-01-01", "2026-11-21").is_some());
        assert!(validate_deadline("2027-01-31", "2026-11-21").is_none());
    }

    #[test]
    fn a_transfer_draft_reports_every_field() {
        let n = NewTransfer {
            to_agency_id: "x".into(),
            suggestion: " ".into(),
            deadline: "2026-1-5".into(),
            round: Some("".into()),
        };
        let errs = TransferDraft::parse(n, "2026-11-26").unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["to_agency_id", "suggestion", "deadline", "round"]);
        let n = NewTransfer {
            to_agency_id: crate::domain::new_id(),
            suggestion: " 建议谈话函询 ".into(),
            deadline: "2026-11-26".into(),
            round: None,
        };
        assert_eq!(TransferDraft::parse(n, "2026-11-26").unwrap().suggestion, "建议谈话函询");
    }
}
