//! Composing inspection teams (巡察组) from the talent pool: the round's office puts people on a
//! team — refused for anyone who must avoid (回避) any unit the team inspects — or takes them
//! off; the team as the office (with its members) and the round's participants (without) see
//! it. Who may see what is in `policy::talent` and `policy::inspection`.

use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::db::schema::{inspected_units, talents, team_members, teams};
use crate::db::DbConnection;
use crate::domain::ids::{TalentId, TeamId};
use crate::domain::inspection::talent::TeamPosition;
use crate::domain::inspection::RoundStage;
use crate::error::{AppError, AppResult, FieldError};
use crate::policy::inspection as round_rules;
use crate::policy::talent::{self as rules, talents_visible_sql, TEAM_NOT_FOUND};
use crate::policy::Principal;
use crate::store::log::{write_tx, Actor};

use super::talent_pool::{object_names, reader, TalentRow};
use super::team_proposal::{reasons_for, ties_at};
use super::{visible_round, RoundRow};

/// A unit the team inspects.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TeamUnit {
    pub inspected_unit_id: String,
    pub object_id: String,
    pub object_name: String,
}

/// A unit a member must avoid (e.g. a unit given to the team after the member joined).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AvoidanceConflict {
    pub inspected_unit_id: String,
    pub object_name: String,
    pub reasons: Vec<String>,
}

/// A member of a team, with their personal data (the round's office only).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TeamMemberView {
    pub talent_id: String,
    pub position: TeamPosition,
    pub name: String,
    pub recommending_agency_id: String,
    pub work_unit_name: String,
    /// 职务
    pub work_position: String,
    pub expertise: Vec<String>,
    pub added_at: String,
    /// Units of the team this member must avoid (empty when none).
    pub conflicts: Vec<AvoidanceConflict>,
}

/// A team with the units it inspects and, for the round's office, its members.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TeamDetail {
    pub id: String,
    pub round_id: String,
    pub name: String,
    pub created_at: String,
    pub units: Vec<TeamUnit>,
    /// Leader first, then deputies, then staff; `null` for a participant of the round (the
    /// members are people of the talent pool, whose data only the office reads).
    pub members: Option<Vec<TeamMemberView>>,
}

type TeamRow = (String, String, String, String);

/// A team and its round, as the principal may see them, or 404.
fn visible_team(conn: &mut DbConnection, p: &Principal, id: &str) -> AppResult<(TeamRow, RoundRow)> {
    let team: Option<TeamRow> = teams::table
        .find(id)
        .select((teams::id, teams::round_id, teams::name, teams::created_at))
        .first(conn)
        .optional()?;
    let team = team.ok_or_else(|| AppError::NotFound(TEAM_NOT_FOUND.into()))?;
    let (round, _) = visible_round(conn, p, &team.1).map_err(|e| match e {
        AppError::NotFound(_) => AppError::NotFound(TEAM_NOT_FOUND.into()),
        e => e,
    })?;
    Ok((team, round))
}

fn team_units(conn: &mut DbConnection, team_id: &str) -> QueryResult<Vec<TeamUnit>> {
    let rows: Vec<(String, String)> = inspected_units::table
        .filter(inspected_units::team_id.eq(team_id))
        .order(inspected_units::id)
        .select((inspected_units::id, inspected_units::object_id))
        .load(conn)?;
    let ids: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    let names = object_names(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|(id, o)| TeamUnit {
            object_name: names.get(&o).cloned().unwrap_or_default(),
            inspected_unit_id: id,
            object_id: o,
        })
        .collect())
}

/// Each unit of `units` that `t` must avoid, with the reasons.
fn conflicts(
    conn: &mut DbConnection,
    t: &TalentRow,
    units: &[TeamUnit],
    years: u32,
) -> QueryResult<Vec<AvoidanceConflict>> {
    let objects: Vec<&str> = units.iter().map(|u| u.object_id.as_str()).collect();
    let ties = ties_at(conn, &objects, Some(&t.id))?;
    Ok(units
        .iter()
        .filter_map(|u| {
            let reasons = reasons_for(t, &ties, &u.object_id, years);
            (!reasons.is_empty()).then(|| AvoidanceConflict {
                inspected_unit_id: u.inspected_unit_id.clone(),
                object_name: u.object_name.clone(),
                reasons,
            })
        })
        .collect())
}

/// One team: its units, and its members to the round's office; a participant sees no members.
pub fn show(conn: &mut DbConnection, p: &Principal, id: &TeamId, years: u32) -> AppResult<TeamDetail> {
    let ((id, round_id, name, created_at), round) = visible_team(conn, p, id)?;
    let units = team_units(conn, &id)?;
    let members = if rules::sees_team_members(p, &round.owner_agency_id) {
        let rows: Vec<(String, String, TalentRow)> = team_members::table
            .inner_join(talents::table)
            .filter(team_members::team_id.eq(&id))
            .select((team_members::position, team_members::added_at, TalentRow::as_select()))
            .load(conn)?;
        let mut out = Vec::with_capacity(rows.len());
        for (position, added_at, t) in rows {
            out.push(TeamMemberView {
                conflicts: conflicts(conn, &t, &units, years)?,
                position: TeamPosition::parse(&position).unwrap_or(TeamPosition::Staff),
                expertise: t.expertise(),
                talent_id: t.id,
                name: t.name,
                recommending_agency_id: t.recommending_agency_id,
                work_unit_name: t.work_unit_name,
                work_position: t.position,
                added_at,
            });
        }
        out.sort_by(|a, b| a.position.cmp(&b.position).then(a.added_at.cmp(&b.added_at)));
        Some(out)
    } else {
        None
    };
    Ok(TeamDetail { id, round_id, name, created_at, units, members })
}

