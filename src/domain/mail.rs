//! Email to liaison officers, the pure part: which mails exist and how a user wants each
//! (immediately, in the daily digest, or never), the zh-CN templates (subject, plain text
//! and an HTML alternative), and when the daily digest and deadline reminders are due.
//! What a mail may say is decided in `policy` before a `Notice` is built here.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, NaiveTime, Utc};

use crate::domain::event::EventType;
use crate::domain::FieldError;

crate::wire_enum!(
    /// How a user wants one kind of mail.
    MailMode {
        Immediate = "immediate" / "立即发送",
        Digest = "digest" / "每日摘要",
        Never = "never" / "不发送",
    }
);

/// The kinds of mail, by the event type that causes them (subscription matches are
/// `subscription.matched`), with their default mode.
pub const MAIL_TYPES: &[(&str, MailMode)] = &[
    (EventType::TransferCreated.as_str(), MailMode::Immediate),
    (EventType::TransferReturned.as_str(), MailMode::Immediate),
    (EventType::TransferConcluded.as_str(), MailMode::Immediate),
    (EventType::TransferDeadlineSoon.as_str(), MailMode::Immediate),
    (EventType::TransferOverdue.as_str(), MailMode::Immediate),
    ("subscription.matched", MailMode::Digest),
    (EventType::WebhookDisabled.as_str(), MailMode::Immediate),
];

pub const SUBSCRIPTION_MATCHED: &str = "subscription.matched";

/// Days before the deadline that the `transfer.deadline_soon` reminder goes out.
pub const DEADLINE_SOON_DAYS: i64 = 3;

/// The default mode of a mail type (`None`: not a mail type).
pub fn default_mode(event_type: &str) -> Option<MailMode> {
    MAIL_TYPES.iter().find(|(t, _)| *t == event_type).map(|(_, m)| *m)
}

/// Every mail type with the user's mode: their stored choice, else the default.
pub fn effective_modes(stored: &BTreeMap<String, MailMode>) -> BTreeMap<String, MailMode> {
    MAIL_TYPES.iter().map(|(t, d)| (t.to_string(), stored.get(*t).copied().unwrap_or(*d))).collect()
}

/// Parses a preferences change (mail type → mode); every bad entry is a field error named
/// by its key.
pub fn parse_preferences(
    input: &BTreeMap<String, serde_json::Value>,
) -> Result<BTreeMap<String, MailMode>, Vec<FieldError>> {
    let mut out = BTreeMap::new();
    let mut errs = Vec::new();
    if input.is_empty() {
        errs.push(FieldError::new("", "请至少指定一种邮件类型的发送方式"));
    }
    for (k, v) in input {
        if default_mode(k).is_none() {
            let known: Vec<&str> = MAIL_TYPES.iter().map(|(t, _)| *t).collect();
            errs.push(FieldError::new(k.clone(), format!("未知的邮件类型“{k}”,可选:{}", known.join("、"))));
            continue;
        }
        match v.as_str().and_then(MailMode::parse) {
            Some(m) => {
                out.insert(k.clone(), m);
            }
            None => errs.push(FieldError::new(
                k.clone(),
                format!("发送方式无效,可选:immediate(立即)、digest(每日摘要)、never(不发送);收到 {v}"),
            )),
        }
    }
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(errs)
    }
}

/// Which side of a transfer a mail goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    Sender,
    Receiver,
}

/// What one mail is about, holding only what the recipient may read in a mail (`title` is
/// `None` when the policy withholds it).
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    TransferReceived {
        title: Option<String>,
        category: Option<String>,
        deadline: String,
        from_agency: String,
        round: Option<String>,
    },
    TransferReturned {
        title: Option<String>,
        to_agency: String,
        reason: Option<String>,
    },
    TransferConcluded {
        title: Option<String>,
        to_agency: String,
        outcome: Option<String>,
    },
    DeadlineSoon {
        title: Option<String>,
        deadline: String,
        from_agency: String,
    },
    Overdue {
        party: Party,
        title: Option<String>,
        deadline: String,
        other_agency: String,
    },
    SubscriptionMatched {
        title: Option<String>,
        kind: String,
        category: Option<String>,
        owner_agency: String,
    },
    EndpointDisabled {
        url: String,
        reason: String,
    },
}

