//! Who may see and do what with information requests (函询). One place for every rule; the
//! services ask, the handlers and pages never decide.
//!
//! - A pre-inspection request (巡前函询) is sent by a content writer of an inspection office
//!   (kind `inspection`), for a round that office runs; an integrity request (党风廉政意见回复)
//!   by a content writer of an organisation department (kind `organization`), to discipline
//!   commissions (kind `discipline`) only. Targets are active member units that receive
//!   records, never the asker itself.
//! - A request is visible to its asker and its targets, to nobody else (`404`, as a record
//!   would be). The hub admin and an inspected unit's account read no content (`403`).
//! - The asker sees every target's status and every answer. A target sees the request and its
//!   subjects, its own status and its own answers only — not the other targets, not their
//!   answers.
//! - Only a target answers, only about the request's subjects, and only with references to
//!   records that both it and the asker may read as distributed (`policy::can_read`); a
//!   reference that fails either is refused with one message that names no title.
//! - Shown references are filtered again at read time for the reader (a record narrowed since
//!   is counted, not listed); reading a referenced record goes through the record policy.
//! - Only the asker reminds and closes; a target trying either gets `403`.

use diesel::dsl::sql;
use diesel::expression::BoxableExpression;
use diesel::sql_types::{Bool, Text};

use crate::db::MultiBackend;
use crate::domain::agency::AgencyKind;
use crate::domain::inspection::requests::RequestKind;
use crate::error::AppError;
use crate::policy::Principal;

/// The message for a request the caller may not see (or that does not exist).
pub const REQUEST_NOT_FOUND: &str = "函询不存在或无权查看";

/// The message for a record reference the asker may not read (or that does not exist): the
/// same either way, and never the record's title.
pub const REFERENCE_REFUSED: &str = "信息不存在,或未分发给函询单位,不能引用";

/// The agency kind that sends requests of `kind`.
pub fn asker_kind(kind: RequestKind) -> AgencyKind {
    match kind {
        RequestKind::PreInspection => AgencyKind::Inspection,
        RequestKind::Integrity => AgencyKind::Organization,
    }
}

/// Sending a request of `kind`: a content writer of the agency kind that sends it.
pub fn require_asker(p: &Principal, agency_kind: &str, kind: RequestKind) -> Result<(), AppError> {
    crate::policy::require_content_writer(p)?;
    if agency_kind == asker_kind(kind).as_str() {
        Ok(())
    } else {
        Err(AppError::Forbidden(match kind {
            RequestKind::PreInspection => "巡前函询由巡察机构(巡察办)发出".into(),
            RequestKind::Integrity => "党风廉政意见回复的征求由组织部门发出".into(),
        }))
    }
}

/// Whether an agency may be asked in a request of `kind`: an active member unit that
/// receives records, not the asker; for an integrity opinion, a discipline commission.
pub fn check_target(
    kind: RequestKind,
    asker_agency_id: &str,
    agency_id: &str,
    agency_kind: Option<(&str, bool)>,
) -> Result<(), &'static str> {
    let k = match agency_kind {
        Some((k, true)) if crate::policy::credentials::receives_records(k) => k,
        _ => return Err("成员单位不存在、已停用或不能接收信息"),
    };
    if agency_id == asker_agency_id {
        Err("不能向本单位函询")
    } else if kind == RequestKind::Integrity && k != AgencyKind::Discipline.as_str() {
        Err("党风廉政意见须向纪检监察机关征求")
    } else {
        Ok(())
    }
}

/// How the caller's agency stands to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The agency that sent it: everything.
    Asker,
    /// An agency asked: the request, its subjects, its own status and answers.
    Target,
}

/// How the principal may see a request, or `404` (`403` for roles that read no content).
pub fn access(p: &Principal, asker_agency_id: &str, targets: &[String]) -> Result<Access, AppError> {
    crate::policy::require_content_reader(p)?;
    if p.agency_id == asker_agency_id {
        Ok(Access::Asker)
    } else if targets.contains(&p.agency_id) {
        Ok(Access::Target)
    } else {
        Err(AppError::NotFound(REQUEST_NOT_FOUND.into()))
    }
}

/// Whether a reader with `access` (of `agency_id`) sees what concerns `target_agency_id`
/// (its status row and its answers).
pub fn sees_target(access: Access, agency_id: &str, target_agency_id: &str) -> bool {
    access == Access::Asker || agency_id == target_agency_id
}

/// Answering: a content writer of a target. The asker gets `403`.
pub fn require_answerer(p: &Principal, access: Access) -> Result<(), AppError> {
    crate::policy::require_content_writer(p)?;
    match access {
        Access::Target => Ok(()),
        Access::Asker => Err(AppError::Forbidden("只有被函询单位可以答复".into())),
    }
}

/// Reminding and closing: a content writer of the asker. A target gets `403`.
pub fn require_asker_writer(p: &Principal, access: Access) -> Result<(), AppError> {
    crate::policy::require_content_writer(p)?;
    match access {
        Access::Asker => Ok(()),
        Access::Target => Err(AppError::Forbidden("只有发出函询的单位可以催办或办结".into())),
    }
}