/// The team of the round's office, for a change: visible (else 404), owned (else 403), the
/// round not closed (else 409).
fn owned_team(conn: &mut DbConnection, p: &Principal, id: &str) -> AppResult<(TeamRow, RoundRow)> {
    let (team, round) = visible_team(conn, p, id)?;
    round_rules::require_round_owner(p, &round.owner_agency_id)?;
    if round.stage().map_err(anyhow::Error::from)? == RoundStage::Closed {
        return Err(AppError::Conflict("本轮巡察已完成,巡察组成员不能再调整".into()));
    }
    Ok((team, round))
}

/// Puts a person on a team (the round's office): eligible for the position, active, on no
/// other team of the round, not a second leader, and bound to avoid none of the team's units.
pub fn add_member(
    conn: &mut DbConnection,
    p: &Principal,
    team_id: &TeamId,
    talent_id: &TalentId,
    position: TeamPosition,
    years: u32,
) -> AppResult<TeamDetail> {
    write_tx(conn, |conn, log| {
        let (team, round) = owned_team(conn, p, team_id)?;
        let reader = reader(conn, p)?;
        let t: Option<TalentRow> = talents::table
            .filter(talents_visible_sql(&reader))
            .filter(talents::id.eq(talent_id.as_str()))
            .select(TalentRow::as_select())
            .first(conn)
            .optional()?;
        let Some(t) = t else {
            return Err(AppError::validation("talent_id", "人才库中没有该人员"));
        };
        let mut errs = Vec::new();
        if !t.active {
            errs.push(FieldError::new("talent_id", "该人员已停用,不能选派"));
        }
        if !t.eligible().contains(&position) {
            errs.push(FieldError::new("position", format!("该人员未被推荐担任{}", position.label())));
        }
        let serving: Option<String> = team_members::table
            .inner_join(teams::table)
            .filter(team_members::round_id.eq(&round.id))
            .filter(team_members::talent_id.eq(&t.id))
            .select(teams::name)
            .first(conn)
            .optional()?;
        if let Some(name) = serving {
            errs.push(FieldError::new("talent_id", format!("该人员已在本轮的{name}")));
        }
        if position == TeamPosition::Leader {
            let leaders: i64 = team_members::table
                .filter(team_members::team_id.eq(&team.0))
                .filter(team_members::position.eq(TeamPosition::Leader.as_str()))
                .count()
                .get_result(conn)?;
            if leaders > 0 {
                errs.push(FieldError::new("position", "本组已有组长,每组只设一名组长"));
            }
        }
        let units = team_units(conn, &team.0)?;
        for c in conflicts(conn, &t, &units, years)? {
            errs.push(FieldError::new("talent_id", format!("须回避{}:{}", c.object_name, c.reasons.join(";"))));
        }
        if !errs.is_empty() {
            return Err(AppError::Validation(errs));
        }
        diesel::insert_into(team_members::table)
            .values((
                team_members::team_id.eq(&team.0),
                team_members::talent_id.eq(&t.id),
                team_members::round_id.eq(&round.id),
                team_members::position.eq(position.as_str()),
                team_members::added_by.eq(p.actor_id()),
                team_members::added_at.eq(log.at()),
            ))
            .execute(conn)?;
        log.audit(
            &Actor::from(p),
            "team.member.add",
            "team",
            Some(&team.0),
            None,
            json!({"talent_id": t.id, "position": position.as_str(), "round_id": round.id}),
        );
        Ok(())
    })?;
    show(conn, p, team_id, years)
}

/// Takes a person off a team (the round's office); 404 when they are not on it.
pub fn remove_member(conn: &mut DbConnection, p: &Principal, team_id: &TeamId, talent_id: &TalentId) -> AppResult<()> {
    write_tx(conn, |conn, log| {
        let (team, round) = owned_team(conn, p, team_id)?;
        let n = diesel::delete(
            team_members::table
                .filter(team_members::team_id.eq(&team.0))
                .filter(team_members::talent_id.eq(talent_id.as_str())),
        )
        .execute(conn)?;
        if n == 0 {
            return Err(AppError::NotFound("该人员不是本组成员".into()));
        }
        log.audit(
            &Actor::from(p),
            "team.member.remove",
            "team",
            Some(&team.0),
            None,
            json!({"talent_id": talent_id.as_str(), "round_id": round.id}),
        );
        Ok(())
    })
}
