//! 个人设置 (the signed-in user's mail preferences, as `/api/v1/me/mail-preferences`) and
//! 修改密码 (the current password, the new one twice; on success every other session of the
//! user ends, web and API alike).

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::api::extract::run;
use crate::api::state::AppState;
use crate::domain::event::EventType;
use crate::domain::mail::{self, MailMode};
use crate::domain::FieldError;
use crate::error::AppError;
use crate::policy;
use crate::service::sessions::Reservation;
use crate::service::{self, credentials, mail as mails, users};
use crate::web::form::{Errors, Fields};
use crate::web::session::{check_csrf, SignedIn};
use crate::web::{page, page_with, see_other, Nav, WebError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(settings).service(save_settings).service(password_form).service(change_password);
}

/// One kind of mail with the user's mode.
pub struct PrefLine {
    pub event_type: String,
    pub label: &'static str,
    pub mode: &'static str,
    pub error: Option<String>,
}

fn mail_label(t: &str) -> &'static str {
    match t {
        mail::SUBSCRIPTION_MATCHED => "订阅的信息有新匹配",
        t => EventType::parse(t).map(|e| e.label()).unwrap_or("其他"),
    }
}

#[derive(Template)]
#[template(path = "account.html", config = "src/web/askama.toml")]
struct AccountPage {
    nav: Nav,
    email: Option<String>,
    prefs: Vec<PrefLine>,
    modes: Vec<(&'static str, &'static str)>,
    saved: bool,
    /// Errors not about one of the listed mail types (an unknown type posted).
    other_errors: Vec<String>,
    invalid: bool,
}

#[derive(Deserialize)]
pub struct SavedParam {
    saved: Option<String>,
}

async fn account_page(
    state: &AppState,
    s: &crate::service::web_sessions::WebSession,
    status: StatusCode,
    shown: BTreeMap<String, String>,
    errors: Errors,
    saved: bool,
) -> Result<HttpResponse, WebError> {
    let user_id = policy::require_user(&s.principal)?.to_string();
    let (prefs, email) = run(&state.pool, move |conn| {
        Ok((mails::preferences(conn, &user_id)?, users::by_id(conn, &user_id)?.and_then(|u| u.email)))
    })
    .await?;
    let other_errors = errors.others(&prefs.keys().map(String::as_str).collect::<Vec<_>>());
    // In the order the kinds of mail are listed (transfers first), not by name.
    let mut prefs: Vec<(String, MailMode)> = prefs.into_iter().collect();
    prefs.sort_by_key(|(t, _)| mail::MAIL_TYPES.iter().position(|(k, _)| k == t));
    let prefs = prefs
        .into_iter()
        .map(|(t, m)| PrefLine {
            label: mail_label(&t),
            mode: shown.get(&t).and_then(|v| MailMode::parse(v)).unwrap_or(m).as_str(),
            error: errors.get(&t),
            event_type: t,
        })
        .collect();
    page_with(
        status,
        &AccountPage {
            nav: Nav::of(s, "account"),
            email,
            prefs,
            modes: MailMode::ALL.iter().map(|m| (m.as_str(), m.label())).collect(),
            saved,
            other_errors,
            invalid: !errors.is_empty(),
        },
    )
}

#[get("/account")]
pub async fn settings(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    q: web::Query<SavedParam>,
) -> Result<HttpResponse, WebError> {
    account_page(&state, &s, StatusCode::OK, BTreeMap::new(), Errors::default(), q.saved.is_some()).await
}

