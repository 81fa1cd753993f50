//! Who may see and do what after a round (巡后): the feedback, the rectification plan, the
//! ledger and its evidence, and the four-party review (四方会审). One place for every rule.
//!
//! - Seeing any of it follows the unit (`inspection::unit_access`): the round's office and its
//!   participants, and the inspected unit's own account for its own unit; to anyone else the
//!   unit and everything of it is `404` (the hub admin: `403`, it reads no content).
//! - Evidence files are downloaded by the office, the reviewing agencies (participants of kind
//!   discipline or organization) and the unit itself; to other participants a file is `404`.
//! - The office (a writer of the round's owner) writes the feedback, signs as team leader and
//!   office director, closes or sends back items (对账销号), opens and concludes reviews and
//!   records the office's and the team's verdicts.
//! - The unit's account signs as the unit's principal, submits plans, writes progress notes,
//!   uploads evidence and submits items for closure — for its own unit only. For a unit that
//!   has no account, the office records these for it (the unit hands in its papers).
//! - A reviewing agency (a writer of a participant of kind discipline or organization) gives
//!   its verdict on a plan and its party's verdicts in the four-party review.
//!
//! Anyone who may see the unit but may not take the step gets `403`.

use crate::domain::agency::AgencyKind;
use crate::domain::inspection::four_party::ReviewParty;
use crate::domain::inspection::rectification::SignatureParty;
use crate::error::AppError;
use crate::policy::inspection::UnitAccess;
use crate::policy::Principal;

/// The message for evidence the caller may not download (or that does not exist).
pub const EVIDENCE_NOT_FOUND: &str = "佐证材料不存在或无权查看";

/// The kind of a reviewing agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewerKind {
    Discipline,
    Organization,
}

impl ReviewerKind {
    /// The reviewer kind of an agency kind, if it reviews.
    pub fn of(agency_kind: &str) -> Option<ReviewerKind> {
        match AgencyKind::parse(agency_kind) {
            Some(AgencyKind::Discipline) => Some(ReviewerKind::Discipline),
            Some(AgencyKind::Organization) => Some(ReviewerKind::Organization),
            _ => None,
        }
    }
}

/// What the caller is to an inspected unit's rectification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rectifier {
    /// The office running the round.
    Office,
    /// A participant that reviews (纪委监委 or 组织部).
    Reviewer(ReviewerKind),
    /// Another participant: it reads, it does not act.
    Participant,
    /// The inspected unit itself.
    OwnUnit,
}

/// The caller's part, given how it may see the unit (already decided, else 404/403), the
/// round's owner and the caller's agency kind.
pub fn rectifier(p: &Principal, access: UnitAccess, owner_agency_id: &str, agency_kind: &str) -> Rectifier {
    match access {
        UnitAccess::OwnUnit => Rectifier::OwnUnit,
        UnitAccess::Round if p.agency_id == owner_agency_id => Rectifier::Office,
        UnitAccess::Round => ReviewerKind::of(agency_kind).map_or(Rectifier::Participant, Rectifier::Reviewer),
    }
}

fn forbidden(msg: &str) -> AppError {
    AppError::Forbidden(msg.into())
}

/// A step only the round's office takes.
pub fn require_office(p: &Principal, who: Rectifier) -> Result<(), AppError> {
    if who != Rectifier::Office {
        return Err(forbidden("只有本轮巡察的巡察机构可以执行此操作"));
    }
    crate::policy::require_content_writer(p)
}

/// A step the inspected unit takes through its account. A unit with no account (it has not
/// been given one) hands its papers to the office, which records them for it.
pub fn require_unit(p: &Principal, who: Rectifier, unit_has_account: bool) -> Result<(), AppError> {
    match who {
        Rectifier::OwnUnit => Ok(()),
        Rectifier::Office if !unit_has_account => crate::policy::require_content_writer(p),
        _ => Err(forbidden("只有被巡察单位本身(其整改联络人账号)可以执行此操作")),
    }
}

/// Reviewing a plan: a writer of a reviewing participant.
pub fn require_plan_reviewer(p: &Principal, who: Rectifier) -> Result<ReviewerKind, AppError> {
    let Rectifier::Reviewer(kind) = who else {
        return Err(forbidden("整改方案由参与本轮巡察的纪委监委和组织部审核"));
    };
    crate::policy::require_content_writer(p)?;
    Ok(kind)
}

/// Who signs for a party of the feedback's receipt.
pub fn require_signer(
    p: &Principal,
    who: Rectifier,
    party: SignatureParty,
    unit_has_account: bool,
) -> Result<(), AppError> {
    match party {
        SignatureParty::UnitHead => require_unit(p, who, unit_has_account),
        SignatureParty::TeamLeader | SignatureParty::OfficeDirector => require_office(p, who),
    }
}

