//! Users (用户): created and invited by the hub admin or their agency admin; password links by mail.

use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::extract::{path_id, run, Auth, JsonBody, Query};
use crate::api::page::{self};
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::domain::agency::validate_name;
use crate::domain::mail::AccountLink;
use crate::domain::{is_id, new_id, now, Role};
use crate::error::{AppError, AppResult, FieldError};
use crate::policy::{self};
use crate::service::credentials::Delivery;
use crate::service::users::{User, UserRow};
use crate::service::{self};
use crate::store::log::{write_tx, Actor};
use utoipa::IntoParams;

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewUser {
    pub username: String,
    /// Set only by the unit's own admin. Leave it out to invite: the user gets a one-time
    /// activation link at `email` and sets their own password. The hub admin always invites
    /// (a password for an account with a content role is 403).
    pub password: Option<String>,
    pub agency_id: String,
    pub roles: Vec<Role>,
    /// Required when inviting (no `password`).
    pub email: Option<String>,
    pub display_name: Option<String>,
}

fn check_user(b: &NewUser) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let ok_name = (3..=64).contains(&b.username.len())
        && b.username.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
    if !ok_name {
        errs.push(FieldError::new("username", "用户名须为 3–64 位字母、数字、下划线、点或连字符"));
    }
    if let Some(pw) = &b.password {
        if !(10..=128).contains(&pw.chars().count()) {
            errs.push(FieldError::new("password", "密码须为 10–128 个字符"));
        }
    }
    if !is_id(&b.agency_id) {
        errs.push(FieldError::new("agency_id", "单位编号格式无效"));
    }
    if b.roles.is_empty() {
        errs.push(FieldError::new("roles", "至少指定一个角色"));
    }
    match &b.email {
        Some(e) => {
            let parts: Vec<&str> = e.split('@').collect();
            if parts.len() != 2 || parts[0].is_empty() || !parts[1].contains('.') || e.len() > 254 {
                errs.push(FieldError::new("email", "电子邮箱格式无效"));
            }
        }
        None if b.password.is_none() => errs
            .push(FieldError::new("email", "以邀请方式创建用户(不填 password)须填写电子邮箱,激活链接将发送至该邮箱")),
        None => {}
    }
    if let Some(d) = &b.display_name {
        validate_name("display_name", d, &mut errs);
    }
    errs
}

