//! Joint deliberation (会商): who may convene one on a clue, who sees it, and who does what
//! in it. Convening shares the clue, so it is a distribution decision: only the clue's owner
//! or the receiver of a live transfer of it convenes, only to agencies the owner's sharing
//! agreements allow (`agreements::check`, as for a distribution), and participants get a
//! read grant (`GrantReason::Deliberation`): the clue without protected fields, which the
//! owner grants explicitly where it wants to (`field_grants`).

use crate::db::schema::{deliberation_participants, deliberations};
use crate::error::AppError;
use crate::policy::records::{AccessFacts, Viewer};

/// Convening a deliberation on a record: its owner, or the receiver of a live transfer (a
/// full-access grant; a returned transfer's grant is gone). An agency that merely received
/// the record by distribution, or joined a deliberation on it, gets 403 (one that may not
/// read it never gets this far: 404).
pub fn require_may_convene(viewer: &Viewer, r: &AccessFacts) -> Result<(), AppError> {
    if r.owner_agency_id == viewer.agency_id || r.grants.contains(&viewer.agency_id) {
        Ok(())
    } else {
        Err(AppError::Forbidden("只有线索的发布单位或正在办理该线索移交的单位可以发起会商".into()))
    }
}

/// What only the convener of a deliberation does.
#[derive(Debug, Clone, Copy)]
pub enum ConveneAction {
    Conclude,
    Assign,
    Urge,
}

/// Concluding a deliberation, assigning tasks (交办) and urging them (督办): the convener only.
pub fn require_convener(agency_id: &str, convener: &str, action: ConveneAction) -> Result<(), AppError> {
    if agency_id == convener {
        return Ok(());
    }
    let what = match action {
        ConveneAction::Conclude => "形成会商结论",
        ConveneAction::Assign => "交办任务",
        ConveneAction::Urge => "督办",
    };
    Err(AppError::Forbidden(format!("只有发起单位可以{what}")))
}

/// Reporting an assignment done: the agency it was assigned to only.
pub fn require_assignee(agency_id: &str, assignee: &str) -> Result<(), AppError> {
    if agency_id == assignee {
        Ok(())
    } else {
        Err(AppError::Forbidden("只有承办单位可以报告办结".into()))
    }
}

/// A deliberation is seen by its convener and participants.
pub fn can_see_deliberation(agency_id: &str, convener: &str, participants: &[String]) -> bool {
    agency_id == convener || participants.iter().any(|a| a == agency_id)
}

/// The SQL form of `can_see_deliberation`, over `deliberations` (lists never load-then-filter).
pub fn deliberation_visible_sql(
    agency_id: &str,
) -> Box<
    dyn diesel::expression::BoxableExpression<
        deliberations::table,
        crate::db::MultiBackend,
        SqlType = diesel::sql_types::Bool,
    >,
> {
    use diesel::prelude::*;
    let mine = deliberation_participants::table
        .filter(deliberation_participants::agency_id.eq(agency_id.to_string()))
        .select(deliberation_participants::deliberation_id);
    Box::new(deliberations::convener_agency_id.eq(agency_id.to_string()).or(deliberations::id.eq_any(mine)))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::domain::record::DistributionLevel;
    use crate::policy::records::{can_read, may_see_protected};

    fn viewer(a: &str) -> Viewer {
        Viewer { agency_id: a.into(), agency_active: true, group_ids: HashSet::new() }
    }

    fn clue() -> AccessFacts {
        AccessFacts {
            owner_agency_id: "owner".into(),
            level: Some(DistributionLevel::Agencies),
            recipients: vec!["recipient".into()],
            grants: vec!["receiver".into()],
            read_grants: vec!["participant".into()],
            ..AccessFacts::default()
        }
    }

    #[test]
    fn who_may_convene() {
        // (agency, may convene)
        let table =
            [("owner", true), ("receiver", true), ("recipient", false), ("participant", false), ("stranger", false)];
        for (a, expected) in table {
            assert_eq!(require_may_convene(&viewer(a), &clue()).is_ok(), expected, "{a}");
        }
    }

    #[test]
    fn participants_read_but_see_no_protected_fields_without_a_field_grant() {
        let mut r = clue();
        // (agency, reads, sees protected)
        let table = [
            ("owner", true, true),
            ("receiver", true, true),
            ("recipient", true, false),
            ("participant", true, false),
            ("stranger", false, false),
        ];
        for (a, reads, protected) in table {
            assert_eq!(can_read(&viewer(a), &r), reads, "{a}");
            assert_eq!(may_see_protected(&viewer(a), &r), protected, "{a}");
        }
        r.field_grants = vec!["participant".into()];
        assert!(may_see_protected(&viewer("participant"), &r));
    }

    #[test]
    fn convener_and_assignee_actions() {
        let table = [("c", "c", true), ("p", "c", false)];
        for (a, convener, ok) in table {
            for act in [ConveneAction::Conclude, ConveneAction::Assign, ConveneAction::Urge] {
                assert_eq!(require_convener(a, convener, act).is_ok(), ok);
            }
            assert_eq!(require_assignee(a, convener).is_ok(), ok);
        }
        let parts = vec!["p".to_string()];
        let table = [("c", true), ("p", true), ("x", false)];
        for (a, sees) in table {
            assert_eq!(can_see_deliberation(a, "c", &parts), sees, "{a}");
        }
    }
}
