//! Users (用户): created and invited by the hub admin or their agency admin; password links by mail.

use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::extract::{path_id, run, Auth, JsonBody, Query};
use crate::api::page::{self};
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::domain::ids::UserId;
use crate::domain::user::UserDraft;
use crate::domain::{is_id, Role};
use crate::error::{AppError, AppResult};
use crate::policy::{self};
use crate::service::users::User;
use crate::service::{self};
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
    let draft = UserDraft::parse(b.username, b.password, &b.agency_id, b.roles, b.email, b.display_name)?;
    let hash = match draft.password.clone() {
        Some(pw) => Some(web::block(move || crate::auth::hash_password(&pw)).await??),
        None => None,
    };
    let settings = state.settings.clone();
    let user = run(&state.pool, move |conn| service::accounts::create(conn, &p, draft, hash, &settings)).await?;
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
    let id: UserId = path_id(&id, || AppError::NotFound("用户不存在".into()))?;
    let settings = state.settings.clone();
    run(&state.pool, move |conn| service::accounts::send_link(conn, &p, &id, &settings)).await?;
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
