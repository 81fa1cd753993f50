//! Users (联络员, 管理员) of member units.

use diesel::prelude::*;
use serde::Serialize;

use crate::contract::page::{Page, Window};
use crate::db::schema::users;
use crate::db::DbConnection;
use crate::domain::Role;
use crate::error::{AppError, AppResult};
use crate::store::log::{Actor, Log};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub agency_id: String,
    pub roles: String,
    pub email: Option<String>,
    pub active: bool,
    pub created_at: String,
}

/// A user as the API shows it (never the password hash).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct User {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub agency_id: String,
    pub roles: Vec<Role>,
    pub email: Option<String>,
    pub active: bool,
    pub created_at: String,
}

impl TryFrom<UserRow> for User {
    type Error = crate::domain::UnknownStoredValue;
    fn try_from(r: UserRow) -> Result<Self, Self::Error> {
        Ok(User {
            roles: Role::from_stored_list(&r.roles)?,
            id: r.id,
            username: r.username,
            display_name: r.display_name,
            agency_id: r.agency_id,
            email: r.email,
            active: r.active,
            created_at: r.created_at,
        })
    }
}

pub fn list(conn: &mut DbConnection, agency_id: Option<&str>) -> QueryResult<Vec<User>> {
    let mut q = users::table.select(UserRow::as_select()).order(users::username).into_boxed();
    if let Some(a) = agency_id {
        q = q.filter(users::agency_id.eq(a.to_string()));
    }
    q.load(conn)?.into_iter().map(User::try_from).collect::<Result<_, _>>().map_err(crate::store::unknown_stored)
}

/// Whether any user of the agency (activated or invited) holds `role`.
pub fn has_role(conn: &mut DbConnection, agency_id: &str, role: Role) -> QueryResult<bool> {
    let roles: Vec<String> = users::table.filter(users::agency_id.eq(agency_id)).select(users::roles).load(conn)?;
    for r in &roles {
        if Role::from_stored_list(r).map_err(crate::store::unknown_stored)?.contains(&role) {
            return Ok(true);
        }
    }
    Ok(false)
}

pub fn by_username(conn: &mut DbConnection, username: &str) -> QueryResult<Option<UserRow>> {
    users::table.filter(users::username.eq(username)).select(UserRow::as_select()).first(conn).optional()
}

pub fn by_id(conn: &mut DbConnection, id: &str) -> QueryResult<Option<UserRow>> {
    users::table.find(id).select(UserRow::as_select()).first(conn).optional()
}

/// The usernames of the given users by id (to show who acted where rows hold ids).
pub fn usernames_of<'a>(
    conn: &mut DbConnection,
    ids: impl IntoIterator<Item = &'a String>,
) -> AppResult<std::collections::HashMap<String, String>> {
    let ids: Vec<&String> = ids.into_iter().collect();
    let rows: Vec<(String, String)> =
        users::table.filter(users::id.eq_any(ids)).select((users::id, users::username)).load(conn)?;
    Ok(rows.into_iter().collect())
}

pub fn insert(conn: &mut DbConnection, log: &mut Log, actor: &Actor, u: &UserRow) -> AppResult<()> {
    if by_username(conn, &u.username)?.is_some() {
        return Err(AppError::Conflict(format!("用户名 {} 已存在", u.username)));
    }
    diesel::insert_into(users::table).values(u).execute(conn)?;
    log.audit(
        actor,
        "user.create",
        "user",
        Some(&u.id),
        None,
        serde_json::json!({"username": u.username, "agency_id": u.agency_id, "roles": u.roles}),
    );
    Ok(())
}

/// A page of users in username order: of one agency (`agency_id`), holding a role, or both.
pub fn page(conn: &mut DbConnection, w: &Window, agency_id: Option<&str>, role: Option<Role>) -> AppResult<Page<User>> {
    let mut q = users::table.select(UserRow::as_select()).order(users::username).limit(w.limit).into_boxed();
    if let Some(after) = &w.after {
        q = q.filter(users::username.gt(after.clone()));
    }
    if let Some(a) = agency_id {
        q = q.filter(users::agency_id.eq(a.to_string()));
    }
    if let Some(r) = role {
        // Roles are stored comma-separated; delimited so `admin` does not match `agency_admin`.
        q = q.filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("(',' || users.roles || ',') LIKE ")
                .bind::<diesel::sql_types::Text, _>(format!("%,{},%", r.as_str())),
        );
    }
    let users = q.load(conn)?.into_iter().map(User::try_from).collect::<Result<Vec<_>, _>>();
    Ok(Page::by_key(users.map_err(crate::store::unknown_stored)?, w, |u| &u.username))
}
