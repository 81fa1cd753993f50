//! Request extractors: the authenticated principal, JSON bodies with field-level errors,
//! and the headers of the API contract (If-Match, X-Access-Purpose, Idempotency-Key).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use crate::api::state::AppState;
use crate::db::{DbConnection, DbPool};
use crate::domain::now;
use crate::error::{AppError, AppResult};
use crate::policy::Principal;
use crate::service;

/// Runs blocking diesel work on the thread pool with a pooled connection, in the caller's
/// tracing span. The one way handlers reach the database.
pub async fn run<T: Send + 'static>(
    pool: &DbPool,
    f: impl FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    let (pool, span) = (pool.clone(), tracing::Span::current());
    web::block(move || {
        span.in_scope(|| {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
    })
    .await?
}

/// The caller, from `Authorization: Bearer <access token | API key>`.
pub struct Auth(pub Principal);

impl FromRequest for Auth {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let header = req.headers().get("Authorization").map(|h| h.as_bytes().to_vec());
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::Internal(anyhow::anyhow!("app state missing")))?;
            let header = header.ok_or_else(|| {
                AppError::Unauthorized("缺少认证信息:请在 Authorization 请求头中提供 Bearer 令牌或接入密钥".into())
            })?;
            let header = String::from_utf8(header).map_err(|_| AppError::Unauthorized("认证信息格式无效".into()))?;
            let token = header
                .strip_prefix("Bearer ")
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .ok_or_else(|| AppError::Unauthorized("认证信息格式无效:应为 Bearer <令牌>".into()))?
                .to_string();
            let principal = if token.starts_with("gtk_") {
                run(&state.pool, move |conn| Ok(service::auth::principal_for_api_key(conn, &token)?)).await?
            } else {
                let claims = crate::auth::verify_access_token(state.jwt_secret.expose().as_bytes(), &token)
                    .ok_or_else(|| AppError::Unauthorized("访问令牌无效或已过期,请重新登录或刷新令牌".into()))?;
                run(&state.pool, move |conn| {
                    Ok(service::auth::principal_for_session(conn, &claims.sub, &claims.sid, &now())?)
                })
                .await?
            };
            let principal = principal.ok_or_else(|| AppError::Unauthorized("认证信息无效、已吊销或已注销".into()))?;
            tracing::Span::current().record("agency_id", principal.agency_id.as_str());
            Ok(Auth(principal))
        })
    }
}

/// The raw bytes of a JSON request body (content type checked, size limit mapped to 413).
pub struct JsonBytes(pub web::Bytes);

/// A JSON body that may be left out altogether (`None`); one that is there is checked like
/// `JsonBody`.
pub struct OptionalJsonBody<T>(pub Option<T>);

/// Reads the body; an empty one is `None` when `optional`, and any other must be JSON.
fn json_bytes(
    req: &HttpRequest,
    payload: &mut Payload,
    optional: bool,
) -> impl Future<Output = AppResult<Option<web::Bytes>>> + 'static {
    let json_ct = req
        .headers()
        .get("Content-Type")
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            let v = v.to_ascii_lowercase();
            v.starts_with("application/json") || (v.starts_with("application/") && v.contains("+json"))
        })
        .unwrap_or(false);
    let bytes = web::Bytes::from_request(req, payload);
    async move {
        let bytes = bytes.await.map_err(|e| payload_error(&e))?;
        if optional && bytes.is_empty() {
            return Ok(None);
        }
        if !json_ct {
            return Err(AppError::UnsupportedMediaType("请求体须为 JSON(Content-Type: application/json)".into()));
        }
        Ok(Some(bytes))
    }
}

impl FromRequest for JsonBytes {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let bytes = json_bytes(req, payload, false);
        Box::pin(async move { Ok(JsonBytes(bytes.await?.unwrap_or_default())) })
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for OptionalJsonBody<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let bytes = json_bytes(req, payload, true);
        Box::pin(async move {
            match bytes.await? {
                None => Ok(OptionalJsonBody(None)),
                // JSON `null` says "no content" as an empty body does.
                Some(b) if b.trim_ascii() == b"null" => Ok(OptionalJsonBody(None)),
                Some(b) => crate::json::parse(&b).map(|v| OptionalJsonBody(Some(v))),
            }
        })
    }
}

/// A JSON request body. Unlike `web::Json`, errors name the offending field
/// (`errors: [{field, message}]`): syntax errors are 400, wrong shapes 422.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let bytes = JsonBytes::from_request(req, payload);
        Box::pin(async move { crate::json::parse(&bytes.await?.0).map(JsonBody) })
    }
}

pub fn payload_error(e: &actix_web::Error) -> AppError {
    if e.as_response_error().status_code() == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge("请求体超过大小上限".into())
    } else {
        AppError::BadRequest(format!("无法读取请求体:{e}"))
    }
}

