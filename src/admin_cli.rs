//! `guantong admin …`: administration from the server's shell, for the first steps and for
//! recovery (the same rules as the API; entries are audited with the actor `cli`).

use crate::db::DbPool;
use crate::domain::agency::{validate_code, validate_name, AgencyKind, AgencyLevel};
use crate::domain::{new_id, now, Role};
use crate::error::{AppError, FieldError};
use crate::service::agencies::Agency;
use crate::service::users::UserRow;
use crate::service::{self};
use crate::store::log::{write_tx, Actor};

fn cli_actor() -> Actor {
    Actor { user_id: Some("cli".into()), agency_id: None }
}

fn invalid(errs: Vec<FieldError>) -> anyhow::Error {
    anyhow::anyhow!(errs.into_iter().map(|e| format!("{}:{}", e.field, e.message)).collect::<Vec<_>>().join(";"))
}

pub fn create_agency(pool: &DbPool, code: &str, name: &str, kind: &str, level: &str) -> anyhow::Result<Agency> {
    let mut errs = Vec::new();
    validate_code(code, &mut errs);
    validate_name("name", name, &mut errs);
    let kind =
        AgencyKind::parse(kind).ok_or_else(|| anyhow::anyhow!("单位类别无效,可选:{}", AgencyKind::expected()))?;
    let level =
        AgencyLevel::parse(level).ok_or_else(|| anyhow::anyhow!("单位层级无效,可选:{}", AgencyLevel::expected()))?;
    if !errs.is_empty() {
        return Err(invalid(errs));
    }
    let a = Agency {
        id: new_id(),
        code: code.into(),
        name: name.trim().into(),
        kind: kind.as_str().into(),
        level: level.as_str().into(),
        parent_id: None,
        active: true,
        created_at: now(),
    };
    write_tx(&mut *pool.get()?, |conn, log| service::agencies::insert(conn, log, &cli_actor(), &a))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(a)
}

pub fn create_user(
    pool: &DbPool,
    username: &str,
    agency_code: &str,
    roles: &str,
    email: Option<String>,
    password: &str,
) -> anyhow::Result<()> {
    let roles_parsed = Role::parse_list(roles);
    if roles_parsed.is_empty() || roles_parsed.len() != roles.split(',').count() {
        anyhow::bail!("角色无效:{roles}(可选:{})", Role::expected());
    }
    if password.chars().count() < 10 {
        anyhow::bail!("密码至少 10 个字符");
    }
    let mut conn = pool.get()?;
    let agency = service::agencies::by_code(&mut conn, agency_code)?
        .ok_or_else(|| anyhow::anyhow!("单位代码 {agency_code} 不存在"))?;
    let errs = crate::policy::credentials::check_roles_for_agency(&agency.kind, &roles_parsed);
    if !errs.is_empty() {
        return Err(invalid(errs));
    }
    let row = UserRow {
        id: new_id(),
        username: username.into(),
        display_name: username.into(),
        password_hash: crate::auth::hash_password(password)?,
        agency_id: agency.id,
        roles: Role::join(&roles_parsed),
        email,
        active: true,
        created_at: now(),
    };
    write_tx(&mut conn, |conn, log| service::users::insert(conn, log, &cli_actor(), &row))
        .map_err(|e| anyhow::anyhow!("{e}"))
}

pub fn reset_password(pool: &DbPool, username: &str, password: &str) -> anyhow::Result<()> {
    use crate::db::schema::users;
    use diesel::prelude::*;
    if password.chars().count() < 10 {
        anyhow::bail!("密码至少 10 个字符");
    }
    let hash = crate::auth::hash_password(password)?;
    write_tx(&mut *pool.get()?, |conn, log| {
        let user = service::users::by_username(conn, username)?
            .ok_or_else(|| AppError::NotFound(format!("用户 {username} 不存在")))?;
        diesel::update(users::table.find(&user.id)).set(users::password_hash.eq(&hash)).execute(conn)?;
        // Every session of the user ends with the old password.
        diesel::update(
            crate::db::schema::refresh_tokens::table.filter(crate::db::schema::refresh_tokens::user_id.eq(&user.id)),
        )
        .set(crate::db::schema::refresh_tokens::revoked_at.eq(log.at()))
        .execute(conn)?;
        log.audit(
            &cli_actor(),
            "user.reset_password",
            "user",
            Some(&user.id),
            None,
            serde_json::json!({"username": username}),
        );
        Ok(())
    })
    .map_err(|e| anyhow::anyhow!("{e}"))
}

/// `guantong admin invite USERNAME`: a fresh one-time link for the user — activation while
/// the account has no password yet, else a password reset — printed on the server console
/// (where no SMTP is configured, this is how the link reaches the user). Earlier unused
/// links of the user stop working. Returns the link.
pub fn invite(pool: &DbPool, settings: &crate::config::Settings, username: &str) -> anyhow::Result<String> {
    use crate::service::credentials::{self, Delivery};
    write_tx(&mut *pool.get()?, |conn, log| {
        let user = service::users::by_username(conn, username)?
            .ok_or_else(|| AppError::NotFound(format!("用户 {username} 不存在")))?;
        let kind = credentials::link_kind(&user);
        if kind == crate::domain::mail::AccountLink::Reset && !user.active {
            return Err(AppError::Conflict(format!("用户 {username} 已停用")));
        }
        let ttl = match kind {
            crate::domain::mail::AccountLink::Activation => settings.activation_ttl_secs,
            crate::domain::mail::AccountLink::Reset => settings.reset_ttl_secs,
        };
        credentials::issue(
            conn,
            log,
            &cli_actor(),
            &user,
            kind,
            ttl,
            |t| settings.activation_link(t),
            Delivery::Console,
        )
    })
    .map_err(|e| anyhow::anyhow!("{e}"))
}

/// Reads a password from the first line of standard input (never from an argument, which
/// other users could see in the process list).
pub fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}