/// A mail ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

const WITHHELD_TITLE: &str = "(受限信息,标题不在邮件中显示)";
const SIGNATURE: &str = "请登录贯通平台查看详情并办理。\n\n此邮件由贯通(跨部门监督信息共享平台)自动发送,请勿直接回复。\n如不需要此类邮件,可在平台“我的邮件设置”中调整(立即发送 / 每日摘要 / 不发送)。";

fn title_of(t: &Option<String>) -> &str {
    t.as_deref().unwrap_or(WITHHELD_TITLE)
}

/// A short title for subject lines (long titles are cut with an ellipsis).
fn short(t: &Option<String>) -> String {
    let t = title_of(t);
    if t.chars().count() > 30 {
        format!("{}…", t.chars().take(30).collect::<String>())
    } else {
        t.to_string()
    }
}

impl Notice {
    /// The mail type (preference key) of this notice.
    pub fn mail_type(&self) -> &'static str {
        match self {
            Notice::TransferReceived { .. } => EventType::TransferCreated.as_str(),
            Notice::TransferReturned { .. } => EventType::TransferReturned.as_str(),
            Notice::TransferConcluded { .. } => EventType::TransferConcluded.as_str(),
            Notice::DeadlineSoon { .. } => EventType::TransferDeadlineSoon.as_str(),
            Notice::Overdue { .. } => EventType::TransferOverdue.as_str(),
            Notice::SubscriptionMatched { .. } => SUBSCRIPTION_MATCHED,
            Notice::EndpointDisabled { .. } => EventType::WebhookDisabled.as_str(),
        }
    }

    /// The subject and the body's facts as (label, value) lines.
    fn parts(&self) -> (String, String, Vec<(&'static str, String)>) {
        match self {
            Notice::TransferReceived { title, category, deadline, from_agency, round } => {
                let mut facts = vec![("线索标题", title_of(title).to_string()), ("移交单位", from_agency.clone())];
                if let Some(c) = category {
                    facts.push(("问题类别", c.clone()));
                }
                facts.push(("办理期限", deadline.clone()));
                if let Some(r) = round {
                    facts.push(("巡察轮次", r.clone()));
                }
                (
                    format!("【贯通】收到移交线索:{}", short(title)),
                    format!("{from_agency}向贵单位移交了一条问题线索,请及时受理。"),
                    facts,
                )
            }
            Notice::TransferReturned { title, to_agency, reason } => {
                let mut facts = vec![("线索标题", title_of(title).to_string()), ("退回单位", to_agency.clone())];
                if let Some(r) = reason {
                    facts.push(("退回理由", r.clone()));
                }
                (
                    format!("【贯通】移交的线索被退回:{}", short(title)),
                    format!("贵单位移交给{to_agency}的问题线索已被退回,可重新研究处置或另行移交。"),
                    facts,
                )
            }
            Notice::TransferConcluded { title, to_agency, outcome } => {
                let mut facts = vec![("线索标题", title_of(title).to_string()), ("办理单位", to_agency.clone())];
                if let Some(o) = outcome {
                    facts.push(("办理结果", o.clone()));
                }
                (
                    format!("【贯通】移交的线索已办结:{}", short(title)),
                    format!("贵单位移交给{to_agency}的问题线索已办结,请查看办理结果并反馈。"),
                    facts,
                )
            }
            Notice::DeadlineSoon { title, deadline, from_agency } => (
                format!("【贯通】线索办理期限将至({deadline}):{}", short(title)),
                format!("{from_agency}移交贵单位的问题线索将于 {deadline} 到期,请抓紧办理。"),
                vec![
                    ("线索标题", title_of(title).to_string()),
                    ("移交单位", from_agency.clone()),
                    ("办理期限", deadline.clone()),
                ],
            ),
            Notice::Overdue { party, title, deadline, other_agency } => {
                let (lead, who) = match party {
                    Party::Receiver => (
                        format!("{other_agency}移交贵单位的问题线索已超过办理期限({deadline}),请尽快办结。"),
                        "移交单位",
                    ),
                    Party::Sender => (
                        format!("贵单位移交给{other_agency}的问题线索已超过办理期限({deadline}),尚未办结,请督促办理。"),
                        "办理单位",
                    ),
                };
                (
                    format!("【贯通】线索办理已逾期:{}", short(title)),
                    lead,
                    vec![
                        ("线索标题", title_of(title).to_string()),
                        (who, other_agency.clone()),
                        ("办理期限", deadline.clone()),
                    ],
                )
            }
            Notice::SubscriptionMatched { title, kind, category, owner_agency } => {
                let mut facts = vec![
                    ("标题", title_of(title).to_string()),
                    ("信息类型", kind.clone()),
                    ("发布单位", owner_agency.clone()),
                ];
                if let Some(c) = category {
                    facts.push(("问题类别", c.clone()));
                }
                (format!("【贯通】订阅命中:{}", short(title)), "有一条信息符合贵单位的订阅条件。".to_string(), facts)
            }
            Notice::EndpointDisabled { url, reason } => (
                "【贯通】回调地址已被自动停用".to_string(),
                "贵单位的一个回调地址连续投递失败,平台已将其停用。修复接收端后,可在平台上重新启用,投递将从中断处继续。"
                    .to_string(),
                vec![("回调地址", url.clone()), ("停用原因", reason.clone())],
            ),
        }
    }

    /// The mail for this notice.
    pub fn render(&self) -> Rendered {
        let (subject, lead, facts) = self.parts();
        let mut text = format!("您好:\n\n{lead}\n\n");
        for (k, v) in &facts {
            text.push_str(&format!("{k}:{v}\n"));
        }
        text.push('\n');
        text.push_str(SIGNATURE);
        text.push('\n');
        let rows: String = facts
            .iter()
            .map(|(k, v)| format!("<tr><th align=\"left\">{}</th><td>{}</td></tr>", escape(k), escape(v)))
            .collect();
        let html = html_page(&subject, &format!("<p>{}</p><table>{rows}</table>", escape(&lead)));
        Rendered { subject, text, html }
    }

    /// One line of a digest.
    pub fn line(&self) -> String {
        let (subject, _, _) = self.parts();
        subject.trim_start_matches("【贯通】").to_string()
    }
}

