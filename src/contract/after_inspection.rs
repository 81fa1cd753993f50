//! Body field schemas of the parts after a round (巡后直督, 量化评估), stating what
//! `domain::inspection::{direct_supervision, evaluation}` accept.

use utoipa::openapi::schema::Schema;
use utoipa::openapi::RefOr;

use super::params::ID_PATTERN;
use crate::domain::inspection::evaluation::{Check, MAX_NOTE_CHARS, MAX_SCORE, MAX_WEIGHT};

fn checks() -> Vec<&'static str> {
    Check::ALL.iter().map(|c| c.as_str()).collect()
}

/// The weights object: all eight checks, each 0–100, and (a keyword utoipa's builders do not
/// know, set as an extension) not all of them zero.
fn weights_schema() -> Schema {
    let props: serde_json::Map<String, serde_json::Value> = checks()
        .into_iter()
        .map(|c| (c.to_string(), serde_json::json!({"type": "integer", "minimum": 0, "maximum": MAX_WEIGHT})))
        .collect();
    let zero: serde_json::Map<String, serde_json::Value> =
        checks().into_iter().map(|c| (c.to_string(), serde_json::json!({"const": 0}))).collect();
    let mut s: Schema = serde_json::from_value(serde_json::json!({"type": "object", "required": checks(),
        "properties": props, "additionalProperties": false,
        "description": "八项检查的权重(0–100 的整数,八项都要给出,不能全为 0)"}))
    .expect("a well-formed schema literal");
    if let Schema::Object(o) = &mut s {
        o.extensions.get_or_insert_with(Default::default).insert("not".into(), serde_json::json!({"properties": zero}));
    }
    s
}

/// The weights of the eight checks: all eight, each 0–100, not all zero.
pub fn evaluation_weights() -> RefOr<Schema> {
    RefOr::T(weights_schema())
}

/// As `evaluation_weights`, or absent/null (unchanged, or equal weights).
pub fn evaluation_weights_or_null() -> RefOr<Schema> {
    let null: Schema =
        serde_json::from_value(serde_json::json!({"type": "null"})).expect("a well-formed schema literal");
    RefOr::T(Schema::OneOf(utoipa::openapi::schema::OneOfBuilder::new().item(null).item(weights_schema()).build()))
}

/// An agency's scores of one unit, by check code: at least one; each a score 0–100 and a note.
pub fn evaluation_scores() -> RefOr<Schema> {
    serde_json::from_value(serde_json::json!({"type": "object", "minProperties": 1,
        "propertyNames": {"type": "string", "enum": checks()},
        "additionalProperties": {"type": "object", "required": ["score"], "properties": {
            "score": {"type": "integer", "minimum": 0, "maximum": MAX_SCORE},
            "note": {"type": "string", "maxLength": MAX_NOTE_CHARS}}},
        "description": "按检查项给出的评分(0–100 的整数)与说明"}))
    .expect("a well-formed schema literal")
}

/// A non-empty list of ids.
pub fn id_list_nonempty() -> RefOr<Schema> {
    serde_json::from_value(serde_json::json!({"type": "array", "minItems": 1,
        "items": {"type": "string", "format": "uuid", "pattern": ID_PATTERN}}))
    .expect("a well-formed schema literal")
}
