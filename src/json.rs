//! Parsing JSON bodies and NDJSON lines with the path of the first bad field, so errors say
//! which field is wrong: syntax errors are 400, wrong shapes 422.

use serde::de::DeserializeOwned;

use crate::error::{AppError, AppResult, FieldError};

/// Parses a JSON object (every request body and sync line is one) with the path of the first
/// bad field. serde would also build a struct from an array of its fields in order; the
/// contract says object, so anything else is refused before serde sees it.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> AppResult<T> {
    if bytes.iter().find(|b| !b.is_ascii_whitespace()).is_some_and(|b| *b != b'{') {
        return Err(match serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
            Ok(_) => AppError::Validation(vec![FieldError::new("", "请求体须为 JSON 对象")]),
            Err(e) => syntax_error(&e),
        });
    }
    // Unknown fields are ignored (clients may send more than the contract names); their
    // paths are kept, since a NUL there reaches no database.
    let mut ignored: Vec<Vec<String>> = Vec::new();
    let mut note_ignored = |p: serde_ignored::Path| ignored.push(segments(&p));
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let parsed = serde_path_to_error::deserialize::<_, T>(serde_ignored::Deserializer::new(de, &mut note_ignored));
    match parsed {
        Ok(v) => {
            if has_nul_escape(bytes) {
                // PostgreSQL stores no NUL in text; SQLite would, so both refuse it alike.
                let value = serde_json::from_slice::<serde_json::Value>(bytes).unwrap_or_default();
                if let Some(at) = nul_paths(&value).into_iter().find(|p| !ignored.iter().any(|i| p.starts_with(i))) {
                    let field = at.join(".");
                    return Err(AppError::Validation(vec![FieldError::new(field, "文本不能包含 NUL 字符(\\u0000)")]));
                }
            }
            Ok(v)
        }
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            use serde_json::error::Category;
            match inner.classify() {
                Category::Data => {
                    let parent = if path == "." { String::new() } else { path };
                    let field = match missing_field(&inner.to_string()) {
                        Some(name) if parent.is_empty() => name.to_string(),
                        Some(name) => format!("{parent}.{name}"),
                        None => parent,
                    };
                    Err(AppError::Validation(vec![FieldError::new(field, describe_serde(&inner.to_string()))]))
                }
                _ => Err(syntax_error(&inner)),
            }
        }
    }
}

