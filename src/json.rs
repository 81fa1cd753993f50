//! Parsing JSON bodies and NDJSON lines with the path of the first bad field, so errors say
//! which field is wrong: syntax errors are 400, wrong shapes 422.

use serde::de::DeserializeOwned;

use crate::error::{AppError, AppResult, FieldError};

/// Parses JSON with the path of the first bad field.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> AppResult<T> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(v) => Ok(v),
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
                _ => Err(AppError::BadRequest(format!(
                    "请求体不是有效的 JSON(第 {} 行第 {} 列)",
                    inner.line(),
                    inner.column()
                ))),
            }
        }
    }
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

/// Integers in request bodies: JSON Schema counts `2.0` as the integer 2 (and generated
/// clients may send it so); anything with a fraction, or out of range, is refused.
pub mod whole {
    use serde::{Deserialize, Deserializer};

    fn to_i64<E: serde::de::Error>(v: serde_json::Number) -> Result<i64, E> {
        if let Some(i) = v.as_i64() {
            return Ok(i);
        }
        match v.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(f as i64),
            _ => Err(E::custom(format!("须为整数(收到 {v})"))),
        }
    }

    pub fn i32<'de, D: Deserializer<'de>>(d: D) -> Result<i32, D::Error> {
        let n = to_i64(serde_json::Number::deserialize(d)?)?;
        i32::try_from(n).map_err(|_| serde::de::Error::custom(format!("超出范围(收到 {n})")))
    }

    pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        Option::<serde_json::Number>::deserialize(d)?.map(to_i64).transpose()
    }
}
