//! Sessions as people open and end them: the login's database steps (the password is
//! verified off the pool, between them), refresh, logout, one-time links and their
//! throttling. Tokens are minted by the caller (`mint`), which holds the signing key.

use serde_json::json;

use crate::config::Settings;
use crate::db::{DbConnection, DbPool};
use crate::domain::mail::AccountLink;
use crate::domain::new_id;
use crate::error::{AppError, AppResult};
use crate::policy::credentials::Backoff;
use crate::policy::Principal;
use crate::service::users::UserRow;
use crate::service::{agencies, auth, credentials, users};
use crate::store::log::{write_tx, Actor, Log};
use crate::store::throttle;

pub use crate::store::throttle::Reservation;

/// A login as a person types it, with the throttle keys it is counted against (the
/// username's and the client address's, in that order).
pub struct LoginAttempt {
    pub username: String,
    pub password: String,
    pub keys: Vec<(String, Backoff)>,
    pub window_secs: i64,
}

impl std::fmt::Debug for LoginAttempt {
    /// Never prints the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginAttempt").field("username", &self.username).finish_non_exhaustive()
    }
}

/// How a login ended.
#[derive(Debug)]
pub enum LoginOutcome<T> {
    /// A key is locked: retry after this many seconds (429), even with the right password.
    Locked(i64),
    /// Unknown user, wrong password, deactivated or not yet activated: one answer for all.
    Refused,
    Opened(T),
}

/// The whole login, for the REST API and the web client alike; blocking (run it off the
/// async runtime). 1. The attempt is counted (its own short transaction) and the user
/// loaded; the connection goes back to the pool. 2. The password is verified off the pool;
/// unknown, deactivated and not yet activated users against a dummy hash (the same work, the
/// same answer). 3. On success `open` makes the session (API tokens or a web session) in a
/// new checkout. A failure that locks a key is audited once; failures themselves are not
/// (that would make every guess a write transaction, on SQLite one behind the write lock).
pub fn login<T>(
    pool: &DbPool,
    a: LoginAttempt,
    open: impl FnOnce(&mut DbConnection, &UserRow, &str, &[(String, Backoff)]) -> AppResult<T>,
) -> AppResult<LoginOutcome<T>> {
    let (reservation, user) = login_attempt(&mut *pool.get()?, &a.keys, a.window_secs, &a.username)?;
    let locked_now = match reservation {
        Reservation::Locked { retry_after_secs } => return Ok(LoginOutcome::Locked(retry_after_secs)),
        Reservation::Granted { locked_now } => locked_now,
    };
    let usable =
        user.as_ref().is_some_and(|(u, agency_active)| u.active && *agency_active && !u.password_hash.is_empty());
    let hash = match (&user, usable) {
        (Some((u, _)), true) => u.password_hash.as_str(),
        _ => crate::auth::dummy_hash(),
    };
    let verified = crate::auth::verify_password(&a.password, hash);
    let Some(u) = user.map(|(u, _)| u).filter(|_| usable && verified) else {
        if !locked_now.is_empty() {
            if let Err(e) = audit_locks(&mut *pool.get()?, &locked_now) {
                tracing::warn!(error = %e, "登录锁定未能写入审计日志");
            }
        }
        return Ok(LoginOutcome::Refused);
    };
    let (user_key, address_keys) = (a.keys[0].0.clone(), a.keys[1..].to_vec());
    Ok(LoginOutcome::Opened(open(&mut *pool.get()?, &u, &user_key, &address_keys)?))
}

/// Counts an attempt against every key (its own short transaction, not the log head).
pub fn reserve(conn: &mut DbConnection, keys: &[(String, Backoff)], window_secs: i64) -> AppResult<Reservation> {
    Ok(throttle::reserve(conn, keys, window_secs)?)
}

/// A login's first step: count the attempt and, unless locked, load the user and whether
/// its agency is active.
fn login_attempt(
    conn: &mut DbConnection,
    keys: &[(String, Backoff)],
    window_secs: i64,
    username: &str,
) -> AppResult<(Reservation, Option<(UserRow, bool)>)> {
    let r = throttle::reserve(conn, keys, window_secs)?;
    if matches!(r, Reservation::Locked { .. }) {
        return Ok((r, None));
    }
    let user = match users::by_username(conn, username)? {
        Some(u) => {
            let agency_active = agencies::get(conn, &u.agency_id)?.active;
            Some((u, agency_active))
        }
        None => None,
    };
    Ok((r, user))
}

