//! Request body field schemas (`#[schema(schema_with = contract::…)]`) and the few body
//! schemas written by hand, stating exactly what the validation in `domain` and the
//! handlers accepts: lengths, blank text, ids, dates, lists and maps.

use std::borrow::Cow;

use utoipa::openapi::schema::{Schema, SchemaFormat};
use utoipa::openapi::{ObjectBuilder, RefOr, Type};

use super::params::ID_PATTERN;

/// Contains a character that Rust's `trim` keeps (the server refuses blank text), and no NUL.
pub const NOT_BLANK: &str = concat!(
    r"^[^\u0000]*",
    r"[^\u0000\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]",
    r"[^\u0000]*$"
);

fn string_or_null(nullable: bool) -> ObjectBuilder {
    if nullable {
        ObjectBuilder::new().schema_type(utoipa::openapi::schema::SchemaType::from_iter([Type::String, Type::Null]))
    } else {
        ObjectBuilder::new().schema_type(Type::String)
    }
}

/// Text of 1–`max` characters that is not blank.
fn text(max: usize, nullable: bool) -> ObjectBuilder {
    string_or_null(nullable).min_length(Some(1)).max_length(Some(max)).pattern(Some(NOT_BLANK))
}

/// Body field schemas (`#[schema(schema_with = …)]`), named by the rule they state.
pub fn name_100() -> ObjectBuilder {
    text(100, false)
}
pub fn name_100_or_null() -> ObjectBuilder {
    text(100, true)
}
pub fn text_200() -> ObjectBuilder {
    text(200, false)
}
pub fn text_5000() -> ObjectBuilder {
    text(crate::domain::transfer::MAX_TEXT_CHARS, false)
}
pub fn text_64_or_null() -> ObjectBuilder {
    text(64, true)
}
pub fn text_100_or_null() -> ObjectBuilder {
    text(100, true)
}
pub fn object_kind() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(["unit", "person"]))
}
pub fn text_200_or_null() -> ObjectBuilder {
    string_or_null(true).max_length(Some(200))
}
pub fn id_body() -> ObjectBuilder {
    string_or_null(false).format(Some(SchemaFormat::Custom("uuid".into()))).pattern(Some(ID_PATTERN))
}
pub fn id_or_null() -> ObjectBuilder {
    string_or_null(true).format(Some(SchemaFormat::Custom("uuid".into()))).pattern(Some(ID_PATTERN))
}
pub fn id_list() -> utoipa::openapi::schema::ArrayBuilder {
    utoipa::openapi::schema::ArrayBuilder::new().items(id_body())
}
pub fn date_body() -> ObjectBuilder {
    super::params::date_object()
}

/// A schema written as JSON (for shapes the builders make hard to read). The text is a
/// constant of this file, so a mistake fails the spec tests, not a request.
fn json_schema(v: serde_json::Value) -> RefOr<Schema> {
    serde_json::from_value(v).expect("a well-formed schema literal")
}

fn nullable(mut v: serde_json::Value, nullable: bool) -> serde_json::Value {
    if nullable {
        let t = v["type"].clone();
        v["type"] = serde_json::json!([t, "null"]);
    }
    v
}

fn title_json(nullable_: bool) -> serde_json::Value {
    use crate::domain::record::MAX_TITLE_CHARS;
    nullable(
        serde_json::json!({"type": "string", "minLength": 1, "maxLength": MAX_TITLE_CHARS, "pattern": NOT_BLANK}),
        nullable_,
    )
}

fn tags_json(nullable_: bool) -> serde_json::Value {
    use crate::domain::record::{MAX_TAGS, MAX_TAG_CHARS};
    nullable(
        serde_json::json!({"type": "array", "maxItems": MAX_TAGS,
            "items": {"type": "string", "minLength": 1, "maxLength": MAX_TAG_CHARS, "pattern": NOT_BLANK}}),
        nullable_,
    )
}

fn ids_json(nullable_: bool) -> serde_json::Value {
    nullable(
        serde_json::json!({"type": "array", "items": {"type": "string", "format": "uuid", "pattern": ID_PATTERN}}),
        nullable_,
    )
}

fn protected_json(nullable_: bool) -> serde_json::Value {
    use crate::domain::record::MAX_PROTECTED_FIELDS;
    nullable(
        serde_json::json!({"type": "object", "maxProperties": MAX_PROTECTED_FIELDS,
            "propertyNames": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": super::no_nul::NO_NUL},
            "additionalProperties": {"type": "string"}}),
        nullable_,
    )
}

fn external_id_json() -> serde_json::Value {
    use crate::domain::record::MAX_EXTERNAL_ID_CHARS;
    serde_json::json!({"type": ["string", "null"], "minLength": 1, "maxLength": MAX_EXTERNAL_ID_CHARS, "pattern": NOT_BLANK})
}

