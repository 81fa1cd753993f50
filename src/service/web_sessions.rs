//! Sessions of the web client: a random token in an HttpOnly cookie (only its digest is
//! stored), a CSRF token per session, an idle limit and an absolute one. Logging in goes
//! through the same throttle and audit as the API (`service::sessions`); logging out
//! everywhere ends the web sessions and the API sessions of the user.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use serde_json::json;

use crate::auth::{digest, random_secret};
use crate::db::schema::{refresh_tokens, web_sessions as ws};
use crate::db::DbConnection;
use crate::domain::{format_time, new_id};
use crate::error::AppResult;
use crate::policy::credentials::Backoff;
use crate::policy::Principal;
use crate::service::auth::principal_of_user;
use crate::service::users::UserRow;
use crate::store::log::{write_tx, Actor};

/// How long a web session lives: `idle_secs` without a request, `max_secs` after login.
#[derive(Debug, Clone, Copy)]
pub struct Lifetimes {
    pub idle_secs: i64,
    pub max_secs: i64,
}

/// A live session of the web client.
#[derive(Debug, Clone)]
pub struct WebSession {
    pub id: String,
    /// The value every form of the session sends back.
    pub csrf_token: String,
    pub principal: Principal,
}

/// How often `last_seen_at` is written at most (not a write per page view): every minute, or
/// every half of the idle limit where that is shorter.
fn touch_every_secs(life: Lifetimes) -> i64 {
    (life.idle_secs / 2).clamp(0, 60)
}

/// Opens a session after the password verified: the username's failure count starts over,
/// the login is audited. Returns the cookie's token (shown to the browser only) and the
/// session.
pub fn open(
    conn: &mut DbConnection,
    u: &UserRow,
    user_key: &str,
    address_keys: &[(String, Backoff)],
    life: Lifetimes,
) -> AppResult<(String, WebSession)> {
    let token = random_secret("gtw_");
    let csrf_token = random_secret("");
    let id = new_id();
    write_tx(conn, |conn, log| {
        let now = Utc::now();
        diesel::insert_into(ws::table)
            .values((
                ws::id.eq(&id),
                ws::user_id.eq(&u.id),
                ws::token_hash.eq(digest(&token)),
                ws::csrf_token.eq(&csrf_token),
                ws::created_at.eq(log.at()),
                ws::last_seen_at.eq(format_time(now)),
                ws::expires_at.eq(format_time(now + Duration::seconds(life.max_secs))),
            ))
            .execute(conn)?;
        crate::service::sessions::login_succeeded(conn, log, u, user_key, address_keys, &id, "web")
    })?;
    let principal =
        principal_of_user(conn, &u.id)?.ok_or_else(|| crate::error::AppError::Unauthorized("账号不可用".into()))?;
    Ok((token, WebSession { id, csrf_token, principal }))
}

/// The live session a cookie's token names, if any: not ended, not idle too long, not past
/// its absolute end, its user and unit active.
pub fn resolve(conn: &mut DbConnection, token: &str, life: Lifetimes) -> AppResult<Option<WebSession>> {
    let now = Utc::now();
    let idle_since = format_time(now - Duration::seconds(life.idle_secs));
    let row: Option<(String, String, String, String)> = ws::table
        .filter(ws::token_hash.eq(digest(token)))
        .filter(ws::revoked_at.is_null())
        .filter(ws::expires_at.gt(format_time(now)))
        .filter(ws::last_seen_at.gt(&idle_since))
        .select((ws::id, ws::user_id, ws::csrf_token, ws::last_seen_at))
        .first(conn)
        .optional()?;
    let Some((id, user_id, csrf_token, last_seen)) = row else { return Ok(None) };
    let Some(principal) = principal_of_user(conn, &user_id)? else { return Ok(None) };
    if last_seen < format_time(now - Duration::seconds(touch_every_secs(life))) {
        diesel::update(ws::table.find(&id)).set(ws::last_seen_at.eq(format_time(now))).execute(conn)?;
    }
    Ok(Some(WebSession { id, csrf_token, principal }))
}

/// Logs out: this session ends.
pub fn end(conn: &mut DbConnection, s: &WebSession) -> AppResult<()> {
    write_tx(conn, |conn, log| {
        diesel::update(ws::table.find(&s.id).filter(ws::revoked_at.is_null()))
            .set(ws::revoked_at.eq(log.at()))
            .execute(conn)?;
        log.audit(&Actor::from(&s.principal), "auth.logout", "session", Some(&s.id), None, json!({"client": "web"}));
        Ok(())
    })
}

/// Logs out everywhere: every web session and every API session (refresh-token family) of
/// the user ends. Returns how many sessions ended.
pub fn end_everywhere(conn: &mut DbConnection, p: &Principal) -> AppResult<usize> {
    let Some(user_id) = p.user_id.clone() else { return Ok(0) };
    write_tx(conn, |conn, log| {
        let web = diesel::update(ws::table.filter(ws::user_id.eq(&user_id)).filter(ws::revoked_at.is_null()))
            .set(ws::revoked_at.eq(log.at()))
            .execute(conn)?;
        let families: Vec<String> = refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(&user_id))
            .filter(refresh_tokens::revoked_at.is_null())
            .select(refresh_tokens::family_id)
            .distinct()
            .load(conn)?;
        diesel::update(refresh_tokens::table.filter(refresh_tokens::user_id.eq(&user_id)))
            .filter(refresh_tokens::revoked_at.is_null())
            .set(refresh_tokens::revoked_at.eq(log.at()))
            .execute(conn)?;
        let ended = web + families.len();
        log.audit(&Actor::from(p), "auth.logout_everywhere", "session", None, None, json!({"sessions": ended}));
        Ok(ended)
    })
}
