//! Body field schemas of 码上巡察 (the office's API), stating what `domain::public_report` and
//! the channel service accept.

use utoipa::openapi::schema::SchemaType;
use utoipa::openapi::{ObjectBuilder, Type};

use super::fields::NOT_BLANK;

/// A channel's contact line when changed: 1–200 characters, not blank, or null (unchanged).
pub fn contact_line_or_null() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .min_length(Some(1))
        .max_length(Some(crate::domain::public_report::MAX_CONTACT_LINE_CHARS))
        .pattern(Some(NOT_BLANK))
}

/// A date `YYYY-MM-DD`, or null (unchanged).
pub fn date_or_null() -> ObjectBuilder {
    super::params::date_object().schema_type(SchemaType::from_iter([Type::String, Type::Null]))
}

/// A reason (1–1000 characters, not blank), or null.
pub fn reason_or_null() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .min_length(Some(1))
        .max_length(Some(crate::domain::public_report::MAX_REASON_CHARS))
        .pattern(Some(NOT_BLANK))
}
