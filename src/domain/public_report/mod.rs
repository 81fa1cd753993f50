//! 码上巡察, the public reporting channel of an inspection team: a channel's open period, a
//! report as a reporter writes it (checked here, whole), the states a report goes through in
//! the team's hands and the three a reporter is told, and the receipt code (查询码).
//! Pure rules: no I/O.

pub mod attachments;
pub mod receipt;

use crate::domain::FieldError;
use crate::wire_enum;

wire_enum!(
    /// Where a report stands in the team's hands.
    ReportState {
        Received = "received" / "待处理",
        Verifying = "verifying" / "核查中",
        Clue = "clue" / "已转为问题线索",
        Duplicate = "duplicate" / "重复举报",
        Closed = "closed" / "已办结",
    }
);

wire_enum!(
    /// What a reporter is told with the receipt code: the stage only, never details.
    PublicStatus {
        Received = "received" / "已收到,等待处理",
        Verifying = "verifying" / "正在核查",
        Handled = "handled" / "已办结",
    }
);

wire_enum!(
    /// What the team does with a report.
    ReportAction {
        Verify = "verify" / "开始核查",
        MarkDuplicate = "mark_duplicate" / "标记为重复举报",
        Convert = "convert" / "转为问题线索",
        Close = "close" / "办结",
    }
);

impl ReportState {
    /// The stage a reporter sees: a duplicate was handled with the report it repeats.
    pub fn public_status(self) -> PublicStatus {
        match self {
            ReportState::Received => PublicStatus::Received,
            ReportState::Verifying | ReportState::Clue => PublicStatus::Verifying,
            ReportState::Duplicate | ReportState::Closed => PublicStatus::Handled,
        }
    }

    /// No more action on it, and no more information from the reporter.
    pub fn is_final(self) -> bool {
        matches!(self, ReportState::Duplicate | ReportState::Closed)
    }

    /// The state `action` leads to, or why it may not be taken now.
    pub fn after(self, action: ReportAction) -> Result<ReportState, String> {
        use ReportAction as A;
        use ReportState as S;
        let next = match (self, action) {
            (S::Received, A::Verify) => S::Verifying,
            (S::Received | S::Verifying, A::MarkDuplicate) => S::Duplicate,
            (S::Received | S::Verifying, A::Convert) => S::Clue,
            (S::Received | S::Verifying | S::Clue, A::Close) => S::Closed,
            _ => return Err(format!("该举报当前为“{}”,不能{}", self.label(), action.label())),
        };
        Ok(next)
    }
}

/// Longest text of a report (反映内容), in characters; the shortest.
pub const MAX_ACCOUNT_CHARS: usize = 5_000;
pub const MIN_ACCOUNT_CHARS: usize = 10;
/// Longest place (发生地点) and persons involved (涉及人员).
pub const MAX_PLACE_CHARS: usize = 200;
pub const MAX_PERSONS_CHARS: usize = 200;
/// Longest name and contact of a reporter who gives them.
pub const MAX_NAME_CHARS: usize = 50;
pub const MAX_CONTACT_CHARS: usize = 100;
/// Longest addition (补充情况) and most additions one report takes.
pub const MAX_ADDITION_CHARS: usize = 3_000;
pub const MAX_ADDITIONS: i32 = 10;
/// Longest contact line of a channel (shown on its page and poster), and closing reason.
pub const MAX_CONTACT_LINE_CHARS: usize = 200;
pub const MAX_REASON_CHARS: usize = 1_000;
/// Longest open period of a channel, in days (a stationing lasts weeks, not years).
pub const MAX_OPEN_DAYS: i64 = 366;

/// The protected fields of a report's record: the reporter's identity.
pub const FIELD_REPORTER_NAME: &str = "举报人姓名";
pub const FIELD_REPORTER_CONTACT: &str = "举报人联系方式";

/// A report as the form sends it, trimmed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportDraft {
    /// What happened (反映内容).
    pub account: String,
    /// Where (发生地点).
    pub place: String,
    /// Who is involved (涉及人员).
    pub persons: String,
    /// The reporter's name and contact, if they choose to give them.
    pub name: String,
    pub contact: String,
    /// 匿名: name and contact are dropped whatever was typed.
    pub anonymous: bool,
}

/// A checked report: identity kept only when given and not anonymous.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedReport {
    pub account: String,
    pub place: String,
    pub persons: String,
    /// (name, contact), each possibly empty; `None` when anonymous or neither was given.
    pub identity: Option<(String, String)>,
}

