//! Sharing groups (共享组): a new group as the hub admin writes it, checked.

use crate::domain::agency::validate_name;
use crate::domain::ids::{parse_list, AgencyId};
use crate::domain::FieldError;

#[derive(Debug, Clone)]
pub struct GroupDraft {
    pub name: String,
    pub description: String,
    pub agency_ids: Vec<AgencyId>,
}

impl GroupDraft {
    pub fn parse(name: &str, description: String, agency_ids: &[String]) -> Result<GroupDraft, Vec<FieldError>> {
        let mut errs = Vec::new();
        validate_name("name", name, &mut errs);
        let agency_ids = parse_list("agency_ids", agency_ids, &mut errs);
        if !errs.is_empty() {
            return Err(errs);
        }
        Ok(GroupDraft { name: name.trim().to_string(), description, agency_ids })
    }
}