/// Saves the mail preferences: every `pref.<mail type>` field, checked as the API checks a
/// change (an unknown type or mode: the page again with the error, nothing changed).
#[post("/account")]
pub async fn save_settings(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    f: web::Form<Fields>,
) -> Result<HttpResponse, WebError> {
    f.check_csrf(&s)?;
    let user_id = policy::require_user(&s.principal)?.to_string();
    let sent: BTreeMap<String, String> =
        f.0 .0.iter().filter_map(|(k, v)| k.strip_prefix("pref.").map(|t| (t.to_string(), v.clone()))).collect();
    let input = sent.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect();
    let changes = match mail::parse_preferences(&input) {
        Ok(c) => c,
        Err(errs) => {
            return account_page(&state, &s, StatusCode::UNPROCESSABLE_ENTITY, sent, Errors::from(errs), false).await;
        }
    };
    let p = s.principal.clone();
    run(&state.pool, move |conn| mails::set_preferences(conn, &p, &user_id, &changes)).await?;
    Ok(see_other("/account?saved=1"))
}

#[derive(Template)]
#[template(path = "account_password.html", config = "src/web/askama.toml")]
struct PasswordPage {
    nav: Nav,
    errors: Errors,
    done: bool,
}

#[derive(Deserialize)]
pub struct DoneParam {
    done: Option<String>,
}

#[get("/account/password")]
pub async fn password_form(SignedIn(s): SignedIn, q: web::Query<DoneParam>) -> Result<HttpResponse, WebError> {
    page(&PasswordPage { nav: Nav::of(&s, "account"), errors: Errors::default(), done: q.done.is_some() })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    csrf: String,
    current: String,
    new_password: String,
    confirm: String,
}

/// Changes the password: the new one follows the API's rule (10–128 characters), the
/// current one is verified (each try counts against the username's login throttle, so the
/// form is no way around it), then every other session ends.
#[post("/account/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    f: web::Form<PasswordForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&s.csrf_token, &f.csrf)?;
    let f = f.into_inner();
    let again = |errs: Vec<FieldError>| {
        page_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            &PasswordPage { nav: Nav::of(&s, "account"), errors: Errors::from(errs), done: false },
        )
    };
    let mut errs = Vec::new();
    if f.current.is_empty() || f.current.len() > 256 {
        errs.push(FieldError::new("current", "请输入当前密码"));
    }
    if !(10..=128).contains(&f.new_password.chars().count()) {
        errs.push(FieldError::new("new_password", "密码须为 10–128 个字符"));
    } else if f.new_password != f.confirm {
        errs.push(FieldError::new("confirm", "两次输入的新密码不一致"));
    }
    if !errs.is_empty() {
        return again(errs);
    }
    let user_id = policy::require_user(&s.principal)?.to_string();
    let user_key = format!("user:{}", s.principal.username.to_lowercase());
    let keys = vec![(user_key.clone(), state.settings.login_backoff(false))];
    let window = state.settings.login_window_secs;
    let (reservation, user) = run(&state.pool, move |conn| {
        let r = service::sessions::reserve(conn, &keys, window)?;
        Ok((r, users::by_id(conn, &user_id)?))
    })
    .await?;
    if let Reservation::Locked { retry_after_secs } = reservation {
        return again(vec![FieldError::new("current", format!("尝试次数过多,请 {retry_after_secs} 秒后再试"))]);
    }
    let user = user.ok_or_else(|| AppError::Unauthorized("账号不可用".into()))?;
    let old_hash = user.password_hash;
    let (current, new_password, stored) = (f.current, f.new_password, old_hash.clone());
    let new_hash = web::block(move || {
        if stored.is_empty() || !crate::auth::verify_password(&current, &stored) {
            return Ok(None);
        }
        crate::auth::hash_password(&new_password).map(Some)
    })
    .await?
    .map_err(AppError::from)?;
    let Some(new_hash) = new_hash else {
        return again(vec![FieldError::new("current", "当前密码不正确")]);
    };
    let (p, keep) = (s.principal.clone(), s.id.clone());
    let changed =
        run(&state.pool, move |conn| credentials::change_password(conn, &p, &old_hash, &new_hash, &keep, &user_key))
            .await;
    match changed {
        Ok(()) => Ok(see_other("/account/password?done=1")),
        Err(AppError::Conflict(m)) => again(vec![FieldError::new("current", m)]),
        Err(e) => Err(e.into()),
    }
}