/// Checks a draft, naming every field that breaks a rule.
pub fn check_report(d: &ReportDraft) -> Result<CheckedReport, Vec<FieldError>> {
    let mut errs = Vec::new();
    let account = d.account.trim();
    let n = account.chars().count();
    if n < MIN_ACCOUNT_CHARS {
        errs.push(FieldError::new("account", format!("请写明反映的问题,至少 {MIN_ACCOUNT_CHARS} 个字")));
    } else if n > MAX_ACCOUNT_CHARS {
        errs.push(FieldError::new("account", format!("反映内容最多 {MAX_ACCOUNT_CHARS} 个字,请精简或分次补充")));
    }
    let fields = [
        ("place", d.place.trim(), MAX_PLACE_CHARS, "发生地点"),
        ("persons", d.persons.trim(), MAX_PERSONS_CHARS, "涉及人员"),
        ("name", d.name.trim(), MAX_NAME_CHARS, "姓名"),
        ("contact", d.contact.trim(), MAX_CONTACT_CHARS, "联系方式"),
    ];
    for (field, value, max, label) in fields {
        if value.chars().count() > max {
            errs.push(FieldError::new(field, format!("{label}最多 {max} 个字")));
        }
    }
    for (field, value) in [
        ("account", &d.account),
        ("place", &d.place),
        ("persons", &d.persons),
        ("name", &d.name),
        ("contact", &d.contact),
    ] {
        if has_control(value) {
            errs.push(FieldError::new(field, "含有无法识别的控制字符"));
        }
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    let (name, contact) = (d.name.trim().to_string(), d.contact.trim().to_string());
    let given = !(name.is_empty() && contact.is_empty());
    let identity = (given && !d.anonymous).then_some((name, contact));
    Ok(CheckedReport {
        account: account.into(),
        place: d.place.trim().into(),
        persons: d.persons.trim().into(),
        identity,
    })
}

/// Checks an addition (补充情况) to a report.
pub fn check_addition(text: &str) -> Result<String, Vec<FieldError>> {
    let t = text.trim();
    let n = t.chars().count();
    let msg = if n == 0 {
        "请填写补充的情况".to_string()
    } else if n > MAX_ADDITION_CHARS {
        format!("补充情况最多 {MAX_ADDITION_CHARS} 个字")
    } else if has_control(t) {
        "含有无法识别的控制字符".to_string()
    } else {
        return Ok(t.to_string());
    };
    Err(vec![FieldError::new("addition", msg)])
}

/// Control characters other than line breaks and tabs (a NUL would not even store).
fn has_control(s: &str) -> bool {
    s.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// The record a report becomes: its title (no word of the reporter's) and body.
pub fn record_text(team_name: &str, unit_name: &str, number: i32, r: &CheckedReport) -> (String, String) {
    let title = format!("码上巡察群众举报 · {team_name} · 第{number}号");
    let mut body = format!("被巡察单位:{unit_name}\n\n反映内容:\n{}\n", r.account);
    if !r.place.is_empty() {
        body.push_str(&format!("\n发生地点:{}\n", r.place));
    }
    if !r.persons.is_empty() {
        body.push_str(&format!("\n涉及人员:{}\n", r.persons));
    }
    (title, body)
}

/// The body after an addition, marked with the local time it came in.
pub fn body_with_addition(body: &str, at_local: &str, addition: &str) -> String {
    format!("{body}\n【举报人补充 {at_local}】\n{addition}\n")
}

/// Is a channel open on `today` (dates `YYYY-MM-DD`, both ends included, not closed early)?
pub fn is_open(opens_on: &str, closes_on: &str, closed_early: bool, today: &str) -> bool {
    !closed_early && opens_on <= today && today <= closes_on
}

/// Checks a channel's open period (`YYYY-MM-DD`, in order, at most `MAX_OPEN_DAYS`).
pub fn check_period(opens_on: &str, closes_on: &str, errs: &mut Vec<FieldError>) {
    use crate::domain::clock::parse_date;
    match (parse_date(opens_on), parse_date(closes_on)) {
        (Some(a), Some(b)) if b < a => errs.push(FieldError::new("closes_on", "结束日期不能早于开始日期")),
        (Some(a), Some(b)) if (b - a).num_days() >= MAX_OPEN_DAYS => {
            errs.push(FieldError::new("closes_on", format!("开放期最长 {MAX_OPEN_DAYS} 天")))
        }
        (a, b) => {
            if a.is_none() {
                errs.push(FieldError::new("opens_on", "日期格式应为 YYYY-MM-DD"));
            }
            if b.is_none() {
                errs.push(FieldError::new("closes_on", "日期格式应为 YYYY-MM-DD"));
            }
        }
    }
}

#[cfg(test)]
mod tests;
