//! Who may see and do what after a round: common problems (共性问题), self-check requirements
//! (未巡先改) and special campaigns (专项整治). The rules:
//!
//! - A common problem is a record (kind `notice`, tag 共性问题) of the round's office,
//!   distributed to the member units it names: who reads it is the record policy's decision
//!   (lists, search, feed, counts alike). Only the round's office publishes one; the round's
//!   list of them needs the round to be visible (office, participants), and a notified unit
//!   that is no participant reads its common problems through `GET /common-problems`.
//! - A self-check requirement is seen by the office that made it and by the named unit's own
//!   account (role `inspected`, the agency named as its account) — nobody else: not the
//!   round's participants, not other accounts (`404`); the hub admin reads no content (`403`).
//!   The report (自查自纠情况) is submitted by that account or recorded by the office's writer.
//! - A special campaign is created by a content writer of any member unit that receives
//!   records (not the hub, not an inspected unit's account), seen by its creator's agency and
//!   the agencies the creator shares it with (`404` to others), changed by its creator only
//!   (`403` to those it is shared with). It links only problems and common problems whose
//!   records the creator reads; anything else is `422` with the same message as a missing one
//!   (no title, no existence). A reader of the campaign sees a linked problem's title only
//!   where it reads that record itself; progress counts (rectified or not) are the campaign's.

use diesel::dsl::sql;
use diesel::expression::BoxableExpression;
use diesel::sql_types::{Bool, Text};

use crate::db::MultiBackend;
use crate::domain::Role;
use crate::error::AppError;
use crate::policy::Principal;

pub const SELF_CHECK_NOT_FOUND: &str = "自查要求不存在或无权查看";
pub const CAMPAIGN_NOT_FOUND: &str = "专项整治不存在或无权查看";
/// The message for a linked problem or common problem that does not exist or that the
/// campaign's creator may not read: the same for both.
pub const LINK_NOT_FOUND: &str = "问题不存在或无权查看";

/// Who asks about a self-check requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelfCheckAccess {
    /// The office that made it.
    Office,
    /// The named unit, through its own account.
    OwnUnit,
}

/// How the principal may see one requirement, or `404` (`403` for the hub admin).
pub fn self_check_access(p: &Principal, office: &str, account: Option<&str>) -> Result<SelfCheckAccess, AppError> {
    let not_found = || AppError::NotFound(SELF_CHECK_NOT_FOUND.into());
    if p.has(Role::Inspected) {
        return if account == Some(p.agency_id.as_str()) { Ok(SelfCheckAccess::OwnUnit) } else { Err(not_found()) };
    }
    crate::policy::require_content_reader(p)?;
    if p.agency_id == office {
        Ok(SelfCheckAccess::Office)
    } else {
        Err(not_found())
    }
}

/// The SQL form of `self_check_access` for lists, over `self_checks` (by that name).
pub fn self_checks_visible_sql<QS: 'static>(
    p: &Principal,
) -> Box<dyn BoxableExpression<QS, MultiBackend, SqlType = Bool>> {
    let column = if p.has(Role::Inspected) { "self_checks.account_agency_id" } else { "self_checks.office_agency_id" };
    Box::new(sql::<Bool>(&format!("({column} = ")).bind::<Text, _>(p.agency_id.clone()).sql(")"))
}

/// Reading lists of requirements: the unit's account, or a content reader.
pub fn require_self_check_reader(p: &Principal) -> Result<(), AppError> {
    if p.has(Role::Inspected) {
        Ok(())
    } else {
        crate::policy::require_content_reader(p)
    }
}

/// Reporting on a requirement the principal sees: its unit's account, or the office's
/// writer recording the report on the unit's behalf (a viewer of the office gets `403`).
pub fn require_self_check_reporter(p: &Principal, access: SelfCheckAccess) -> Result<(), AppError> {
    match access {
        SelfCheckAccess::OwnUnit => Ok(()),
        SelfCheckAccess::Office => crate::policy::require_content_writer(p),
    }
}

/// Creating a campaign: a content writer of a member unit that receives records.
pub fn require_campaign_creator(p: &Principal, agency_kind: &str) -> Result<(), AppError> {
    crate::policy::require_content_writer(p)?;
    if crate::policy::credentials::receives_records(agency_kind) {
        Ok(())
    } else {
        Err(AppError::Forbidden("专项整治由成员单位建立".into()))
    }
}