fn header_text(req: &HttpRequest, name: &str) -> AppResult<Option<String>> {
    let Some(v) = req.headers().get(name) else {
        return Ok(None);
    };
    let raw = std::str::from_utf8(v.as_bytes())
        .map_err(|_| AppError::BadRequest(format!("请求头 {name} 须为 UTF-8 文本")))?;
    let text = if raw.contains('%') {
        let b = raw.as_bytes();
        let well_formed = b.iter().enumerate().filter(|(_, c)| **c == b'%').all(|(i, _)| {
            b.get(i + 1).is_some_and(u8::is_ascii_hexdigit) && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
        });
        if !well_formed {
            return Err(AppError::BadRequest(format!("请求头 {name} 的百分号编码无效")));
        }
        percent_encoding::percent_decode_str(raw)
            .decode_utf8()
            .map_err(|_| AppError::BadRequest(format!("请求头 {name} 的百分号编码无效")))?
            .into_owned()
    } else {
        raw.to_string()
    };
    if text.contains('\0') {
        return Err(AppError::BadRequest(format!("请求头 {name} 不能包含 NUL 字符")));
    }
    let text = text.trim().to_string();
    Ok((!text.is_empty()).then_some(text))
}

/// Query parameters (`?…`), parsed as `web::Query` does; a percent-encoded NUL (`%00`) is
/// refused with 400 first: PostgreSQL stores no NUL in text (SQLite would), so both
/// backends answer alike and no parameter reaches the database with one.
pub struct Query<T>(pub T);

impl<T> Query<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Query<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let qs = req.query_string();
        std::future::ready(if qs.contains("%00") {
            Err(AppError::BadRequest("查询参数不能包含 NUL 字符(%00)".into()))
        } else {
            web::Query::<T>::from_query(qs)
                .map(|q| Query(q.into_inner()))
                .map_err(|e| AppError::BadRequest(format!("查询参数无效:{e}")))
        })
    }
}

/// A header's text with at most `max` characters as sent: the contract bounds the value on the
/// wire, before percent-decoding (the decoded text is never longer).
fn bounded_header_text(req: &HttpRequest, name: &str, max: usize, what: &str) -> AppResult<Option<String>> {
    let sent = req.headers().get(name).map(|v| String::from_utf8_lossy(v.as_bytes()).chars().count());
    if sent.is_some_and(|n| n > max) {
        return Err(AppError::validation(name, format!("{what}不超过 {max} 个字符(百分号编码按编码后的字符计)")));
    }
    header_text(req, name)
}

/// `X-Access-Purpose`: why a restricted record is read (UTF-8, or percent-encoded UTF-8).
pub fn access_purpose(req: &HttpRequest) -> AppResult<Option<String>> {
    bounded_header_text(req, "X-Access-Purpose", crate::contract::MAX_PURPOSE_CHARS, "查阅事由")
}

/// `If-Match: <version>` (bare, quoted or weak). Required on updates.
pub fn if_match(req: &HttpRequest) -> AppResult<i32> {
    let v = header_text(req, "If-Match")?.ok_or_else(|| {
        AppError::PreconditionRequired("修改须携带 If-Match 请求头(当前版本号),以免覆盖他人的修改".into())
    })?;
    // Exactly the documented shape: `3`, `"3"` or `W/"3"` (no sign, at most 9 digits).
    let inner = v.strip_prefix("W/").unwrap_or(&v);
    let digits = inner.strip_prefix('"').and_then(|d| d.strip_suffix('"')).unwrap_or(inner);
    if digits.is_empty() || digits.len() > 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AppError::BadRequest("If-Match 须为版本号,例如 If-Match: 3".into()));
    }
    digits.parse::<i32>().map_err(|_| AppError::BadRequest("If-Match 须为版本号,例如 If-Match: 3".into()))
}

/// `If-Match` where it is optional (withdrawal).
pub fn optional_if_match(req: &HttpRequest) -> AppResult<Option<i32>> {
    if !req.headers().contains_key("If-Match") {
        return Ok(None);
    }
    if header_text(req, "If-Match")?.is_none() {
        return Err(AppError::BadRequest("If-Match 须为版本号,例如 If-Match: 3".into()));
    }
    if_match(req).map(Some)
}

/// `Idempotency-Key`: at most 200 characters as sent.
pub fn idempotency_key(req: &HttpRequest) -> AppResult<Option<String>> {
    bounded_header_text(req, "Idempotency-Key", crate::contract::MAX_IDEMPOTENCY_KEY_CHARS, "幂等键")
}

/// A path id that is not a well-formed identifier cannot name anything: 404 at once.
pub fn path_id<I: crate::domain::ids::Id>(id: &str, not_found: fn() -> AppError) -> AppResult<I> {
    I::parse(id).ok_or_else(not_found)
}
