//! The headers of the API contract as parameters.

use utoipa::openapi::{ObjectBuilder, Type};

/// Header text as `api::extract` reads it: any text, where each `%` starts the
/// percent-encoding of a whole UTF-8 character other than NUL (so `%E4%B8%AD` is 中, and
/// `%ZZ`, a lone `%FF` or `%00` is refused with 400).
pub const PERCENT_TEXT_PATTERN: &str = concat!(
    "^([^%]",
    "|%0[1-9A-Fa-f]|%[1-7][0-9A-Fa-f]",
    "|%[Cc][2-9A-Fa-f]%[89ABab][0-9A-Fa-f]",
    "|%[Dd][0-9A-Fa-f]%[89ABab][0-9A-Fa-f]",
    "|%[Ee]0%[ABab][0-9A-Fa-f]%[89ABab][0-9A-Fa-f]",
    "|%[Ee][1-9A-Ca-cEeFf](%[89ABab][0-9A-Fa-f]){2}",
    "|%[Ee][Dd]%[89][0-9A-Fa-f]%[89ABab][0-9A-Fa-f]",
    "|%[Ff]0%[9ABab][0-9A-Fa-f](%[89ABab][0-9A-Fa-f]){2}",
    "|%[Ff][1-3](%[89ABab][0-9A-Fa-f]){3}",
    "|%[Ff]4%8[0-9A-Fa-f](%[89ABab][0-9A-Fa-f]){2}",
    ")*$"
);

/// The most characters `X-Access-Purpose` may have as sent (a percent-encoded character
/// counts as written: `%E4%B8%AD` is nine).
pub const MAX_PURPOSE_CHARS: usize = 500;
/// The most characters `Idempotency-Key` may have as sent.
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 200;

pub fn purpose_header() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(MAX_PURPOSE_CHARS))
        .pattern(Some(PERCENT_TEXT_PATTERN))
        .description(Some("按发送的字符计:百分号编码的一个汉字(如 %E4%B8%AD)计 9 个,直接以 UTF-8 发送的计 1 个"))
}

pub fn idempotency_key_header() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(MAX_IDEMPOTENCY_KEY_CHARS))
        .pattern(Some(PERCENT_TEXT_PATTERN))
        .description(Some("按发送的字符计(百分号编码按编码后的字符计)"))
}

/// Declared once (`params(contract::AccessPurpose, …)`);
/// `api::extract` parses them with exactly these rules.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct AccessPurpose {
    /// 查阅受限信息的事由(UTF-8,或百分号编码的 UTF-8;按发送的字符计不超过 500 个,百分号编码的一个汉字计 9 个),记入审计日志;
    /// 读取受限信息而未提供时返回 428
    #[param(rename = "X-Access-Purpose", schema_with = purpose_header)]
    pub purpose: Option<String>,
}

#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IdempotencyKey {
    /// 幂等键(按发送的字符计不超过 200 个):同一单位以同一键重复提交时返回首次结果
    #[param(rename = "Idempotency-Key", schema_with = idempotency_key_header)]
    pub key: Option<String>,
}

#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IfMatch {
    /// 当前版本号,如 `3`、`"3"` 或 `W/"3"`;缺少为 428,版本已变更为 412
    #[param(rename = "If-Match", pattern = r#"^(W/)?("[0-9]{1,9}"|[0-9]{1,9})$"#)]
    pub version: String,
}

#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct OptionalIfMatch {
    /// 当前版本号(可选);给出时须与当前版本一致,否则 412
    #[param(rename = "If-Match", pattern = r#"^(W/)?("[0-9]{1,9}"|[0-9]{1,9})$"#)]
    pub version: Option<String>,
}

#[cfg(test)]
mod tests {
    /// Each pattern of the contract admits exactly what its parser accepts (table-driven;
    /// `regex` reads these patterns as ECMA-262 and Python do).
    #[test]
    fn patterns_agree_with_the_parsers() {
        use crate::api::page::{decode, decode_id, ID_CURSOR_PATTERN, SEQ_CURSOR_PATTERN};
        use crate::contract::{ID_PATTERN, NOT_BLANK};
        let re = |p: &str| regex::Regex::new(p).unwrap();
        let percent = |s: &str| {
            let b = s.as_bytes();
            b.iter().enumerate().filter(|(_, c)| **c == b'%').all(|(i, _)| {
                b.get(i + 1).is_some_and(u8::is_ascii_hexdigit) && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
            }) && percent_encoding::percent_decode_str(s).decode_utf8().is_ok()
        };
        let texts = [
            "审查调查",
            "%E5%AE%A1%E6%9F%A5",
            "a%20b",
            "%F0%9F%98%80",
            "%ZZ",
            "%FF",
            "%E5%AE",
            "%u",
            "50%",
            "%C0%80",
            "%ED%A0%80",
            "%F4%90%80%80",
            "%7F",
            "",
        ];
        for t in texts {
            assert_eq!(re(super::PERCENT_TEXT_PATTERN).is_match(t), percent(t), "percent text {t:?}");
        }
        for t in ["x", " x ", " ", "\u{3000}", "\u{1c}", "\t\n", "\u{a0}", "", "标题"] {
            assert_eq!(re(NOT_BLANK).is_match(t), !t.trim().is_empty(), "blank {t:?}");
        }
        let id = crate::domain::new_id();
        for t in [
            id.as_str(),
            "01a21591-171d-7628-9142-314851d1ea3e",
            "01A21591-171D-7628-9142-314851D1EA3E",
            "01a21591171d76289142314851d1ea3e",
            "{01a21591-171d-7628-9142-314851d1ea3e}",
            "x",
            "",
        ] {
            assert_eq!(re(ID_PATTERN).is_match(t), crate::domain::is_id(t), "id {t:?}");
            let c = format!("i{t}");
            assert_eq!(re(ID_CURSOR_PATTERN).is_match(&c), decode_id(&c).is_ok(), "id cursor {c:?}");
        }
        for c in ["s1", "s0", "s123456789012345678", "s1234567890123456789", "s-1", "s", "1", "s1a", "eHl6"] {
            assert_eq!(re(SEQ_CURSOR_PATTERN).is_match(c), decode(Some(c)).is_ok(), "cursor {c:?}");
        }
    }
}
