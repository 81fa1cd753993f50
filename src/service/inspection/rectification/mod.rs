//! After the round (巡后): the feedback to an inspected unit and its signed receipt
//! (`feedback`), the unit's rectification plans and their review (`plans`), the ledger's
//! items, notes and steps (`items`) and evidence (`evidence`), the three lists and their
//! exports (`lists`), the round's statistics (`stats`) and the four-party review
//! (`four_party`). Who may do what is decided in `policy::rectification`.

use diesel::prelude::*;

use crate::db::schema::rectification_items;
use crate::db::DbConnection;
use crate::domain::inspection::items::ItemState;
use crate::domain::inspection::RoundStage;
use crate::error::{AppError, AppResult};
use crate::policy::rectification::{self as rules, Rectifier, ReviewerKind};
use crate::policy::Principal;

use super::{agency_kind, participants, visible_unit, InspectedUnitRow, RoundRow};

pub mod evidence;
pub mod feedback;
pub mod four_party;
pub mod items;
pub mod lists;
pub mod overview;
pub mod plans;
pub mod stats;

/// An inspected unit as the caller sees it, with its round, the round's participants and
/// the caller's part in the unit's rectification.
pub struct UnitCtx {
    pub unit: InspectedUnitRow,
    pub round: RoundRow,
    pub participants: Vec<String>,
    pub who: Rectifier,
}

impl UnitCtx {
    /// The unit acts (or the office for a unit without an account): see `require_unit`.
    pub fn require_unit(&self, p: &Principal) -> AppResult<()> {
        rules::require_unit(p, self.who, self.unit.account_agency_id.is_some())
    }

    /// The round's stage, which must be one of `allowed` for `what` (else 409).
    pub fn require_stage(&self, allowed: &[RoundStage], what: &str) -> AppResult<RoundStage> {
        let stage = self.round.stage().map_err(anyhow::Error::from)?;
        if allowed.contains(&stage) {
            return Ok(stage);
        }
        let want: Vec<&str> = allowed.iter().map(|s| s.label()).collect();
        Err(AppError::Conflict(format!(
            "巡察轮次当前为“{}”阶段,{what}须在“{}”阶段进行",
            stage.label(),
            want.join("”或“")
        )))
    }
}

/// The unit (or 404/403 as `policy::inspection::unit_access` decides) and the caller's part.
pub fn unit_ctx(conn: &mut DbConnection, p: &Principal, unit_id: &str) -> AppResult<UnitCtx> {
    let (unit, round, access) = visible_unit(conn, p, unit_id)?;
    let parts = participants(conn, &round.id)?;
    let kind = agency_kind(conn, &p.agency_id)?.map(|(k, _)| k).unwrap_or_default();
    let who = rules::rectifier(p, access, &round.owner_agency_id, &kind);
    Ok(UnitCtx { unit, round, participants: parts, who })
}

/// As `unit_ctx`, for a thing of the unit (a plan, an item …): when the unit may not be seen,
/// the thing is `404` with its own message.
pub fn ctx_of(conn: &mut DbConnection, p: &Principal, unit_id: &str, not_found: &str) -> AppResult<UnitCtx> {
    unit_ctx(conn, p, unit_id).map_err(|e| match e {
        AppError::NotFound(_) => AppError::NotFound(not_found.into()),
        e => e,
    })
}

/// The round's reviewing agencies (active participants of kind discipline or organization),
/// with their kind.
pub fn reviewers(conn: &mut DbConnection, parts: &[String]) -> AppResult<Vec<(String, ReviewerKind)>> {
    let mut out = Vec::new();
    for a in parts {
        if let Some((kind, true)) = agency_kind(conn, a)? {
            if let Some(k) = ReviewerKind::of(&kind) {
                out.push((a.clone(), k));
            }
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = rectification_items)]
pub struct ItemRow {
    pub id: String,
    pub round_id: String,
    pub inspected_unit_id: String,
    pub plan_id: String,
    pub finding_id: String,
    pub task: String,
    pub measure: String,
    pub responsible_person: String,
    pub deadline: String,
    pub state: String,
    pub closed_at: Option<String>,
    pub version: i32,
    pub created_at: String,
    pub updated_at: String,
}

impl ItemRow {
    pub fn state(&self) -> AppResult<ItemState> {
        Ok(crate::domain::from_stored("整改事项状态", &self.state, ItemState::parse).map_err(anyhow::Error::from)?)
    }
}

/// The message for an item the caller may not see (or that does not exist).
pub const ITEM_NOT_FOUND: &str = "整改事项不存在或无权查看";

/// An item and its unit as the caller may see them, or 404.
pub fn load_item(conn: &mut DbConnection, p: &Principal, id: &str) -> AppResult<(ItemRow, UnitCtx)> {
    let r: ItemRow = rectification_items::table
        .find(id)
        .select(ItemRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(ITEM_NOT_FOUND.into()))?;
    let ctx = ctx_of(conn, p, &r.inspected_unit_id, ITEM_NOT_FOUND)?;
    Ok((r, ctx))
}

/// The items of a unit's ledger, in the order they were written (the plan's task order).
pub fn unit_items(conn: &mut DbConnection, unit_id: &str) -> QueryResult<Vec<ItemRow>> {
    rectification_items::table
        .filter(rectification_items::inspected_unit_id.eq(unit_id))
        .order(rectification_items::id)
        .select(ItemRow::as_select())
        .load(conn)
}

/// A stored wire value read back (an unknown one is a server error, never a guess).
pub fn stored<T>(what: &'static str, s: &str, parse: fn(&str) -> Option<T>) -> AppResult<T> {
    Ok(crate::domain::from_stored(what, s, parse).map_err(anyhow::Error::from)?)
}
