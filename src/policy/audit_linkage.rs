//! Who may see and do what in an inspection–audit linkage (巡审联动). The rules:
//!
//! - The round's office (its owner; a content writer) links one of the round's inspected
//!   units to an audit project of an agency of kind `audit`, and ends the linkage; nobody
//!   else does (the audit agency and the round's participants get `403`, everyone else `404`).
//! - A linkage (unit, project, audit agency, dates) is seen by the office, the audit agency
//!   and the round's participants (who see the round and its units anyway); to anyone else —
//!   other agencies, the inspected unit's own account — it is `404`. The hub admin reads no
//!   content (`403`).
//! - The findings exchanged are records distributed to the linkage's sharing group (members:
//!   the office and the audit agency, while the linkage is active): who reads one is the
//!   record policy's decision. Round participants see the linkage but not its findings.
//! - Sharing agreements (rule 4) bound the linkage: the office's problems and clues must be
//!   allowed to go to the audit agency and its audit reports to the office, else `422`.
//! - While linked, a finding the office records on the unit for itself only (`own`, the
//!   default) is distributed to the linkage's group instead, and so are the office's `own`
//!   findings on the unit recorded before the linkage; a finding given explicit recipients
//!   keeps them. Only the audit agency publishes audit findings (`audit_report`) into it.
//! - The linkage's group is the linkage's: listed only to its members and the hub admin
//!   (its name names the unit and the project), and its membership changes only through the
//!   linkage (the admin's member calls are `409`).

use diesel::dsl::sql;
use diesel::expression::BoxableExpression;
use diesel::sql_types::{Bool, Text};

use crate::db::MultiBackend;
use crate::domain::agency::AgencyKind;
use crate::domain::record::{DistributionLevel, RecordKind};
use crate::error::AppError;
use crate::policy::Principal;

/// The message for a linkage the caller may not see (or that does not exist).
pub const LINKAGE_NOT_FOUND: &str = "巡审联动不存在或无权查看";

/// The record kinds the office shares with the audit agency through the linkage.
pub const OFFICE_SHARES: [RecordKind; 2] = [RecordKind::InspectionProblem, RecordKind::Clue];
/// The record kind the audit agency shares with the office.
pub const AUDIT_SHARES: RecordKind = RecordKind::AuditReport;

/// The agency linked must be an audit agency (kind `audit`).
pub fn check_audit_agency(kind: &str) -> Result<(), &'static str> {
    if kind == AgencyKind::Audit.as_str() {
        Ok(())
    } else {
        Err("巡审联动的对方须为审计机关(audit)类型的单位")
    }
}

/// May this agency see the linkage: its office, its audit agency, the round's participants.
pub fn can_see_linkage(agency_id: &str, office: &str, audit: &str, participants: &[String]) -> bool {
    agency_id == office || agency_id == audit || participants.iter().any(|a| a == agency_id)
}

/// The SQL form of `can_see_linkage`, over `audit_linkages` (by that name): must agree.
pub fn linkages_visible_sql<QS: 'static>(
    agency_id: &str,
) -> Box<dyn BoxableExpression<QS, MultiBackend, SqlType = Bool>> {
    Box::new(
        sql::<Bool>("(audit_linkages.office_agency_id = ")
            .bind::<Text, _>(agency_id.to_string())
            .sql(" OR audit_linkages.audit_agency_id = ")
            .bind::<Text, _>(agency_id.to_string())
            .sql(
                " OR EXISTS (SELECT 1 FROM round_participants rp WHERE rp.round_id = audit_linkages.round_id \
                 AND rp.agency_id = ",
            )
            .bind::<Text, _>(agency_id.to_string())
            .sql("))"),
    )
}

/// Ending a linkage: a content writer of its office (the audit agency and participants,
/// who see it, get `403`).
pub fn require_linkage_office(p: &Principal, office: &str) -> Result<(), AppError> {
    crate::policy::require_content_writer(p)?;
    if p.agency_id == office {
        Ok(())
    } else {
        Err(AppError::Forbidden("只有建立联动的巡察机构可以结束巡审联动".into()))
    }
}

