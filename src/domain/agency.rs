//! Member units (成员单位 / 监督主体): kinds and levels, and validation of their fields.

use crate::domain::ids::{parse_opt, AgencyId};
use crate::domain::FieldError;
use crate::wire_enum;

wire_enum!(
    AgencyKind {
        Hub = "hub" / "平台运维",
        Inspection = "inspection" / "巡察机构",
        Discipline = "discipline" / "纪检监察机关",
        Organization = "organization" / "组织部门",
        Publicity = "publicity" / "宣传部门",
        PoliticalLegal = "political_legal" / "政法委",
        Establishment = "establishment" / "编办",
        Court = "court" / "法院",
        Procuratorate = "procuratorate" / "检察院",
        Police = "police" / "公安机关",
        Finance = "finance" / "财政部门",
        Audit = "audit" / "审计机关",
        Petition = "petition" / "信访部门",
        SupervisionOffice = "supervision_office" / "督查机构",
        Other = "other" / "其他单位",
        InspectedUnit = "inspected_unit" / "被巡察单位",
    }
);

wire_enum!(
    AgencyLevel {
        City = "city" / "市级",
        County = "county" / "县区级",
    }
);

/// Checks an agency code: 2–32 characters of a–z, 0–9, `_` or `-`.
pub fn validate_code(code: &str, errors: &mut Vec<FieldError>) {
    let ok = (2..=32).contains(&code.len())
        && code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if !ok {
        errors.push(FieldError::new("code", "单位代码须为 2–32 位小写字母、数字、下划线或连字符"));
    }
}

/// Checks a display name: 1–100 characters, not blank.
pub fn validate_name(field: &str, name: &str, errors: &mut Vec<FieldError>) {
    let n = name.trim().chars().count();
    if n == 0 || name.chars().count() > 100 {
        errors.push(FieldError::new(field, "名称不能为空,且不超过 100 个字符"));
    }
}

/// A new member unit, checked: every field error at once.
#[derive(Debug, Clone)]
pub struct AgencyDraft {
    pub code: String,
    pub name: String,
    pub kind: AgencyKind,
    pub level: AgencyLevel,
    pub parent_id: Option<AgencyId>,
}

impl AgencyDraft {
    pub fn parse(
        code: String,
        name: &str,
        kind: AgencyKind,
        level: AgencyLevel,
        parent_id: Option<&str>,
    ) -> Result<AgencyDraft, Vec<FieldError>> {
        let mut errs = Vec::new();
        validate_code(&code, &mut errs);
        if kind == AgencyKind::Hub {
            errs.push(FieldError::new("kind", "平台运维单位(hub)由系统创建,不能新建"));
        }
        validate_name("name", name, &mut errs);
        let parent_id = parse_opt("parent_id", parent_id, &mut errs);
        if !errs.is_empty() {
            return Err(errs);
        }
        Ok(AgencyDraft { code, name: name.trim().to_string(), kind, level, parent_id })
    }
}

/// Changes to a member unit, checked; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct AgencyEdit {
    pub name: Option<String>,
    pub kind: Option<AgencyKind>,
    pub level: Option<AgencyLevel>,
    pub parent_id: Option<AgencyId>,
    pub active: Option<bool>,
}

impl AgencyEdit {
    pub fn parse(
        id: &AgencyId,
        name: Option<&str>,
        kind: Option<AgencyKind>,
        level: Option<AgencyLevel>,
        parent_id: Option<&str>,
        active: Option<bool>,
    ) -> Result<AgencyEdit, Vec<FieldError>> {
        let mut errs = Vec::new();
        if let Some(n) = name {
            validate_name("name", n, &mut errs);
        }
        let parent = AgencyId::parse(parent_id.unwrap_or_default());
        if parent_id.is_some() && parent.as_ref().is_none_or(|p| p == id) {
            errs.push(FieldError::new("parent_id", "上级单位无效"));
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        Ok(AgencyEdit { name: name.map(|n| n.trim().to_string()), kind, level, parent_id: parent, active })
    }

    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.kind.is_none()
            && self.level.is_none()
            && self.parent_id.is_none()
            && self.active.is_none()
    }
}
