//! Who may see and do what in the inspection lifecycle (巡察). One place for every rule; the
//! services ask, the handlers and pages never decide.
//!
//! - A round is run by the inspection office (巡察机构) that created it: only a content writer
//!   of an agency of kind `inspection` creates rounds, and only the owning office changes one.
//! - A round (its name, period, inspected units and teams) is visible to the owning office and
//!   to the member units it names as participants (纪委监委, 组织部, 审计 …), to nobody else;
//!   to anyone else a round is `404`, as a record would be (rule 2).
//! - Findings are records: who reads one is decided by the record policy, as distributed.
//! - An inspected unit's account (role `inspected`, agency kind `inspected_unit`) sees its own
//!   inspected-unit entries and nothing else — no record, no round, no other unit.

use diesel::dsl::sql;
use diesel::expression::BoxableExpression;
use diesel::sql_types::{Bool, Text};

use crate::db::MultiBackend;
use crate::domain::agency::AgencyKind;
use crate::domain::Role;
use crate::error::AppError;
use crate::policy::Principal;

/// The message for a round the caller may not see (or that does not exist).
pub const ROUND_NOT_FOUND: &str = "巡察轮次不存在或无权查看";
/// The message for an inspected unit the caller may not see (or that does not exist).
pub const UNIT_NOT_FOUND: &str = "被巡察单位不存在或无权查看";

/// Running rounds (create, change, add units, teams and findings): a content writer of an
/// inspection office.
pub fn require_inspection_office(p: &Principal, agency_kind: &str) -> Result<(), AppError> {
    crate::policy::require_content_writer(p)?;
    if agency_kind == AgencyKind::Inspection.as_str() {
        Ok(())
    } else {
        Err(AppError::Forbidden("巡察轮次由巡察机构(巡察办)建立和管理".into()))
    }
}

/// May this agency see the round (owner or named participant)?
pub fn can_see_round(agency_id: &str, owner_agency_id: &str, participants: &[String]) -> bool {
    agency_id == owner_agency_id || participants.iter().any(|a| a == agency_id)
}

/// The SQL form of `can_see_round`, over `rounds` (by that name): must agree with it.
pub fn rounds_visible_sql<QS: 'static>(
    agency_id: &str,
) -> Box<dyn BoxableExpression<QS, MultiBackend, SqlType = Bool>> {
    Box::new(
        sql::<Bool>("(rounds.owner_agency_id = ")
            .bind::<Text, _>(agency_id.to_string())
            .sql(" OR EXISTS (SELECT 1 FROM round_participants rp WHERE rp.round_id = rounds.id AND rp.agency_id = ")
            .bind::<Text, _>(agency_id.to_string())
            .sql("))"),
    )
}

/// Reading rounds: a content reader of a member unit (the hub admin reads no content; an
/// inspected unit's account reads only its own unit, through `require_own_unit`).
pub fn require_round_reader(p: &Principal) -> Result<(), AppError> {
    crate::policy::require_content_reader(p)
}

/// Changing a round: its owning office only. A participant gets `403`; anyone else has
/// already been answered `404` by the visibility check.
pub fn require_round_owner(p: &Principal, owner_agency_id: &str) -> Result<(), AppError> {
    crate::policy::require_content_writer(p)?;
    if p.agency_id == owner_agency_id {
        Ok(())
    } else {
        Err(AppError::Forbidden("只有建立该轮巡察的巡察机构可以修改".into()))
    }
}

/// Who asks about an inspected unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitAccess {
    /// The office running the round (or a participant): everything the round shows.
    Round,
    /// The inspected unit itself, through its account: its own feedback, plan and items.
    OwnUnit,
}

/// How the principal may see one inspected unit, or `404`: the round's owner and participants
/// see it as part of the round; the unit's own account (role `inspected`) sees its own entry.
pub fn unit_access(
    p: &Principal,
    owner_agency_id: &str,
    participants: &[String],
    account_agency_id: Option<&str>,
) -> Result<UnitAccess, AppError> {
    if p.has(Role::Inspected) {
        return if account_agency_id == Some(p.agency_id.as_str()) {
            Ok(UnitAccess::OwnUnit)
        } else {
            Err(AppError::NotFound(UNIT_NOT_FOUND.into()))
        };
    }
    require_round_reader(p)?;
    if can_see_round(&p.agency_id, owner_agency_id, participants) {
        Ok(UnitAccess::Round)
    } else {
        Err(AppError::NotFound(UNIT_NOT_FOUND.into()))
    }
}

/// The account linked to an inspected unit must be an agency of kind `inspected_unit`.
pub fn check_unit_account(kind: &str) -> Result<(), &'static str> {
    if crate::policy::credentials::is_inspected_unit(kind) {
        Ok(())
    } else {
        Err("被巡察单位的账号须为“被巡察单位”(inspected_unit)类型的单位")
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
    fn only_an_inspection_offices_writers_run_rounds() {
        assert!(require_inspection_office(&principal("xcb", &[Role::Liaison]), "inspection").is_ok());
        assert!(require_inspection_office(&principal("jw", &[Role::Liaison]), "discipline").is_err());
        assert!(require_inspection_office(&principal("xcb", &[Role::Viewer]), "inspection").is_err());
        assert!(require_inspection_office(&principal("hub", &[Role::Admin]), "inspection").is_err());
    }

    #[test]
    fn a_round_is_seen_by_its_office_and_participants_only() {
        let parts = vec!["jw".to_string(), "zzb".to_string()];
        assert!(can_see_round("xcb", "xcb", &parts));
        assert!(can_see_round("jw", "xcb", &parts));
        assert!(!can_see_round("sj", "xcb", &parts));
    }

    #[test]
    fn an_inspected_unit_sees_its_own_entry_and_no_other() {
        let own = principal("unit-a", &[Role::Inspected]);
        assert_eq!(unit_access(&own, "xcb", &[], Some("unit-a")).unwrap(), UnitAccess::OwnUnit);
        assert!(matches!(unit_access(&own, "xcb", &[], Some("unit-b")), Err(AppError::NotFound(_))));
        assert!(matches!(unit_access(&own, "xcb", &[], None), Err(AppError::NotFound(_))));
        let office = principal("xcb", &[Role::Liaison]);
        assert_eq!(unit_access(&office, "xcb", &[], Some("unit-a")).unwrap(), UnitAccess::Round);
        let outsider = principal("sj", &[Role::Liaison]);
        assert!(matches!(unit_access(&outsider, "xcb", &["jw".into()], None), Err(AppError::NotFound(_))));
        let admin = principal("hub", &[Role::Admin]);
        assert!(matches!(unit_access(&admin, "xcb", &[], None), Err(AppError::Forbidden(_))));
    }
}
