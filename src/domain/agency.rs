//! Member units (成员单位 / 监督主体): kinds and levels, and validation of their fields.

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
