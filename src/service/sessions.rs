//! Sessions as people open and end them: the login's database steps (the password is
//! verified off the pool, between them), refresh, logout, one-time links and their
//! throttling. Tokens are minted by the caller (`mint`), which holds the signing key.

use serde_json::json;

use crate::config::Settings;
use crate::db::DbConnection;
use crate::domain::mail::AccountLink;
use crate::domain::new_id;
use crate::error::{AppError, AppResult};
use crate::policy::credentials::Backoff;
use crate::policy::Principal;
use crate::service::users::UserRow;
use crate::service::{agencies, auth, credentials, users};
use crate::store::log::{write_tx, Actor};
use crate::store::throttle;

pub use crate::store::throttle::Reservation;

/// Counts an attempt against every key (its own short transaction, not the log head).
pub fn reserve(conn: &mut DbConnection, keys: &[(String, Backoff)], window_secs: i64) -> AppResult<Reservation> {
    Ok(throttle::reserve(conn, keys, window_secs)?)
}

/// A login's first step: count the attempt and, unless locked, load the user and whether
/// its agency is active.
pub fn login_attempt(
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
pub fn audit_locks(conn: &mut DbConnection, locked_now: &[(String, i64)]) -> AppResult<()> {
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
        let failed_before = (throttle::failures(conn, user_key)? - 1).max(0);
        throttle::succeeded(conn, user_key, address_keys)?;
        let family = new_id();
        let refresh = crate::auth::random_secret("gtr_");
        auth::insert_refresh(conn, &u.id, &family, &refresh, expires, log.at())?;
        let actor = Actor { user_id: Some(u.id.clone()), agency_id: Some(u.agency_id.clone()) };
        let detail = json!({"username": u.username, "failed_attempts_before": failed_before});
        log.audit(&actor, "auth.login", "session", Some(&family), None, detail);
        mint(&u.id, &family, refresh)
    })
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
