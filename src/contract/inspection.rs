//! Body field schemas of the inspection lifecycle, stating what `domain::inspection` accepts.

use utoipa::openapi::schema::Schema;
use utoipa::openapi::RefOr;

use super::fields::NOT_BLANK;

/// A round's focus tags (巡察重点) and other short tag lists of the lifecycle.
pub fn focus_tags() -> RefOr<Schema> {
    use crate::domain::inspection::{MAX_FOCUS_TAGS, MAX_TAG_CHARS};
    serde_json::from_value(serde_json::json!({"type": "array", "maxItems": MAX_FOCUS_TAGS,
        "items": {"type": "string", "minLength": 1, "maxLength": MAX_TAG_CHARS, "pattern": NOT_BLANK}}))
    .expect("a well-formed schema literal")
}

/// A round's number (第几轮).
pub fn round_number() -> utoipa::openapi::ObjectBuilder {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::Integer)
        .minimum(Some(1))
        .maximum(Some(999))
}

/// A free text of up to 5,000 characters that may be empty (a campaign's description).
pub fn text_5000_or_empty() -> utoipa::openapi::ObjectBuilder {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .max_length(Some(crate::domain::transfer::MAX_TEXT_CHARS))
}