/// Which one-time link an account mail carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountLink {
    /// An invited account: the user sets their first password ("账号激活").
    Activation,
    /// A password reset ("重设密码").
    Reset,
}

impl AccountLink {
    /// The mail type recorded in the outbox.
    pub fn mail_type(self) -> &'static str {
        match self {
            AccountLink::Activation => "account.activation",
            AccountLink::Reset => "account.password_reset",
        }
    }
}

/// The mail carrying a one-time link: the link and its expiry, never a password.
pub fn render_account_link(
    kind: AccountLink,
    display_name: &str,
    username: &str,
    link: &str,
    expires: &str,
) -> Rendered {
    let (subject, lead, after) = match kind {
        AccountLink::Activation => (
            "【贯通】账号激活",
            format!("平台已为您({display_name})开设贯通平台账号,用户名:{username}。请打开下面的链接,自行设置登录密码以激活账号。"),
            "如您并未申请此账号,请忽略本邮件。",
        ),
        AccountLink::Reset => (
            "【贯通】重设密码",
            format!("您的贯通平台账号(用户名:{username})收到了重设密码的请求。请打开下面的链接设置新密码;设置后,原有的登录会话全部失效。"),
            "如非本人操作,请忽略本邮件,原密码仍然有效。",
        ),
    };
    let note = format!("链接仅可使用一次,有效期至 {expires}(UTC)。{after}");
    let footer = "此邮件由贯通(跨部门监督信息共享平台)自动发送,请勿直接回复,也不要转发给他人。";
    let text = format!("您好:\n\n{lead}\n\n{link}\n\n{note}\n\n{footer}\n");
    let html = format!(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{}</title></head><body><p>您好:</p><p>{}</p><p><a href=\"{}\">{}</a></p><p>{}</p><p>{}</p></body></html>",
        escape(subject),
        escape(&lead),
        escape(link),
        escape(link),
        escape(&note),
        escape(footer)
    );
    Rendered { subject: subject.to_string(), text, html }
}

