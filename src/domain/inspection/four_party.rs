//! The four-party review (四方会审), the pure parts: the four parties, each one's verdict on
//! each item (pass, or return with an opinion), and the review's outcome — passed when every
//! party passed every item, else returned, with the items any party returned reopened.

use crate::domain::FieldError;
use crate::wire_enum;

use super::rectification::{check_optional_text, check_text, MAX_TEXT_CHARS};

wire_enum!(
    /// A party of the review. The team's verdicts are recorded by the office in the team
    /// leader's name.
    ReviewParty {
        InspectionOffice = "inspection_office" / "巡察办",
        Discipline = "discipline" / "纪委监委",
        Organization = "organization" / "组织部",
        Team = "team" / "巡察组",
    }
);

wire_enum!(
    /// One party's verdict on one item.
    ItemVerdict {
        Pass = "pass" / "通过",
        Return = "return" / "退回",
    }
);

wire_enum!(
    /// Where a review stands.
    ReviewState {
        Open = "open" / "会审中",
        Concluded = "concluded" / "已结束",
    }
);

wire_enum!(
    /// A concluded review's outcome for the unit.
    ReviewOutcome {
        Passed = "passed" / "通过",
        Returned = "returned" / "退回整改",
    }
);

/// One verdict as a party gives it, checked: a return needs an opinion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerdictDraft {
    pub item_id: String,
    pub verdict: ItemVerdict,
    pub opinion: String,
}

/// Checks a party's verdicts: at least one, no item twice, an opinion for every return.
pub fn check_verdicts(verdicts: &[VerdictDraft], errs: &mut Vec<FieldError>) {
    if verdicts.is_empty() || verdicts.len() > super::rectification::MAX_ENTRIES {
        errs.push(FieldError::new("verdicts", "须逐项给出会审意见(1–1000 项)"));
    }
    for (i, v) in verdicts.iter().enumerate() {
        let field = format!("verdicts[{i}].opinion");
        match v.verdict {
            ItemVerdict::Return => check_text(&field, &v.opinion, MAX_TEXT_CHARS, errs),
            ItemVerdict::Pass => check_optional_text(&field, &v.opinion, MAX_TEXT_CHARS, errs),
        }
        if verdicts[..i].iter().any(|o| o.item_id == v.item_id) {
            errs.push(FieldError::new(format!("verdicts[{i}].item_id"), "同一整改事项只能给出一次意见"));
        }
    }
}

/// The (item, party) pairs whose verdict is still missing.
pub type Missing = Vec<(String, ReviewParty)>;

/// The outcome of a review of `items` given every verdict `(item, party, verdict)`: `Err`
/// with the (item, party) pairs still missing; else the outcome and the items to reopen.
pub fn conclude(
    items: &[String],
    verdicts: &[(String, ReviewParty, ItemVerdict)],
) -> Result<(ReviewOutcome, Vec<String>), Missing> {
    let mut missing = Vec::new();
    let mut returned = Vec::new();
    for item in items {
        for party in ReviewParty::ALL {
            match verdicts.iter().find(|(i, p, _)| i == item && p == party) {
                None => missing.push((item.clone(), *party)),
                Some((_, _, ItemVerdict::Return)) if !returned.contains(item) => returned.push(item.clone()),
                Some(_) => {}
            }
        }
    }
    if !missing.is_empty() {
        return Err(missing);
    }
    let outcome = if returned.is_empty() { ReviewOutcome::Passed } else { ReviewOutcome::Returned };
    Ok((outcome, returned))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_review_passes_only_when_every_party_passed_every_item() {
        use ItemVerdict::*;
        let items = vec!["a".to_string(), "b".to_string()];
        let all = |v: ItemVerdict| -> Vec<(String, ReviewParty, ItemVerdict)> {
            items.iter().flat_map(|i| ReviewParty::ALL.iter().map(move |p| (i.clone(), *p, v))).collect()
        };
        assert_eq!(conclude(&items, &all(Pass)), Ok((ReviewOutcome::Passed, vec![])));
        let mut one_back = all(Pass);
        one_back[5].2 = Return; // item b, the discipline commission
        assert_eq!(conclude(&items, &one_back), Ok((ReviewOutcome::Returned, vec!["b".to_string()])));
        let missing = conclude(&items, &all(Pass)[..7]).unwrap_err();
        assert_eq!(missing, vec![("b".to_string(), ReviewParty::Team)]);
    }

    #[test]
    fn a_return_needs_an_opinion_and_an_item_is_judged_once() {
        let v = |item: &str, verdict, opinion: &str| VerdictDraft {
            item_id: item.into(),
            verdict,
            opinion: opinion.into(),
        };
        let mut errs = Vec::new();
        check_verdicts(&[v("a", ItemVerdict::Return, " "), v("a", ItemVerdict::Pass, "")], &mut errs);
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["verdicts[0].opinion", "verdicts[1].item_id"]);
        let mut errs = Vec::new();
        check_verdicts(&[], &mut errs);
        assert_eq!(errs[0].field, "verdicts");
    }
}
