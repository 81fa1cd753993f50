//! The signed-in officer of a page: the session cookie (HttpOnly, SameSite=Strict, Secure
//! behind HTTPS) resolved through `service::web_sessions`, and the CSRF check every form
//! post goes through.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use subtle::ConstantTimeEq;

use crate::api::extract::run;
use crate::api::state::AppState;
use crate::service::web_sessions::{self, Lifetimes, WebSession};
use crate::web::WebError;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "gt_session";
/// The login form's own CSRF cookie (double submit: there is no session yet).
pub const LOGIN_CSRF_COOKIE: &str = "gt_login_csrf";

pub fn lifetimes(state: &AppState) -> Lifetimes {
    Lifetimes { idle_secs: state.settings.web_session_idle_secs, max_secs: state.settings.web_session_max_secs }
}

/// A cookie the page's script can never read (HttpOnly), sent only to this site
/// (SameSite=Strict), only over HTTPS when the hub is served over HTTPS.
pub fn cookie(state: &AppState, name: &'static str, value: String, max_age_secs: i64) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.settings.is_https())
        .max_age(CookieDuration::seconds(max_age_secs))
        .finish()
}

/// The cookie that removes `name` from the browser.
pub fn removal(state: &AppState, name: &'static str) -> Cookie<'static> {
    let mut c = cookie(state, name, String::new(), 0);
    c.make_removal();
    c
}

/// The signed-in officer; a page without a live session sends the browser to the login
/// page (and back here afterwards).
pub struct SignedIn(pub WebSession);

impl FromRequest for SignedIn {
    type Error = WebError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string());
        let here = req.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
        Box::pin(async move {
            let sign_in = || WebError::SignIn { next: here.clone() };
            let (Some(state), Some(token)) = (state, token) else { return Err(sign_in()) };
            if token.is_empty() || token.len() > 128 {
                return Err(sign_in());
            }
            let life = lifetimes(&state);
            let session = run(&state.pool, move |conn| web_sessions::resolve(conn, &token, life)).await?;
            let session = session.ok_or_else(sign_in)?;
            tracing::Span::current().record("agency_id", session.principal.agency_id.as_str());
            Ok(SignedIn(session))
        })
    }
}

/// A form post must carry the session's CSRF token (403 otherwise; nothing changes).
pub fn check_csrf(expected: &str, sent: &str) -> Result<(), WebError> {
    if !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(sent.as_bytes())) {
        Ok(())
    } else {
        Err(WebError::Forbidden("表单已过期或来源不明,请刷新页面后重试".into()))
    }
}
