//! Records (信息) and their distribution and sensitivity, with the validation every write
//! goes through. The entitlement that follows from a distribution lives in `policy`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::FieldError;
use crate::wire_enum;

wire_enum!(
    RecordKind {
        Clue = "clue" / "问题线索",
        Case = "case" / "案件",
        Petition = "petition" / "信访举报",
        InspectionFeedback = "inspection_feedback" / "巡察反馈意见",
        AuditReport = "audit_report" / "审计报告",
        SpecialCheck = "special_check" / "专项检查情况",
        CaseAnalysis = "case_analysis" / "案件剖析报告",
        Recommendation = "recommendation" / "纪检监察建议",
        Notice = "notice" / "通报",
        InspectionProblem = "inspection_problem" / "巡察发现问题",
    }
);

wire_enum!(
    Sensitivity {
        General = "general" / "一般",
        Sensitive = "sensitive" / "敏感",
        Restricted = "restricted" / "受限",
    }
);

wire_enum!(
    DistributionLevel {
        Own = "own" / "仅本单位",
        Agencies = "agencies" / "指定单位",
        Group = "group" / "共享组",
        All = "all" / "全体成员单位",
    }
);

/// A distribution as clients send and receive it:
/// `{"level": "agencies", "agencies": ["…"]}` or `{"level": "group", "group": "…"}`.
// Its OpenAPI schema is written by hand in `api::contract` (each level with its fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Distribution {
    pub level: DistributionLevel,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agencies: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

impl Distribution {
    pub fn own() -> Self {
        Distribution { level: DistributionLevel::Own, agencies: vec![], group: None }
    }
}

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_BODY_CHARS: usize = 100_000;
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_CHARS: usize = 32;
pub const MAX_PROTECTED_FIELDS: usize = 30;
pub const MAX_EXTERNAL_ID_CHARS: usize = 128;

/// The content of a record as written by its owner (create, update and bulk import alike).
#[derive(Debug, Clone, PartialEq)]
pub struct RecordContent {
    pub kind: RecordKind,
    pub title: String,
    pub body: String,
    pub category: Option<String>,
    pub object_ids: Vec<String>,
    pub tags: Vec<String>,
    pub attributes: serde_json::Map<String, serde_json::Value>,
    pub distribution: Distribution,
    pub sensitivity: Sensitivity,
    pub protected: BTreeMap<String, String>,
    /// Agencies that may see the protected fields (besides the owner).
    pub field_grants: Vec<String>,
    pub external_id: Option<String>,
}

/// The shape-level rules of a record (what does not need the database). Field names in
/// errors are the JSON names clients sent.
pub fn validate_content(c: &RecordContent) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let title_len = c.title.trim().chars().count();
    if title_len == 0 || c.title.chars().count() > MAX_TITLE_CHARS {
        errs.push(FieldError::new("title", format!("标题不能为空,且不超过 {MAX_TITLE_CHARS} 个字符")));
    }
    if c.body.chars().count() > MAX_BODY_CHARS {
        errs.push(FieldError::new("body", format!("正文不超过 {MAX_BODY_CHARS} 个字符")));
    }
    if c.tags.len() > MAX_TAGS {
        errs.push(FieldError::new("tags", format!("标签最多 {MAX_TAGS} 个")));
    }
    for (i, t) in c.tags.iter().enumerate() {
        let n = t.trim().chars().count();
        if n == 0 || t.chars().count() > MAX_TAG_CHARS {
            errs.push(FieldError::new(format!("tags[{i}]"), format!("标签不能为空,且不超过 {MAX_TAG_CHARS} 个字符")));
        }
    }
    if c.protected.len() > MAX_PROTECTED_FIELDS {
        errs.push(FieldError::new("protected", format!("受保护字段最多 {MAX_PROTECTED_FIELDS} 个")));
    }
    for k in c.protected.keys() {
        if k.is_empty() || k.chars().count() > 64 {
            errs.push(FieldError::new("protected", "受保护字段名不能为空,且不超过 64 个字符"));
        }
    }
    if let Some(ext) = &c.external_id {
        if ext.trim().is_empty() || ext.chars().count() > MAX_EXTERNAL_ID_CHARS {
            errs.push(FieldError::new(
                "external_id",
                format!("外部编号不能为空,且不超过 {MAX_EXTERNAL_ID_CHARS} 个字符"),
            ));
        }
    }
    for (i, id) in c.object_ids.iter().enumerate() {
        if !super::is_id(id) {
            errs.push(FieldError::new(format!("object_ids[{i}]"), "监督对象编号格式无效"));
        }
    }
    validate_distribution(&c.distribution, c.sensitivity, &mut errs);
    for (i, id) in c.field_grants.iter().enumerate() {
        if !super::is_id(id) {
            errs.push(FieldError::new(format!("field_grants[{i}]"), "单位编号格式无效"));
        }
    }
    errs
}

