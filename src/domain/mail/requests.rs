//! The mails of information requests (函询): to a target when a request arrives and when it is
//! reminded (催办), to the asker when a target answers. Minimal on purpose: the request's
//! title, kind, deadline, the asking (or answering) unit and a link — never the subjects'
//! names, the note or any answer.

use crate::domain::event::EventType;

/// Which mail of a request.
#[derive(Debug, Clone, PartialEq)]
pub enum RequestMail {
    /// To a target: a request arrived.
    Received,
    /// To a target that has not answered every subject: `overdue` once the deadline passed.
    Reminder { overdue: bool },
    /// To the asker: a target answered (`complete`: every subject now answered).
    Answered { by_agency: String, complete: bool },
}

/// One request mail, holding only what its recipient may read.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestNotice {
    pub mail: RequestMail,
    pub title: String,
    /// The kind's label (巡前函询 / 党风廉政意见回复).
    pub kind: String,
    pub deadline: String,
    pub asker_agency: String,
    /// The request's page.
    pub link: String,
}

impl RequestNotice {
    pub fn mail_type(&self) -> &'static str {
        match self.mail {
            RequestMail::Received => EventType::InfoRequestCreated.as_str(),
            RequestMail::Reminder { .. } => EventType::InfoRequestReminder.as_str(),
            RequestMail::Answered { .. } => EventType::InfoRequestAnswered.as_str(),
        }
    }

    /// The subject, the lead line and the facts.
    pub(super) fn parts(&self) -> (String, String, Vec<(&'static str, String)>) {
        let title = super::render::short(&Some(self.title.clone()));
        let (subject, lead) = match &self.mail {
            RequestMail::Received => (
                format!("【贯通】收到{}:{title}", self.kind),
                format!("{}向贵单位发来{},请在答复期限内答复。", self.asker_agency, self.kind),
            ),
            RequestMail::Reminder { overdue: false } => (
                format!("【贯通】{}催办({}到期):{title}", self.kind, self.deadline),
                format!(
                    "{}发来的{}将于 {} 到期,贵单位尚未全部答复,请抓紧办理。",
                    self.asker_agency, self.kind, self.deadline
                ),
            ),
            RequestMail::Reminder { overdue: true } => (
                format!("【贯通】{}已逾期:{title}", self.kind),
                format!(
                    "{}发来的{}已超过答复期限({}),贵单位尚未全部答复,请尽快答复。",
                    self.asker_agency, self.kind, self.deadline
                ),
            ),
            RequestMail::Answered { by_agency, complete } => (
                format!("【贯通】{}有新答复:{title}", self.kind),
                if *complete {
                    format!("{by_agency}已答复贵单位的{}(已全部答复)。", self.kind)
                } else {
                    format!("{by_agency}答复了贵单位的{}(尚未全部答复)。", self.kind)
                },
            ),
        };
        let mut facts = vec![("函询标题", self.title.clone()), ("函询单位", self.asker_agency.clone())];
        if let RequestMail::Answered { by_agency, .. } = &self.mail {
            facts.push(("答复单位", by_agency.clone()));
        }
        facts.push(("答复期限", self.deadline.clone()));
        facts.push(("查看链接", self.link.clone()));
        (subject, lead, facts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::mail::Notice;

    #[test]
    fn request_mails_say_title_deadline_and_link_only() {
        let n = RequestNotice {
            mail: RequestMail::Reminder { overdue: true },
            title: "关于提供第十三轮被巡察单位有关情况的函".into(),
            kind: "巡前函询".into(),
            deadline: "2026-03-10".into(),
            asker_agency: "市委巡察办".into(),
            link: "https://hub.example.gov.cn/info-requests/x".into(),
        };
        let r = Notice::InfoRequest(n.clone()).render();
        assert_eq!(r.subject, "【贯通】巡前函询已逾期:关于提供第十三轮被巡察单位有关情况的函");
        assert!(r.text.contains("已超过答复期限(2026-03-10)"), "{}", r.text);
        assert!(r.text.contains("查看链接:https://hub.example.gov.cn/info-requests/x"), "{}", r.text);
        assert_eq!(Notice::InfoRequest(n).mail_type(), "info_request.reminder");
    }
}
