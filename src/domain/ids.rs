//! Typed identifiers: an agency id cannot be passed where a group id is wanted, and a
//! function taking several ids says which is which. All are hyphenated UUIDs as the hub
//! writes them (`new_id`); on the wire they are plain strings (`serde(transparent)`).

/// What every typed id can do: parse one from a path or a body (a clean 404 or 422 for
/// anything else), and give its text.
pub trait Id: Sized + std::ops::Deref<Target = str> {
    fn parse(s: &str) -> Option<Self>;
}

/// Parses a list of ids from a body field: every bad one is reported as `field[i]`.
pub fn parse_list<I: Id>(field: &str, ids: &[String], errors: &mut Vec<crate::domain::FieldError>) -> Vec<I> {
    let mut out = Vec::with_capacity(ids.len());
    for (i, s) in ids.iter().enumerate() {
        match I::parse(s) {
            Some(id) => out.push(id),
            None => errors.push(crate::domain::FieldError::new(format!("{field}[{i}]"), "编号格式无效")),
        }
    }
    out
}

/// Parses an optional id from a body field.
pub fn parse_opt<I: Id>(field: &str, id: Option<&str>, errors: &mut Vec<crate::domain::FieldError>) -> Option<I> {
    let s = id?;
    let parsed = I::parse(s);
    if parsed.is_none() {
        errors.push(crate::domain::FieldError::new(field, "编号格式无效"));
    }
    parsed
}

macro_rules! id_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A syntactically valid id (`None` for anything else: a clean 404 or 422).
            pub fn parse(s: &str) -> Option<$name> {
                crate::domain::is_id(s).then(|| $name(s.to_string()))
            }
            /// An id as the database holds it (written by the hub).
            pub fn from_stored(s: String) -> $name {
                $name(s)
            }
            /// A new id.
            pub fn generate() -> $name {
                $name(crate::domain::new_id())
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl Id for $name {
            fn parse(s: &str) -> Option<$name> {
                $name::parse(s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// A member unit (成员单位).
    AgencyId
);
id_type!(
    /// A user account.
    UserId
);
id_type!(
    /// A record (信息).
    RecordId
);
id_type!(
    /// A supervision object (监督对象).
    ObjectId
);
id_type!(
    /// A sharing group (共享组).
    GroupId
);
id_type!(
    /// A clue transfer (线索移交).
    TransferId
);
id_type!(
    /// A deliberation (会商).
    DeliberationId
);
id_type!(
    /// A webhook endpoint.
    WebhookId
);

id_type!(
    /// An agency's API key (接入密钥).
    ApiKeyId
);
id_type!(
    /// A subscription (订阅).
    SubscriptionId
);
id_type!(
    /// A task assigned in a deliberation (交办事项).
    AssignmentId
);
id_type!(
    /// An inbox item (待办).
    InboxItemId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_only_as_the_hub_writes_them() {
        let id = GroupId::generate();
        assert_eq!(GroupId::parse(id.as_str()), Some(id.clone()));
        assert_eq!(serde_json::to_value(&id).unwrap(), serde_json::json!(id.as_str()));
        for bad in ["", "not-an-id", "00000000000000000000000000000000", "{00000000-0000-0000-0000-000000000000}"] {
            assert_eq!(AgencyId::parse(bad), None, "{bad}");
        }
    }
}

id_type!(
    /// An inspection round (巡察轮次).
    RoundId
);
id_type!(
    /// An inspection team (巡察组) of a round.
    TeamId
);
id_type!(
    /// An inspected unit (被巡察党组织) in one round.
    InspectedUnitId
);
id_type!(
    /// A finding (巡察发现的问题或线索).
    FindingId
);
id_type!(
    /// A rectification plan (整改方案), one attempt.
    PlanId
);
id_type!(
    /// An item of a rectification ledger (整改事项).
    ItemId
);
id_type!(
    /// An evidence file (佐证材料) of a ledger item.
    EvidenceId
);
id_type!(
    /// A four-party review (四方会审) of one unit.
    ReviewId
);
id_type!(
    /// A person of the talent pool (人才库).
    TalentId
);
id_type!(
    /// An information request (函询).
    InfoRequestId
);
id_type!(
    /// An inspection–audit linkage (巡审联动).
    AuditLinkageId
);
id_type!(
    /// A common problem (共性问题) notified after a round.
    CommonProblemId
);
id_type!(
    /// A self-check requirement (未巡先改) of a unit not inspected.
    SelfCheckId
);
id_type!(
    /// A special campaign (专项整治).
    CampaignId
);
id_type!(
    /// A quantified evaluation (量化评估) of a round's rectification.
    EvaluationId
);
id_type!(
    /// A post-inspection direct-supervision campaign (巡后直督).
    SupervisionCampaignId
);
id_type!(
    /// A public reporting channel (码上巡察).
    ChannelId
);
id_type!(
    /// A report made through a public channel.
    PublicReportId
);
