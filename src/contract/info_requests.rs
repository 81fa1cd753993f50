//! Body field schemas of information requests (函询), stating what
//! `domain::inspection::requests` accepts.

use utoipa::openapi::schema::Schema;
use utoipa::openapi::RefOr;

use super::params::ID_PATTERN;

fn json(v: serde_json::Value) -> RefOr<Schema> {
    serde_json::from_value(v).expect("a well-formed schema literal")
}

fn ids(min: usize, max: usize) -> RefOr<Schema> {
    json(serde_json::json!({"type": "array", "minItems": min, "maxItems": max,
        "items": {"type": "string", "format": "uuid", "pattern": ID_PATTERN}}))
}

/// The agencies asked: 1–50 (a repeated id counts once).
pub fn request_targets() -> RefOr<Schema> {
    ids(1, crate::domain::inspection::requests::MAX_TARGETS)
}

/// The supervision objects asked about (a pre-inspection request may leave them to the
/// round's inspected units).
pub fn request_subjects() -> RefOr<Schema> {
    ids(0, crate::domain::inspection::requests::MAX_SUBJECTS)
}

/// The records an answer refers to.
pub fn answer_records() -> RefOr<Schema> {
    ids(0, crate::domain::inspection::requests::MAX_REFERENCES)
}

/// A request's note (may be empty).
pub fn request_note() -> RefOr<Schema> {
    json(serde_json::json!({"type": "string", "maxLength": crate::domain::inspection::requests::MAX_NOTE_CHARS}))
}

/// An answer's note (may be empty).
pub fn answer_note() -> RefOr<Schema> {
    json(serde_json::json!({"type": "string", "maxLength": crate::domain::inspection::requests::MAX_ANSWER_NOTE_CHARS}))
}

/// A request's title.
pub fn request_title() -> RefOr<Schema> {
    json(serde_json::json!({"type": "string", "minLength": 1,
        "maxLength": crate::domain::inspection::requests::MAX_TITLE_CHARS, "pattern": super::fields::NOT_BLANK}))
}

/// A `direction` of the request list and statistics.
pub fn request_direction_param() -> utoipa::openapi::ObjectBuilder {
    super::params::choice_param(&["sent", "received", "both"])
}

pub fn request_kind_param() -> utoipa::openapi::ObjectBuilder {
    use crate::domain::inspection::requests::RequestKind;
    super::params::choice_param(&RequestKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>())
}

/// Across the fields of a new request: a pre-inspection request names its round; an integrity
/// request names none, and lists its cadres.
pub fn new_request_rule() -> serde_json::Value {
    serde_json::json!([
        {"required": ["kind", "round_id"], "properties": {
            "kind": {"enum": ["pre_inspection"]}, "round_id": {"type": "string"}}},
        {"required": ["kind", "subject_object_ids"], "properties": {
            "kind": {"enum": ["integrity"]}, "round_id": {"type": "null"},
            "subject_object_ids": {"minItems": 1}}}
    ])
}