/// Whether the JSON text has a `\u0000` escape (a NUL character in a string or key); an
/// escaped backslash before `u0000` is not one.
fn has_nul_escape(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            if bytes[i + 1..].starts_with(b"u0000") {
                return true;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

/// The keys and indexes of serde_ignored's path (an `Option`'s `Some` is no step).
fn segments(p: &serde_ignored::Path) -> Vec<String> {
    use serde_ignored::Path;
    match p {
        Path::Root => vec![],
        Path::Seq { parent, index } => [segments(parent), vec![index.to_string()]].concat(),
        Path::Map { parent, key } => [segments(parent), vec![key.clone()]].concat(),
        Path::Some { parent } | Path::NewtypeStruct { parent } | Path::NewtypeVariant { parent } => segments(parent),
    }
}

/// Where keys and strings hold a NUL character (as keys and indexes), outside a record's
/// free-form `attributes` (kept as JSON text, where a NUL stays escaped).
fn nul_paths(v: &serde_json::Value) -> Vec<Vec<String>> {
    fn walk(v: &serde_json::Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        match v {
            serde_json::Value::String(s) if s.contains('\0') => out.push(path.clone()),
            serde_json::Value::Array(items) => {
                for (i, x) in items.iter().enumerate() {
                    path.push(i.to_string());
                    walk(x, path, out);
                    path.pop();
                }
            }
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    if path.is_empty() && k == "attributes" {
                        continue;
                    }
                    path.push(k.clone());
                    if k.contains('\0') {
                        out.push(path.clone());
                    } else {
                        walk(x, path, out);
                    }
                    path.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, &mut vec![], &mut out);
    out
}

fn syntax_error(e: &serde_json::Error) -> AppError {
    AppError::BadRequest(format!("请求体不是有效的 JSON(第 {} 行第 {} 列)", e.line(), e.column()))
}

/// The name in serde's "missing field `name`" (the path points at its parent).
fn missing_field(msg: &str) -> Option<&str> {
    msg.strip_prefix("missing field `")?.split('`').next()
}

/// Turns serde's English into a short Chinese message, keeping the detail.
fn describe_serde(msg: &str) -> String {
    let msg = msg.split(" at line ").next().unwrap_or(msg);
    if msg.starts_with("missing field") {
        format!("缺少必填字段({msg})")
    } else if msg.starts_with("unknown variant") {
        format!("取值无效({msg})")
    } else if msg.starts_with("invalid type") {
        format!("类型错误({msg})")
    } else if msg.starts_with("unknown field") {
        format!("不支持的字段({msg})")
    } else {
        format!("数据无效({msg})")
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;
    use crate::wire::{object, opt_object};

    #[derive(Debug, Deserialize, PartialEq)]
    struct Inner {
        a: i32,
    }
    #[derive(Debug, Deserialize, PartialEq)]
    struct Outer {
        name: String,
        #[serde(deserialize_with = "object")]
        inner: Inner,
        #[serde(default, deserialize_with = "opt_object")]
        maybe: Option<Inner>,
    }

    fn field_of(e: AppError) -> String {
        match e {
            AppError::Validation(errors) => errors[0].field.clone(),
            other => panic!("expected 422, got {other:?}"),
        }
    }

    #[test]
    fn objects_parse_and_arrays_are_refused_at_every_level() {
        let ok: Outer = parse(br#"{"name": "x", "inner": {"a": 1}, "maybe": null}"#).unwrap();
        assert_eq!(ok, Outer { name: "x".into(), inner: Inner { a: 1 }, maybe: None });
        let ok: Outer = parse(br#" {"name": "x", "inner": {"a": 1}, "maybe": {"a": 2}}"#).unwrap();
        assert_eq!(ok.maybe, Some(Inner { a: 2 }));
        assert_eq!(field_of(parse::<Outer>(br#"["x", {"a": 1}]"#).unwrap_err()), "");
        assert_eq!(field_of(parse::<Outer>(br#"{"name": "x", "inner": [1]}"#).unwrap_err()), "inner");
        assert_eq!(
            field_of(parse::<Outer>(br#"{"name": "x", "inner": {"a": 1}, "maybe": [2]}"#).unwrap_err()),
            "maybe"
        );
        // NUL characters are refused wherever they are, naming where; an escaped backslash
        // before "u0000" is plain text.
        assert_eq!(field_of(parse::<Outer>(br#"{"name": "a\u0000b", "inner": {"a": 1}}"#).unwrap_err()), "name");
        let e = parse::<serde_json::Value>(br#"{"x": {"y": ["ok", "\u0000"]}}"#).unwrap_err();
        assert_eq!(field_of(e), "x.y.1");
        let e = parse::<serde_json::Value>(br#"{"x": {"k\u0000": 1}}"#).unwrap_err();
        assert_eq!(field_of(e), "x.k\u{0}");
        // Unknown fields are ignored, NUL or not: nothing of them is stored.
        let ok: Outer =
            parse(br#"{"name": "x", "inner": {"a": 1, "z\u0000": "\u0000"}, "extra\u0000": ["\u0000"]}"#).unwrap();
        assert_eq!(ok.inner, Inner { a: 1 });
        let ok: Outer = parse(br#"{"name": "x", "inner": {"a": 1}, "maybe": {"a": 2, "b": "\u0000"}}"#).unwrap();
        assert_eq!(ok.maybe, Some(Inner { a: 2 }));
        // An unknown empty key is no prefix of every path.
        let ok: Outer = parse(br#"{"": {"k": "\u0000"}, "name": "x", "inner": {"a": 1}}"#).unwrap();
        assert_eq!(ok.name, "x");
        let e = parse::<Outer>(br#"{"": {}, "name": "\u0000", "inner": {"a": 1}}"#).unwrap_err();
        assert_eq!(field_of(e), "name");
        let ok: Outer = parse(br#"{"name": "x", "inner": {"a": 1}, "maybe": {"a": 2}}"#).unwrap();
        assert_eq!(ok.maybe, Some(Inner { a: 2 }));
        // A record's free-form attributes are stored as JSON text: a NUL there is fine.
        let v: serde_json::Value = parse(br#"{"attributes": {"k\u0000": "\u0000"}}"#).unwrap();
        assert_eq!(v["attributes"]["k\0"], "\0");
        let ok: Outer = parse(br#"{"name": "a\\u0000b", "inner": {"a": 1}}"#).unwrap();
        assert_eq!(ok.name, "a\\u0000b");
        // A body that is not JSON at all stays a 400 syntax error.
        assert!(matches!(parse::<Outer>(b"[1,").unwrap_err(), AppError::BadRequest(_)));
    }
}