/// Who records a party's verdicts in the four-party review: the office for itself and for
/// the team (in the team leader's name), each reviewing agency for its own kind.
pub fn require_review_party(p: &Principal, who: Rectifier, party: ReviewParty) -> Result<(), AppError> {
    let ok = match party {
        ReviewParty::InspectionOffice | ReviewParty::Team => who == Rectifier::Office,
        ReviewParty::Discipline => who == Rectifier::Reviewer(ReviewerKind::Discipline),
        ReviewParty::Organization => who == Rectifier::Reviewer(ReviewerKind::Organization),
    };
    if !ok {
        return Err(forbidden(&format!("“{}”一方的会审意见不能由本单位录入", party.label())));
    }
    crate::policy::require_content_writer(p)
}

/// May the caller download the unit's evidence? (Else the file is `404` to it.)
pub fn may_read_evidence(who: Rectifier) -> bool {
    matches!(who, Rectifier::Office | Rectifier::Reviewer(_) | Rectifier::OwnUnit)
}

/// Evidence the caller may download, or 404.
pub fn require_evidence_reader(who: Rectifier) -> Result<(), AppError> {
    if may_read_evidence(who) {
        Ok(())
    } else {
        Err(AppError::NotFound(EVIDENCE_NOT_FOUND.into()))
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
    fn each_caller_has_its_part() {
        let office = principal("xcb", &[Role::Liaison]);
        assert_eq!(rectifier(&office, UnitAccess::Round, "xcb", "inspection"), Rectifier::Office);
        let jw = principal("jw", &[Role::Liaison]);
        assert_eq!(
            rectifier(&jw, UnitAccess::Round, "xcb", "discipline"),
            Rectifier::Reviewer(ReviewerKind::Discipline)
        );
        let audit = principal("sj", &[Role::Liaison]);
        assert_eq!(rectifier(&audit, UnitAccess::Round, "xcb", "audit"), Rectifier::Participant);
        let unit = principal("jyj", &[Role::Inspected]);
        assert_eq!(rectifier(&unit, UnitAccess::OwnUnit, "xcb", "inspected_unit"), Rectifier::OwnUnit);
    }

    #[test]
    fn only_the_office_closes_and_only_the_unit_submits() {
        let office = principal("xcb", &[Role::Liaison]);
        assert!(require_office(&office, Rectifier::Office).is_ok());
        assert!(require_office(&principal("xcb", &[Role::Viewer]), Rectifier::Office).is_err());
        assert!(require_office(&office, Rectifier::OwnUnit).is_err());
        assert!(require_office(&office, Rectifier::Reviewer(ReviewerKind::Discipline)).is_err());
        assert!(require_unit(&office, Rectifier::OwnUnit, true).is_ok());
        assert!(require_unit(&office, Rectifier::Office, true).is_err(), "a unit with an account acts itself");
        assert!(require_unit(&office, Rectifier::Office, false).is_ok(), "the office records for a unit without one");
        assert!(require_unit(&principal("xcb", &[Role::Viewer]), Rectifier::Office, false).is_err());
        let jw = Rectifier::Reviewer(ReviewerKind::Discipline);
        assert!(require_unit(&office, jw, false).is_err());
    }

    #[test]
    fn signatures_and_verdicts_go_to_their_parties() {
        let p = principal("x", &[Role::Liaison]);
        assert!(require_signer(&p, Rectifier::OwnUnit, SignatureParty::UnitHead, true).is_ok());
        assert!(require_signer(&p, Rectifier::OwnUnit, SignatureParty::TeamLeader, true).is_err());
        assert!(require_signer(&p, Rectifier::Office, SignatureParty::OfficeDirector, true).is_ok());
        assert!(require_signer(&p, Rectifier::Office, SignatureParty::UnitHead, true).is_err());
        assert!(require_signer(&p, Rectifier::Office, SignatureParty::UnitHead, false).is_ok());
        let jw = Rectifier::Reviewer(ReviewerKind::Discipline);
        let zzb = Rectifier::Reviewer(ReviewerKind::Organization);
        assert!(require_review_party(&p, Rectifier::Office, ReviewParty::Team).is_ok());
        assert!(require_review_party(&p, Rectifier::Office, ReviewParty::Discipline).is_err());
        assert!(require_review_party(&p, jw, ReviewParty::Discipline).is_ok());
        assert!(require_review_party(&p, jw, ReviewParty::Organization).is_err());
        assert!(require_review_party(&p, zzb, ReviewParty::Organization).is_ok());
        assert!(require_review_party(&p, Rectifier::Participant, ReviewParty::Team).is_err());
        assert!(require_plan_reviewer(&p, zzb).is_ok());
        assert!(require_plan_reviewer(&p, Rectifier::Office).is_err());
        assert!(require_plan_reviewer(&principal("jw", &[Role::Viewer]), jw).is_err());
    }

    #[test]
    fn evidence_goes_to_the_office_the_reviewers_and_the_unit_only() {
        assert!(may_read_evidence(Rectifier::Office));
        assert!(may_read_evidence(Rectifier::Reviewer(ReviewerKind::Organization)));
        assert!(may_read_evidence(Rectifier::OwnUnit));
        assert!(!may_read_evidence(Rectifier::Participant));
        assert!(matches!(require_evidence_reader(Rectifier::Participant), Err(AppError::NotFound(_))));
    }
}
