//! What the web client's publish and edit forms ask of the record use cases: the units and
//! groups the sharing agreements let the caller's unit send each kind of record to (the
//! distribution picker), a record loaded for editing by its owner, and whether a reader may
//! change a record at all (to offer 修改 / 撤回 only where the service would accept them).

use std::collections::HashMap;

use diesel::prelude::*;

use crate::contract::record::RecordView;
use crate::db::schema::sharing_groups;
use crate::db::DbConnection;
use crate::domain::ids::RecordId;
use crate::domain::record::{Distribution, DistributionLevel, RecordKind};
use crate::error::AppResult;
use crate::policy::{self, AccessFacts, Principal, Viewer};
use crate::store::directory;

use super::WriteContext;

/// A unit the caller may name, with the record kinds the agreements allow for it.
#[derive(Debug, Clone)]
pub struct Target {
    pub id: String,
    pub name: String,
    pub kinds: Vec<RecordKind>,
}

/// A sharing group the caller may distribute to (every member allowed by the agreements),
/// with the record kinds that may go to it; `member` when the caller's unit belongs to it.
#[derive(Debug, Clone)]
pub struct GroupTarget {
    pub id: String,
    pub name: String,
    pub member: bool,
    pub kinds: Vec<RecordKind>,
}

/// Where the caller's unit may send its records, by record kind (rule 4). A unit, group or
/// `all` that no kind may reach is left out.
#[derive(Debug, Clone)]
pub struct DistributionTargets {
    /// Active member units (not the caller's, not the hub's) for `agencies` distribution.
    pub agencies: Vec<Target>,
    pub groups: Vec<GroupTarget>,
    /// The kinds that may go to every member unit.
    pub all: Vec<RecordKind>,
    /// Units that may be granted the protected fields.
    pub field_grants: Vec<Target>,
    /// Every unit's name by id (to name the units an error message lists by id).
    pub names: HashMap<String, String>,
}

/// The distribution picker's choices for the caller's unit: each candidate checked with the
/// same agreement check a publish makes (`WriteContext::agreements_allow`), per record kind.
pub fn distribution_targets(conn: &mut DbConnection, p: &Principal) -> AppResult<DistributionTargets> {
    policy::require_content_writer(p)?;
    let ctx = WriteContext::load(conn)?;
    let units = crate::service::agencies::list(conn)?;
    let groups: Vec<(String, String)> = sharing_groups::table
        .filter(policy::audit_linkage::groups_listed_sql(&p.agency_id))
        .order(sharing_groups::name)
        .select((sharing_groups::id, sharing_groups::name))
        .load(conn)?;
    let owner = p.agency_id.as_str();
    let own_groups = ctx.directory.iter().find(|e| e.agency_id == owner).map(|e| e.group_ids.clone());
    let allowed = |d: &Distribution, grants: &[String]| -> Vec<RecordKind> {
        RecordKind::ALL.iter().copied().filter(|k| ctx.agreements_allow(owner, k.as_str(), d, grants)).collect()
    };
    let (mut agencies, mut field_grants) = (Vec::new(), Vec::new());
    for u in units.iter().filter(|u| u.id != owner && ctx.is_active_agency(&u.id)) {
        let to = Distribution { level: DistributionLevel::Agencies, agencies: vec![u.id.clone()], group: None };
        let kinds = allowed(&to, &[]);
        if !kinds.is_empty() {
            agencies.push(Target { id: u.id.clone(), name: u.name.clone(), kinds });
        }
        let kinds = allowed(&Distribution::own(), std::slice::from_ref(&u.id));
        if !kinds.is_empty() {
            field_grants.push(Target { id: u.id.clone(), name: u.name.clone(), kinds });
        }
    }
    let groups = groups
        .into_iter()
        .filter_map(|(id, name)| {
            let to = Distribution { level: DistributionLevel::Group, agencies: vec![], group: Some(id.clone()) };
            let kinds = allowed(&to, &[]);
            let member = own_groups.as_ref().is_some_and(|g| g.contains(&id));
            (!kinds.is_empty()).then_some(GroupTarget { id, name, member, kinds })
        })
        .collect();
    let all = allowed(&Distribution { level: DistributionLevel::All, agencies: vec![], group: None }, &[]);
    let names = units.into_iter().map(|u| (u.id, u.name)).collect();
    Ok(DistributionTargets { agencies, groups, all, field_grants, names })
}

/// Why the owner's edit form reads a restricted record: the read is audited with it.
pub const EDIT_PURPOSE: &str = "发布单位修改本单位信息";

/// A record as its owner's edit form shows it: the owner's view and the units granted its
/// protected fields (which the view does not carry).
pub struct EditView {
    pub record: RecordView,
    pub field_grants: Vec<String>,
}

/// A record for its owner's edit form: 404 where the caller may not read it, 403 where it
/// reads but does not own it. A restricted record is read with `EDIT_PURPOSE` (audited like
/// any restricted read).
pub fn for_edit(conn: &mut DbConnection, p: &Principal, id: &RecordId) -> AppResult<EditView> {
    policy::require_content_writer(p)?;
    let viewer = directory::viewer(conn, &p.agency_id)?;
    let s = super::get_entitled(conn, &viewer, id)?;
    let facts = s.facts();
    policy::require_owner(&viewer, &facts)?;
    let record = super::read(conn, p, &viewer, id, policy::needs_purpose(&facts).then_some(EDIT_PURPOSE))?;
    Ok(EditView { record, field_grants: s.content().field_grants })
}

/// Whether the caller may change or withdraw `r` (a content writer of its owner unit): what
/// `change` and `withdraw` require, asked of the same rules.
pub fn may_change(p: &Principal, r: &RecordView) -> bool {
    let viewer = Viewer { agency_id: p.agency_id.clone(), agency_active: true, group_ids: Default::default() };
    let facts = AccessFacts { owner_agency_id: r.owner_agency_id.clone(), ..Default::default() };
    policy::require_content_writer(p).is_ok() && policy::require_owner(&viewer, &facts).is_ok()
}
