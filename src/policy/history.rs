//! Rule 2 for a record's history: a past version is an old distribution of the record, so a
//! reader sees it only if it was entitled to it as it was distributed then AND is entitled
//! to the record now; the sensitivity is the stricter of that version's and today's, and
//! protected fields show only where both allow them. Versions the reader may not see are
//! left out (nothing says how many).

use crate::domain::record::Sensitivity;
use crate::error::AppError;
use crate::policy::records::{can_read, disclosure, may_see_protected, AccessFacts, Disclosure, ReadMode, Viewer};

fn rank(s: Option<Sensitivity>) -> u8 {
    match s {
        Some(Sensitivity::General) => 0,
        Some(Sensitivity::Sensitive) => 1,
        // Unknown counts as the strictest: it must never loosen anything.
        Some(Sensitivity::Restricted) | None => 2,
    }
}

/// The stricter of two sensitivities.
pub fn stricter(a: Option<Sensitivity>, b: Option<Sensitivity>) -> Option<Sensitivity> {
    if rank(a) >= rank(b) {
        a
    } else {
        b
    }
}

/// Entitlement to a version as it was then: its own distribution, field grants and
/// sensitivity (`then`, as stored in the version), the record's owner, and today's
/// full-access (transfer) grants — a receiver must investigate the whole clue. Read grants
/// (deliberation participants) cover the current version only.
pub fn version_facts(now: &AccessFacts, then: &AccessFacts, is_current: bool) -> AccessFacts {
    if is_current {
        return now.clone();
    }
    AccessFacts {
        owner_agency_id: now.owner_agency_id.clone(),
        grants: now.grants.clone(),
        read_grants: vec![],
        withdrawn: false,
        ..then.clone()
    }
}

/// What `viewer` gets of one version: `Ok(None)` when it is left out, else the disclosure
/// and the facts the audit decision uses (stricter sensitivity). A version that is
/// restricted then or now needs a purpose (428 without, as a single read).
pub fn version_disclosure(
    viewer: &Viewer,
    now: &AccessFacts,
    then: &AccessFacts,
    is_current: bool,
    purpose: Option<&str>,
) -> Result<Option<(Disclosure, AccessFacts)>, AppError> {
    let then = version_facts(now, then, is_current);
    if !can_read(viewer, now) || !can_read(viewer, &then) {
        return Ok(None);
    }
    let combined = AccessFacts { sensitivity: stricter(now.sensitivity, then.sensitivity), ..then.clone() };
    let mut d = disclosure(viewer, &combined, ReadMode::Single { purpose })?;
    d.protected = may_see_protected(viewer, now) && may_see_protected(viewer, &then);
    Ok(Some((d, combined)))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::domain::record::DistributionLevel;

    fn viewer(a: &str) -> Viewer {
        Viewer { agency_id: a.into(), agency_active: true, group_ids: HashSet::new() }
    }

    fn facts(level: DistributionLevel, recipients: &[&str], s: Sensitivity) -> AccessFacts {
        AccessFacts {
            owner_agency_id: "owner".into(),
            level: Some(level),
            recipients: recipients.iter().map(|a| a.to_string()).collect(),
            sensitivity: Some(s),
            ..AccessFacts::default()
        }
    }

    #[test]
    fn the_stricter_sensitivity_wins() {
        use Sensitivity::*;
        let table = [
            (General, General, General),
            (General, Sensitive, Sensitive),
            (Restricted, General, Restricted),
            (Sensitive, Restricted, Restricted),
        ];
        for (a, b, expected) in table {
            assert_eq!(stricter(Some(a), Some(b)), Some(expected));
            assert_eq!(stricter(Some(b), Some(a)), Some(expected));
        }
        assert_eq!(stricter(Some(General), None), None);
    }

    #[test]
    fn a_version_needs_entitlement_then_and_now() {
        use DistributionLevel::*;
        use Sensitivity::*;
        let now = facts(All, &[], General);
        // (version then, is current, reader, purpose, expected: None hidden / Some(Ok) shown / Some(Err) 428)
        let own_restricted = facts(Own, &[], Restricted);
        let to_x = facts(Agencies, &["x"], General);
        let to_x_restricted = facts(Agencies, &["x"], Restricted);
        type Case<'a> = (&'a AccessFacts, bool, &'a str, Option<&'a str>, Option<bool>);
        let table: Vec<Case> = vec![
            (&now, true, "x", None, Some(true)),
            (&own_restricted, false, "x", None, None),
            (&own_restricted, false, "x", Some("核查"), None),
            (&own_restricted, false, "owner", None, Some(false)),
            (&own_restricted, false, "owner", Some("核查"), Some(true)),
            (&to_x, false, "x", None, Some(true)),
            (&to_x, false, "y", None, None),
            (&to_x_restricted, false, "x", None, Some(false)),
            (&to_x_restricted, false, "x", Some("核查"), Some(true)),
        ];
        for (then, current, reader, purpose, expected) in table {
            let got = version_disclosure(&viewer(reader), &now, then, current, purpose);
            let got = match got {
                Ok(None) => None,
                Ok(Some(_)) => Some(true),
                Err(_) => Some(false),
            };
            assert_eq!(got, expected, "{reader} {then:?} {purpose:?}");
        }
        // Entitled then but not now: hidden.
        let narrowed = facts(Agencies, &["y"], General);
        assert!(version_disclosure(&viewer("x"), &narrowed, &to_x, false, None).unwrap().is_none());
    }

    #[test]
    fn protected_fields_only_where_both_versions_grant_them() {
        use DistributionLevel::*;
        use Sensitivity::*;
        let mut now = facts(All, &[], Sensitive);
        let mut then = facts(All, &[], Sensitive);
        // (field grant now, field grant then, sees protected)
        let table = [(true, true, true), (true, false, false), (false, true, false), (false, false, false)];
        for (g_now, g_then, expected) in table {
            now.field_grants = if g_now { vec!["x".into()] } else { vec![] };
            then.field_grants = if g_then { vec!["x".into()] } else { vec![] };
            let (d, _) = version_disclosure(&viewer("x"), &now, &then, false, None).unwrap().unwrap();
            assert_eq!(d.protected, expected, "{g_now} {g_then}");
        }
        // A deliberation participant reads the current version only, never protected fields.
        let mut own = facts(Own, &[], Sensitive);
        own.read_grants = vec!["p".into()];
        assert!(version_disclosure(&viewer("p"), &own, &own, true, None).unwrap().is_some_and(|(d, _)| !d.protected));
        assert!(version_disclosure(&viewer("p"), &own, &own, false, None).unwrap().is_none());
        // A transfer receiver reads every version, protected fields included.
        own.grants = vec!["t".into()];
        assert!(version_disclosure(&viewer("t"), &own, &own, false, None).unwrap().is_some_and(|(d, _)| d.protected));
    }
}
