//! The names of the events in the hub's event log: what the feed, webhooks, inbox and mail
//! carry. One enum, so a name is written once; the wire names are the contract.

use crate::domain::transfer::TransferState;
use crate::domain::UnknownStoredValue;
use crate::wire_enum;

wire_enum!(
    /// An event type (`type` of a webhook message, `event_type` of a feed entry).
    EventType {
        RecordCreated = "record.created" / "信息发布",
        RecordUpdated = "record.updated" / "信息更新",
        RecordWithdrawn = "record.withdrawn" / "信息撤回",
        RecordRevoked = "record.revoked" / "信息不再共享",
        RecordShared = "record.shared" / "信息新共享",
        TransferCreated = "transfer.created" / "线索移交",
        TransferAccepted = "transfer.accepted" / "线索受理",
        TransferInProgress = "transfer.in_progress" / "线索办理中",
        TransferConcluded = "transfer.concluded" / "线索办结",
        TransferClosed = "transfer.closed" / "办理结果反馈",
        TransferReturned = "transfer.returned" / "线索退回",
        TransferDeadlineSoon = "transfer.deadline_soon" / "办理期限将至",
        TransferOverdue = "transfer.overdue" / "办理逾期",
        ClueDuplicateFlagged = "clue.duplicate_flagged" / "疑似重复线索",
        DeliberationOpened = "deliberation.opened" / "会商发起",
        DeliberationMinutes = "deliberation.minutes" / "会商纪要更新",
        DeliberationConcluded = "deliberation.concluded" / "会商结束",
        AssignmentCreated = "assignment.created" / "会商任务分派",
        AssignmentUrged = "assignment.urged" / "会商任务催办",
        AssignmentDone = "assignment.done" / "会商任务完成",
        WebhookDisabled = "webhook.disabled" / "推送端点停用",
        InfoRequestCreated = "info_request.created" / "收到函询",
        InfoRequestAnswered = "info_request.answered" / "函询已答复",
        InfoRequestReminder = "info_request.reminder" / "函询催办",
        RectificationFeedbackIssued = "rectification.feedback_issued" / "巡察反馈意见下发",
        RectificationPlanSubmitted = "rectification.plan_submitted" / "整改方案提交审核",
        RectificationPlanDecided = "rectification.plan_decided" / "整改方案审核结论",
        RectificationItemStep = "rectification.item_step" / "整改事项流转",
        FourPartyReviewConcluded = "four_party_review.concluded" / "四方会审结论",
        AuditLinkageCreated = "audit_linkage.created" / "巡审联动建立",
        AuditLinkageEnded = "audit_linkage.ended" / "巡审联动结束",
        SelfCheckReported = "self_check.reported" / "自查自纠情况报送",
        EvaluationOpened = "evaluation.opened" / "量化评估发起",
        EvaluationFinalised = "evaluation.finalised" / "量化评估结果确定",
        CampaignOpened = "supervision_campaign.opened" / "巡后直督组建",
    }
);

impl EventType {
    /// The type of an event read back from the log.
    pub fn from_stored(s: &str) -> Result<EventType, UnknownStoredValue> {
        crate::domain::from_stored("事件类型", s, EventType::parse)
    }

    /// The event of a transfer step that leads to `state`.
    pub fn of_transfer_step(state: TransferState) -> EventType {
        match state {
            TransferState::Transferred => EventType::TransferCreated,
            TransferState::Accepted => EventType::TransferAccepted,
            TransferState::InProgress => EventType::TransferInProgress,
            TransferState::Concluded => EventType::TransferConcluded,
            TransferState::Closed => EventType::TransferClosed,
            TransferState::Returned => EventType::TransferReturned,
        }
    }

    /// The transfer state a transfer-step event leads to (None for reminders and others).
    pub fn transfer_step(self) -> Option<TransferState> {
        TransferState::ALL.iter().copied().find(|s| EventType::of_transfer_step(*s) == self)
    }

    /// A tombstone: the record is gone for the event's target agency.
    pub fn is_tombstone(self) -> bool {
        matches!(self, EventType::RecordRevoked | EventType::RecordWithdrawn)
    }

    /// The wire names of all event types, in order.
    pub fn names() -> Vec<&'static str> {
        EventType::ALL.iter().map(|t| t.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_stored_values_are_errors() {
        for t in EventType::ALL {
            assert_eq!(EventType::from_stored(t.as_str()), Ok(*t));
            assert_eq!(serde_json::to_value(t).unwrap(), serde_json::json!(t.as_str()));
        }
        assert!(EventType::from_stored("record.create").is_err());
        assert!(EventType::from_stored("").is_err());
    }

    #[test]
    fn every_transfer_state_has_its_step_event() {
        for s in TransferState::ALL {
            let e = EventType::of_transfer_step(*s);
            assert!(e.as_str().starts_with("transfer."));
            assert_eq!(e.transfer_step(), Some(*s));
        }
        assert_eq!(EventType::TransferOverdue.transfer_step(), None);
        assert_eq!(EventType::RecordCreated.transfer_step(), None);
    }
}
