//! No text the hub takes may hold a NUL character (U+0000): PostgreSQL stores none, so both
//! backends refuse it alike (`json::parse`, `api::extract::Query`, request headers). The
//! contract says so on every free-text string — a `pattern` on each string schema that has
//! no pattern, format or enumeration of its own, and a `propertyNames` pattern on each map —
//! except inside a record's free-form `attributes`, which are kept as JSON text.

use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{AdditionalProperties, ArrayItems, Schema, SchemaType};
use utoipa::openapi::{ObjectBuilder, OpenApi, RefOr, Type};

/// A string without NUL characters (an ECMA-262 regular expression, as JSON Schema uses).
pub const NO_NUL: &str = r"^[^\u0000]*$";

pub fn forbid_nul(api: &mut OpenApi) {
    for item in api.paths.paths.values_mut() {
        for (_, op) in super::operations_mut(item) {
            in_operation(op);
        }
    }
    if let Some(c) = api.components.as_mut() {
        for s in c.schemas.values_mut() {
            in_ref_or(s);
        }
    }
}

fn in_operation(op: &mut Operation) {
    for param in op.parameters.iter_mut().flatten() {
        if let Some(s) = param.schema.as_mut() {
            in_ref_or(s);
        }
    }
    if let Some(body) = op.request_body.as_mut() {
        for content in body.content.values_mut() {
            if let Some(s) = content.schema.as_mut() {
                in_ref_or(s);
            }
        }
    }
}

fn in_ref_or(s: &mut RefOr<Schema>) {
    if let RefOr::T(s) = s {
        in_schema(s);
    }
}

fn is_string(t: &SchemaType) -> bool {
    match t {
        SchemaType::Type(t) => *t == Type::String,
        SchemaType::Array(ts) => ts.contains(&Type::String),
        SchemaType::AnyValue => false,
    }
}

fn in_schema(s: &mut Schema) {
    match s {
        Schema::Object(o) => {
            if is_string(&o.schema_type) && o.pattern.is_none() && o.format.is_none() && o.enum_values.is_none() {
                o.pattern = Some(NO_NUL.into());
            }
            for (name, p) in o.properties.iter_mut() {
                if name != "attributes" {
                    in_ref_or(p);
                }
            }
            if let Some(ap) = o.additional_properties.as_mut() {
                if let AdditionalProperties::RefOr(RefOr::T(v)) = ap.as_mut() {
                    in_schema(v);
                }
                if o.property_names.is_none() {
                    let names = ObjectBuilder::new().schema_type(Type::String).pattern(Some(NO_NUL)).build();
                    o.property_names = Some(Box::new(Schema::Object(names)));
                }
            }
        }
        Schema::Array(a) => {
            if let ArrayItems::RefOrSchema(items) = &mut a.items {
                in_ref_or(items);
            }
        }
        Schema::OneOf(x) => x.items.iter_mut().for_each(in_ref_or),
        Schema::AllOf(x) => x.items.iter_mut().for_each(in_ref_or),
        Schema::AnyOf(x) => x.items.iter_mut().for_each(in_ref_or),
        _ => {}
    }
}