/// A record may be referenced in an answer when both the answering agency and the asker
/// may read it as distributed.
pub fn may_reference(answerer_can_read: bool, asker_can_read: bool) -> bool {
    answerer_can_read && asker_can_read
}

/// Which requests a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Sent by the caller's agency.
    Sent,
    /// Sent to it.
    Received,
    /// Either.
    Both,
}

/// The SQL form of `access` over `info_requests` (by that name), for lists and statistics:
/// must agree with it.
pub fn requests_visible_sql<QS: 'static>(
    agency_id: &str,
    direction: Direction,
) -> Box<dyn BoxableExpression<QS, MultiBackend, SqlType = Bool>> {
    const RECEIVED: &str =
        "EXISTS (SELECT 1 FROM info_request_targets irt WHERE irt.request_id = info_requests.id AND irt.agency_id = ";
    let a = || agency_id.to_string();
    match direction {
        Direction::Sent => Box::new(sql::<Bool>("info_requests.asker_agency_id = ").bind::<Text, _>(a())),
        Direction::Received => Box::new(sql::<Bool>(RECEIVED).bind::<Text, _>(a()).sql(")")),
        Direction::Both => Box::new(
            sql::<Bool>("(info_requests.asker_agency_id = ")
                .bind::<Text, _>(a())
                .sql(" OR ")
                .sql(RECEIVED)
                .bind::<Text, _>(a())
                .sql("))"),
        ),
    }
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
    fn each_kind_is_sent_by_its_office_only() {
        let xcb = principal("xcb", &[Role::Liaison]);
        assert!(require_asker(&xcb, "inspection", RequestKind::PreInspection).is_ok());
        assert!(require_asker(&xcb, "inspection", RequestKind::Integrity).is_err());
        let zzb = principal("zzb", &[Role::Liaison]);
        assert!(require_asker(&zzb, "organization", RequestKind::Integrity).is_ok());
        assert!(require_asker(&zzb, "organization", RequestKind::PreInspection).is_err());
        assert!(require_asker(&principal("xcb", &[Role::Viewer]), "inspection", RequestKind::PreInspection).is_err());
        assert!(require_asker(&principal("hub", &[Role::Admin]), "inspection", RequestKind::PreInspection).is_err());
    }

    #[test]
    fn targets_are_active_receiving_units_and_for_integrity_the_commission() {
        let pre = RequestKind::PreInspection;
        assert!(check_target(pre, "xcb", "jw", Some(("discipline", true))).is_ok());
        assert!(check_target(pre, "xcb", "xfj", Some(("petition", true))).is_ok());
        assert!(check_target(pre, "xcb", "jw", Some(("discipline", false))).is_err(), "inactive");
        assert!(check_target(pre, "xcb", "hub", Some(("hub", true))).is_err());
        assert!(check_target(pre, "xcb", "unit", Some(("inspected_unit", true))).is_err());
        assert!(check_target(pre, "xcb", "xcb", Some(("inspection", true))).is_err(), "itself");
        assert!(check_target(pre, "xcb", "none", None).is_err());
        let int = RequestKind::Integrity;
        assert!(check_target(int, "zzb", "jw", Some(("discipline", true))).is_ok());
        assert!(check_target(int, "zzb", "sj", Some(("audit", true))).is_err());
    }

    #[test]
    fn a_request_is_seen_by_its_asker_and_targets_only() {
        let targets = vec!["jw".to_string(), "xfj".to_string()];
        assert_eq!(access(&principal("xcb", &[Role::Liaison]), "xcb", &targets).unwrap(), Access::Asker);
        assert_eq!(access(&principal("jw", &[Role::Viewer]), "xcb", &targets).unwrap(), Access::Target);
        assert!(matches!(access(&principal("sj", &[Role::Liaison]), "xcb", &targets), Err(AppError::NotFound(_))));
        assert!(matches!(access(&principal("xcb", &[Role::Admin]), "xcb", &targets), Err(AppError::Forbidden(_))));
        assert!(matches!(access(&principal("jw", &[Role::Inspected]), "xcb", &targets), Err(AppError::Forbidden(_))));
    }

    #[test]
    fn a_target_sees_its_own_row_and_answers_only() {
        assert!(sees_target(Access::Asker, "xcb", "jw"));
        assert!(sees_target(Access::Target, "jw", "jw"));
        assert!(!sees_target(Access::Target, "jw", "xfj"));
    }

    #[test]
    fn who_answers_reminds_and_references() {
        let jw = principal("jw", &[Role::Liaison]);
        assert!(require_answerer(&jw, Access::Target).is_ok());
        assert!(matches!(require_answerer(&jw, Access::Asker), Err(AppError::Forbidden(_))));
        assert!(require_answerer(&principal("jw", &[Role::Viewer]), Access::Target).is_err());
        assert!(require_asker_writer(&jw, Access::Asker).is_ok());
        assert!(matches!(require_asker_writer(&jw, Access::Target), Err(AppError::Forbidden(_))));
        assert!(may_reference(true, true));
        assert!(!may_reference(true, false), "not distributed to the asker");
        assert!(!may_reference(false, true), "the answerer cannot probe what the asker reads");
    }
}