fn validate_distribution(d: &Distribution, s: Sensitivity, errs: &mut Vec<FieldError>) {
    match d.level {
        DistributionLevel::Agencies => {
            if d.agencies.is_empty() {
                errs.push(FieldError::new("distribution.agencies", "分发范围为指定单位时,须列出至少一个单位"));
            }
            for (i, id) in d.agencies.iter().enumerate() {
                if !super::is_id(id) {
                    errs.push(FieldError::new(format!("distribution.agencies[{i}]"), "单位编号格式无效"));
                }
            }
        }
        DistributionLevel::Group => match &d.group {
            None => errs.push(FieldError::new("distribution.group", "分发范围为共享组时,须指定共享组")),
            Some(g) if !super::is_id(g) => errs.push(FieldError::new("distribution.group", "共享组编号格式无效")),
            _ => {}
        },
        DistributionLevel::Own | DistributionLevel::All => {}
    }
    if d.level != DistributionLevel::Agencies && !d.agencies.is_empty() {
        errs.push(FieldError::new("distribution.agencies", "仅当分发范围为指定单位(agencies)时可列出单位"));
    }
    if d.level != DistributionLevel::Group && d.group.is_some() {
        errs.push(FieldError::new("distribution.group", "仅当分发范围为共享组(group)时可指定共享组"));
    }
    if d.level == DistributionLevel::All && s == Sensitivity::Restricted {
        errs.push(FieldError::new("distribution.level", "受限(restricted)信息不得分发给全体成员单位"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content() -> RecordContent {
        RecordContent {
            kind: RecordKind::Clue,
            title: "某局违规发放津补贴问题".into(),
            body: "反映某局2025年违规发放津补贴".into(),
            category: None,
            object_ids: vec![],
            tags: vec!["巡察移交".into()],
            attributes: Default::default(),
            distribution: Distribution::own(),
            sensitivity: Sensitivity::General,
            protected: Default::default(),
            field_grants: vec![],
            external_id: None,
        }
    }

    #[test]
    fn restricted_may_not_go_to_all() {
        let mut c = content();
        c.sensitivity = Sensitivity::Restricted;
        c.distribution.level = DistributionLevel::All;
        let errs = validate_content(&c);
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].field, "distribution.level");
    }

    #[test]
    fn agencies_level_needs_agencies_and_group_level_needs_group() {
        let mut c = content();
        c.distribution.level = DistributionLevel::Agencies;
        assert_eq!(validate_content(&c)[0].field, "distribution.agencies");
        c.distribution.level = DistributionLevel::Group;
        assert_eq!(validate_content(&c)[0].field, "distribution.group");
    }

    #[test]
    fn blank_title_and_long_tags_are_named() {
        let mut c = content();
        c.title = "  ".into();
        c.tags = vec!["x".repeat(33)];
        let fields: Vec<_> = validate_content(&c).into_iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["title", "tags[0]"]);
    }

    #[test]
    fn valid_content_passes() {
        assert!(validate_content(&content()).is_empty());
    }
}
