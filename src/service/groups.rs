//! Sharing groups (共享组, e.g. 联席会议成员单位, 四方会审组) and their members. A membership
//! change propagates access at once (rule 6): `change_membership`.

use diesel::prelude::*;
use serde::Serialize;

use crate::contract::page::{Page, Window};
use crate::db::schema::{audit_linkages, group_members, sharing_groups};
use crate::db::DbConnection;
use crate::domain::event::EventType;
use crate::domain::group::GroupDraft;
use crate::domain::ids::{AgencyId, GroupId};
use crate::error::{AppError, AppResult};
use crate::policy::{self, DirectoryEntry, Principal};
use crate::service::{agencies, inbox, membership, subscriptions};
use crate::store::log::{write_tx, Actor, Log};
use crate::store::{directory, records};
use serde_json::json;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Group {
    pub id: String,
    pub name: String,
    pub description: String,
    pub agency_ids: Vec<String>,
    pub created_at: String,
}

pub fn get(conn: &mut DbConnection, id: &str) -> AppResult<Group> {
    let (id, name, description, created_at): (String, String, String, String) = sharing_groups::table
        .find(id)
        .select((sharing_groups::id, sharing_groups::name, sharing_groups::description, sharing_groups::created_at))
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound("共享组不存在".into()))?;
    let agency_ids = group_members::table
        .filter(group_members::group_id.eq(&id))
        .order(group_members::agency_id)
        .select(group_members::agency_id)
        .load(conn)?;
    Ok(Group { id, name, description, agency_ids, created_at })
}

pub fn exists(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(sharing_groups::table.find(id))).get_result(conn)
}

pub fn insert(
    conn: &mut DbConnection,
    log: &mut Log,
    actor: &Actor,
    group_id: &GroupId,
    name: &str,
    description: &str,
    agency_ids: &[AgencyId],
) -> AppResult<()> {
    let id = group_id.as_str();
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
        add_member_row(conn, log, actor, group_id, a)?;
    }
    Ok(())
}

/// Creates a sharing group (the hub admin) with its first members, each an existing unit
/// that receives records (not the hub's own).
pub fn create(conn: &mut DbConnection, p: &Principal, d: GroupDraft) -> AppResult<Group> {
    policy::require_admin(p)?;
    let id = GroupId::generate();
    write_tx(conn, |conn, log| {
        for (i, a) in d.agency_ids.iter().enumerate() {
            let field = format!("agency_ids[{i}]");
            let agency = agencies::get(conn, a).map_err(|_| AppError::validation(&field, "成员单位不存在"))?;
            if !policy::credentials::receives_records(&agency.kind) {
                return Err(AppError::validation(&field, policy::credentials::HUB_RECEIVES_NOTHING));
            }
        }
        insert(conn, log, &Actor::from(p), &id, &d.name, &d.description, &d.agency_ids)?;
        get(conn, &id)
    })
}

/// Adds the membership row; false when the agency already was a member.
pub fn add_member_row(
    conn: &mut DbConnection,
    log: &mut Log,
    actor: &Actor,
    group_id: &GroupId,
    agency_id: &AgencyId,
) -> AppResult<bool> {
    let agency_id = agency_id.as_str();
    let group_id = group_id.as_str();
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
    group_id: &GroupId,
    agency_id: &AgencyId,
) -> AppResult<()> {
    let agency_id = agency_id.as_str();
    let group_id = group_id.as_str();
    let n = diesel::delete(group_members::table.find((group_id, agency_id))).execute(conn)?;
    if n == 0 {
        return Err(AppError::NotFound("该单位不是此共享组成员".into()));
    }
    log.audit(actor, "group.member_remove", "group", Some(group_id), None, serde_json::json!({"agency_id": agency_id}));
    Ok(())
}

/// What a membership change did: the group as it is now, and how many of its records the
/// agency gained and lost.
pub struct MembershipOutcome {
    pub group: Group,
    pub records_shared: usize,
    pub records_revoked: usize,
}

/// Adds (`join`) or removes an agency from a group, in one transaction with the access it
/// gains or loses (rule 6). Joining is refused for the hub's own unit (it receives no
/// records) and where a sharing agreement forbids the group's records to go to it. A group
/// that an audit linkage manages changes only through the linkage (409).
pub fn change_membership(
    conn: &mut DbConnection,
    p: &Principal,
    group_id: &GroupId,
    agency_id: &AgencyId,
    join: bool,
) -> AppResult<MembershipOutcome> {
    write_tx(conn, |conn, log| {
        get(conn, group_id)?;
        if managed_by_linkage(conn, group_id)? {
            return Err(policy::audit_linkage::refuse_admin_membership());
        }
        let (records_shared, records_revoked) =
            change_membership_in(conn, log, &Actor::from(p), &p.agency_id, group_id, agency_id, join)?;
        Ok(MembershipOutcome { group: get(conn, group_id)?, records_shared, records_revoked })
    })
}

/// Whether an audit linkage (巡审联动) manages the group's membership.
pub fn managed_by_linkage(conn: &mut DbConnection, group_id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(audit_linkages::table.filter(audit_linkages::group_id.eq(group_id))))
        .get_result(conn)
}

