//! Webhooks, the pure part: which event types exist, endpoint validation, secrets and the
//! Standard Webhooks signature (`webhook-id`, `webhook-timestamp`, `webhook-signature`:
//! `v1,` + base64 HMAC-SHA256 over `id.timestamp.body`, keyed by the base64 part of the
//! `whsec_…` secret) so receivers can verify with any Standard Webhooks library.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::domain::event::EventType;
use crate::domain::FieldError;

/// The states of a line in an endpoint's delivery log, as sent and filtered on.
pub const DELIVERY_STATUSES: [&str; 4] = ["delivered", "retrying", "dead", "replay"];

/// Whether an endpoint subscribed to `types` wants an event of type `t` (`*` is all).
pub fn wants(types: &[String], t: EventType) -> bool {
    types.iter().any(|x| x == "*" || x == t.as_str())
}

pub const SECRET_PREFIX: &str = "whsec_";

/// A new signing secret: `whsec_` + base64 of 24 random bytes.
pub fn new_secret() -> String {
    let mut key = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut key);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(key))
}

/// The `webhook-signature` header value for one message.
pub fn sign(secret: &str, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    let key = STANDARD.decode(secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret)).unwrap_or_default();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes keys of any length");
    mac.update(msg_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// The `webhook-signature` header signed with each of `secrets` (space-separated, as the
/// convention has it during a secret rotation: a receiver accepts any one that verifies).
pub fn sign_all(secrets: &[&str], msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets.iter().map(|s| sign(s, msg_id, timestamp, body)).collect::<Vec<_>>().join(" ")
}

/// The `webhook-id` of the message for event `seq`: the same on every attempt and replay, so
/// receivers can de-duplicate.
pub fn message_id(seq: i64) -> String {
    format!("msg_{seq}")
}

/// Checks an endpoint's URL and event types, adding field errors.
pub fn validate(url: Option<&str>, event_types: Option<&[String]>, errs: &mut Vec<FieldError>) {
    if let Some(url) = url {
        match reqwest::Url::parse(url) {
            Ok(u) if (u.scheme() == "http" || u.scheme() == "https") && u.host_str().is_some() => {
                if !u.username().is_empty() || u.password().is_some() {
                    errs.push(FieldError::new("url", "地址中不能包含用户名或密码"));
                }
            }
            _ => errs.push(FieldError::new("url", "须为 http:// 或 https:// 开头的完整地址")),
        }
        if url.len() > 2000 {
            errs.push(FieldError::new("url", "地址不超过 2000 个字符"));
        }
    }
    if let Some(types) = event_types {
        if types.is_empty() {
            errs.push(FieldError::new("event_types", "至少选择一种事件类型(\"*\" 表示全部)"));
        }
        for (i, t) in types.iter().enumerate() {
            if t != "*" && EventType::parse(t).is_none() {
                errs.push(FieldError::new(
                    format!("event_types[{i}]"),
                    format!("未知的事件类型“{t}”,可选:*、{}", EventType::names().join("、")),
                ));
            }
        }
    }
}

/// A new endpoint as its agency admin asks for it, with the secret the hub made up.
#[derive(Debug, Clone)]
pub struct EndpointDraft {
    pub url: String,
    pub event_types: Vec<String>,
    pub description: String,
    pub secret: String,
}

impl EndpointDraft {
    /// Checks the URL, the event types and the description (every error at once) and makes
    /// up the signing secret.
    pub fn parse(url: String, event_types: Vec<String>, description: String) -> Result<EndpointDraft, Vec<FieldError>> {
        check(Some(&url), Some(&event_types), Some(&description))?;
        Ok(EndpointDraft { url, event_types, description, secret: new_secret() })
    }
}

/// What changing an endpoint sets; absent fields stay.
#[derive(Debug, Clone, Default)]
pub struct EndpointChange {
    pub url: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub description: Option<String>,
    pub active: Option<bool>,
}

impl EndpointChange {
    pub fn parse(
        url: Option<String>,
        event_types: Option<Vec<String>>,
        description: Option<String>,
        active: Option<bool>,
    ) -> Result<EndpointChange, Vec<FieldError>> {
        check(url.as_deref(), event_types.as_deref(), description.as_deref())?;
        Ok(EndpointChange { url, event_types, description: description.map(|d| d.trim().to_string()), active })
    }
}

fn check(url: Option<&str>, types: Option<&[String]>, description: Option<&str>) -> Result<(), Vec<FieldError>> {
    let mut errs = Vec::new();
    validate(url, types, &mut errs);
    if description.is_some_and(|d| d.chars().count() > 500) {
        errs.push(FieldError::new("description", "说明不超过 500 个字"));
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_with_the_standard_webhooks_library() {
        let secret = new_secret();
        let body = br#"{"type":"record.created","data":{"seq":7,"title":"\u8fdd\u89c4"}}"#;
        let ts = chrono::Utc::now().timestamp();
        let sig = sign(&secret, "msg_7", ts, body);
        let wh = standardwebhooks::Webhook::new(&secret).expect("the library accepts our secret");
        let mut headers = http::HeaderMap::new();
        headers.insert("webhook-id", "msg_7".parse().unwrap());
        headers.insert("webhook-timestamp", ts.to_string().parse().unwrap());
        headers.insert("webhook-signature", sig.parse().unwrap());
        wh.verify(body, &headers).expect("our signature verifies");
        let mut tampered = body.to_vec();
        tampered[10] ^= 1;
        assert!(wh.verify(&tampered, &headers).is_err(), "a changed body must not verify");
        let other = standardwebhooks::Webhook::new(&new_secret()).unwrap();
        assert!(other.verify(body, &headers).is_err(), "another secret must not verify");
    }

    #[test]
    fn during_a_rotation_either_secret_verifies() {
        let (old, new) = (new_secret(), new_secret());
        let body = br#"{"type":"record.created"}"#;
        let ts = chrono::Utc::now().timestamp();
        let sig = sign_all(&[&new, &old], "msg_9", ts, body);
        let mut headers = http::HeaderMap::new();
        headers.insert("webhook-id", "msg_9".parse().unwrap());
        headers.insert("webhook-timestamp", ts.to_string().parse().unwrap());
        headers.insert("webhook-signature", sig.parse().unwrap());
        for s in [&old, &new] {
            standardwebhooks::Webhook::new(s).unwrap().verify(body, &headers).expect("either secret verifies");
        }
        assert!(standardwebhooks::Webhook::new(&new_secret()).unwrap().verify(body, &headers).is_err());
    }

    #[test]
    fn the_spec_example_signature() {
        // The example in the Standard Webhooks specification.
        let sig = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn endpoints_are_validated() {
        let mut errs = Vec::new();
        validate(Some("ftp://x"), Some(&["record.created".into(), "nope".into()]), &mut errs);
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["url", "event_types[1]"]);
        let mut errs = Vec::new();
        validate(Some("https://u:p@example.org/h"), Some(&[]), &mut errs);
        assert_eq!(errs.len(), 2);
        let mut errs = Vec::new();
        validate(Some("http://127.0.0.1:9000/hook"), Some(&["*".into()]), &mut errs);
        assert!(errs.is_empty());
        assert!(wants(&["*".into()], EventType::TransferCreated));
        assert!(wants(&["transfer.created".into()], EventType::TransferCreated));
        assert!(!wants(&["record.created".into()], EventType::TransferCreated));
    }
}
