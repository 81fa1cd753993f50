//! What the lifecycle's forms offer and where an inspected unit's account starts: the member
//! units a round may name, the units not yet inspected in it, the inspected-unit accounts, and
//! the account's own units.

use std::collections::HashMap;

use diesel::prelude::*;

use crate::db::schema::{agencies, inspected_units, rounds, subject_objects};
use crate::db::DbConnection;
use crate::domain::Role;
use crate::error::{AppError, AppResult};
use crate::policy::inspection as rules;
use crate::policy::{self, Principal};

use super::{agency_kind, unit_views, visible_round, InspectedUnitRow, InspectedUnitView};

/// Most units offered in one select (a city has about 130 supervision units).
const MAX_CHOICES: i64 = 1000;

/// What the forms of a round may offer.
pub struct RoundChoices {
    /// Active member units that receive records (participants), besides the office itself.
    pub members: Vec<(String, String)>,
    /// Supervision objects of kind unit not yet inspected in the round.
    pub units: Vec<(String, String)>,
    /// Accounts of kind `inspected_unit`.
    pub accounts: Vec<(String, String)>,
}

/// May the principal's agency create rounds (an inspection office's writer)?
pub fn may_run_rounds(conn: &mut DbConnection, p: &Principal) -> AppResult<bool> {
    let kind = agency_kind(conn, &p.agency_id)?.map(|(k, _)| k).unwrap_or_default();
    Ok(rules::require_inspection_office(p, &kind).is_ok())
}

/// The member units a round may name as participants (for the new-round form).
pub fn members(conn: &mut DbConnection, p: &Principal) -> AppResult<Vec<(String, String)>> {
    let rows: Vec<(String, String, String)> = agencies::table
        .filter(agencies::active.eq(true))
        .filter(agencies::id.ne(&p.agency_id))
        .order(agencies::code)
        .select((agencies::id, agencies::name, agencies::kind))
        .load(conn)?;
    Ok(rows.into_iter().filter(|(_, _, k)| policy::credentials::receives_records(k)).map(|(i, n, _)| (i, n)).collect())
}

/// The active audit agencies (kind `audit`) an inspected unit may be linked to (巡审联动).
pub fn audit_agencies(conn: &mut DbConnection) -> AppResult<Vec<(String, String)>> {
    Ok(agencies::table
        .filter(agencies::active.eq(true))
        .filter(agencies::kind.eq("audit"))
        .order(agencies::code)
        .select((agencies::id, agencies::name))
        .load(conn)?)
}

/// The choices of a round's forms (its office only; others 404 or 403 as for the round).
pub fn for_round(conn: &mut DbConnection, p: &Principal, round_id: &str) -> AppResult<RoundChoices> {
    let (r, _) = visible_round(conn, p, round_id)?;
    rules::require_round_owner(p, &r.owner_agency_id)?;
    let taken: Vec<String> = inspected_units::table
        .filter(inspected_units::round_id.eq(&r.id))
        .select(inspected_units::object_id)
        .load(conn)?;
    let units: Vec<(String, String)> = subject_objects::table
        .filter(subject_objects::kind.eq("unit"))
        .filter(subject_objects::id.ne_all(&taken))
        .order(subject_objects::name)
        .limit(MAX_CHOICES)
        .select((subject_objects::id, subject_objects::name))
        .load(conn)?;
    let accounts: Vec<(String, String)> = agencies::table
        .filter(agencies::kind.eq(crate::domain::agency::AgencyKind::InspectedUnit.as_str()))
        .filter(agencies::active.eq(true))
        .order(agencies::name)
        .select((agencies::id, agencies::name))
        .load(conn)?;
    Ok(RoundChoices { members: members(conn, p)?, units, accounts })
}

/// An inspected unit's account: its own units in every round, newest round first, with the
/// round's name.
pub fn own_units(conn: &mut DbConnection, p: &Principal) -> AppResult<Vec<(InspectedUnitView, String)>> {
    if !p.has(Role::Inspected) {
        return Err(AppError::Forbidden("只有被巡察单位的账号使用此页面".into()));
    }
    let rows: Vec<InspectedUnitRow> = inspected_units::table
        .filter(inspected_units::account_agency_id.eq(&p.agency_id))
        .order(inspected_units::round_id.desc())
        .select(InspectedUnitRow::as_select())
        .load(conn)?;
    let round_ids: Vec<&str> = rows.iter().map(|u| u.round_id.as_str()).collect();
    let names: HashMap<String, String> = rounds::table
        .filter(rounds::id.eq_any(&round_ids))
        .select((rounds::id, rounds::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    Ok(unit_views(conn, rows)?
        .into_iter()
        .map(|u| {
            let n = names.get(&u.round_id).cloned().unwrap_or_default();
            (u, n)
        })
        .collect())
}