/// Creates a user. The hub admin invites a unit's first agency admin (no `password`): the
/// user is created inactive and mailed a one-time activation link (`POST /auth/activate`). An agency admin creates its
/// own unit's users, with a password or by invitation. Users of the hub (operator) agency
/// hold only the `admin` role, and `admin` only they (422 on `roles`).
#[utoipa::path(tag = "用户", request_body = NewUser, responses(
    (status = 201, body = User), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    Auth(p): Auth,
    body: JsonBody<NewUser>,
) -> AppResult<HttpResponse> {
    let b = body.0;
    policy::credentials::require_user_creator(&p, &b.agency_id, &b.roles, b.password.is_some())?;
    let errs = check_user(&b);
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    let (hash, b) = match b.password.clone() {
        Some(pw) => web::block(move || crate::auth::hash_password(&pw).map(|h| (h, b))).await??,
        // An invited user has no password until they set one through the link.
        None => (String::new(), b),
    };
    let invited = hash.is_empty();
    let row = UserRow {
        id: new_id(),
        display_name: b.display_name.clone().unwrap_or_else(|| b.username.clone()),
        username: b.username,
        password_hash: hash,
        agency_id: b.agency_id,
        roles: Role::join(&b.roles),
        email: b.email,
        active: !invited,
        created_at: now(),
    };
    let settings = state.settings.clone();
    let user = run(&state.pool, move |conn| {
        write_tx(conn, |conn, log| {
            let agency = service::agencies::get(conn, &row.agency_id)
                .map_err(|_| AppError::validation("agency_id", "成员单位不存在"))?;
            let roles = Role::from_stored_list(&row.roles).map_err(anyhow::Error::from)?;
            let errs = policy::credentials::check_roles_for_agency(&agency.kind, &roles);
            if !errs.is_empty() {
                return Err(AppError::Validation(errs));
            }
            if p.has(Role::Admin) {
                let has_admin = service::users::has_role(conn, &agency.id, Role::AgencyAdmin)?;
                policy::credentials::check_hub_invitation(&agency.kind, &roles, has_admin)?;
            }
            let actor = Actor::from(&p);
            service::users::insert(conn, log, &actor, &row)?;
            if invited {
                service::credentials::issue(
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
    })
    .await?;
    Ok(HttpResponse::Created().json(user))
}

/// Mails the user a fresh one-time link to their own email: a new activation link while the
/// account is not activated, else a password-reset link (hub admin, or the user's agency
/// admin; neither sees the link). Earlier unused links stop working.
#[utoipa::path(tag = "用户", responses(
    (status = 202), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/users/{id}/password-reset")]
pub async fn send_user_link(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let not_found = || AppError::NotFound("用户不存在".into());
    let id = path_id(&id, not_found)?;
    let settings = state.settings.clone();
    run(&state.pool, move |conn| {
        write_tx(conn, |conn, log| {
            let user = service::users::by_id(conn, &id)?.ok_or_else(not_found)?;
            policy::credentials::require_link_sender(&p, &user.agency_id)?;
            let kind = service::credentials::link_kind(&user);
            if kind == AccountLink::Reset && !user.active {
                return Err(AppError::validation("id", "该用户已停用"));
            }
            let ttl = match kind {
                AccountLink::Activation => settings.activation_ttl_secs,
                AccountLink::Reset => settings.reset_ttl_secs,
            };
            service::credentials::issue(
                conn,
                log,
                &Actor::from(&p),
                &user,
                kind,
                ttl,
                |t| settings.activation_link(t),
                Delivery::Mail,
            )
        })
    })
    .await?;
    Ok(HttpResponse::Accepted().finish())
}

/// Users: all for the admin, the own agency's for an agency admin.
/// In username order, a page at a time; `agency_id` and `role` filter (an agency admin who
/// names another agency gets an empty page).
#[utoipa::path(tag = "用户", params(UserParams), responses((status = 200, body = UserPage), (status = 400, body = Problem),
    (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    Auth(p): Auth,
    params: Query<UserParams>,
) -> AppResult<HttpResponse> {
    let params = params.into_inner();
    let wanted = params.agency_id.filter(|a| !a.is_empty());
    let scope = policy::user_list_scope(&p, wanted.as_deref())?;
    let w = page::key_window(params.cursor.as_deref(), params.limit)?;
    let role = match params.role.as_deref().filter(|r| !r.is_empty()) {
        None => None,
        Some(r) => {
            Some(Role::parse(r).ok_or_else(|| AppError::validation("role", format!("可选:{}", Role::expected())))?)
        }
    };
    if wanted.as_deref().is_some_and(|a| !is_id(a)) {
        return Err(AppError::validation("agency_id", "单位编号格式无效"));
    }
    let agency = match scope {
        policy::UserList::All => None,
        policy::UserList::Agency(a) => Some(a),
        policy::UserList::Nothing => return Ok(HttpResponse::Ok().json(UserPage { items: vec![], next_cursor: None })),
    };
    let page = run(&state.pool, move |conn| service::users::page(conn, &w, agency.as_deref(), role)).await?;
    Ok(HttpResponse::Ok().json(UserPage::from(page)))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct UserParams {
    /// Only the users of this member unit.
    #[param(schema_with = crate::contract::id_or_empty_param)]
    pub agency_id: Option<String>,
    /// Only the users holding this role.
    #[param(schema_with = crate::contract::role_param)]
    pub role: Option<String>,
    #[param(schema_with = crate::contract::key_cursor_param)]
    pub cursor: Option<String>,
    #[param(schema_with = crate::contract::limit_param)]
    pub limit: Option<i64>,
}

crate::page_schema!(UserPage, User);
