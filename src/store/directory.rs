//! The member directory as entitlement needs it: every agency with its active flag and
//! sharing groups. Small (hundreds of rows), loaded once per write transaction.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;

use crate::db::schema::{agencies, group_members};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::policy::{DirectoryEntry, Viewer};

pub fn load(conn: &mut DbConnection) -> QueryResult<Vec<DirectoryEntry>> {
    let rows: Vec<(String, bool)> = agencies::table.select((agencies::id, agencies::active)).load(conn)?;
    let members: Vec<(String, String)> =
        group_members::table.select((group_members::agency_id, group_members::group_id)).load(conn)?;
    let mut groups: HashMap<String, HashSet<String>> = HashMap::new();
    for (a, g) in members {
        groups.entry(a).or_default().insert(g);
    }
    Ok(rows
        .into_iter()
        .map(|(id, active)| Viewer {
            group_ids: groups.remove(&id).unwrap_or_default(),
            agency_id: id,
            agency_active: active,
        })
        .collect())
}

/// The viewer for an agency (its active flag and groups).
pub fn viewer(conn: &mut DbConnection, agency_id: &str) -> AppResult<Viewer> {
    let active: Option<bool> = agencies::table.find(agency_id).select(agencies::active).first(conn).optional()?;
    let active = active.ok_or_else(|| AppError::Unauthorized("所属单位不存在".into()))?;
    let group_ids: HashSet<String> = group_members::table
        .filter(group_members::agency_id.eq(agency_id))
        .select(group_members::group_id)
        .load(conn)?
        .into_iter()
        .collect();
    Ok(Viewer { agency_id: agency_id.to_string(), agency_active: active, group_ids })
}