/// Audits the keys a failed attempt locked (once per lock, not per failure).
fn audit_locks(conn: &mut DbConnection, locked_now: &[(String, i64)]) -> AppResult<()> {
    write_tx(conn, |_, log| {
        for (key, failures) in locked_now {
            let detail = json!({"key": key, "failures": failures});
            log.audit(&Actor::default(), "auth.login_locked", "session", None, None, detail);
        }
        Ok(())
    })
}

/// A login's last step, after the password verified: the username's count starts over,
/// a session (refresh-token family) opens, the login is audited.
pub fn open_session<T>(
    conn: &mut DbConnection,
    u: &UserRow,
    user_key: &str,
    address_keys: &[(String, Backoff)],
    expires: &str,
    mint: impl FnOnce(&str, &str, String) -> AppResult<T>,
) -> AppResult<T> {
    write_tx(conn, |conn, log| {
        let family = new_id();
        let refresh = crate::auth::random_secret("gtr_");
        auth::insert_refresh(conn, &u.id, &family, &refresh, expires, log.at())?;
        login_succeeded(conn, log, u, user_key, address_keys, &family, "api")?;
        mint(&u.id, &family, refresh)
    })
}

/// What every successful login does in its session's transaction, API or web: the
/// username's failure count starts over (the address keys' too) and the login is audited
/// with the failures before it.
pub fn login_succeeded(
    conn: &mut DbConnection,
    log: &mut Log,
    u: &UserRow,
    user_key: &str,
    address_keys: &[(String, Backoff)],
    session_id: &str,
    client: &str,
) -> AppResult<()> {
    let failed_before = (throttle::failures(conn, user_key)? - 1).max(0);
    throttle::succeeded(conn, user_key, address_keys)?;
    let actor = Actor { user_id: Some(u.id.clone()), agency_id: Some(u.agency_id.clone()) };
    let mut detail = json!({"username": u.username, "failed_attempts_before": failed_before});
    if client != "api" {
        detail["client"] = json!(client);
    }
    log.audit(&actor, "auth.login", "session", Some(session_id), None, detail);
    Ok(())
}

/// Exchanges a refresh token for a new one (`None`: rejected). Reusing a used token
/// revokes its whole family; a deactivated user's family is revoked too.
pub fn refresh<T>(
    conn: &mut DbConnection,
    token: &str,
    expires: &str,
    mint: impl FnOnce(&str, &str, String) -> AppResult<T>,
) -> AppResult<Option<T>> {
    write_tx(conn, |conn, log| match auth::rotate_refresh(conn, token, log.at())? {
        auth::RefreshOutcome::Rejected => Ok(None),
        auth::RefreshOutcome::Rotated { user_id, family_id } => {
            let active = users::by_id(conn, &user_id)?.is_some_and(|u| u.active);
            if !active {
                auth::revoke_family(conn, &family_id, log.at())?;
                return Ok(None);
            }
            let next = crate::auth::random_secret("gtr_");
            auth::insert_refresh(conn, &user_id, &family_id, &next, expires, log.at())?;
            Ok(Some(mint(&user_id, &family_id, next)?))
        }
    })
}

/// Ends the caller's session named by its refresh token.
pub fn logout(conn: &mut DbConnection, p: &Principal, token: &str) -> AppResult<()> {
    write_tx(conn, |conn, log| match auth::family_of(conn, token)? {
        Some((family, user)) if Some(&user) == p.user_id.as_ref() => {
            auth::revoke_family(conn, &family, log.at())?;
            log.audit(&Actor::from(p), "auth.logout", "session", Some(&family), None, json!({}));
            Ok(())
        }
        _ => Err(AppError::Unauthorized("刷新令牌无效".into())),
    })
}

/// Redeems a one-time link with the new password's hash: the username.
pub fn redeem_link(conn: &mut DbConnection, token: &str, password_hash: &str) -> AppResult<String> {
    write_tx(conn, |conn, log| credentials::redeem(conn, log, token, password_hash))
}

/// Mails a password-reset link to the user, if it exists, is active, has a password and
/// an email; otherwise nothing (the caller answers the same either way).
pub fn mail_reset_link(conn: &mut DbConnection, username: &str, settings: &Settings) -> AppResult<()> {
    let Some(user) = users::by_username(conn, username)? else { return Ok(()) };
    if !user.active || user.password_hash.is_empty() || user.email.is_none() {
        return Ok(());
    }
    write_tx(conn, |conn, log| {
        let actor = Actor { user_id: Some(user.id.clone()), agency_id: Some(user.agency_id.clone()) };
        let ttl = settings.reset_ttl_secs;
        credentials::issue(
            conn,
            log,
            &actor,
            &user,
            AccountLink::Reset,
            ttl,
            |t| settings.activation_link(t),
            credentials::Delivery::Mail,
        )
        .map(|_| ())
    })
}
