//! The text of mails: subjects and bodies (plain and HTML) of notices, account links and digests.

use super::*;
use crate::domain::event::EventType;

pub(super) const WITHHELD_TITLE: &str = "(受限信息,标题不在邮件中显示)";

pub(super) const SIGNATURE: &str = "请登录贯通平台查看详情并办理。\n\n此邮件由贯通(跨部门监督信息共享平台)自动发送,请勿直接回复。\n如不需要此类邮件,可在平台“我的邮件设置”中调整(立即发送 / 每日摘要 / 不发送)。";

pub(super) fn title_of(t: &Option<String>) -> &str {
    t.as_deref().unwrap_or(WITHHELD_TITLE)
}

/// A short title for subject lines (long titles are cut with an ellipsis).
pub(super) fn short(t: &Option<String>) -> String {
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
            Notice::InfoRequest(n) => n.mail_type(),
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
            Notice::InfoRequest(n) => n.parts(),
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

/// 码上巡察: a channel's liaison is told that a report came in — its number and a link to
/// it, never a word of the report, nothing of the reporter (a mail leaves the hub).
pub fn render_report_notice(team: &str, number: i32, link: &str) -> Rendered {
    let subject = format!("【贯通】码上巡察收到新举报(第{number}号)");
    let lead = format!("{team}的码上巡察渠道收到第{number}号举报。请登录平台查看和办理:");
    let text = format!("您好:\n\n{lead}\n\n{link}\n\n{SIGNATURE}\n");
    let html = html_page(
        &subject,
        &format!("<p>{}</p><p><a href=\"{}\">{}</a></p>", escape(&lead), escape(link), escape(link)),
    );
    Rendered { subject, text, html }
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

pub(super) fn html_page(title: &str, body: &str) -> String {
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