/// `change_membership` inside the caller's transaction (for a use case that manages a
/// group's members itself, e.g. an audit linkage): the same checks, the membership row and
/// its audit entry, and the access propagated (rule 6). Returns the records shared and revoked.
pub fn change_membership_in(
    conn: &mut DbConnection,
    log: &mut Log,
    actor: &Actor,
    actor_agency: &str,
    group_id: &GroupId,
    agency_id: &AgencyId,
    join: bool,
) -> AppResult<(usize, usize)> {
    get(conn, group_id)?;
    let agency = agencies::get(conn, agency_id).map_err(|_| AppError::validation("agency_id", "成员单位不存在"))?;
    if join && !policy::credentials::receives_records(&agency.kind) {
        return Err(AppError::validation("agency_id", policy::credentials::HUB_RECEIVES_NOTHING));
    }
    let before = directory::load(conn)?;
    if join {
        membership::refuse_join_outside_agreements(conn, group_id, agency_id)?;
        add_member_row(conn, log, actor, group_id, agency_id)?;
    } else {
        remove_member_row(conn, log, actor, group_id, agency_id)?;
    }
    let after = directory::load(conn)?;
    let change = Membership { group_id, agency_id, before: &before, after: &after };
    propagate(conn, log, actor_agency, &change)
}

/// A membership change: the directory before and after it.
struct Membership<'a> {
    group_id: &'a GroupId,
    agency_id: &'a AgencyId,
    before: &'a [DirectoryEntry],
    after: &'a [DirectoryEntry],
}

/// Rule 6 for sharing-group membership: after the agency joined or left the group, the
/// group's records it gained are shared to it (feed event and subscriptions), and those it
/// lost are tombstoned.
fn propagate(conn: &mut DbConnection, log: &mut Log, actor_agency: &str, m: &Membership) -> AppResult<(usize, usize)> {
    let find = |d: &[DirectoryEntry]| d.iter().find(|e| e.agency_id == m.agency_id.as_str()).cloned();
    let (Some(v_before), Some(v_after)) = (find(m.before), find(m.after)) else {
        return Ok((0, 0));
    };
    let rules = subscriptions::all_rules(conn)?;
    let ids = records::group_record_ids(conn, m.group_id)?;
    let (mut shared, mut revoked) = (0, 0);
    for chunk in ids.chunks(500) {
        for s in records::load_ordered(conn, chunk)? {
            let facts = s.facts();
            let payload = json!({"group_id": m.group_id});
            match (policy::can_read(&v_before, &facts), policy::can_read(&v_after, &facts)) {
                (false, true) => {
                    let seq = log.event(
                        conn,
                        EventType::RecordShared,
                        Some(&s.row.id),
                        Some(m.agency_id),
                        Some(actor_agency),
                        payload,
                    )?;
                    let items = inbox::matches(&rules, &s, &[m.agency_id.to_string()], seq);
                    inbox::insert_unseen(conn, items, log.at())?;
                    shared += 1;
                }
                (true, false) => {
                    log.event(
                        conn,
                        EventType::RecordRevoked,
                        Some(&s.row.id),
                        Some(m.agency_id),
                        Some(actor_agency),
                        payload,
                    )?;
                    revoked += 1;
                }
                _ => {}
            }
        }
    }
    Ok((shared, revoked))
}

/// The page of sharing groups a caller is shown: every group to the hub admin; to a member
/// unit, the groups an audit linkage manages only where it is a member
/// (`policy::audit_linkage::linkage_group_listed`).
pub fn page_for(conn: &mut DbConnection, p: &Principal, w: &Window) -> AppResult<Page<Group>> {
    let listed = (!p.has(crate::domain::Role::Admin)).then(|| p.agency_id.clone());
    page_listed(conn, w, listed.as_deref())
}

/// A page of sharing groups in name order, with their members.
pub fn page(conn: &mut DbConnection, w: &Window) -> AppResult<Page<Group>> {
    page_listed(conn, w, None)
}

/// A page of groups, limited to those listed to `agency` when given.
fn page_listed(conn: &mut DbConnection, w: &Window, agency: Option<&str>) -> AppResult<Page<Group>> {
    let mut q = sharing_groups::table
        .order(sharing_groups::name)
        .limit(w.limit)
        .select((sharing_groups::id, sharing_groups::name, sharing_groups::description, sharing_groups::created_at))
        .into_boxed();
    if let Some(after) = &w.after {
        q = q.filter(sharing_groups::name.gt(after.clone()));
    }
    if let Some(a) = agency {
        q = q.filter(policy::audit_linkage::groups_listed_sql(a));
    }
    let groups: Vec<(String, String, String, String)> = q.load(conn)?;
    let ids: Vec<&String> = groups.iter().map(|g| &g.0).collect();
    let members: Vec<(String, String)> = group_members::table
        .filter(group_members::group_id.eq_any(ids))
        .order((group_members::group_id, group_members::agency_id))
        .select((group_members::group_id, group_members::agency_id))
        .load(conn)?;
    let items = groups
        .into_iter()
        .map(|(id, name, description, created_at)| Group {
            agency_ids: members.iter().filter(|(g, _)| *g == id).map(|(_, a)| a.clone()).collect(),
            id,
            name,
            description,
            created_at,
        })
        .collect();
    Ok(Page::by_key(items, w, |g| &g.name))
}
