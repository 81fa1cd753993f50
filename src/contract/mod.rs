//! The parts of the API contract that every operation shares, written once instead of in
//! each `#[utoipa::path]`: the problem+json error answers each kind of operation can give
//! (an authenticated one can answer 401/403, one with a path id 404, one with a body
//! 400/413/415/422 …, every database-backed one 503 with `Retry-After`), and the table of
//! declared methods per path that turns an undeclared method into 405 with `Allow`.

use std::collections::BTreeMap;

use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::schema::{Schema, SchemaType};
use utoipa::openapi::{Content, Header, Ref, RefOr, Required, Response};
use utoipa::openapi::{ObjectBuilder, OpenApi, Type};

mod after_inspection;
mod fields;
mod headers;
mod info_requests;
mod inspection;
mod no_nul;
pub mod page;
mod params;
mod public_reports;
pub mod record;
pub mod sync;
mod talent;

pub use after_inspection::*;
pub use fields::*;
pub use headers::*;
pub use info_requests::*;
pub use inspection::*;
pub use params::*;
pub use public_reports::*;
pub use talent::*;

/// Completes the generated document; called on the document the server serves.
pub fn complete(api: &mut OpenApi) {
    for (path, item) in api.paths.paths.iter_mut() {
        for (_, op) in operations_mut(item) {
            complete_operation(path, op);
        }
    }
    no_nul::forbid_nul(api);
    let schemas = &mut api.components.get_or_insert_with(Default::default).schemas;
    // Rules across fields, which the derives cannot state.
    let mut rule = |schema: &str, keyword: &str, rule: serde_json::Value| {
        if let Some(RefOr::T(Schema::Object(o))) = schemas.get_mut(schema) {
            o.extensions.get_or_insert_with(Default::default).insert(keyword.into(), rule);
        }
    };
    // A restricted record may not be distributed to all (DESIGN.md, sensitivity).
    // The same for a finding of an inspection, which is published as a record.
    for schema in ["RecordInput", "NewFinding"] {
        rule(
            schema,
            "not",
            serde_json::json!({"required": ["sensitivity", "distribution"], "properties": {
                "sensitivity": {"enum": ["restricted"]},
                "distribution": {"required": ["level"], "properties": {"level": {"enum": ["all"]}}}}}),
        );
    }
    // A clue concluded as cleared (了结澄清) has no sanctions.
    rule(
        "ConcludeRequest",
        "not",
        serde_json::json!({"required": ["outcome"], "properties": {
            "outcome": {"enum": ["cleared"]},
            "sanctions": {"anyOf": [
                {"properties": {"disciplinary": {"minimum": 1}}},
                {"properties": {"organizational": {"minimum": 1}}},
                {"properties": {"judicial": {"minimum": 1}}}]}}}),
    );
    // A pre-inspection request names its round; an integrity request none, and its cadres.
    rule("NewInfoRequest", "oneOf", info_requests::new_request_rule());
    // An agreement names its source by agency or by kind (exactly one), and some recipients.
    // (One keyword per schema: extensions are a hash map, and the document must not change
    // from run to run.)
    rule(
        "NewAgreement",
        "allOf",
        serde_json::json!([
            {"oneOf": [
                {"required": ["source_agency_id"], "properties": {"source_agency_id": {"type": "string"}}},
                {"required": ["source_kind"], "properties": {"source_kind": {"type": "string"}}}]},
            {"anyOf": [
                {"required": ["recipient_agency_ids"], "properties": {"recipient_agency_ids": {"minItems": 1}}},
                {"required": ["recipient_kinds"], "properties": {"recipient_kinds": {"minItems": 1}}}]}]),
    );
}

