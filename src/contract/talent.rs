//! Body field schemas of the talent pool (人才库), stating what `domain::inspection::talent`
//! accepts.

use utoipa::openapi::schema::Schema;
use utoipa::openapi::RefOr;

use super::fields::NOT_BLANK;
use super::params::ID_PATTERN;

fn json_schema(v: serde_json::Value) -> RefOr<Schema> {
    serde_json::from_value(v).expect("a well-formed schema literal")
}

fn positions() -> Vec<&'static str> {
    crate::domain::inspection::talent::TeamPosition::ALL.iter().map(|p| p.as_str()).collect()
}

/// The team positions a person may hold: at least one of `leader`, `deputy`, `staff`.
pub fn eligible_positions() -> RefOr<Schema> {
    json_schema(serde_json::json!({"type": "array", "minItems": 1, "items": {"type": "string", "enum": positions()},
        "description": "可担任的组内职务:leader 组长;deputy 副组长;staff 工作人员"}))
}

/// As `eligible_positions`, or `null` (unchanged).
pub fn eligible_positions_or_null() -> RefOr<Schema> {
    json_schema(serde_json::json!({"type": ["array", "null"], "minItems": 1,
        "items": {"type": "string", "enum": positions()}}))
}

/// Expertise tags (专业特长), or `null` (unchanged).
pub fn expertise_or_null() -> RefOr<Schema> {
    use crate::domain::inspection::{MAX_FOCUS_TAGS, MAX_TAG_CHARS};
    json_schema(serde_json::json!({"type": ["array", "null"], "maxItems": MAX_FOCUS_TAGS,
        "items": {"type": "string", "minLength": 1, "maxLength": MAX_TAG_CHARS, "pattern": NOT_BLANK}}))
}

fn posting_json() -> serde_json::Value {
    serde_json::json!({"type": "object", "required": ["unit_object_id", "from"], "properties": {
        "unit_object_id": {"type": "string", "format": "uuid", "pattern": ID_PATTERN,
            "description": "任职单位(类型为 unit 的监督对象)"},
        "from": {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
        "to": {"type": ["string", "null"], "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
            "description": "离任日期,不早于 from;null 表示仍在该单位"}}})
}

fn relation_json() -> serde_json::Value {
    use crate::domain::inspection::talent::MAX_RELATION_CHARS;
    serde_json::json!({"type": "object", "required": ["unit_object_id", "relation"], "properties": {
        "unit_object_id": {"type": "string", "format": "uuid", "pattern": ID_PATTERN,
            "description": "有关联的单位(类型为 unit 的监督对象)"},
        "relation": {"type": "string", "minLength": 1, "maxLength": MAX_RELATION_CHARS, "pattern": NOT_BLANK,
            "description": "关联关系,如:配偶在该单位任职"}}})
}

fn list(item: serde_json::Value, max: usize, nullable: bool) -> RefOr<Schema> {
    let t = if nullable { serde_json::json!(["array", "null"]) } else { serde_json::json!("array") };
    json_schema(serde_json::json!({"type": t, "maxItems": max, "items": item}))
}

/// Past postings (任职经历), for the N-year avoidance rule.
pub fn postings() -> RefOr<Schema> {
    list(posting_json(), crate::domain::inspection::talent::MAX_POSTINGS, false)
}
pub fn postings_or_null() -> RefOr<Schema> {
    list(posting_json(), crate::domain::inspection::talent::MAX_POSTINGS, true)
}

/// Declared relations to units (avoided for those units).
pub fn relations() -> RefOr<Schema> {
    list(relation_json(), crate::domain::inspection::talent::MAX_RELATIONS, false)
}
pub fn relations_or_null() -> RefOr<Schema> {
    list(relation_json(), crate::domain::inspection::talent::MAX_RELATIONS, true)
}
