//! Joint deliberation (会商): a deliberation as its convener asks for it, its ids checked.
//! The title, the minutes and the participants are checked by the service together with
//! the clue (one answer with every field error).

use crate::domain::ids::{parse_list, AgencyId, RecordId};
use crate::domain::FieldError;

#[derive(Debug, Clone)]
pub struct DeliberationDraft {
    /// The clue to deliberate on.
    pub record_id: RecordId,
    pub title: String,
    pub agency_ids: Vec<AgencyId>,
    pub minutes: String,
}

impl DeliberationDraft {
    pub fn parse(
        record_id: &str,
        title: String,
        agency_ids: &[String],
        minutes: String,
    ) -> Result<DeliberationDraft, Vec<FieldError>> {
        let mut errs = Vec::new();
        let record = RecordId::parse(record_id);
        if record.is_none() {
            errs.push(FieldError::new("record_id", "编号格式无效"));
        }
        let agency_ids = parse_list("participant_agency_ids", agency_ids, &mut errs);
        match record {
            Some(record_id) if errs.is_empty() => Ok(DeliberationDraft { record_id, title, agency_ids, minutes }),
            _ => Err(errs),
        }
    }
}
