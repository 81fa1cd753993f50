//! Sharing groups (共享组, e.g. 联席会议成员单位, 四方会审组) and their members. Membership
//! changes propagate access (rule 6) through `records::propagate_membership`.

use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{group_members, sharing_groups};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::store::log::{Actor, Log};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Group {
    pub id: String,
    pub name: String,
    pub description: String,
    pub agency_ids: Vec<String>,
    pub created_at: String,
}

pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<Group>> {
    let groups: Vec<(String, String, String, String)> = sharing_groups::table
        .order(sharing_groups::name)
        .select((sharing_groups::id, sharing_groups::name, sharing_groups::description, sharing_groups::created_at))
        .load(conn)?;
    let members: Vec<(String, String)> = group_members::table
        .order((group_members::group_id, group_members::agency_id))
        .select((group_members::group_id, group_members::agency_id))
        .load(conn)?;
    Ok(groups
        .into_iter()
        .map(|(id, name, description, created_at)| Group {
            agency_ids: members.iter().filter(|(g, _)| *g == id).map(|(_, a)| a.clone()).collect(),
            id,
            name,
            description,
            created_at,
        })
        .collect())
}

pub fn get(conn: &mut DbConnection, id: &str) -> AppResult<Group> {
    list(conn)?.into_iter().find(|g| g.id == id).ok_or_else(|| AppError::NotFound("共享组不存在".into()))
}

pub fn exists(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(sharing_groups::table.find(id))).get_result(conn)
}

pub fn insert(
    conn: &mut DbConnection,
    log: &mut Log,
    actor: &Actor,
    id: &str,
    name: &str,
    description: &str,
    agency_ids: &[String],
) -> AppResult<()> {
    let taken: bool = diesel::select(diesel::dsl::exists(sharing_groups::table.filter(sharing_groups::name.eq(name))))
        .get_result(conn)?;
    if taken {
        return Err(AppError::Conflict(format!("共享组 {name} 已存在")));
    }
    diesel::insert_into(sharing_groups::table)
        .values((
            sharing_groups::id.eq(id),
            sharing_groups::name.eq(name),
            sharing_groups::description.eq(description),
            sharing_groups::created_at.eq(log.at()),
        ))
        .execute(conn)?;
    log.audit(actor, "group.create", "group", Some(id), None, serde_json::json!({"name": name}));
    for a in agency_ids {
        add_member_row(conn, log, actor, id, a)?;
    }
    Ok(())
}

/// Adds the membership row; false when the agency already was a member.
pub fn add_member_row(
    conn: &mut DbConnection,
    log: &mut Log,
    actor: &Actor,
    group_id: &str,
    agency_id: &str,
) -> AppResult<bool> {
    let present: bool =
        diesel::select(diesel::dsl::exists(group_members::table.find((group_id, agency_id)))).get_result(conn)?;
    if present {
        return Ok(false);
    }
    diesel::insert_into(group_members::table)
        .values((
            group_members::group_id.eq(group_id),
            group_members::agency_id.eq(agency_id),
            group_members::joined_at.eq(log.at()),
        ))
        .execute(conn)?;
    log.audit(actor, "group.member_add", "group", Some(group_id), None, serde_json::json!({"agency_id": agency_id}));
    Ok(true)
}

pub fn remove_member_row(
    conn: &mut DbConnection,
    log: &mut Log,
    actor: &Actor,
    group_id: &str,
    agency_id: &str,
) -> AppResult<()> {
    let n = diesel::delete(group_members::table.find((group_id, agency_id))).execute(conn)?;
    if n == 0 {
        return Err(AppError::NotFound("该单位不是此共享组成员".into()));
    }
    log.audit(actor, "group.member_remove", "group", Some(group_id), None, serde_json::json!({"agency_id": agency_id}));
    Ok(())
}
