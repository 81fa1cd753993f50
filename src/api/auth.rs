//! Sessions: login (throttled), refresh (rotating), logout, who am I; and the one-time
//! links with which users set their own password (activation, reset).

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::extract::{run, Auth, JsonBody};
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::domain::{format_time, Role};
use crate::error::{AppError, AppResult};
use crate::policy;
use crate::service::sessions::{LoginAttempt, LoginOutcome, Reservation};
use crate::service::{self};

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    pub refresh_token: String,
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

fn tokens(state: &AppState, user_id: &str, family: &str, refresh_token: String) -> AppResult<TokenResponse> {
    let ttl = state.settings.access_token_ttl_secs;
    Ok(TokenResponse {
        access_token: crate::auth::issue_access_token(state.jwt_secret.expose().as_bytes(), user_id, family, ttl)?,
        refresh_token,
        token_type: "Bearer".into(),
        expires_in: ttl,
    })
}

fn refresh_expiry(state: &AppState) -> String {
    format_time(chrono::Utc::now() + chrono::Duration::seconds(state.settings.refresh_token_ttl_secs))
}

fn bad_credentials() -> AppError {
    AppError::Unauthorized("用户名或密码错误".into())
}

fn throttled(secs: i64) -> AppError {
    AppError::TooManyRequests(format!("尝试过于频繁,请在 {secs} 秒后重试"), secs)
}

/// The client address a login is counted against (`X-Forwarded-For` only from a trusted
/// proxy).
pub(crate) fn client_key(state: &AppState, req: &HttpRequest) -> String {
    let trusted = state.settings.trusted_proxy_addrs().unwrap_or_default();
    let xff = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok());
    let addr = policy::credentials::client_address(req.peer_addr().map(|a| a.ip()), xff, &trusted);
    format!("ip:{}", addr.map(|a| a.to_string()).unwrap_or_else(|| "unknown".into()))
}

/// Logs in with username and password. Failed logins are throttled per username and per
/// client address: after a few failures in a row the answer is 429 with `Retry-After`, even
/// for the right password, until the lock ends.
#[utoipa::path(tag = "会话", request_body = LoginRequest, responses(
    (status = 200, body = TokenResponse), (status = 401, body = Problem), (status = 422, body = Problem),
    (status = 429, body = Problem, headers(("Retry-After" = i64, description = "秒数")))))]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody<LoginRequest>,
) -> AppResult<HttpResponse> {
    let LoginRequest { username, password } = body.0;
    if username.len() > 64 || password.len() > 256 {
        return Err(bad_credentials());
    }
    let s = &state.settings;
    let keys = vec![
        (format!("user:{}", username.to_lowercase()), s.login_backoff(false)),
        (client_key(&state, &req), s.login_backoff(true)),
    ];
    let attempt = LoginAttempt { username, password, keys, window_secs: s.login_window_secs };
    let (pool, st, expires) = (state.pool.clone(), state.clone(), refresh_expiry(&state));
    let outcome = web::block(move || {
        service::sessions::login(&pool, attempt, |conn, u, user_key, address_keys| {
            service::sessions::open_session(conn, u, user_key, address_keys, &expires, |user, family, token| {
                tokens(&st, user, family, token)
            })
        })
    })
    .await??;
    let tokens = match outcome {
        LoginOutcome::Locked(secs) => return Err(throttled(secs)),
        LoginOutcome::Refused => return Err(bad_credentials()),
        LoginOutcome::Opened(tokens) => tokens,
    };
    Ok(HttpResponse::Ok().json(tokens))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ActivateRequest {
    /// The token of the one-time link (`…/activate?token=…`).
    pub token: String,
    /// The user's own new password (10–128 characters).
    #[schema(min_length = 10, max_length = 128)]
    pub password: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Activated {
    pub username: String,
}

/// Redeems a one-time link from an invitation (账号激活) or a password reset (重设密码):
/// the user sets their own password. The link works once; afterwards, or when expired, the
/// answer is 422 on `token`. A reset ends every session of the user.
#[utoipa::path(tag = "会话", request_body = ActivateRequest, responses(
    (status = 200, body = Activated), (status = 422, body = Problem)))]
