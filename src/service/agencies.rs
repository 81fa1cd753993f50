//! Member units (成员单位).

use diesel::prelude::*;
use serde::Serialize;

use crate::contract::page::{Page, Window};
use crate::db::schema::agencies;
use crate::db::DbConnection;
use crate::domain::agency::{AgencyDraft, AgencyEdit};
use crate::domain::ids::AgencyId;
use crate::domain::now;
use crate::error::{AppError, AppResult};
use crate::policy::{self, Principal};
use crate::store::log::{write_tx, Actor, Log};

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
struct AgencyChanges {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub level: Option<String>,
    pub parent_id: Option<Option<String>>,
    pub active: Option<bool>,
}

pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<Agency>> {
    agencies::table.order(agencies::code).select(Agency::as_select()).load(conn)
}

/// The names of the given units by id (to show names where rows hold ids).
pub fn names_of<'a>(
    conn: &mut DbConnection,
    ids: impl IntoIterator<Item = &'a String>,
) -> AppResult<std::collections::HashMap<String, String>> {
    let ids: Vec<&String> = ids.into_iter().collect();
    let rows: Vec<(String, String)> =
        agencies::table.filter(agencies::id.eq_any(ids)).select((agencies::id, agencies::name)).load(conn)?;
    Ok(rows.into_iter().collect())
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

/// Creates a member unit (the hub admin); its parent must exist.
pub fn create(conn: &mut DbConnection, p: &Principal, draft: AgencyDraft) -> AppResult<Agency> {
    policy::require_admin(p)?;
    let agency = Agency {
        id: AgencyId::generate().into(),
        code: draft.code,
        name: draft.name,
        kind: draft.kind.as_str().into(),
        level: draft.level.as_str().into(),
        parent_id: draft.parent_id.map(String::from),
        active: true,
        created_at: now(),
    };
    write_tx(conn, |conn, log| {
        if let Some(parent) = &agency.parent_id {
            get(conn, parent).map_err(|_| AppError::validation("parent_id", "上级单位不存在"))?;
        }
        insert(conn, log, &Actor::from(p), &agency)
    })?;
    Ok(agency)
}

/// Changes a member unit (the hub admin). The hub agency stays the hub and no member unit
/// becomes one: the hub's users hold only the admin role, and member units' users never do.
pub fn change(conn: &mut DbConnection, p: &Principal, id: &AgencyId, edit: AgencyEdit) -> AppResult<Agency> {
    policy::require_admin(p)?;
    write_tx(conn, |conn, log| {
        let before = get(conn, id)?;
        if edit.is_empty() {
            return Ok(before);
        }
        if let Some(kind) = edit.kind {
            if policy::credentials::is_hub(&before.kind) != policy::credentials::is_hub(kind.as_str()) {
                return Err(AppError::validation(
                    "kind",
                    "不能把成员单位改为平台运维单位,也不能改变平台运维单位的类别",
                ));
            }
        }
        let ch = AgencyChanges {
            name: edit.name,
            kind: edit.kind.map(|k| k.as_str().to_string()),
            level: edit.level.map(|l| l.as_str().to_string()),
            parent_id: edit.parent_id.map(|p| Some(p.into())),
            active: edit.active,
        };
        diesel::update(agencies::table.find(id.as_str())).set(&ch).execute(conn)?;
        let after = get(conn, id)?;
        log.audit(
            &Actor::from(p),
            "agency.update",
            "agency",
            Some(id),
            None,
            serde_json::json!({"name": after.name, "kind": after.kind, "level": after.level, "active": after.active}),
        );
        Ok(after)
    })
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
