//! Sessions: login, refresh (rotating), logout, and who am I.

use actix_web::{get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::api::extract::{run, Auth, JsonBody};
use crate::api::state::AppState;
use crate::domain::{format_time, new_id, Role};
use crate::error::{AppError, AppResult, Problem};
use crate::store::{self, log::write_tx, log::Actor};

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

/// Logs in with username and password.
#[utoipa::path(tag = "会话", request_body = LoginRequest, responses(
    (status = 200, body = TokenResponse), (status = 401, body = Problem), (status = 422, body = Problem)))]
#[post("/auth/login")]
pub async fn login(state: web::Data<AppState>, body: JsonBody<LoginRequest>) -> AppResult<HttpResponse> {
    let LoginRequest { username, password } = body.0;
    if username.len() > 64 || password.len() > 256 {
        return Err(AppError::Unauthorized("用户名或密码错误".into()));
    }
    let st = state.clone();
    let expires = refresh_expiry(&state);
    let out = run(&state.pool, move |conn| {
        let user = store::users::by_username(conn, &username)?;
        let ok = match &user {
            Some(u) => {
                u.active
                    && store::agencies::get(conn, &u.agency_id)?.active
                    && crate::auth::verify_password(&password, &u.password_hash)
            }
            None => {
                crate::auth::verify_password(&password, crate::auth::dummy_hash());
                false
            }
        };
        write_tx(conn, |conn, log| {
            let actor = Actor {
                user_id: user.as_ref().map(|u| u.id.clone()),
                agency_id: user.as_ref().map(|u| u.agency_id.clone()),
            };
            match user.filter(|_| ok) {
                None => {
                    log.audit(&actor, "auth.login_failed", "session", None, None, json!({"username": username}));
                    Ok(None)
                }
                Some(u) => {
                    let family = new_id();
                    let new_refresh = crate::auth::random_secret("gtr_");
                    store::auth::insert_refresh(conn, &u.id, &family, &new_refresh, &expires, log.at())?;
                    log.audit(&actor, "auth.login", "session", Some(&family), None, json!({"username": u.username}));
                    Ok(Some(tokens(&st, &u.id, &family, new_refresh)?))
                }
            }
        })
    })
    .await?;
    out.map(|t| HttpResponse::Ok().json(t)).ok_or_else(|| AppError::Unauthorized("用户名或密码错误".into()))
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
        write_tx(conn, |conn, log| match store::auth::rotate_refresh(conn, &token, log.at())? {
            store::auth::RefreshOutcome::Rejected => Ok(None),
            store::auth::RefreshOutcome::Rotated { user_id, family_id } => {
                let active = store::users::by_id(conn, &user_id)?.is_some_and(|u| u.active);
                if !active {
                    store::auth::revoke_family(conn, &family_id, log.at())?;
                    return Ok(None);
                }
                let next = crate::auth::random_secret("gtr_");
                store::auth::insert_refresh(conn, &user_id, &family_id, &next, &expires, log.at())?;
                Ok(Some(tokens(&st, &user_id, &family_id, next)?))
            }
        })
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
    run(&state.pool, move |conn| {
        write_tx(conn, |conn, log| match store::auth::family_of(conn, &token)? {
            Some((family, user)) if Some(&user) == p.user_id.as_ref() => {
                store::auth::revoke_family(conn, &family, log.at())?;
                log.audit(&Actor::from(&p), "auth.logout", "session", Some(&family), None, json!({}));
                Ok(())
            }
            _ => Err(AppError::Unauthorized("刷新令牌无效".into())),
        })
    })
    .await?;
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
    let agency = run(&state.pool, move |conn| store::agencies::get(conn, &agency_id)).await?;
    Ok(HttpResponse::Ok().json(Me {
        user_id: p.user_id,
        api_key_id: p.api_key_id,
        username: p.username,
        agency_id: p.agency_id,
        agency_name: agency.name,
        roles: p.roles,
    }))
}