/// May this agency see the campaign: its creator's agency and those it is shared with.
pub fn can_see_campaign(agency_id: &str, owner: &str, shared_with: &[String]) -> bool {
    agency_id == owner || shared_with.iter().any(|a| a == agency_id)
}

/// The SQL form of `can_see_campaign`, over `campaigns` (by that name): must agree.
pub fn campaigns_visible_sql<QS: 'static>(
    agency_id: &str,
) -> Box<dyn BoxableExpression<QS, MultiBackend, SqlType = Bool>> {
    Box::new(
        sql::<Bool>("(campaigns.owner_agency_id = ")
            .bind::<Text, _>(agency_id.to_string())
            .sql(" OR EXISTS (SELECT 1 FROM campaign_shares cs WHERE cs.campaign_id = campaigns.id AND cs.agency_id = ")
            .bind::<Text, _>(agency_id.to_string())
            .sql("))"),
    )
}

/// Changing a campaign (its links): a content writer of its creator's agency.
pub fn require_campaign_owner(p: &Principal, owner: &str) -> Result<(), AppError> {
    crate::policy::require_content_writer(p)?;
    if p.agency_id == owner {
        Ok(())
    } else {
        Err(AppError::Forbidden("只有建立专项整治的单位可以修改".into()))
    }
}

/// Which agencies a campaign's shares are shown to: its creator's agency only (like a
/// record's recipients).
pub fn sees_campaign_shares(agency_id: &str, owner: &str) -> bool {
    agency_id == owner
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
    fn a_self_check_is_seen_by_its_office_and_its_units_account_only() {
        let office = principal("xcb", &[Role::Liaison]);
        assert_eq!(self_check_access(&office, "xcb", Some("acc")).unwrap(), SelfCheckAccess::Office);
        let account = principal("acc", &[Role::Inspected]);
        assert_eq!(self_check_access(&account, "xcb", Some("acc")).unwrap(), SelfCheckAccess::OwnUnit);
        let other_account = principal("acc2", &[Role::Inspected]);
        assert!(matches!(self_check_access(&other_account, "xcb", Some("acc")), Err(AppError::NotFound(_))));
        assert!(matches!(self_check_access(&account, "xcb", None), Err(AppError::NotFound(_))));
        let participant = principal("jw", &[Role::Liaison]);
        assert!(matches!(self_check_access(&participant, "xcb", Some("acc")), Err(AppError::NotFound(_))));
        let admin = principal("hub", &[Role::Admin]);
        assert!(matches!(self_check_access(&admin, "hub", None), Err(AppError::Forbidden(_))));
    }

    #[test]
    fn the_unit_reports_and_the_offices_writer_records_a_report() {
        let viewer = principal("xcb", &[Role::Viewer]);
        assert!(require_self_check_reporter(&viewer, SelfCheckAccess::Office).is_err());
        let liaison = principal("xcb", &[Role::Liaison]);
        assert!(require_self_check_reporter(&liaison, SelfCheckAccess::Office).is_ok());
        let account = principal("acc", &[Role::Inspected]);
        assert!(require_self_check_reporter(&account, SelfCheckAccess::OwnUnit).is_ok());
    }

    #[test]
    fn campaigns_are_made_by_member_units_and_seen_as_shared() {
        let jw = principal("jw", &[Role::Liaison]);
        assert!(require_campaign_creator(&jw, "discipline").is_ok());
        assert!(require_campaign_creator(&jw, "inspected_unit").is_err());
        assert!(require_campaign_creator(&jw, "hub").is_err());
        assert!(require_campaign_creator(&principal("jw", &[Role::Viewer]), "discipline").is_err());
        let shared = vec!["zfb".to_string()];
        assert!(can_see_campaign("jw", "jw", &shared));
        assert!(can_see_campaign("zfb", "jw", &shared));
        assert!(!can_see_campaign("sj", "jw", &shared));
        assert!(require_campaign_owner(&jw, "jw").is_ok());
        assert!(matches!(
            require_campaign_owner(&principal("zfb", &[Role::Liaison]), "jw"),
            Err(AppError::Forbidden(_))
        ));
        assert!(sees_campaign_shares("jw", "jw") && !sees_campaign_shares("zfb", "jw"));
    }
}
