//! Sessions (rotating refresh tokens, grouped in families) and API keys for agency systems.

use diesel::prelude::*;
use serde::Serialize;

use crate::auth::digest;
use crate::contract::page::{Page, Window};
use crate::db::schema::{agencies, api_keys, refresh_tokens, users};
use crate::db::DbConnection;
use crate::domain::agency::validate_name;
use crate::domain::ids::{AgencyId, ApiKeyId};
use crate::domain::{new_id, Role};
use crate::error::{AppError, AppResult};
use crate::policy::{self, Principal};
use crate::store::log::{write_tx, Actor};

/// Stores a new refresh token of `family_id`.
pub fn insert_refresh(
    conn: &mut DbConnection,
    user_id: &str,
    family_id: &str,
    token: &str,
    expires_at: &str,
    now: &str,
) -> QueryResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::id.eq(new_id()),
            refresh_tokens::user_id.eq(user_id),
            refresh_tokens::family_id.eq(family_id),
            refresh_tokens::token_hash.eq(digest(token)),
            refresh_tokens::expires_at.eq(expires_at),
            refresh_tokens::created_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

pub enum RefreshOutcome {
    /// The token was current: it is now revoked; continue the family with a new one.
    Rotated { user_id: String, family_id: String },
    /// Unknown, expired, or revoked (a revoked token presented again means it was stolen or
    /// replayed: the whole family is revoked).
    Rejected,
}

pub fn rotate_refresh(conn: &mut DbConnection, token: &str, now: &str) -> QueryResult<RefreshOutcome> {
    let row: Option<(String, String, String, String, Option<String>)> = refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(digest(token)))
        .select((
            refresh_tokens::id,
            refresh_tokens::user_id,
            refresh_tokens::family_id,
            refresh_tokens::expires_at,
            refresh_tokens::revoked_at,
        ))
        .first(conn)
        .optional()?;
    let Some((id, user_id, family_id, expires_at, revoked_at)) = row else {
        return Ok(RefreshOutcome::Rejected);
    };
    if revoked_at.is_some() {
        revoke_family(conn, &family_id, now)?;
        return Ok(RefreshOutcome::Rejected);
    }
    if expires_at.as_str() <= now {
        return Ok(RefreshOutcome::Rejected);
    }
    diesel::update(refresh_tokens::table.find(&id)).set(refresh_tokens::revoked_at.eq(now)).execute(conn)?;
    Ok(RefreshOutcome::Rotated { user_id, family_id })
}

pub fn revoke_family(conn: &mut DbConnection, family_id: &str, now: &str) -> QueryResult<usize> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now))
    .execute(conn)
}

/// The family a refresh token belongs to, if it is known.
pub fn family_of(conn: &mut DbConnection, token: &str) -> QueryResult<Option<(String, String)>> {
    refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(digest(token)))
        .select((refresh_tokens::family_id, refresh_tokens::user_id))
        .first(conn)
        .optional()
}

/// Resolves an access token's subject into a principal, if the user is active, its agency
/// exists and the session (family) still has a live token.
pub fn principal_for_session(
    conn: &mut DbConnection,
    user_id: &str,
    session_id: &str,
    now: &str,
) -> QueryResult<Option<Principal>> {
    let live: i64 = refresh_tokens::table
        .filter(refresh_tokens::family_id.eq(session_id))
        .filter(refresh_tokens::user_id.eq(user_id))
        .filter(refresh_tokens::revoked_at.is_null())
        .filter(refresh_tokens::expires_at.gt(now))
        .count()
        .get_result(conn)?;
    if live == 0 {
        return Ok(None);
    }
    principal_of_user(conn, user_id)
}

/// The principal of an active user of an active unit (`None` for any other user: a
/// deactivated user, or a user of a deactivated unit, has no session).
pub fn principal_of_user(conn: &mut DbConnection, user_id: &str) -> QueryResult<Option<Principal>> {
    let user: Option<(String, String, String)> = users::table
        .inner_join(agencies::table.on(agencies::id.eq(users::agency_id)))
        .filter(users::id.eq(user_id))
        .filter(users::active.eq(true))
        .filter(agencies::active.eq(true))
        .select((users::username, users::agency_id, users::roles))
        .first(conn)
        .optional()?;
    let Some((username, agency_id, roles)) = user else {
        return Ok(None);
    };
    Ok(Some(Principal {
        user_id: Some(user_id.to_string()),
        api_key_id: None,
        username,
        agency_id,
        roles: Role::from_stored_list(&roles).map_err(crate::store::unknown_stored)?,
    }))
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = api_keys)]
pub struct ApiKey {
    pub id: String,
    pub agency_id: String,
    pub name: String,
    /// The key's first characters, to tell keys apart (the key itself is never stored).
    pub prefix: String,
    #[serde(skip)]
    pub key_hash: String,
    pub roles: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
}

