//! Query parameter schemas (`#[param(schema_with = contract::…)]`), stating exactly what
//! the handlers accept.

use utoipa::openapi::schema::{KnownFormat, Schema, SchemaFormat};
use utoipa::openapi::{ObjectBuilder, OneOfBuilder, RefOr, Type};

/// An identifier as the hub writes it: a hyphenated UUID (`crate::domain::is_id`).
pub const ID_PATTERN: &str = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

/// Query parameter schemas (`#[param(schema_with = …)]`). In a query an empty value means
/// "not given", so each of them also allows "".
pub fn limit_param() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .minimum(Some(1))
        .maximum(Some(crate::contract::page::MAX_LIMIT))
        .description(Some(format!(
            "每页条数(1–{},默认 {})",
            crate::contract::page::MAX_LIMIT,
            crate::contract::page::DEFAULT_LIMIT
        )))
}

/// A sequence cursor (`next_cursor` of the previous page).
pub fn seq_cursor_param() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(crate::contract::page::SEQ_CURSOR_PATTERN))
        .description(Some("上一页返回的 next_cursor"))
}

/// An id cursor (`next_cursor` of the previous page).
pub fn id_cursor_param() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(crate::contract::page::ID_CURSOR_PATTERN))
        .description(Some("上一页返回的 next_cursor"))
}

pub fn key_cursor_param() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(crate::contract::page::KEY_CURSOR_PATTERN))
        .description(Some("上一页返回的 next_cursor"))
}

pub fn id_param() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::Custom("uuid".into())))
        .pattern(Some(ID_PATTERN))
}

pub fn date_param() -> RefOr<Schema> {
    OneOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::String).enum_values(Some([""])))
        .item(date_object())
        .description(Some("日期 YYYY-MM-DD(留空表示不限)"))
        .into()
}

/// A calendar date `YYYY-MM-DD` (canonical, a real day).
pub(super) fn date_object() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
        .pattern(Some("^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))
}

/// A query value out of a fixed list; "" means "not given".
pub fn choice_param(values: &[&str]) -> ObjectBuilder {
    let mut all = vec![""];
    all.extend_from_slice(values);
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(all))
}

/// A free-text query value of at most `max` characters.
pub fn text_param(max: usize) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String).max_length(Some(max))
}

pub fn record_kind_param() -> ObjectBuilder {
    choice_param(&wires(crate::domain::record::RecordKind::ALL.iter().map(|k| k.as_str())))
}

pub fn sensitivity_param() -> ObjectBuilder {
    choice_param(&wires(crate::domain::record::Sensitivity::ALL.iter().map(|k| k.as_str())))
}

pub fn transfer_state_param() -> ObjectBuilder {
    choice_param(&wires(crate::domain::transfer::TransferState::ALL.iter().map(|k| k.as_str())))
}

pub fn direction_param() -> ObjectBuilder {
    choice_param(&["in", "out", "both"])
}

pub fn inbox_state_param() -> ObjectBuilder {
    choice_param(&["unacked", "all"])
}

/// `format` of the ledger export (the list accepts and ignores it).
pub fn export_format_param() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(["csv", "xlsx"]))
}

pub fn delivery_status_param() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(crate::domain::webhook::DELIVERY_STATUSES.to_vec()))
}

/// `after` of the feed: a sequence number already processed.
pub fn after_param() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .minimum(Some(0))
        .maximum(Some(i64::MAX))
}

fn wires(values: impl Iterator<Item = &'static str>) -> Vec<&'static str> {
    values.collect()
}

pub fn agency_kind_param() -> ObjectBuilder {
    choice_param(&wires(crate::domain::agency::AgencyKind::ALL.iter().map(|k| k.as_str())))
}

pub fn role_param() -> ObjectBuilder {
    choice_param(&wires(crate::domain::Role::ALL.iter().map(|r| r.as_str())))
}

/// The states of a deliberation, as filtered on.
pub const DELIBERATION_STATES: [&str; 2] = ["open", "concluded"];

pub fn deliberation_state_param() -> ObjectBuilder {
    choice_param(&DELIBERATION_STATES)
}

/// An id, or "" (not given).
pub fn id_or_empty_param() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(format!("^({})?$", ID_PATTERN.trim_start_matches('^').trim_end_matches('$'))))
}