/// Publishing an audit finding into the linkage: a content writer of its audit agency.
pub fn require_linkage_auditor(p: &Principal, audit: &str) -> Result<(), AppError> {
    crate::policy::require_content_writer(p)?;
    if p.agency_id == audit {
        Ok(())
    } else {
        Err(AppError::Forbidden("审计发现由联动的审计机关发布".into()))
    }
}

/// Does a finding recorded with this distribution go to the linkage group instead? Only one
/// kept to the office (`own`); explicit recipients are the office's choice.
pub fn shared_with_linkage(level: DistributionLevel) -> bool {
    level == DistributionLevel::Own
}

/// Is a linkage's group listed to the caller (`GET /groups`, the distribution picker)?
/// To the hub admin, who administers groups, and to the group's members only.
pub fn linkage_group_listed(is_admin: bool, is_member: bool) -> bool {
    is_admin || is_member
}

/// The SQL filter over `sharing_groups` (by that name) that `linkage_group_listed` gives for
/// a non-admin agency: every group that is not a linkage's, and the linkage groups it belongs to.
pub fn groups_listed_sql<QS: 'static>(agency_id: &str) -> Box<dyn BoxableExpression<QS, MultiBackend, SqlType = Bool>> {
    Box::new(
        sql::<Bool>(
            "(NOT EXISTS (SELECT 1 FROM audit_linkages al WHERE al.group_id = sharing_groups.id) \
             OR EXISTS (SELECT 1 FROM group_members gm WHERE gm.group_id = sharing_groups.id AND gm.agency_id = ",
        )
        .bind::<Text, _>(agency_id.to_string())
        .sql("))"),
    )
}

/// The admin's member calls on a linkage's group: refused, the linkage manages it.
pub fn refuse_admin_membership() -> AppError {
    AppError::Conflict("此共享组由巡审联动管理,成员随联动建立和结束而变化,不能单独增减".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;

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
    fn only_an_audit_agency_is_linked() {
        assert!(check_audit_agency("audit").is_ok());
        for k in ["discipline", "inspection", "inspected_unit", "hub", "organization"] {
            assert!(check_audit_agency(k).is_err(), "{k}");
        }
    }

    #[test]
    fn the_office_the_auditor_and_participants_see_a_linkage_nobody_else() {
        let parts = vec!["jw".to_string()];
        for a in ["xcb", "sj", "jw"] {
            assert!(can_see_linkage(a, "xcb", "sj", &parts), "{a}");
        }
        assert!(!can_see_linkage("xf", "xcb", "sj", &parts));
        assert!(!can_see_linkage("unit-account", "xcb", "sj", &parts));
    }

    #[test]
    fn the_office_ends_and_the_auditor_publishes() {
        let office = principal("xcb", &[Role::Liaison]);
        let auditor = principal("sj", &[Role::Liaison]);
        assert!(require_linkage_office(&office, "xcb").is_ok());
        assert!(matches!(require_linkage_office(&auditor, "xcb"), Err(AppError::Forbidden(_))));
        assert!(require_linkage_auditor(&auditor, "sj").is_ok());
        assert!(matches!(require_linkage_auditor(&office, "sj"), Err(AppError::Forbidden(_))));
        let viewer = principal("xcb", &[Role::Viewer]);
        assert!(require_linkage_office(&viewer, "xcb").is_err());
        let admin = principal("hub", &[Role::Admin]);
        assert!(require_linkage_office(&admin, "hub").is_err());
    }

    #[test]
    fn only_findings_kept_to_the_office_go_to_the_linkage() {
        assert!(shared_with_linkage(DistributionLevel::Own));
        for l in [DistributionLevel::Agencies, DistributionLevel::Group, DistributionLevel::All] {
            assert!(!shared_with_linkage(l), "{l}");
        }
    }

    #[test]
    fn a_linkage_group_is_listed_to_its_members_and_the_admin() {
        assert!(linkage_group_listed(true, false));
        assert!(linkage_group_listed(false, true));
        assert!(!linkage_group_listed(false, false));
    }
}
