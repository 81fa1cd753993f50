//! Member units (成员单位).

use diesel::prelude::*;
use serde::Serialize;

use crate::contract::page::{Page, Window};
use crate::db::schema::agencies;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::store::log::{Actor, Log};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = agencies)]
pub struct Agency {
    pub id: String,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub level: String,
    pub parent_id: Option<String>,
    pub active: bool,
    pub created_at: String,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = agencies)]
pub struct AgencyChanges {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub level: Option<String>,
    pub parent_id: Option<Option<String>>,
    pub active: Option<bool>,
}

pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<Agency>> {
    agencies::table.order(agencies::code).select(Agency::as_select()).load(conn)
}

pub fn get(conn: &mut DbConnection, id: &str) -> AppResult<Agency> {
    agencies::table
        .find(id)
        .select(Agency::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound("成员单位不存在".into()))
}

pub fn by_code(conn: &mut DbConnection, code: &str) -> QueryResult<Option<Agency>> {
    agencies::table.filter(agencies::code.eq(code)).select(Agency::as_select()).first(conn).optional()
}

pub fn insert(conn: &mut DbConnection, log: &mut Log, actor: &Actor, a: &Agency) -> AppResult<()> {
    if by_code(conn, &a.code)?.is_some() {
        return Err(AppError::Conflict(format!("单位代码 {} 已存在", a.code)));
    }
    diesel::insert_into(agencies::table).values(a).execute(conn)?;
    log.audit(actor, "agency.create", "agency", Some(&a.id), None, serde_json::json!({"code": a.code, "name": a.name}));
    Ok(())
}

pub fn update(conn: &mut DbConnection, log: &mut Log, actor: &Actor, id: &str, ch: AgencyChanges) -> AppResult<Agency> {
    let before = get(conn, id)?;
    if ch.name.is_none() && ch.kind.is_none() && ch.level.is_none() && ch.parent_id.is_none() && ch.active.is_none() {
        return Ok(before);
    }
    diesel::update(agencies::table.find(id)).set(&ch).execute(conn)?;
    let after = get(conn, id)?;
    log.audit(
        actor,
        "agency.update",
        "agency",
        Some(id),
        None,
        serde_json::json!({"name": after.name, "kind": after.kind, "level": after.level, "active": after.active}),
    );
    Ok(after)
}

/// A page of member units in code order, optionally of one kind.
pub fn page(conn: &mut DbConnection, w: &Window, kind: Option<&str>) -> AppResult<Page<Agency>> {
    let mut q = agencies::table.select(Agency::as_select()).order(agencies::code).limit(w.limit).into_boxed();
    if let Some(after) = &w.after {
        q = q.filter(agencies::code.gt(after.clone()));
    }
    if let Some(k) = kind {
        q = q.filter(agencies::kind.eq(k.to_string()));
    }
    Ok(Page::by_key(q.load(conn)?, w, |a| &a.code))
}