pub fn record_title() -> RefOr<Schema> {
    json_schema(title_json(false))
}
pub fn record_title_or_null() -> RefOr<Schema> {
    json_schema(title_json(true))
}
pub fn record_body() -> RefOr<Schema> {
    json_schema(serde_json::json!({"type": "string", "maxLength": crate::domain::record::MAX_BODY_CHARS}))
}
pub fn record_body_or_null() -> RefOr<Schema> {
    json_schema(serde_json::json!({"type": ["string", "null"], "maxLength": crate::domain::record::MAX_BODY_CHARS}))
}
pub fn record_tags() -> RefOr<Schema> {
    json_schema(tags_json(false))
}
pub fn record_tags_or_null() -> RefOr<Schema> {
    json_schema(tags_json(true))
}
pub fn ids_or_null() -> RefOr<Schema> {
    json_schema(ids_json(true))
}
pub fn protected_fields() -> RefOr<Schema> {
    json_schema(protected_json(false))
}
pub fn protected_fields_or_null() -> RefOr<Schema> {
    json_schema(protected_json(true))
}
pub fn external_id() -> RefOr<Schema> {
    json_schema(external_id_json())
}

fn distribution_input_json() -> serde_json::Value {
    let id = serde_json::json!({"type": "string", "format": "uuid", "pattern": ID_PATTERN});
    let none = serde_json::json!({"type": "array", "items": id, "maxItems": 0});
    serde_json::json!({
        "description": "分发范围:own 仅本单位;agencies 指定单位(agencies 列出至少一个单位);group 共享组(group 为共享组编号);all 全体成员单位(受限信息不可)",
        "oneOf": [
            {"type": "object", "required": ["level"], "properties": {
                "level": {"type": "string", "enum": ["own", "all"]}, "agencies": none, "group": {"type": "null"}}},
            {"type": "object", "required": ["level", "agencies"], "properties": {
                "level": {"type": "string", "enum": ["agencies"]},
                "agencies": {"type": "array", "minItems": 1, "items": id}, "group": {"type": "null"}}},
            {"type": "object", "required": ["level", "group"], "properties": {
                "level": {"type": "string", "enum": ["group"]}, "agencies": none, "group": id}}
        ]
    })
}

/// A distribution as written (POST/PATCH): each level with exactly the fields it takes.
pub fn distribution_input() -> RefOr<Schema> {
    json_schema(distribution_input_json())
}

pub fn distribution_input_or_null() -> RefOr<Schema> {
    let mut v = distribution_input_json();
    v["oneOf"].as_array_mut().expect("oneOf").push(serde_json::json!({"type": "null"}));
    json_schema(v)
}

/// A distribution as shown: a reader who is not the owner sees the level only.
impl utoipa::PartialSchema for crate::domain::record::Distribution {
    fn schema() -> RefOr<Schema> {
        json_schema(serde_json::json!({
            "type": "object", "required": ["level"],
            "description": "分发范围(非所有单位只看到 level)",
            "properties": {
                "level": {"type": "string", "enum": ["own", "agencies", "group", "all"]},
                "agencies": {"type": "array", "items": {"type": "string"}},
                "group": {"type": ["string", "null"]}}
        }))
    }
}

impl utoipa::ToSchema for crate::domain::record::Distribution {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Distribution")
    }
}

fn event_types_json(nullable_: bool) -> serde_json::Value {
    let mut types = vec!["*"];
    types.extend(crate::domain::event::EventType::names());
    nullable(serde_json::json!({"type": "array", "minItems": 1, "items": {"type": "string", "enum": types}}), nullable_)
}

fn url_json(nullable_: bool) -> serde_json::Value {
    nullable(
        serde_json::json!({"type": "string", "format": "uri", "maxLength": 2000, "pattern": "^[hH][tT][tT][pP][sS]?://"}),
        nullable_,
    )
}

pub fn webhook_url() -> RefOr<Schema> {
    json_schema(url_json(false))
}
pub fn webhook_url_or_null() -> RefOr<Schema> {
    json_schema(url_json(true))
}
pub fn event_types() -> RefOr<Schema> {
    json_schema(event_types_json(false))
}
pub fn event_types_or_null() -> RefOr<Schema> {
    json_schema(event_types_json(true))
}

/// The body of `PUT /me/mail-preferences`: known mail types only, at least one.
pub struct MailPreferenceChanges;

impl utoipa::PartialSchema for MailPreferenceChanges {
    fn schema() -> RefOr<Schema> {
        let props: serde_json::Map<String, serde_json::Value> = crate::domain::mail::MAIL_TYPES
            .iter()
            .map(|(t, _)| (t.to_string(), serde_json::json!({"$ref": "#/components/schemas/MailMode"})))
            .collect();
        json_schema(serde_json::json!({"type": "object", "description": "邮件类型 → 发送方式(未列出的类型保持不变)",
            "minProperties": 1, "properties": props, "additionalProperties": false}))
    }
}

impl utoipa::ToSchema for MailPreferenceChanges {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("MailPreferenceChanges")
    }
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        use utoipa::PartialSchema;
        schemas.push(("MailMode".into(), crate::domain::mail::MailMode::schema()));
    }
}

/// Roles an API key may carry: any but the hub admin's.
pub fn key_roles() -> RefOr<Schema> {
    let roles: Vec<&str> =
        crate::domain::Role::ALL.iter().filter(|r| **r != crate::domain::Role::Admin).map(|r| r.as_str()).collect();
    json_schema(serde_json::json!({"type": "array", "items": {"type": "string", "enum": roles}}))
}
