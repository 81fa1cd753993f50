//! 码上巡察: who sees and does what with a team's public reporting channel and the reports
//! made through it. One place for every rule; services ask, handlers and pages never decide.
//!
//! - A channel is the inspection office's that runs the round: only a content writer of that
//!   office opens or changes one, and only its content readers see the channel, its queue and
//!   its statistics. To anyone else (the round's participants, the inspected unit, the hub
//!   admin's agency) a channel and its reports are `404`, as a record would be (rule 2).
//! - A report becomes a petition record owned by the office, distribution `own`, sensitive,
//!   with the reporter's identity as protected fields, and the channel as its author
//!   (`channel:<id>`). Such a record stays the channel's: through the record API nobody
//!   changes it, withdraws it, widens its distribution or grants its fields (409).
//! - The reporter's identity is disclosed only to a person or system of the office reading
//!   that one record (`ReadMode::Single`): never in a list, a feed page, a webhook or a mail.
//! - The public endpoints act as the channel (`channel_principal`), never as a user.

use crate::domain::Role;
use crate::error::AppError;
use crate::policy::{AccessFacts, Principal};

/// The message for a channel the caller may not see (or that does not exist).
pub const CHANNEL_NOT_FOUND: &str = "举报渠道不存在或无权查看";
/// The message for a report the caller may not see (or that does not exist).
pub const REPORT_NOT_FOUND: &str = "举报不存在或无权查看";

const AUTHOR_PREFIX: &str = "channel:";

/// The author written on a report's record: the channel.
pub fn channel_author(channel_id: &str) -> String {
    format!("{AUTHOR_PREFIX}{channel_id}")
}

/// Was the record written by a public channel (a report)?
pub fn is_channel_author(author_id: &str) -> bool {
    author_id.starts_with(AUTHOR_PREFIX)
}

/// Who the public endpoints act as when they write a report: the channel, in its office.
pub fn channel_principal(channel_id: &str, office_agency_id: &str) -> Principal {
    Principal {
        user_id: Some(channel_author(channel_id)),
        api_key_id: None,
        username: "码上巡察".into(),
        agency_id: office_agency_id.to_string(),
        roles: vec![Role::Liaison],
    }
}

/// May the caller see the channel (and its reports)? A content reader of its office only.
pub fn can_see_channel(p: &Principal, owner_agency_id: &str) -> bool {
    crate::policy::require_content_reader(p).is_ok() && p.agency_id == owner_agency_id
}

/// Opening a channel for an inspected unit: the office running the unit's round, a content
/// writer. A participant of the round sees the unit but has no channel business there: to it,
/// as to anyone else who is not the office, the unit is 404 here.
pub fn require_round_office(p: &Principal, round_owner_agency_id: &str) -> Result<(), AppError> {
    if p.agency_id != round_owner_agency_id {
        return Err(AppError::NotFound(crate::policy::inspection::UNIT_NOT_FOUND.into()));
    }
    require_channel_manager(p)
}

/// Opening a channel, changing it, handling its reports: a content writer of its office
/// (one that may see it; anyone else has been answered 404).
pub fn require_channel_manager(p: &Principal) -> Result<(), AppError> {
    crate::policy::require_content_writer(p)
}

/// A report's record changes only through its channel (the reporter's additions): 409 for
/// any other writer, the owning office included.
pub fn require_record_editable(p: &Principal, r: &AccessFacts) -> Result<(), AppError> {
    if r.from_public_channel && !is_channel_author(&p.actor_id()) {
        Err(AppError::Conflict(
            "这是码上巡察收到的群众举报,由举报渠道管理:不能修改、撤回或扩大分发范围;请在举报处理页面办理".into(),
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(agency: &str, roles: &[Role]) -> Principal {
        Principal {
            user_id: Some("u".into()),
            api_key_id: None,
            username: "u".into(),
            agency_id: agency.into(),
            roles: roles.to_vec(),
        }
    }

    #[test]
    fn only_the_office_sees_its_channels() {
        assert!(can_see_channel(&principal("office", &[Role::Viewer]), "office"));
        assert!(!can_see_channel(&principal("commission", &[Role::Liaison]), "office"));
        assert!(!can_see_channel(&principal("office", &[Role::Admin]), "office"), "the admin reads no content");
        assert!(require_channel_manager(&principal("office", &[Role::Viewer])).is_err());
        assert!(require_channel_manager(&principal("office", &[Role::Liaison])).is_ok());
    }

    #[test]
    fn only_the_rounds_office_opens_channels() {
        let office = principal("office", &[Role::Liaison]);
        assert!(require_round_office(&office, "office").is_ok());
        assert!(matches!(
            require_round_office(&principal("commission", &[Role::Liaison]), "office"),
            Err(AppError::NotFound(_))
        ));
        assert!(matches!(
            require_round_office(&principal("office", &[Role::Viewer]), "office"),
            Err(AppError::Forbidden(_))
        ));
    }

    #[test]
    fn a_report_record_changes_only_through_its_channel() {
        let report = AccessFacts { owner_agency_id: "office".into(), from_public_channel: true, ..Default::default() };
        let ordinary = AccessFacts { owner_agency_id: "office".into(), ..Default::default() };
        let liaison = principal("office", &[Role::Liaison]);
        assert!(matches!(require_record_editable(&liaison, &report), Err(AppError::Conflict(_))));
        assert!(require_record_editable(&liaison, &ordinary).is_ok());
        let channel = channel_principal("c1", "office");
        assert!(require_record_editable(&channel, &report).is_ok());
        assert!(is_channel_author(&channel.actor_id()));
        assert!(!is_channel_author("apikey:k1") && !is_channel_author("system"));
    }
}
