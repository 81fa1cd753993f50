//! Rule 4: sharing agreements (协作意见) bound what an owner may distribute. Where agreements
//! exist for the record's source (agency or agency kind) and kind, every recipient must be
//! allowed by one of them, and every protected-field grant by one that allows protected
//! fields; where none exist, the owner decides.

use crate::domain::FieldError;

#[derive(Debug, Clone)]
pub struct Agreement {
    pub source_agency_id: Option<String>,
    pub source_kind: Option<String>,
    pub record_kind: String,
    pub recipient_agency_ids: Vec<String>,
    pub recipient_kinds: Vec<String>,
    pub protected_fields: bool,
}

/// An agency as the agreement check needs it.
#[derive(Debug, Clone)]
pub struct Party {
    pub id: String,
    pub kind: String,
}

/// Whether any agreement binds records of this kind from this source (if none, the owner
/// decides and `check` has nothing to check).
pub fn binds(agreements: &[Agreement], source: &Party, record_kind: &str) -> bool {
    agreements.iter().any(|a| a.covers_source(source, record_kind))
}

impl Agreement {
    fn covers_source(&self, source: &Party, record_kind: &str) -> bool {
        self.record_kind == record_kind
            && (self.source_agency_id.as_deref() == Some(source.id.as_str())
                || self.source_kind.as_deref() == Some(source.kind.as_str()))
    }
    fn allows(&self, recipient: &Party) -> bool {
        self.recipient_agency_ids.contains(&recipient.id) || self.recipient_kinds.contains(&recipient.kind)
    }
}

/// Checks a distribution (its resolved recipients) and the protected-field grants.
pub fn check(
    agreements: &[Agreement],
    source: &Party,
    record_kind: &str,
    recipients: &[Party],
    field_grants: &[Party],
) -> Vec<FieldError> {
    let applicable: Vec<&Agreement> = agreements.iter().filter(|a| a.covers_source(source, record_kind)).collect();
    if applicable.is_empty() {
        return vec![];
    }
    let mut errs = Vec::new();
    let mut refused: Vec<&str> = recipients
        .iter()
        .filter(|r| r.id != source.id && !applicable.iter().any(|a| a.allows(r)))
        .map(|r| r.id.as_str())
        .collect();
    refused.dedup();
    if !refused.is_empty() {
        errs.push(FieldError::new(
            "distribution",
            format!("协作意见不允许将此类信息分发给以下单位:{}", refused.join("、")),
        ));
    }
    let refused_fields: Vec<&str> = field_grants
        .iter()
        .filter(|r| r.id != source.id && !applicable.iter().any(|a| a.protected_fields && a.allows(r)))
        .map(|r| r.id.as_str())
        .collect();
    if !refused_fields.is_empty() {
        errs.push(FieldError::new(
            "field_grants",
            format!("协作意见不允许向以下单位提供受保护字段:{}", refused_fields.join("、")),
        ));
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn party(id: &str, kind: &str) -> Party {
        Party { id: id.into(), kind: kind.into() }
    }

    fn petitions_to_discipline() -> Vec<Agreement> {
        vec![
            Agreement {
                source_agency_id: None,
                source_kind: Some("petition".into()),
                record_kind: "petition".into(),
                recipient_agency_ids: vec![],
                recipient_kinds: vec!["discipline".into()],
                protected_fields: true,
            },
            Agreement {
                source_agency_id: None,
                source_kind: Some("petition".into()),
                record_kind: "petition".into(),
                recipient_agency_ids: vec!["org".into()],
                recipient_kinds: vec![],
                protected_fields: false,
            },
        ]
    }

    #[test]
    fn without_agreements_the_owner_decides() {
        let errs = check(&[], &party("xf", "petition"), "petition", &[party("x", "audit")], &[party("x", "audit")]);
        assert!(errs.is_empty());
    }

    #[test]
    fn recipients_outside_agreements_are_refused() {
        let a = petitions_to_discipline();
        let src = party("xf", "petition");
        assert!(check(&a, &src, "petition", &[party("jw", "discipline"), party("org", "organization")], &[]).is_empty());
        let errs = check(&a, &src, "petition", &[party("sj", "audit")], &[]);
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].field, "distribution");
        // Another record kind from the same source is not bound by these agreements.
        assert!(check(&a, &src, "notice", &[party("sj", "audit")], &[]).is_empty());
    }

    #[test]
    fn protected_fields_only_where_an_agreement_allows_them() {
        let a = petitions_to_discipline();
        let src = party("xf", "petition");
        assert!(check(&a, &src, "petition", &[], &[party("jw", "discipline")]).is_empty());
        let errs = check(&a, &src, "petition", &[], &[party("org", "organization")]);
        assert_eq!(errs[0].field, "field_grants");
    }
}
