//! Supervision objects (监督对象): a new object as an agency registers it, checked.

use crate::domain::agency::validate_name;
use crate::domain::FieldError;

/// A unit (单位/党组织) or a leading cadre (领导干部). The identity number is kept only until
/// the service digests it; it is never stored or shown.
#[derive(Clone)]
pub struct ObjectDraft {
    pub name: String,
    /// `unit` or `person`.
    pub kind: String,
    pub unit: Option<String>,
    pub position: Option<String>,
    pub id_number: Option<String>,
}

impl std::fmt::Debug for ObjectDraft {
    /// Never prints the identity number.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectDraft").field("name", &self.name).field("kind", &self.kind).finish_non_exhaustive()
    }
}

impl ObjectDraft {
    pub fn parse(
        name: &str,
        kind: String,
        unit: Option<String>,
        position: Option<String>,
        id_number: Option<String>,
    ) -> Result<ObjectDraft, Vec<FieldError>> {
        let mut errs = Vec::new();
        validate_name("name", name, &mut errs);
        if kind != "unit" && kind != "person" {
            errs.push(FieldError::new("kind", "监督对象类别须为 unit(单位)或 person(个人)"));
        }
        for (f, v) in [("unit", &unit), ("position", &position)] {
            if v.as_ref().is_some_and(|v| v.chars().count() > 200) {
                errs.push(FieldError::new(f, "不超过 200 个字符"));
            }
        }
        if id_number.as_ref().is_some_and(|v| v.trim().is_empty() || v.chars().count() > 64) {
            errs.push(FieldError::new("id_number", "证件号码格式无效"));
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        Ok(ObjectDraft { name: name.trim().to_string(), kind, unit, position, id_number })
    }
}
