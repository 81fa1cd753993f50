//! Sharing agreements (共享协议): a new agreement as the hub admin writes it, checked.

use crate::domain::agency::{validate_name, AgencyKind};
use crate::domain::ids::{parse_list, parse_opt, AgencyId};
use crate::domain::record::RecordKind;
use crate::domain::FieldError;

/// A new agreement: one source (an agency, or every agency of a kind) and at least one
/// recipient agency or kind.
#[derive(Debug, Clone)]
pub struct AgreementDraft {
    pub name: String,
    pub source_agency_id: Option<AgencyId>,
    pub source_kind: Option<AgencyKind>,
    pub record_kind: RecordKind,
    pub recipient_agency_ids: Vec<AgencyId>,
    pub recipient_kinds: Vec<AgencyKind>,
    pub protected_fields: bool,
}

impl AgreementDraft {
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        name: &str,
        source_agency_id: Option<&str>,
        source_kind: Option<AgencyKind>,
        record_kind: RecordKind,
        recipient_agency_ids: &[String],
        recipient_kinds: Vec<AgencyKind>,
        protected_fields: bool,
    ) -> Result<AgreementDraft, Vec<FieldError>> {
        let mut errs = Vec::new();
        validate_name("name", name, &mut errs);
        if source_agency_id.is_some() == source_kind.is_some() {
            errs.push(FieldError::new(
                "source_agency_id",
                "须且只须指定来源单位(source_agency_id)或来源单位类别(source_kind)之一",
            ));
        }
        let source_agency_id = parse_opt("source_agency_id", source_agency_id, &mut errs);
        if recipient_agency_ids.is_empty() && recipient_kinds.is_empty() {
            errs.push(FieldError::new("recipient_agency_ids", "须列出允许的接收单位或接收单位类别"));
        }
        let recipient_agency_ids = parse_list("recipient_agency_ids", recipient_agency_ids, &mut errs);
        if !errs.is_empty() {
            return Err(errs);
        }
        Ok(AgreementDraft {
            name: name.trim().to_string(),
            source_agency_id,
            source_kind,
            record_kind,
            recipient_agency_ids,
            recipient_kinds,
            protected_fields,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draft_reports_every_field_at_once() {
        let errs = AgreementDraft::parse(
            " ",
            Some("x"),
            Some(AgencyKind::Audit),
            RecordKind::Clue,
            &["y".into()],
            vec![],
            false,
        )
        .unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "source_agency_id", "source_agency_id", "recipient_agency_ids[0]"]);
        let ok = AgreementDraft::parse(
            " 审计移送 ",
            None,
            Some(AgencyKind::Audit),
            RecordKind::Clue,
            &[],
            vec![AgencyKind::Discipline],
            true,
        )
        .unwrap();
        assert_eq!(ok.name, "审计移送");
    }
}
