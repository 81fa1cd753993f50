//! The inspection lifecycle (巡察) use cases: rounds, their teams and inspected units
//! (`rounds`), findings (`findings`) — and, each in its own file, the parts before and after
//! the round. Who may see and do what is decided in `policy::inspection`; everything written
//! goes through `write_tx` with its audit entries (and events for the agencies concerned).

use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{self, agencies, inspected_units, round_participants, subject_objects, teams};
use crate::db::DbConnection;
use crate::domain::inspection::{RoundKind, RoundStage};
use crate::domain::UnknownStoredValue;
use crate::error::{AppError, AppResult};
use crate::policy::inspection::{self as rules, UnitAccess, ROUND_NOT_FOUND, UNIT_NOT_FOUND};
use crate::policy::Principal;

pub mod choices;
pub mod direct_supervision;
pub mod evaluation;
pub mod findings;
pub mod overview;
pub mod progress;
pub mod rounds;
pub mod stats;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = schema::rounds)]
pub struct RoundRow {
    pub id: String,
    pub owner_agency_id: String,
    pub name: String,
    pub number: i32,
    pub kind: String,
    pub stage: String,
    pub period_start: String,
    pub period_end: String,
    pub focus: String,
    pub version: i32,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

impl RoundRow {
    pub fn stage(&self) -> Result<RoundStage, UnknownStoredValue> {
        crate::domain::from_stored("巡察阶段", &self.stage, RoundStage::parse)
    }
    pub fn focus(&self) -> Vec<String> {
        serde_json::from_str(&self.focus).unwrap_or_default()
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = inspected_units)]
pub struct InspectedUnitRow {
    pub id: String,
    pub round_id: String,
    pub object_id: String,
    pub team_id: Option<String>,
    pub account_agency_id: Option<String>,
    pub created_at: String,
}

/// An inspection team (巡察组) of a round.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, Queryable, Selectable)]
#[diesel(table_name = teams)]
pub struct TeamView {
    pub id: String,
    pub round_id: String,
    pub name: String,
    pub created_at: String,
}

/// An inspected unit (被巡察党组织) of a round.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InspectedUnitView {
    pub id: String,
    pub round_id: String,
    /// The supervision object (of kind `unit`) inspected.
    pub object_id: String,
    pub object_name: String,
    /// The team inspecting it.
    pub team_id: Option<String>,
    /// The unit's own account (an agency of kind `inspected_unit`), through which it acts on
    /// its feedback, plan and items.
    pub account_agency_id: Option<String>,
    pub created_at: String,
}

/// A round (巡察轮次) with its participants, teams and inspected units.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RoundView {
    pub id: String,
    /// The inspection office running the round.
    pub owner_agency_id: String,
    pub name: String,
    /// The round's number (第几轮).
    pub number: i32,
    pub kind: RoundKind,
    pub stage: RoundStage,
    /// YYYY-MM-DD
    pub period_start: String,
    /// YYYY-MM-DD
    pub period_end: String,
    /// The round's focus (巡察重点), also what team proposals match expertise against.
    pub focus: Vec<String>,
    /// Member units working on the round with the office (they see the round).
    pub participant_agency_ids: Vec<String>,
    pub teams: Vec<TeamView>,
    pub units: Vec<InspectedUnitView>,
    /// The version, for `If-Match`.
    pub version: i32,
    pub created_at: String,
    pub updated_at: String,
}

/// A round, or 404.
pub fn load_round(conn: &mut DbConnection, id: &str) -> AppResult<RoundRow> {
    schema::rounds::table
        .find(id)
        .select(RoundRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(ROUND_NOT_FOUND.into()))
}

pub fn participants(conn: &mut DbConnection, round_id: &str) -> QueryResult<Vec<String>> {
    round_participants::table
        .filter(round_participants::round_id.eq(round_id))
        .order(round_participants::agency_id)
        .select(round_participants::agency_id)
        .load(conn)
}

/// A round the principal's agency may see (owner or participant), or 404.
pub fn visible_round(conn: &mut DbConnection, p: &Principal, id: &str) -> AppResult<(RoundRow, Vec<String>)> {
    rules::require_round_reader(p)?;
    let r = load_round(conn, id)?;
    let parts = participants(conn, id)?;
    if rules::can_see_round(&p.agency_id, &r.owner_agency_id, &parts) {
        Ok((r, parts))
    } else {
        Err(AppError::NotFound(ROUND_NOT_FOUND.into()))
    }
}

/// An inspected unit with its round, as the principal may see it, or 404.
pub fn visible_unit(
    conn: &mut DbConnection,
    p: &Principal,
    id: &str,
) -> AppResult<(InspectedUnitRow, RoundRow, UnitAccess)> {
    let u: InspectedUnitRow = inspected_units::table
        .find(id)
        .select(InspectedUnitRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(UNIT_NOT_FOUND.into()))?;
    let r = load_round(conn, &u.round_id)?;
    let parts = participants(conn, &r.id)?;
    let access = rules::unit_access(p, &r.owner_agency_id, &parts, u.account_agency_id.as_deref())?;
    Ok((u, r, access))
}

/// The kind of an agency (for the policy), or a field error when it does not exist.
pub fn agency_kind(conn: &mut DbConnection, id: &str) -> AppResult<Option<(String, bool)>> {
    Ok(agencies::table.find(id).select((agencies::kind, agencies::active)).first(conn).optional()?)
}

pub fn unit_views(conn: &mut DbConnection, rows: Vec<InspectedUnitRow>) -> QueryResult<Vec<InspectedUnitView>> {
    let ids: Vec<&str> = rows.iter().map(|u| u.object_id.as_str()).collect();
    let names: std::collections::HashMap<String, String> = subject_objects::table
        .filter(subject_objects::id.eq_any(&ids))
        .select((subject_objects::id, subject_objects::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|u| InspectedUnitView {
            object_name: names.get(&u.object_id).cloned().unwrap_or_default(),
            id: u.id,
            round_id: u.round_id,
            object_id: u.object_id,
            team_id: u.team_id,
            account_agency_id: u.account_agency_id,
            created_at: u.created_at,
        })
        .collect())
}

/// The round as its office and participants see it.
pub fn round_view(conn: &mut DbConnection, r: RoundRow, parts: Vec<String>) -> AppResult<RoundView> {
    let team_rows: Vec<TeamView> =
        teams::table.filter(teams::round_id.eq(&r.id)).order(teams::name).select(TeamView::as_select()).load(conn)?;
    let unit_rows: Vec<InspectedUnitRow> = inspected_units::table
        .filter(inspected_units::round_id.eq(&r.id))
        .order(inspected_units::id)
        .select(InspectedUnitRow::as_select())
        .load(conn)?;
    let kind = crate::domain::from_stored("巡察类型", &r.kind, RoundKind::parse).map_err(anyhow::Error::from)?;
    let stage = r.stage().map_err(anyhow::Error::from)?;
    Ok(RoundView {
        focus: r.focus(),
        units: unit_views(conn, unit_rows)?,
        teams: team_rows,
        participant_agency_ids: parts,
        id: r.id,
        owner_agency_id: r.owner_agency_id,
        name: r.name,
        number: r.number,
        kind,
        stage,
        period_start: r.period_start,
        period_end: r.period_end,
        version: r.version,
        created_at: r.created_at,
        updated_at: r.updated_at,
    })
}