/// Issues an API key for an agency system (the agency's own admin): the name is checked,
/// the roles default to liaison and never include admin. Returns the key row and the key
/// itself, which is shown once and stored only as a digest.
pub fn issue_api_key(
    conn: &mut DbConnection,
    p: &Principal,
    agency_id: &AgencyId,
    name: &str,
    roles: Vec<Role>,
) -> AppResult<(ApiKey, String)> {
    policy::credentials::require_key_issuer(p, agency_id)?;
    let mut errs = Vec::new();
    validate_name("name", name, &mut errs);
    let roles = if roles.is_empty() { vec![Role::Liaison] } else { roles };
    errs.extend(policy::credentials::check_key_roles(&roles));
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    let secret = crate::auth::random_secret("gtk_");
    let key = write_tx(conn, |conn, log| {
        crate::service::agencies::get(conn, agency_id)?;
        let id = new_id();
        let prefix: String = secret.chars().take(12).collect();
        let name = name.trim();
        diesel::insert_into(api_keys::table)
            .values((
                api_keys::id.eq(&id),
                api_keys::agency_id.eq(agency_id.as_str()),
                api_keys::name.eq(name),
                api_keys::prefix.eq(&prefix),
                api_keys::key_hash.eq(digest(&secret)),
                api_keys::roles.eq(Role::join(&roles)),
                api_keys::created_at.eq(log.at()),
            ))
            .execute(conn)?;
        log.audit(
            &Actor::from(p),
            "api_key.create",
            "api_key",
            Some(&id),
            None,
            serde_json::json!({"agency_id": agency_id, "name": name, "prefix": prefix}),
        );
        Ok(api_keys::table.find(&id).select(ApiKey::as_select()).first(conn)?)
    })?;
    Ok((key, secret))
}

/// Revokes an API key at once (the agency's own admin, or the hub admin).
pub fn revoke_api_key(
    conn: &mut DbConnection,
    p: &Principal,
    agency_id: &AgencyId,
    key_id: &ApiKeyId,
) -> AppResult<()> {
    policy::credentials::require_key_keeper(p, agency_id)?;
    write_tx(conn, |conn, log| {
        let n = diesel::update(
            api_keys::table
                .filter(api_keys::id.eq(key_id.as_str()))
                .filter(api_keys::agency_id.eq(agency_id.as_str()))
                .filter(api_keys::revoked_at.is_null()),
        )
        .set(api_keys::revoked_at.eq(log.at()))
        .execute(conn)?;
        if n == 0 {
            return Err(AppError::NotFound("接入密钥不存在或已吊销".into()));
        }
        log.audit(
            &Actor::from(p),
            "api_key.revoke",
            "api_key",
            Some(key_id),
            None,
            serde_json::json!({"agency_id": agency_id}),
        );
        Ok(())
    })
}

/// Resolves an API key into a principal, if it is live and its agency active.
pub fn principal_for_api_key(conn: &mut DbConnection, secret: &str) -> QueryResult<Option<Principal>> {
    let row: Option<(String, String, String, String)> = api_keys::table
        .inner_join(agencies::table.on(agencies::id.eq(api_keys::agency_id)))
        .filter(api_keys::key_hash.eq(digest(secret)))
        .filter(api_keys::revoked_at.is_null())
        .filter(agencies::active.eq(true))
        .select((api_keys::id, api_keys::agency_id, api_keys::name, api_keys::roles))
        .first(conn)
        .optional()?;
    let Some((id, agency_id, name, roles)) = row else { return Ok(None) };
    Ok(Some(Principal {
        user_id: None,
        api_key_id: Some(id),
        username: format!("系统接入:{name}"),
        agency_id,
        roles: Role::from_stored_list(&roles).map_err(crate::store::unknown_stored)?,
    }))
}

/// A page of the agency's API keys in the order they were issued.
pub fn page_api_keys(conn: &mut DbConnection, agency_id: &str, w: &Window) -> AppResult<Page<ApiKey>> {
    let mut q = api_keys::table
        .filter(api_keys::agency_id.eq(agency_id.to_string()))
        .order(api_keys::id)
        .limit(w.limit)
        .select(ApiKey::as_select())
        .into_boxed();
    if let Some(after) = &w.after {
        q = q.filter(api_keys::id.gt(after.clone()));
    }
    Ok(Page::of(q.load(conn)?, w, |k| &k.id))
}
