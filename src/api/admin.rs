//! Hub administration: member units, users, API keys, sharing groups and agreements.
//! Administration is the `admin` role's (rule 1: it administers, it does not read content).

use actix_web::{delete, get, patch, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::extract::{path_id, run, Auth, JsonBody};
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::domain::agency::{validate_code, validate_name, AgencyKind, AgencyLevel};
use crate::domain::mail::AccountLink;
use crate::domain::record::RecordKind;
use crate::domain::{is_id, new_id, now, Role};
use crate::error::{AppError, AppResult, FieldError};
use crate::policy::{self, Principal};
use crate::store::agencies::{Agency, AgencyChanges};
use crate::store::agreements::AgreementView;
use crate::store::auth::ApiKey;
use crate::store::credentials::Delivery;
use crate::store::groups::Group;
use crate::store::log::{write_tx, Actor};
use crate::store::users::{User, UserRow};
use crate::store::{self, directory, records, subscriptions};

fn agency_not_found() -> AppError {
    AppError::NotFound("成员单位不存在".into())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewAgency {
    #[schema(pattern = "^[a-z0-9_-]{2,32}$")]
    pub code: String,
    #[schema(schema_with = crate::contract::name_100)]
    pub name: String,
    pub kind: AgencyKind,
    pub level: AgencyLevel,
    #[schema(schema_with = crate::contract::id_or_null)]
    pub parent_id: Option<String>,
}

/// Member units (every signed-in user may list them, to address distributions).
#[utoipa::path(tag = "成员单位", responses((status = 200, body = Vec<Agency>)), security(("bearer" = [])))]
#[get("/agencies")]
pub async fn list_agencies(state: web::Data<AppState>, _auth: Auth) -> AppResult<HttpResponse> {
    let list = run(&state.pool, |conn| Ok(store::agencies::list(conn)?)).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Creates a member unit (admin).
#[utoipa::path(tag = "成员单位", request_body = NewAgency, responses(
    (status = 201, body = Agency), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/agencies")]
pub async fn create_agency(
    state: web::Data<AppState>,
    Auth(p): Auth,
    body: JsonBody<NewAgency>,
) -> AppResult<HttpResponse> {
    policy::require_admin(&p)?;
    let b = body.0;
    let mut errs = Vec::new();
    validate_code(&b.code, &mut errs);
    if b.kind == AgencyKind::Hub {
        errs.push(FieldError::new("kind", "平台运维单位(hub)由系统创建,不能新建"));
    }
    validate_name("name", &b.name, &mut errs);
    if b.parent_id.as_ref().is_some_and(|id| !is_id(id)) {
        errs.push(FieldError::new("parent_id", "上级单位编号格式无效"));
    }
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    let agency = Agency {
        id: new_id(),
        code: b.code,
        name: b.name.trim().to_string(),
        kind: b.kind.as_str().into(),
        level: b.level.as_str().into(),
        parent_id: b.parent_id,
        active: true,
        created_at: now(),
    };
    let a = agency.clone();
    run(&state.pool, move |conn| {
        write_tx(conn, |conn, log| {
            if let Some(parent) = &a.parent_id {
                store::agencies::get(conn, parent).map_err(|_| AppError::validation("parent_id", "上级单位不存在"))?;
            }
            store::agencies::insert(conn, log, &Actor::from(&p), &a)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(agency))
}

/// One member unit.
#[utoipa::path(tag = "成员单位", responses((status = 200, body = Agency), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/agencies/{id}")]
pub async fn get_agency(state: web::Data<AppState>, _auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let id = path_id(&id, agency_not_found)?;
    let a = run(&state.pool, move |conn| store::agencies::get(conn, &id)).await?;
    Ok(HttpResponse::Ok().json(a))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AgencyPatch {
    #[schema(schema_with = crate::contract::name_100_or_null)]
    pub name: Option<String>,
    pub kind: Option<AgencyKind>,
    pub level: Option<AgencyLevel>,
    #[schema(schema_with = crate::contract::id_or_null)]
    pub parent_id: Option<String>,
    /// A deactivated unit can no longer sign in, use its API keys or receive shares.
    pub active: Option<bool>,
}

/// Changes a member unit (admin).
#[utoipa::path(tag = "成员单位", request_body = AgencyPatch, responses(
    (status = 200, body = Agency), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[patch("/agencies/{id}")]
pub async fn update_agency(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<AgencyPatch>,
) -> AppResult<HttpResponse> {
    policy::require_admin(&p)?;
    let id = path_id(&id, agency_not_found)?;
    let b = body.0;
    let mut errs = Vec::new();
    if let Some(n) = &b.name {
        validate_name("name", n, &mut errs);
    }
    if b.parent_id.as_ref().is_some_and(|pid| !is_id(pid) || *pid == id) {
        errs.push(FieldError::new("parent_id", "上级单位无效"));
    }
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    let changes = AgencyChanges {
        name: b.name.map(|n| n.trim().to_string()),
        kind: b.kind.map(|k| k.as_str().to_string()),
        level: b.level.map(|l| l.as_str().to_string()),
        parent_id: b.parent_id.map(Some),
        active: b.active,
    };
    let a = run(&state.pool, move |conn| {
        write_tx(conn, |conn, log| {
            // The hub agency stays the hub and no member unit becomes one: the hub's users
            // hold only the admin role, and member units' users never do.
            if let Some(kind) = &changes.kind {
                let current = store::agencies::get(conn, &id)?;
                if policy::credentials::is_hub(&current.kind) != policy::credentials::is_hub(kind) {
                    return Err(AppError::validation(
                        "kind",
                        "不能把成员单位改为平台运维单位,也不能改变平台运维单位的类别",
                    ));
                }
            }
            store::agencies::update(conn, log, &Actor::from(&p), &id, changes)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(a))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewApiKey {
    /// What the key is for, e.g. 案件管理系统.
    #[schema(schema_with = crate::contract::name_100)]
    pub name: String,
    /// Defaults to `["liaison"]`; `admin` is not allowed for keys.
    #[serde(default)]
    #[schema(schema_with = crate::contract::key_roles)]
    pub roles: Vec<Role>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CreatedApiKey {
    pub id: String,
    pub agency_id: String,
    pub name: String,
    pub prefix: String,
    pub roles: Vec<Role>,
    /// The key itself: shown once, stored only as a digest.
    pub key: String,
}

/// Issues an API key for an agency system: the agency's own admin only (a key reads the
/// agency's content, so the hub admin issues none: 403).
#[utoipa::path(tag = "成员单位", request_body = NewApiKey, responses(
    (status = 201, body = CreatedApiKey), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/agencies/{id}/api-keys")]
pub async fn create_api_key(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<NewApiKey>,
) -> AppResult<HttpResponse> {
    let id = path_id(&id, agency_not_found)?;
    policy::credentials::require_key_issuer(&p, &id)?;
    let b = body.0;
    let mut errs = Vec::new();
    validate_name("name", &b.name, &mut errs);
    let roles = if b.roles.is_empty() { vec![Role::Liaison] } else { b.roles };
    if roles.contains(&Role::Admin) {
        errs.push(FieldError::new("roles", "接入密钥不能拥有平台管理员角色"));
    }
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    let secret = crate::auth::random_secret("gtk_");
    let s = secret.clone();
    let key = run(&state.pool, move |conn| {
        write_tx(conn, |conn, log| {
            store::agencies::get(conn, &id)?;
            store::auth::create_api_key(conn, log, &Actor::from(&p), &id, b.name.trim(), &roles, &s)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(CreatedApiKey {
        roles: Role::from_stored_list(&key.roles).map_err(anyhow::Error::from)?,
        id: key.id,
        agency_id: key.agency_id,
        name: key.name,
        prefix: key.prefix,
        key: secret,
    }))
}

/// The agency's API keys (never the keys themselves).
#[utoipa::path(tag = "成员单位", responses((status = 200, body = Vec<ApiKey>), (status = 403, body = Problem)), security(("bearer" = [])))]
#[get("/agencies/{id}/api-keys")]
pub async fn list_api_keys(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = path_id(&id, agency_not_found)?;
    policy::credentials::require_key_keeper(&p, &id)?;
    let keys = run(&state.pool, move |conn| Ok(store::auth::list_api_keys(conn, &id)?)).await?;
    Ok(HttpResponse::Ok().json(keys))
}

/// Revokes an API key at once.
#[utoipa::path(tag = "成员单位", responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
#[delete("/agencies/{id}/api-keys/{key_id}")]
pub async fn revoke_api_key(
    state: web::Data<AppState>,
    Auth(p): Auth,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (id, key_id) = path.into_inner();
    let id = path_id(&id, agency_not_found)?;
    policy::credentials::require_key_keeper(&p, &id)?;
    let key_id = path_id(&key_id, || AppError::NotFound("接入密钥不存在".into()))?;
    run(&state.pool, move |conn| {
        write_tx(conn, |conn, log| store::auth::revoke_api_key(conn, log, &Actor::from(&p), &id, &key_id))
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

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
            let agency = store::agencies::get(conn, &row.agency_id)
                .map_err(|_| AppError::validation("agency_id", "成员单位不存在"))?;
            let roles = Role::from_stored_list(&row.roles).map_err(anyhow::Error::from)?;
            let errs = policy::credentials::check_roles_for_agency(&agency.kind, &roles);
            if !errs.is_empty() {
                return Err(AppError::Validation(errs));
            }
            if p.has(Role::Admin) {
                let has_admin = store::users::has_role(conn, &agency.id, Role::AgencyAdmin)?;
                policy::credentials::check_hub_invitation(&agency.kind, &roles, has_admin)?;
            }
            let actor = Actor::from(&p);
            store::users::insert(conn, log, &actor, &row)?;
            if invited {
                store::credentials::issue(
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
            let user = store::users::by_id(conn, &id)?.ok_or_else(not_found)?;
            policy::credentials::require_link_sender(&p, &user.agency_id)?;
            let kind = store::credentials::link_kind(&user);
            if kind == AccountLink::Reset && !user.active {
                return Err(AppError::validation("id", "该用户已停用"));
            }
            let ttl = match kind {
                AccountLink::Activation => settings.activation_ttl_secs,
                AccountLink::Reset => settings.reset_ttl_secs,
            };
            store::credentials::issue(
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
#[utoipa::path(tag = "用户", responses((status = 200, body = Vec<User>), (status = 403, body = Problem)), security(("bearer" = [])))]
#[get("/users")]
pub async fn list_users(state: web::Data<AppState>, Auth(p): Auth) -> AppResult<HttpResponse> {
    let scope = policy::user_list_scope(&p)?;
    let users = run(&state.pool, move |conn| Ok(store::users::list(conn, scope.as_deref())?)).await?;
    Ok(HttpResponse::Ok().json(users))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewGroup {
    #[schema(schema_with = crate::contract::name_100)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    #[schema(schema_with = crate::contract::id_list)]
    pub agency_ids: Vec<String>,
}

/// Sharing groups and their members.
#[utoipa::path(tag = "共享组", responses((status = 200, body = Vec<Group>)), security(("bearer" = [])))]
#[get("/groups")]
pub async fn list_groups(state: web::Data<AppState>, _auth: Auth) -> AppResult<HttpResponse> {
    let groups = run(&state.pool, |conn| Ok(store::groups::list(conn)?)).await?;
    Ok(HttpResponse::Ok().json(groups))
}

/// Creates a sharing group (admin).
#[utoipa::path(tag = "共享组", request_body = NewGroup, responses(
    (status = 201, body = Group), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/groups")]
pub async fn create_group(
    state: web::Data<AppState>,
    Auth(p): Auth,
    body: JsonBody<NewGroup>,
) -> AppResult<HttpResponse> {
    policy::require_admin(&p)?;
    let b = body.0;
    let mut errs = Vec::new();
    validate_name("name", &b.name, &mut errs);
    for (i, a) in b.agency_ids.iter().enumerate() {
        if !is_id(a) {
            errs.push(FieldError::new(format!("agency_ids[{i}]"), "单位编号格式无效"));
        }
    }
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    let id = new_id();
    let group = run(&state.pool, move |conn| {
        write_tx(conn, |conn, log| {
            let actor = Actor::from(&p);
            for (i, a) in b.agency_ids.iter().enumerate() {
                let agency = store::agencies::get(conn, a)
                    .map_err(|_| AppError::validation(&format!("agency_ids[{i}]"), "成员单位不存在"))?;
                if !policy::credentials::receives_records(&agency.kind) {
                    return Err(AppError::validation(
                        &format!("agency_ids[{i}]"),
                        policy::credentials::HUB_RECEIVES_NOTHING,
                    ));
                }
            }
            store::groups::insert(conn, log, &actor, &id, b.name.trim(), &b.description, &b.agency_ids)?;
            store::groups::get(conn, &id)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(group))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewMember {
    #[schema(schema_with = crate::contract::id_body)]
    pub agency_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MembershipChange {
    pub group: Group,
    /// Records the agency gained (shared to it) or lost (tombstoned) through this change.
    pub records_shared: usize,
    pub records_revoked: usize,
}

fn change_membership(
    p: Principal,
    group_id: String,
    agency_id: String,
    join: bool,
) -> impl FnOnce(&mut crate::db::DbConnection) -> AppResult<MembershipChange> {
    move |conn| {
        write_tx(conn, |conn, log| {
            let actor = Actor::from(&p);
            store::groups::get(conn, &group_id)?;
            let agency = store::agencies::get(conn, &agency_id)
                .map_err(|_| AppError::validation("agency_id", "成员单位不存在"))?;
            if join && !policy::credentials::receives_records(&agency.kind) {
                return Err(AppError::validation("agency_id", policy::credentials::HUB_RECEIVES_NOTHING));
            }
            let before = directory::load(conn)?;
            if join {
                store::membership::refuse_join_outside_agreements(conn, &group_id, &agency_id)?;
                store::groups::add_member_row(conn, log, &actor, &group_id, &agency_id)?;
            } else {
                store::groups::remove_member_row(conn, log, &actor, &group_id, &agency_id)?;
            }
            let after = directory::load(conn)?;
            let rules = subscriptions::all_rules(conn)?;
            let (shared, revoked) =
                records::propagate_membership(conn, log, &p.agency_id, &group_id, &agency_id, &before, &after, &rules)?;
            Ok(MembershipChange {
                group: store::groups::get(conn, &group_id)?,
                records_shared: shared,
                records_revoked: revoked,
            })
        })
    }
}

/// Adds a member: it receives the group's records from now on, old ones included.
#[utoipa::path(tag = "共享组", request_body = NewMember, responses(
    (status = 200, body = MembershipChange), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/groups/{id}/members")]
pub async fn add_group_member(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<NewMember>,
) -> AppResult<HttpResponse> {
    policy::require_admin(&p)?;
    let group_id = path_id(&id, || AppError::NotFound("共享组不存在".into()))?;
    if !is_id(&body.0.agency_id) {
        return Err(AppError::validation("agency_id", "单位编号格式无效"));
    }
    let out = run(&state.pool, change_membership(p, group_id, body.0.agency_id, true)).await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Removes a member: its feed gets a tombstone for each group record it can no longer read.
#[utoipa::path(tag = "共享组", responses(
    (status = 200, body = MembershipChange), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[delete("/groups/{id}/members/{agency_id}")]
pub async fn remove_group_member(
    state: web::Data<AppState>,
    Auth(p): Auth,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    policy::require_admin(&p)?;
    let (id, agency_id) = path.into_inner();
    let group_id = path_id(&id, || AppError::NotFound("共享组不存在".into()))?;
    let agency_id = path_id(&agency_id, || AppError::NotFound("该单位不是此共享组成员".into()))?;
    let out = run(&state.pool, change_membership(p, group_id, agency_id, false)).await?;
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewAgreement {
    #[schema(schema_with = crate::contract::name_100)]
    pub name: String,
    /// The source: an agency, or every agency of a kind (one of the two).
    #[schema(schema_with = crate::contract::id_or_null)]
    pub source_agency_id: Option<String>,
    pub source_kind: Option<AgencyKind>,
    pub record_kind: RecordKind,
    #[serde(default)]
    #[schema(schema_with = crate::contract::id_list)]
    pub recipient_agency_ids: Vec<String>,
    #[serde(default)]
    pub recipient_kinds: Vec<AgencyKind>,
    /// Whether protected fields may go with the records.
    #[serde(default)]
    pub protected_fields: bool,
}

/// Sharing agreements (协作意见).
#[utoipa::path(tag = "协作意见", responses((status = 200, body = Vec<AgreementView>)), security(("bearer" = [])))]
#[get("/agreements")]
pub async fn list_agreements(state: web::Data<AppState>, _auth: Auth) -> AppResult<HttpResponse> {
    let list = run(&state.pool, |conn| Ok(store::agreements::list(conn)?)).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Creates a sharing agreement (admin). From then on the source's records of that kind may
/// go only to the recipients that agreements allow.
#[utoipa::path(tag = "协作意见", request_body = NewAgreement, responses(
    (status = 201, body = AgreementView), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/agreements")]
pub async fn create_agreement(
    state: web::Data<AppState>,
    Auth(p): Auth,
    body: JsonBody<NewAgreement>,
) -> AppResult<HttpResponse> {
    policy::require_admin(&p)?;
    let b = body.0;
    let mut errs = Vec::new();
    validate_name("name", &b.name, &mut errs);
    if b.source_agency_id.is_some() == b.source_kind.is_some() {
        errs.push(FieldError::new(
            "source_agency_id",
            "须且只须指定来源单位(source_agency_id)或来源单位类别(source_kind)之一",
        ));
    }
    if b.source_agency_id.as_ref().is_some_and(|s| !is_id(s)) {
        errs.push(FieldError::new("source_agency_id", "单位编号格式无效"));
    }
    if b.recipient_agency_ids.is_empty() && b.recipient_kinds.is_empty() {
        errs.push(FieldError::new("recipient_agency_ids", "须列出允许的接收单位或接收单位类别"));
    }
    for (i, a) in b.recipient_agency_ids.iter().enumerate() {
        if !is_id(a) {
            errs.push(FieldError::new(format!("recipient_agency_ids[{i}]"), "单位编号格式无效"));
        }
    }
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    let view = AgreementView {
        id: new_id(),
        name: b.name.trim().to_string(),
        source_agency_id: b.source_agency_id,
        source_kind: b.source_kind.map(|k| k.as_str().to_string()),
        record_kind: b.record_kind.as_str().to_string(),
        recipient_agency_ids: b.recipient_agency_ids,
        recipient_kinds: b.recipient_kinds.iter().map(|k| k.as_str().to_string()).collect(),
        protected_fields: b.protected_fields,
        created_at: now(),
    };
    let v = view.clone();
    run(&state.pool, move |conn| {
        write_tx(conn, |conn, log| {
            for id in v.source_agency_id.iter().chain(v.recipient_agency_ids.iter()) {
                store::agencies::get(conn, id)
                    .map_err(|_| AppError::validation("recipient_agency_ids", format!("成员单位 {id} 不存在")))?;
            }
            store::agreements::insert(conn, log, &Actor::from(&p), &v)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(view))
}
