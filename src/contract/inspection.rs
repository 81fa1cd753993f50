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

fn text(max: usize, nullable: bool) -> utoipa::openapi::ObjectBuilder {
    use utoipa::openapi::schema::{SchemaType, Type};
    let t = if nullable { SchemaType::from_iter([Type::String, Type::Null]) } else { SchemaType::Type(Type::String) };
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(t)
        .min_length(Some(1))
        .max_length(Some(max))
        .pattern(Some(NOT_BLANK))
}

fn optional_text(max: usize) -> utoipa::openapi::ObjectBuilder {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .max_length(Some(max))
        .pattern(Some(super::no_nul::NO_NUL))
}

/// A problem's wording, a task (1–500 characters, not blank).
pub fn short_text() -> utoipa::openapi::ObjectBuilder {
    text(crate::domain::inspection::rectification::MAX_SHORT_TEXT_CHARS, false)
}
pub fn short_text_or_null() -> utoipa::openapi::ObjectBuilder {
    text(crate::domain::inspection::rectification::MAX_SHORT_TEXT_CHARS, true)
}
/// A measure, opinion, note or reason (1–2000 characters, not blank).
pub fn long_text() -> utoipa::openapi::ObjectBuilder {
    text(crate::domain::inspection::rectification::MAX_TEXT_CHARS, false)
}
/// The same, where it may be left empty.
pub fn long_text_optional() -> utoipa::openapi::ObjectBuilder {
    optional_text(crate::domain::inspection::rectification::MAX_TEXT_CHARS)
}
/// A plan's summary (1–5000 characters, not blank).
pub fn summary_text() -> utoipa::openapi::ObjectBuilder {
    text(crate::domain::inspection::rectification::MAX_SUMMARY_CHARS, false)
}
/// A feedback's summary (may be left empty).
pub fn summary_optional() -> utoipa::openapi::ObjectBuilder {
    optional_text(crate::domain::inspection::rectification::MAX_SUMMARY_CHARS)
}

/// A file's raw bytes as a request or response body (`type: string, format: binary`).
pub struct BinaryFile;

impl utoipa::PartialSchema for BinaryFile {
    fn schema() -> RefOr<Schema> {
        use utoipa::openapi::schema::{KnownFormat, SchemaFormat};
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl utoipa::ToSchema for BinaryFile {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("BinaryFile")
    }
}

/// A free text of up to 5,000 characters that may be empty (a campaign's description).
pub fn text_5000_or_empty() -> utoipa::openapi::ObjectBuilder {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .max_length(Some(crate::domain::transfer::MAX_TEXT_CHARS))
}
