//! Email to liaison officers, the pure part: which mails exist and how a user wants each
//! (immediately, in the daily digest, or never), the zh-CN templates (subject, plain text
//! and an HTML alternative), and when the daily digest and deadline reminders are due.
//! What a mail may say is decided in `policy` before a `Notice` is built here.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, NaiveTime, Utc};

use crate::domain::event::EventType;
use crate::domain::FieldError;

mod render;
mod requests;

pub use render::*;
pub use requests::*;

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
    (EventType::InfoRequestCreated.as_str(), MailMode::Immediate),
    (EventType::InfoRequestReminder.as_str(), MailMode::Immediate),
    (EventType::InfoRequestAnswered.as_str(), MailMode::Digest),
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
    /// An information request (函询): arrived, reminded, answered.
    InfoRequest(RequestNotice),
}

/// A mail ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
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