/// The daily digest of a user's items (their one-line summaries), for local day `day`.
pub fn render_digest(day: &str, lines: &[String]) -> Rendered {
    let subject = format!("【贯通】每日摘要({day}):{} 条待阅信息", lines.len());
    let mut text = format!("您好:\n\n以下是 {day} 的每日摘要,共 {} 条:\n\n", lines.len());
    for (i, l) in lines.iter().enumerate() {
        text.push_str(&format!("{}. {l}\n", i + 1));
    }
    text.push('\n');
    text.push_str(SIGNATURE);
    text.push('\n');
    let items: String = lines.iter().map(|l| format!("<li>{}</li>", escape(l))).collect();
    let html = html_page(
        &subject,
        &format!("<p>以下是 {} 的每日摘要,共 {} 条:</p><ol>{items}</ol>", escape(day), lines.len()),
    );
    Rendered { subject, text, html }
}

fn html_page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{}</title></head><body><p>您好:</p>{body}<p>{}</p></body></html>",
        escape(title),
        escape(SIGNATURE).replace('\n', "<br>")
    )
}

/// Escapes text for HTML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// When the digest runs: a local time of day in the hub's time zone (`time_zone`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DigestSchedule {
    pub at: NaiveTime,
    pub tz: chrono_tz::Tz,
}

impl DigestSchedule {
    /// From the settings; `None` for "off" (this instance runs no digest). A bad value is an
    /// error naming the setting.
    pub fn parse(time: &str, tz: chrono_tz::Tz) -> Result<Option<DigestSchedule>, String> {
        let time = time.trim();
        if time.eq_ignore_ascii_case("off") || time.is_empty() {
            return Ok(None);
        }
        let at = NaiveTime::parse_from_str(time, "%H:%M")
            .map_err(|_| format!("mail_digest_time 须为 HH:MM 格式(或 off),收到“{time}”"))?;
        Ok(Some(DigestSchedule { at, tz }))
    }

    /// The local day whose digest is due at `now`, if its time has come (the caller checks
    /// whether that day's digest already ran).
    pub fn due_day(&self, now: chrono::DateTime<Utc>) -> Option<String> {
        let local = now.with_timezone(&self.tz);
        (local.time() >= self.at).then(|| local.format("%Y-%m-%d").to_string())
    }
}

