//! The items of a rectification ledger (整改台账) and how they move. The inspected unit works on
//! an item and asks for it to be closed; only the inspection office closes it (对账销号) or sends
//! it back; the four-party review (四方会审) may reopen a closed item it does not pass.

use crate::wire_enum;

wire_enum!(
    /// Where a ledger item stands.
    ItemState {
        InProgress = "in_progress" / "整改中",
        Submitted = "submitted" / "待销号",
        Closed = "closed" / "已销号",
    }
);

wire_enum!(
    /// A step on a ledger item: `submit` by the inspected unit (asking for closure, with its
    /// progress and evidence); `close` (对账销号) and `send_back` by the inspection office;
    /// `reopen` by the four-party review that does not pass a closed item.
    ItemStep {
        Submit = "submit" / "申请销号",
        Close = "close" / "对账销号",
        SendBack = "send_back" / "退回整改",
        Reopen = "reopen" / "会审退回",
    }
);

impl ItemStep {
    /// The state the step leads to from `from`, or `None` when it may not be taken there.
    pub fn apply(self, from: ItemState) -> Option<ItemState> {
        use ItemState::*;
        match (self, from) {
            (ItemStep::Submit, InProgress) => Some(Submitted),
            (ItemStep::Close, Submitted) => Some(Closed),
            (ItemStep::SendBack, Submitted) => Some(InProgress),
            (ItemStep::Reopen, Closed) => Some(InProgress),
            _ => None,
        }
    }
}

/// Is a problem rectified, given the states of its items? Only with at least one item, every
/// one closed (a problem without a task is not rectified).
pub fn problem_rectified(states: &[ItemState]) -> bool {
    !states.is_empty() && states.iter().all(|s| *s == ItemState::Closed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_allowed_steps_move_an_item() {
        use ItemState::*;
        for step in ItemStep::ALL {
            for from in ItemState::ALL {
                let to = step.apply(*from);
                let allowed = matches!(
                    (step, from),
                    (ItemStep::Submit, InProgress)
                        | (ItemStep::Close, Submitted)
                        | (ItemStep::SendBack, Submitted)
                        | (ItemStep::Reopen, Closed)
                );
                assert_eq!(to.is_some(), allowed, "{step:?} from {from:?}");
            }
        }
        assert_eq!(ItemStep::Close.apply(Submitted), Some(Closed));
        assert_eq!(ItemStep::Close.apply(InProgress), None, "closing needs the unit's submission first");
    }

    #[test]
    fn a_problem_is_rectified_only_when_every_item_is_closed() {
        use ItemState::*;
        assert!(!problem_rectified(&[]));
        assert!(!problem_rectified(&[Closed, Submitted]));
        assert!(problem_rectified(&[Closed, Closed]));
    }
}
