//! Clue transfers (rule 3): who sees a transfer, on which side, and who may transfer.

use diesel::expression::BoxableExpression;
use diesel::sql_types::Bool;

use crate::db::MultiBackend;
use crate::domain::transfer::{Side, TransferState};
use crate::error::AppError;
use crate::policy::{AccessFacts, Viewer};

/// A transfer is seen by its two parties only; a returned one by its sender only (it is
/// back with the sender, who may transfer again).
pub fn can_see_transfer(agency_id: &str, from: &str, to: &str, state: TransferState) -> bool {
    agency_id == from || (agency_id == to && state != TransferState::Returned)
}

/// The SQL form of `can_see_transfer`, over `transfers`.
pub fn transfer_visible_sql(
    agency_id: &str,
) -> Box<dyn BoxableExpression<crate::db::schema::transfers::table, MultiBackend, SqlType = Bool>> {
    use crate::db::schema::transfers::dsl as t;
    use diesel::prelude::*;
    Box::new(
        t::from_agency_id
            .eq(agency_id.to_string())
            .or(t::to_agency_id.eq(agency_id.to_string()).and(t::state.ne(TransferState::Returned.as_str()))),
    )
}

/// Which side of a transfer the agency is on (`None`: neither).
pub fn transfer_side(agency_id: &str, from: &str, to: &str) -> Option<Side> {
    if agency_id == to {
        Some(Side::Receiver)
    } else if agency_id == from {
        Some(Side::Sender)
    } else {
        None
    }
}

/// Transferring a clue: its owner only (an agency that merely reads it gets 403; one that
/// may not read it never gets this far: 404).
pub fn require_may_transfer(viewer: &Viewer, r: &AccessFacts) -> Result<(), AppError> {
    if r.owner_agency_id == viewer.agency_id {
        Ok(())
    } else {
        Err(AppError::Forbidden("只有线索的发布单位可以移交此线索".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parties_see_a_transfer_and_the_receiver_loses_a_returned_one() {
        use TransferState::*;
        // (agency, state, sees, side)
        let table = [
            ("from", Transferred, true, Some(Side::Sender)),
            ("to", Transferred, true, Some(Side::Receiver)),
            ("to", Concluded, true, Some(Side::Receiver)),
            ("from", Returned, true, Some(Side::Sender)),
            ("to", Returned, false, Some(Side::Receiver)),
            ("other", Transferred, false, None),
            ("other", Returned, false, None),
        ];
        for (agency, state, sees, side) in table {
            assert_eq!(can_see_transfer(agency, "from", "to", state), sees, "{agency} {state:?}");
            assert_eq!(transfer_side(agency, "from", "to"), side, "{agency}");
        }
    }

    #[test]
    fn only_the_owner_transfers() {
        use crate::domain::record::{DistributionLevel, Sensitivity};
        let facts = AccessFacts {
            owner_agency_id: "owner".into(),
            level: Some(DistributionLevel::All),
            group_id: None,
            recipients: vec![],
            grants: vec!["receiver".into()],
            read_grants: vec![],
            field_grants: vec![],
            sensitivity: Some(Sensitivity::General),
            withdrawn: false,
            from_public_channel: false,
        };
        let viewer = |a: &str| Viewer { agency_id: a.into(), agency_active: true, group_ids: Default::default() };
        assert!(require_may_transfer(&viewer("owner"), &facts).is_ok());
        assert!(require_may_transfer(&viewer("receiver"), &facts).is_err(), "a receiver does not pass it on");
        assert!(require_may_transfer(&viewer("reader"), &facts).is_err());
    }
}
