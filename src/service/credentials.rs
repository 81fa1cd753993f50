//! One-time links with which a user sets their own password: the activation of an invited
//! account and a password reset. Only the SHA-256 digest of a link's 256-bit random token is
//! stored; a new link for a user voids the user's earlier unused ones; a link is consumed by
//! its first use. The hub admin never sees a link: it goes to the user's email (the mail
//! outbox) or is printed on the server console (`guantong admin invite`).

use diesel::prelude::*;
use serde_json::json;

use crate::auth::digest;
use crate::db::schema::{credential_tokens as ct, refresh_tokens, users, web_sessions};
use crate::db::DbConnection;
use crate::domain::mail::{render_account_link, AccountLink};
use crate::domain::{format_time, new_id};
use crate::error::{AppError, AppResult};
use crate::policy::Principal;
use crate::service::users::UserRow;
use crate::store::log::{write_tx, Actor, Log};

/// Whether the user has set a password yet (an invited account has none until activated).
pub fn is_activated(u: &UserRow) -> bool {
    !u.password_hash.is_empty()
}

/// The link a user needs now: activation while they have no password, else a reset.
pub fn link_kind(u: &UserRow) -> AccountLink {
    if is_activated(u) {
        AccountLink::Reset
    } else {
        AccountLink::Activation
    }
}

fn purpose(kind: AccountLink) -> &'static str {
    match kind {
        AccountLink::Activation => "activate",
        AccountLink::Reset => "reset",
    }
}

/// How a new link reaches its user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Mailed to the user's email (which the caller has checked).
    Mail,
    /// Returned to the caller: the server console only.
    Console,
}

/// Makes a fresh one-time link of `kind` for `user`, valid `ttl_secs`, voiding earlier
/// unused links; mails it or returns it. The audit entry never holds the token.
#[allow(clippy::too_many_arguments)]
pub fn issue(
    conn: &mut DbConnection,
    log: &mut Log,
    actor: &Actor,
    user: &UserRow,
    kind: AccountLink,
    ttl_secs: i64,
    link_of: impl Fn(&str) -> String,
    delivery: Delivery,
) -> AppResult<String> {
    let at = log.at().to_string();
    diesel::update(ct::table.filter(ct::user_id.eq(&user.id)).filter(ct::used_at.is_null()))
        .set(ct::used_at.eq(&at))
        .execute(conn)?;
    let token = crate::auth::random_secret("gta_");
    let expires = format_time(chrono::Utc::now() + chrono::Duration::seconds(ttl_secs.max(60)));
    let id = new_id();
    diesel::insert_into(ct::table)
        .values((
            ct::id.eq(&id),
            ct::user_id.eq(&user.id),
            ct::purpose.eq(purpose(kind)),
            ct::token_hash.eq(digest(&token)),
            ct::expires_at.eq(&expires),
            ct::created_at.eq(&at),
        ))
        .execute(conn)?;
    let link = link_of(&token);
    let mailed = delivery == Delivery::Mail;
    if mailed {
        let to =
            user.email.as_deref().ok_or_else(|| AppError::validation("email", "该用户没有电子邮箱,无法发送链接"))?;
        let mail = render_account_link(kind, &user.display_name, &user.username, &link, &expires);
        crate::service::mail::queue_direct(conn, &user.id, to, kind.mail_type(), log.last_seq(), mail)?;
    }
    let action = match kind {
        AccountLink::Activation => "user.invite",
        AccountLink::Reset => "user.password_reset_link",
    };
    log.audit(
        actor,
        action,
        "user",
        Some(&user.id),
        None,
        json!({"username": user.username, "link_id": id, "delivery": if mailed { "mail" } else { "console" }, "expires_at": expires}),
    );
    Ok(if mailed { String::new() } else { link })
}