/// The reminder dates for `today` (YYYY-MM-DD): a transfer whose deadline is on or before the
/// first is due a `deadline_soon` reminder; one whose deadline is before `today` is overdue.
pub fn deadline_soon_until(today: &str) -> String {
    NaiveDate::parse_from_str(today, "%Y-%m-%d")
        .map(|d| (d + Duration::days(DEADLINE_SOON_DAYS)).format("%Y-%m-%d").to_string())
        .unwrap_or_else(|_| today.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn preferences_default_and_validate() {
        let mut stored = BTreeMap::new();
        stored.insert("transfer.created".to_string(), MailMode::Never);
        let m = effective_modes(&stored);
        assert_eq!(m["transfer.created"], MailMode::Never);
        assert_eq!(m[SUBSCRIPTION_MATCHED], MailMode::Digest);
        assert_eq!(m["webhook.disabled"], MailMode::Immediate);
        assert_eq!(m.len(), MAIL_TYPES.len());

        let ok: BTreeMap<String, serde_json::Value> =
            [("transfer.overdue".to_string(), json!("digest"))].into_iter().collect();
        assert_eq!(parse_preferences(&ok).unwrap()["transfer.overdue"], MailMode::Digest);
        let bad: BTreeMap<String, serde_json::Value> = [
            ("record.created".to_string(), json!("immediate")),
            ("transfer.created".to_string(), json!("sometimes")),
            ("transfer.returned".to_string(), json!(3)),
        ]
        .into_iter()
        .collect();
        let errs = parse_preferences(&bad).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["record.created", "transfer.created", "transfer.returned"]);
        assert!(parse_preferences(&BTreeMap::new()).is_err());
    }

    #[test]
    fn templates_are_chinese_and_hold_only_what_they_are_given() {
        let n = Notice::TransferReceived {
            title: Some("市住建局违规发放津补贴问题线索".into()),
            category: Some("廉洁纪律".into()),
            deadline: "2027-01-31".into(),
            from_agency: "市委巡察办".into(),
            round: None,
        };
        let r = n.render();
        assert_eq!(r.subject, "【贯通】收到移交线索:市住建局违规发放津补贴问题线索");
        assert!(r.text.contains("市委巡察办向贵单位移交了一条问题线索"));
        assert!(r.text.contains("办理期限:2027-01-31"));
        assert!(r.html.contains("<th align=\"left\">问题类别</th><td>廉洁纪律</td>"));
        assert_eq!(n.mail_type(), "transfer.created");

        let withheld =
            Notice::DeadlineSoon {
                title: None, deadline: "2027-01-31".into(), from_agency: "<市委巡察办>".into()
            };
        let r = withheld.render();
        assert!(r.subject.contains(WITHHELD_TITLE));
        assert!(r.html.contains("&lt;市委巡察办&gt;") && !r.html.contains("<市委巡察办>"));
        assert_eq!(withheld.line(), format!("线索办理期限将至(2027-01-31):{WITHHELD_TITLE}"));

        let long =
            Notice::TransferConcluded {
                title: Some("长".repeat(40)), to_agency: "市纪委监委".into(), outcome: None
            };
        assert!(long.render().subject.ends_with(&format!("{}…", "长".repeat(30))));
        let over = Notice::Overdue {
            party: Party::Sender,
            title: Some("线索甲".into()),
            deadline: "2026-01-01".into(),
            other_agency: "市纪委监委".into(),
        };
        assert!(over.render().text.contains("贵单位移交给市纪委监委的问题线索已超过办理期限"));
    }

    #[test]
    fn the_digest_lists_every_line() {
        let d = render_digest("2026-11-23", &["订阅命中:甲".into(), "订阅命中:乙".into()]);
        assert_eq!(d.subject, "【贯通】每日摘要(2026-11-23):2 条待阅信息");
        assert!(d.text.contains("1. 订阅命中:甲\n2. 订阅命中:乙"));
        assert!(d.html.contains("<li>订阅命中:乙</li>"));
    }

    #[test]
    fn the_digest_is_due_from_its_local_time() {
        let s = DigestSchedule::parse("08:00", chrono_tz::Asia::Shanghai).unwrap().unwrap();
        let t = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert_eq!(s.due_day(t("2026-11-22T23:59:00Z")), None, "07:59 local");
        assert_eq!(s.due_day(t("2026-11-23T00:00:00Z")).as_deref(), Some("2026-11-23"), "08:00 local");
        assert_eq!(s.due_day(t("2026-11-23T17:00:00Z")), None, "01:00 local, the next day");
        assert_eq!(s.due_day(t("2026-11-24T03:00:00Z")).as_deref(), Some("2026-11-24"), "11:00 local");
        assert_eq!(DigestSchedule::parse("off", chrono_tz::UTC).unwrap(), None);
        assert!(DigestSchedule::parse("8 点", chrono_tz::UTC).is_err());
    }

    #[test]
    fn deadline_soon_is_three_days_ahead() {
        assert_eq!(deadline_soon_until("2026-12-30"), "2027-01-02");
    }
}