#[post("/auth/activate")]
pub async fn activate(state: web::Data<AppState>, body: JsonBody<ActivateRequest>) -> AppResult<HttpResponse> {
    let ActivateRequest { token, password } = body.0;
    let n = password.chars().count();
    if !(10..=128).contains(&n) {
        return Err(AppError::validation("password", "密码须为 10–128 个字符"));
    }
    if token.is_empty() || token.len() > 128 {
        return Err(AppError::validation("token", "链接无效、已使用或已过期,请重新申请"));
    }
    let hash = web::block(move || crate::auth::hash_password(&password)).await??;
    let username = run(&state.pool, move |conn| service::sessions::redeem_link(conn, &token, &hash)).await?;
    Ok(HttpResponse::Ok().json(Activated { username }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordResetRequest {
    pub username: String,
}

/// Asks for a password-reset link. Always 202, whether or not the user exists (no user
/// enumeration); the link is mailed to the user's email if the user exists, is active and
/// has one. Throttled per username and client address like logins (429).
#[utoipa::path(tag = "会话", request_body = PasswordResetRequest, responses(
    (status = 202), (status = 422, body = Problem),
    (status = 429, body = Problem, headers(("Retry-After" = i64, description = "秒数")))))]
#[post("/auth/password-reset")]
pub async fn request_password_reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody<PasswordResetRequest>,
) -> AppResult<HttpResponse> {
    let username = body.0.username;
    if username.len() > 64 {
        return Ok(HttpResponse::Accepted().finish());
    }
    let s = &state.settings;
    let keys = vec![
        (format!("reset:{}", username.to_lowercase()), s.login_backoff(false)),
        (format!("reset-{}", client_key(&state, &req)), s.login_backoff(true)),
    ];
    let window = s.login_window_secs;
    let r = run(&state.pool, move |conn| service::sessions::reserve(conn, &keys, window)).await?;
    if let Reservation::Locked { retry_after_secs } = r {
        return Err(throttled(retry_after_secs));
    }
    // The answer does not wait for the lookup and the mail, so its timing tells nothing.
    let (pool, settings) = (state.pool.clone(), state.settings.clone());
    actix_web::rt::spawn(async move {
        let r = run(&pool, move |conn| service::sessions::mail_reset_link(conn, &username, &settings)).await;
        if let Err(e) = r {
            tracing::warn!(error = %e, "重设密码链接未能生成");
        }
    });
    Ok(HttpResponse::Accepted().finish())
}

/// Exchanges a refresh token for new tokens; the old refresh token stops working. Using an
/// already-used refresh token again revokes the whole session.
#[utoipa::path(tag = "会话", request_body = RefreshRequest, responses(
    (status = 200, body = TokenResponse), (status = 401, body = Problem)))]
#[post("/auth/refresh")]
pub async fn refresh(state: web::Data<AppState>, body: JsonBody<RefreshRequest>) -> AppResult<HttpResponse> {
    let token = body.0.refresh_token;
    let st = state.clone();
    let expires = refresh_expiry(&state);
    let out = run(&state.pool, move |conn| {
        service::sessions::refresh(conn, &token, &expires, |user, family, next| tokens(&st, user, family, next))
    })
    .await?;
    out.map(|t| HttpResponse::Ok().json(t))
        .ok_or_else(|| AppError::Unauthorized("刷新令牌无效、已过期或已被使用,请重新登录".into()))
}

/// Ends the session: the refresh token and every access token of the session stop working.
#[utoipa::path(tag = "会话", request_body = RefreshRequest, responses(
    (status = 204), (status = 401, body = Problem)), security(("bearer" = [])))]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    Auth(p): Auth,
    body: JsonBody<RefreshRequest>,
) -> AppResult<HttpResponse> {
    let token = body.0.refresh_token;
    run(&state.pool, move |conn| service::sessions::logout(conn, &p, &token)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Me {
    pub user_id: Option<String>,
    pub api_key_id: Option<String>,
    pub username: String,
    pub agency_id: String,
    pub agency_name: String,
    pub roles: Vec<Role>,
}

/// The caller: user or API key, agency and roles.
#[utoipa::path(tag = "会话", responses((status = 200, body = Me), (status = 401, body = Problem)), security(("bearer" = [])))]
#[get("/me")]
pub async fn me(state: web::Data<AppState>, Auth(p): Auth) -> AppResult<HttpResponse> {
    let agency_id = p.agency_id.clone();
    let agency = run(&state.pool, move |conn| service::agencies::get(conn, &agency_id)).await?;
    Ok(HttpResponse::Ok().json(Me {
        user_id: p.user_id,
        api_key_id: p.api_key_id,
        username: p.username,
        agency_id: p.agency_id,
        agency_name: agency.name,
        roles: p.roles,
    }))
}