fn operations_mut(item: &mut PathItem) -> Vec<(&'static str, &mut Operation)> {
    [
        ("GET", item.get.as_mut()),
        ("PUT", item.put.as_mut()),
        ("POST", item.post.as_mut()),
        ("DELETE", item.delete.as_mut()),
        ("OPTIONS", item.options.as_mut()),
        ("HEAD", item.head.as_mut()),
        ("PATCH", item.patch.as_mut()),
        ("TRACE", item.trace.as_mut()),
    ]
    .into_iter()
    .filter_map(|(m, op)| op.map(|op| (m, op)))
    .collect()
}

/// The declared methods of a path item, in a stable order (for `Allow`).
pub fn methods(item: &PathItem) -> Vec<&'static str> {
    [
        ("GET", item.get.is_some()),
        ("PUT", item.put.is_some()),
        ("POST", item.post.is_some()),
        ("DELETE", item.delete.is_some()),
        ("OPTIONS", item.options.is_some()),
        ("HEAD", item.head.is_some()),
        ("PATCH", item.patch.is_some()),
        ("TRACE", item.trace.is_some()),
    ]
    .into_iter()
    .filter_map(|(m, declared)| declared.then_some(m))
    .collect()
}

fn has_param(op: &Operation, place: ParameterIn, name: Option<&str>) -> Option<bool> {
    op.parameters
        .iter()
        .flatten()
        .find(|p| p.parameter_in == place && name.is_none_or(|n| p.name.eq_ignore_ascii_case(n)))
        .map(|p| matches!(p.required, Required::True))
}

fn complete_operation(path: &str, op: &mut Operation) {
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    let path_params = has_param(op, ParameterIn::Path, None).is_some();
    let query = has_param(op, ParameterIn::Query, None).is_some();
    let headers = has_param(op, ParameterIn::Header, None).is_some();
    let body = op.request_body.is_some();
    let if_match = has_param(op, ParameterIn::Header, Some("If-Match"));
    let purpose = has_param(op, ParameterIn::Header, Some("X-Access-Purpose")).is_some();
    let idempotency = has_param(op, ParameterIn::Header, Some("Idempotency-Key")).is_some();
    let api = path.starts_with("/api/");

    // A header or query value is text on the wire, never JSON null: `Option` means "may be
    // left out", which `required: false` already says.
    for param in op.parameters.iter_mut().flatten() {
        if param.parameter_in == ParameterIn::Path {
            continue;
        }
        if let Some(RefOr::T(Schema::Object(o))) = param.schema.as_mut() {
            if let SchemaType::Array(types) = &o.schema_type {
                let rest: Vec<Type> = types.iter().filter(|t| **t != Type::Null).cloned().collect();
                if rest.len() == 1 {
                    o.schema_type = SchemaType::Type(rest[0].clone());
                }
            }
        }
    }

    let mut add = |code: u16, why: &str| {
        op.responses.responses.entry(code.to_string()).or_insert_with(|| RefOr::T(Response::new(why)));
    };
    if query || headers || body {
        add(400, "请求格式错误(JSON 语法、查询参数、请求头或分页游标无效)");
    }
    if secured {
        add(401, "未认证、令牌无效或已过期");
        add(403, "当前角色无权执行此操作");
    }
    if path_params {
        add(404, "资源不存在或无权查阅");
    }
    if body {
        add(413, "请求体超过大小上限");
        add(415, "请求体的内容类型不受支持");
    }
    if query || body || purpose || idempotency {
        add(422, "请求数据校验失败(errors 列出各字段的问题;幂等键已用于内容不同的请求也是 422)");
    }
    if let Some(required) = if_match {
        add(412, "If-Match 的版本号已过期:资源已被他人修改");
        if required {
            add(428, "缺少 If-Match 请求头");
        }
    }
    if purpose {
        add(428, "查阅受限信息须提供 X-Access-Purpose");
    }
    if api {
        add(503, "数据库暂不可用或繁忙,请按 Retry-After 稍后重试");
    }

    for (code, resp) in op.responses.responses.iter_mut() {
        let RefOr::T(resp) = resp else { continue };
        let status: u16 = code.parse().unwrap_or(0);
        if status >= 400 {
            problem_body(resp);
        }
        match status {
            401 => {
                resp.headers.entry("WWW-Authenticate".into()).or_insert_with(|| header("认证方式:Bearer"));
            }
            429 | 503 => {
                resp.headers.entry("Retry-After".into()).or_insert_with(|| integer_header("建议在多少秒后重试"));
            }
            _ => {}
        }
    }
}

