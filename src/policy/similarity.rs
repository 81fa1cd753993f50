//! What `GET /records/{id}/similar` may say about a similar clue. Similarity is computed from
//! title and body, so it is a view of both clues' text: without a stated purpose no
//! restricted text is compared, quoted or ranked (a restricted clue is left out, and the
//! caller's own restricted clue needs a purpose, as a single read); a reader of the similar
//! clue sees it with the shared text; anyone else learns only which agency handles a related
//! clue on the same object — audited for both agencies.

use crate::error::AppError;
use crate::policy::records::{can_read, disclosure, needs_purpose, AccessFacts, ReadMode, Viewer};

/// How one similar clue is shown to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimilarView {
    /// Not mentioned at all.
    Omitted,
    /// Title, score and the shared text; `audited` when the clue is restricted.
    Full { audited: bool },
    /// Only the agencies handling it (always audited, for both agencies).
    HandlersOnly,
}

/// Comparing the caller's clue `r` with others uses its text: a restricted clue needs a
/// purpose (428 without), as reading it would.
pub fn require_may_compare(viewer: &Viewer, r: &AccessFacts, purpose: Option<&str>) -> Result<(), AppError> {
    disclosure(viewer, r, ReadMode::Single { purpose }).map(|_| ())
}

/// Decides how the similar clue `other` is shown to `viewer`.
pub fn similar_view(viewer: &Viewer, other: &AccessFacts, purpose: Option<&str>) -> SimilarView {
    let restricted = needs_purpose(other);
    if other.withdrawn || (restricted && purpose.is_none()) {
        SimilarView::Omitted
    } else if can_read(viewer, other) {
        SimilarView::Full { audited: restricted }
    } else {
        SimilarView::HandlersOnly
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::domain::record::{DistributionLevel, Sensitivity};

    #[test]
    fn what_a_similar_clue_reveals() {
        let viewer = Viewer { agency_id: "x".into(), agency_active: true, group_ids: HashSet::new() };
        let clue = |level: DistributionLevel, s: Sensitivity| AccessFacts {
            owner_agency_id: "owner".into(),
            level: Some(level),
            recipients: vec!["x".into()],
            sensitivity: Some(s),
            ..AccessFacts::default()
        };
        use DistributionLevel::*;
        use Sensitivity::*;
        use SimilarView::*;
        // (level, sensitivity, purpose, view)
        let table = [
            (Agencies, General, None, Full { audited: false }),
            (Agencies, Sensitive, None, Full { audited: false }),
            (Agencies, Restricted, None, Omitted),
            (Agencies, Restricted, Some("核查重复办理"), Full { audited: true }),
            (Own, General, None, HandlersOnly),
            (Own, Restricted, None, Omitted),
            (Own, Restricted, Some("核查重复办理"), HandlersOnly),
        ];
        for (level, s, purpose, expected) in table {
            assert_eq!(similar_view(&viewer, &clue(level, s), purpose), expected, "{level:?} {s:?} {purpose:?}");
        }
        let mut withdrawn = clue(Agencies, General);
        withdrawn.withdrawn = true;
        assert_eq!(similar_view(&viewer, &withdrawn, None), Omitted);
        // The caller's own restricted clue is compared only with a purpose.
        assert!(require_may_compare(&viewer, &clue(Agencies, Restricted), None).is_err());
        assert!(require_may_compare(&viewer, &clue(Agencies, Restricted), Some("核查")).is_ok());
        assert!(require_may_compare(&viewer, &clue(Agencies, General), None).is_ok());
    }
}
