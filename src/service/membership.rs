//! Group membership under sharing agreements: the database side of `policy::membership`.

use diesel::prelude::*;

use crate::db::schema::{agencies, records as r};
use crate::db::DbConnection;
use crate::domain::ids::{AgencyId, GroupId};
use crate::error::{AppError, AppResult};
use crate::policy::agreements::{self, Party};

/// An agency may join only if every live record of the group may go to it under its
/// owner's sharing agreements (`crate::policy::membership`): 422 on `agency_id` otherwise.
pub fn refuse_join_outside_agreements(
    conn: &mut DbConnection,
    group_id: &GroupId,
    agency_id: &AgencyId,
) -> AppResult<()> {
    let agency_id = agency_id.as_str();
    let group_id = group_id.as_str();
    let sources: Vec<(String, String)> = r::table
        .filter(r::distribution_level.eq("group"))
        .filter(r::group_id.eq(group_id))
        .filter(r::withdrawn_at.is_null())
        .select((r::owner_agency_id, r::kind))
        .distinct()
        .load(conn)?;
    if sources.is_empty() {
        return Ok(());
    }
    // Membership carries no protected fields: only the recipients are checked.
    let rules = crate::service::agreements::all_rules(conn)?;
    let agencies: std::collections::HashMap<String, (String, String)> = agencies::table
        .select((agencies::id, agencies::name, agencies::kind))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(id, name, kind)| (id, (name, kind)))
        .collect();
    let party =
        |id: &str| Party { id: id.to_string(), kind: agencies.get(id).map(|a| a.1.clone()).unwrap_or_default() };
    let named: Vec<(String, String)> = sources
        .iter()
        .map(|(o, k)| (agencies.get(o).map(|a| a.0.clone()).unwrap_or_else(|| o.clone()), k.clone()))
        .collect();
    let joining = party(agency_id);
    let conflict = crate::policy::membership::join_conflicts(&named, |i| {
        let (owner, kind) = &sources[i];
        agreements::check(&rules, &party(owner), kind, std::slice::from_ref(&joining), &[]).is_empty()
    });
    match conflict {
        Some(e) => Err(AppError::Validation(vec![e])),
        None => Ok(()),
    }
}
