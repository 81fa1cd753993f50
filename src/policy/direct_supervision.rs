//! Who sees a post-inspection direct-supervision campaign (巡后直督). The rules:
//!
//! - The round's inspection office creates a campaign (as it changes its round).
//! - A campaign is visible to the round's office, to the member units of the campaign's team
//!   (纪委监委, 组织部, 督查局 … — they need not be participants of the round) and to the round's
//!   participants; to anyone else it is `404`; the hub admin and inspected units' accounts
//!   read no content (`403`).
//! - A campaign shows numbers only: counts and rates of the covered units' problems and
//!   clues, never a finding's title or text — those stay with the record policy.

use diesel::dsl::sql;
use diesel::expression::BoxableExpression;
use diesel::sql_types::{Bool, Text};

use crate::db::MultiBackend;
use crate::error::AppError;
use crate::policy::Principal;

/// The message for a campaign the caller may not see (or that does not exist).
pub const CAMPAIGN_NOT_FOUND: &str = "巡后直督不存在或无权查看";

/// Reading campaigns: a content reader (not the hub admin, not an inspected unit's account).
pub fn require_campaign_reader(p: &Principal) -> Result<(), AppError> {
    crate::policy::require_content_reader(p)
}

/// May this agency see the campaign: the round's office, a participant, or a team member?
pub fn can_see_campaign(agency_id: &str, owner_agency_id: &str, participants: &[String], team: &[String]) -> bool {
    crate::policy::inspection::can_see_round(agency_id, owner_agency_id, participants)
        || team.iter().any(|a| a == agency_id)
}

/// The SQL form of `can_see_campaign`, over `supervision_campaigns` (by that name): must
/// agree with it.
pub fn campaigns_visible_sql<QS: 'static>(
    agency_id: &str,
) -> Box<dyn BoxableExpression<QS, MultiBackend, SqlType = Bool>> {
    let a = || agency_id.to_string();
    Box::new(
        sql::<Bool>("(EXISTS (SELECT 1 FROM rounds r WHERE r.id = supervision_campaigns.round_id AND r.owner_agency_id = ")
            .bind::<Text, _>(a())
            .sql(") OR EXISTS (SELECT 1 FROM round_participants rp WHERE rp.round_id = supervision_campaigns.round_id AND rp.agency_id = ")
            .bind::<Text, _>(a())
            .sql(") OR EXISTS (SELECT 1 FROM campaign_agencies ca WHERE ca.campaign_id = supervision_campaigns.id AND ca.agency_id = ")
            .bind::<Text, _>(a())
            .sql("))"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;

    #[test]
    fn a_campaign_is_seen_by_the_office_the_participants_and_its_team() {
        let parts = vec!["jw".to_string(), "zzb".to_string()];
        let team = vec!["dcj".to_string(), "jw".to_string()];
        assert!(can_see_campaign("xcb", "xcb", &parts, &team));
        assert!(can_see_campaign("zzb", "xcb", &parts, &team), "a participant of the round");
        assert!(can_see_campaign("dcj", "xcb", &parts, &team), "督查局 on the team, not a participant");
        assert!(!can_see_campaign("sj", "xcb", &parts, &team));
    }

    #[test]
    fn the_hub_admin_and_unit_accounts_read_no_campaign() {
        let p = |roles: &[Role]| Principal {
            user_id: Some("u".into()),
            api_key_id: None,
            username: "u".into(),
            agency_id: "a".into(),
            roles: roles.to_vec(),
        };
        assert!(require_campaign_reader(&p(&[Role::Viewer])).is_ok());
        assert!(matches!(require_campaign_reader(&p(&[Role::Admin])), Err(AppError::Forbidden(_))));
        assert!(matches!(require_campaign_reader(&p(&[Role::Inspected])), Err(AppError::Forbidden(_))));
    }
}
