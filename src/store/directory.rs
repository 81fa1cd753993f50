//! The member directory as entitlement needs it: every agency with its active flag (false
//! for the hub agency, which receives nothing) and
//! sharing groups. Small (hundreds of rows), loaded once per write transaction.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;

use crate::db::schema::{agencies, group_members};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::policy::{DirectoryEntry, Viewer};

/// An agency reads as a recipient only while active and not the hub (operator) agency,
/// which receives no records (rule 1): not through `all`, a group, a listing or a grant.
fn receives(active: bool, kind: &str) -> bool {
    active && crate::policy::credentials::receives_records(kind)
}

pub fn load(conn: &mut DbConnection) -> QueryResult<Vec<DirectoryEntry>> {
    let rows: Vec<(String, bool, String)> =
        agencies::table.select((agencies::id, agencies::active, agencies::kind)).load(conn)?;
    let members: Vec<(String, String)> =
        group_members::table.select((group_members::agency_id, group_members::group_id)).load(conn)?;
    let mut groups: HashMap<String, HashSet<String>> = HashMap::new();
    for (a, g) in members {
        groups.entry(a).or_default().insert(g);
    }
    Ok(rows
        .into_iter()
        .map(|(id, active, kind)| Viewer {
            group_ids: groups.remove(&id).unwrap_or_default(),
            agency_id: id,
            agency_active: receives(active, &kind),
        })
        .collect())
}

/// The viewer for an agency (its active flag and groups).
pub fn viewer(conn: &mut DbConnection, agency_id: &str) -> AppResult<Viewer> {
    let row: Option<(bool, String)> =
        agencies::table.find(agency_id).select((agencies::active, agencies::kind)).first(conn).optional()?;
    let (active, kind) = row.ok_or_else(|| AppError::Unauthorized("所属单位不存在".into()))?;
    let active = receives(active, &kind);
    let group_ids: HashSet<String> = group_members::table
        .filter(group_members::agency_id.eq(agency_id))
        .select(group_members::group_id)
        .load(conn)?
        .into_iter()
        .collect();
    Ok(Viewer { agency_id: agency_id.to_string(), agency_active: active, group_ids })
}