/// Error answers are RFC 9457 problem documents, whatever the annotation said.
fn problem_body(resp: &mut Response) {
    resp.content =
        [("application/problem+json".to_string(), Content::new(Some(RefOr::Ref(Ref::from_schema_name("Problem")))))]
            .into_iter()
            .collect();
}

fn header(description: &str) -> Header {
    let mut h = Header::new(ObjectBuilder::new().schema_type(Type::String));
    h.description = Some(description.into());
    h
}

fn integer_header(description: &str) -> Header {
    let mut h = Header::new(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0)));
    h.description = Some(description.into());
    h
}

/// The declared methods per path template, for 405 answers.
pub struct MethodTable(Vec<(Vec<Segment>, String)>);

enum Segment {
    Literal(String),
    Param,
}

impl MethodTable {
    pub fn new(api: &OpenApi) -> Self {
        let mut table = BTreeMap::new();
        for (path, item) in &api.paths.paths {
            table.insert(path.clone(), methods(item).join(", "));
        }
        MethodTable(
            table
                .into_iter()
                .map(|(path, allow)| {
                    let segs = path
                        .split('/')
                        .map(|s| {
                            if s.starts_with('{') && s.ends_with('}') {
                                Segment::Param
                            } else {
                                Segment::Literal(s.to_string())
                            }
                        })
                        .collect();
                    (segs, allow)
                })
                .collect(),
        )
    }

    /// The `Allow` value for a request path that names a declared path (literal segments
    /// win over parameters, as in routing), or `None` for an unknown path.
    pub fn allow(&self, path: &str) -> Option<&str> {
        let parts: Vec<&str> = path.split('/').collect();
        self.0
            .iter()
            .filter(|(segs, _)| {
                segs.len() == parts.len()
                    && segs.iter().zip(&parts).all(|(s, p)| match s {
                        Segment::Literal(l) => l == p,
                        Segment::Param => !p.is_empty(),
                    })
            })
            .max_by_key(|(segs, _)| segs.iter().filter(|s| matches!(s, Segment::Literal(_))).count())
            .map(|(_, allow)| allow.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undeclared_methods_are_found_by_path_template() {
        let api = crate::api::openapi();
        let t = MethodTable::new(&api);
        assert_eq!(t.allow("/api/v1/records"), Some("GET, POST"));
        assert_eq!(t.allow("/api/v1/records/abc"), Some("GET, DELETE, PATCH"));
        assert_eq!(t.allow("/api/v1/transfers/export"), Some("GET"));
        assert_eq!(t.allow("/healthz"), Some("GET"));
        assert_eq!(t.allow("/api/v1/nothing"), None);
        assert_eq!(t.allow("/api/v1/records/"), None);
    }

    #[test]
    fn every_error_answer_is_a_problem_document() {
        let api = crate::api::openapi();
        for (path, item) in api.paths.paths {
            let mut item = item;
            for (m, op) in operations_mut(&mut item) {
                for (code, resp) in &op.responses.responses {
                    let RefOr::T(resp) = resp else { continue };
                    if code.as_str() >= "400" {
                        let types: Vec<_> = resp.content.keys().collect();
                        assert_eq!(types, ["application/problem+json"], "{m} {path} {code}");
                    }
                }
                if path.starts_with("/api/") {
                    assert!(op.responses.responses.contains_key("503"), "{m} {path} lacks 503");
                }
            }
        }
    }
}
