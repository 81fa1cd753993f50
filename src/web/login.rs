//! 登录 and 退出: the same login as the API (`service::sessions::login`: throttled per
//! username and client address, audited), opening a web session in an HttpOnly cookie.
//! The login form has its own CSRF cookie (there is no session yet).

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::api::auth::client_key;
use crate::api::extract::run;
use crate::api::state::AppState;
use crate::service::sessions::{self, LoginAttempt, LoginOutcome};
use crate::service::web_sessions;
use crate::web::session::{check_csrf, cookie, lifetimes, removal, SignedIn, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use crate::web::{page_with, see_other, WebError};

#[derive(Template)]
#[template(path = "login.html", config = "src/web/askama.toml")]
struct LoginPage {
    csrf: String,
    next: String,
    username: String,
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct NextParam {
    next: Option<String>,
}

/// Only a path of this site is a place to return to (never another host).
fn local_path(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && n.len() <= 2000 => n.to_string(),
        _ => "/".into(),
    }
}

/// Shows the login form with a fresh CSRF cookie.
fn form(
    state: &AppState,
    status: StatusCode,
    next: String,
    username: String,
    error: Option<String>,
) -> Result<HttpResponse, WebError> {
    let csrf = crate::auth::random_secret("");
    let mut res = page_with(status, &LoginPage { csrf: csrf.clone(), next, username, error })?;
    res.add_cookie(&cookie(state, LOGIN_CSRF_COOKIE, csrf, 3600))
        .map_err(|e| WebError::App(anyhow::anyhow!(e).into()))?;
    Ok(res)
}

#[get("/login")]
pub async fn login_page(state: web::Data<AppState>, q: web::Query<NextParam>) -> Result<HttpResponse, WebError> {
    form(&state, StatusCode::OK, local_path(q.next.as_deref()), String::new(), None)
}

#[derive(Deserialize)]
pub struct LoginForm {
    csrf: String,
    next: Option<String>,
    username: String,
    password: String,
}

#[post("/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    f: web::Form<LoginForm>,
) -> Result<HttpResponse, WebError> {
    let f = f.into_inner();
    let expected = req.cookie(LOGIN_CSRF_COOKIE).map(|c| c.value().to_string()).unwrap_or_default();
    check_csrf(&expected, &f.csrf)?;
    let next = local_path(f.next.as_deref());
    if f.username.is_empty() || f.username.len() > 64 || f.password.len() > 256 {
        let error = Some("用户名或密码不正确".into());
        return form(&state, StatusCode::OK, next, f.username.chars().take(64).collect(), error);
    }
    let s = &state.settings;
    let keys = vec![
        (format!("user:{}", f.username.to_lowercase()), s.login_backoff(false)),
        (client_key(&state, &req), s.login_backoff(true)),
    ];
    let username = f.username.clone();
    let attempt = LoginAttempt { username: f.username, password: f.password, keys, window_secs: s.login_window_secs };
    let (pool, life) = (state.pool.clone(), lifetimes(&state));
    let outcome = web::block(move || {
        sessions::login(&pool, attempt, |conn, u, user_key, address_keys| {
            web_sessions::open(conn, u, user_key, address_keys, life)
        })
    })
    .await??;
    match outcome {
        LoginOutcome::Opened((token, _)) => {
            let mut res = see_other(&next);
            let add =
                |res: &mut HttpResponse, c| res.add_cookie(&c).map_err(|e| WebError::App(anyhow::anyhow!(e).into()));
            add(&mut res, cookie(&state, SESSION_COOKIE, token, life.max_secs))?;
            add(&mut res, removal(&state, LOGIN_CSRF_COOKIE))?;
            Ok(res)
        }
        // The form again with the reason in it (200: the page itself is fine, and the
        // browser's console stays clean).
        LoginOutcome::Refused => form(&state, StatusCode::OK, next, username, Some("用户名或密码不正确".into())),
        LoginOutcome::Locked(secs) => {
            let error = Some(format!("登录失败次数过多,请 {secs} 秒后再试"));
            form(&state, StatusCode::OK, next, username, error)
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// Ends this session.
#[post("/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    f: web::Form<CsrfForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&s.csrf_token, &f.csrf)?;
    run(&state.pool, move |conn| web_sessions::end(conn, &s)).await?;
    signed_out(&state)
}

/// Ends every session of the user, web and API alike (a lost phone, a shared computer).
#[post("/logout/everywhere")]
pub async fn logout_everywhere(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    f: web::Form<CsrfForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&s.csrf_token, &f.csrf)?;
    run(&state.pool, move |conn| web_sessions::end_everywhere(conn, &s.principal)).await?;
    signed_out(&state)
}

fn signed_out(state: &AppState) -> Result<HttpResponse, WebError> {
    let mut res = see_other("/login");
    res.add_cookie(&removal(state, SESSION_COOKIE)).map_err(|e| WebError::App(anyhow::anyhow!(e).into()))?;
    Ok(res)
}