/// Redeems a one-time link: sets the user's password (hashed by the caller), activates an
/// invited account or ends every session (API and web) after a reset, and consumes the link. Returns the
/// username. An unknown, used or expired link is one 422 on `token`, whichever it was.
pub fn redeem(conn: &mut DbConnection, log: &mut Log, token: &str, password_hash: &str) -> AppResult<String> {
    let invalid = || AppError::validation("token", "链接无效、已使用或已过期,请重新申请");
    let at = log.at().to_string();
    let row: Option<(String, String, String)> = ct::table
        .filter(ct::token_hash.eq(digest(token)))
        .filter(ct::used_at.is_null())
        .filter(ct::expires_at.gt(&at))
        .select((ct::id, ct::user_id, ct::purpose))
        .first(conn)
        .optional()?;
    let (id, user_id, purpose) = row.ok_or_else(invalid)?;
    let user = crate::service::users::by_id(conn, &user_id)?.ok_or_else(invalid)?;
    // A link is for the state it was made in: an activation link cannot revive a
    // deactivated account, a reset link does not work for an account not yet activated.
    let activation = purpose == "activate";
    if activation == is_activated(&user) || (!activation && !user.active) {
        return Err(invalid());
    }
    let n = diesel::update(ct::table.find(&id).filter(ct::used_at.is_null())).set(ct::used_at.eq(&at)).execute(conn)?;
    if n == 0 {
        return Err(invalid());
    }
    diesel::update(users::table.find(&user.id))
        .set((users::password_hash.eq(password_hash), users::active.eq(true)))
        .execute(conn)?;
    diesel::update(refresh_tokens::table.filter(refresh_tokens::user_id.eq(&user.id)))
        .filter(refresh_tokens::revoked_at.is_null())
        .set(refresh_tokens::revoked_at.eq(&at))
        .execute(conn)?;
    diesel::update(web_sessions::table.filter(web_sessions::user_id.eq(&user.id)))
        .filter(web_sessions::revoked_at.is_null())
        .set(web_sessions::revoked_at.eq(&at))
        .execute(conn)?;
    let actor = Actor { user_id: Some(user.id.clone()), agency_id: Some(user.agency_id.clone()) };
    let action = if activation { "user.activate" } else { "user.password_reset" };
    log.audit(&actor, action, "user", Some(&user.id), None, json!({"username": user.username, "link_id": id}));
    Ok(user.username)
}

/// A signed-in user changes their own password. The caller verified the current password
/// against `verified_hash` (off the connection) and hashed the new one: the new hash is set
/// only while the stored one is still the one verified (else 409, nothing changes). The
/// username's failed-attempt count (`user_key`) starts over, and every other session of the
/// user ends: its web sessions but `keep_web_session`, and all its API sessions. Audited
/// (never a password or hash).
pub fn change_password(
    conn: &mut DbConnection,
    p: &Principal,
    verified_hash: &str,
    new_hash: &str,
    keep_web_session: &str,
    user_key: &str,
) -> AppResult<()> {
    let user_id = crate::policy::require_user(p)?.to_string();
    write_tx(conn, |conn, log| {
        let at = log.at().to_string();
        let n = diesel::update(users::table.find(&user_id).filter(users::password_hash.eq(verified_hash)))
            .set(users::password_hash.eq(new_hash))
            .execute(conn)?;
        if n == 0 {
            return Err(AppError::Conflict("密码刚刚已被修改,请重新输入当前密码".into()));
        }
        let web = diesel::update(
            web_sessions::table
                .filter(web_sessions::user_id.eq(&user_id))
                .filter(web_sessions::id.ne(keep_web_session))
                .filter(web_sessions::revoked_at.is_null()),
        )
        .set(web_sessions::revoked_at.eq(&at))
        .execute(conn)?;
        let api = diesel::update(refresh_tokens::table.filter(refresh_tokens::user_id.eq(&user_id)))
            .filter(refresh_tokens::revoked_at.is_null())
            .set(refresh_tokens::revoked_at.eq(&at))
            .execute(conn)?;
        crate::store::throttle::succeeded(conn, user_key, &[])?;
        let detail = json!({"username": p.username, "web_sessions_ended": web, "api_tokens_revoked": api});
        log.audit(&Actor::from(p), "user.password_change", "user", Some(&user_id), None, detail);
        Ok(())
    })
}
