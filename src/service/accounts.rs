//! User accounts as administrators manage them: creating (with a password, or by an
//! invitation mailed as a one-time link) and sending a fresh activation or reset link.

use crate::config::Settings;
use crate::db::DbConnection;
use crate::domain::ids::UserId;
use crate::domain::mail::AccountLink;
use crate::domain::user::UserDraft;
use crate::domain::{new_id, now, Role};
use crate::error::{AppError, AppResult};
use crate::policy::{self, Principal};
use crate::service::credentials::{self, Delivery};
use crate::service::users::{by_id, has_role, insert, User, UserRow};
use crate::store::log::{write_tx, Actor};

/// Creates a user (the hub admin or the unit's own agency admin). `password_hash` is the
/// hash of the draft's password (hashed by the caller, off the database connection); an
/// invitation is created inactive and mailed a one-time activation link.
pub fn create(
    conn: &mut DbConnection,
    p: &Principal,
    d: UserDraft,
    password_hash: Option<String>,
    settings: &Settings,
) -> AppResult<User> {
    policy::credentials::require_user_creator(p, &d.agency_id, &d.roles, !d.is_invitation())?;
    let invited = d.is_invitation();
    let row = UserRow {
        id: new_id(),
        username: d.username,
        display_name: d.display_name,
        password_hash: password_hash.unwrap_or_default(),
        agency_id: d.agency_id.into(),
        roles: Role::join(&d.roles),
        email: d.email,
        active: !invited,
        created_at: now(),
    };
    write_tx(conn, |conn, log| {
        let agency = crate::service::agencies::get(conn, &row.agency_id)
            .map_err(|_| AppError::validation("agency_id", "成员单位不存在"))?;
        let errs = policy::credentials::check_roles_for_agency(&agency.kind, &d.roles);
        if !errs.is_empty() {
            return Err(AppError::Validation(errs));
        }
        if p.has(Role::Admin) {
            let first = policy::credentials::first_account_role(&agency.kind);
            let has_admin = has_role(conn, &agency.id, first)?;
            policy::credentials::check_hub_invitation(&agency.kind, &d.roles, has_admin)?;
        }
        let actor = Actor::from(p);
        insert(conn, log, &actor, &row)?;
        if invited {
            credentials::issue(
                conn,
                log,
                &actor,
                &row,
                AccountLink::Activation,
                settings.activation_ttl_secs,
                |t| settings.activation_link(t),
                Delivery::Mail,
            )?;
        }
        Ok(User::try_from(row).map_err(anyhow::Error::from)?)
    })
}

/// Mails the user a fresh one-time link to their own email: activation while the account
/// is not activated, else a password reset (hub admin, or the user's agency admin; neither
/// sees the link). Earlier unused links stop working.
pub fn send_link(conn: &mut DbConnection, p: &Principal, id: &UserId, settings: &Settings) -> AppResult<()> {
    let not_found = || AppError::NotFound("用户不存在".into());
    write_tx(conn, |conn, log| {
        let user = by_id(conn, id)?.ok_or_else(not_found)?;
        policy::credentials::require_link_sender(p, &user.agency_id)?;
        let kind = credentials::link_kind(&user);
        if kind == AccountLink::Reset && !user.active {
            return Err(AppError::validation("id", "该用户已停用"));
        }
        let ttl = match kind {
            AccountLink::Activation => settings.activation_ttl_secs,
            AccountLink::Reset => settings.reset_ttl_secs,
        };
        credentials::issue(
            conn,
            log,
            &Actor::from(p),
            &user,
            kind,
            ttl,
            |t| settings.activation_link(t),
            Delivery::Mail,
        )?;
        Ok(())
    })
}
