//! The talent pool (人才库), its read side: a person's entry as the inspection office and the
//! recommending unit see it (postings, relations, commendations, participation history), and
//! the one place that decides whether the caller may see an entry (`visible_talent`, asking
//! `policy::talent`). The writes are in `talents`, lists and statistics in `talent_lists`.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{
    agencies, rounds, subject_objects, talent_commendations, talent_postings, talent_relations, talents, team_members,
    teams,
};
use crate::db::DbConnection;
use crate::domain::ids::TalentId;
use crate::domain::inspection::talent::{TalentInput, TeamPosition};
use crate::error::{AppError, AppResult};
use crate::policy::inspection::can_see_round;
use crate::policy::talent::{self as rules, TalentReader, TALENT_NOT_FOUND};
use crate::policy::Principal;

use super::{agency_kind, participants};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = talents)]
pub struct TalentRow {
    pub id: String,
    pub recommending_agency_id: String,
    pub name: String,
    pub work_unit_object_id: Option<String>,
    pub work_unit_name: String,
    pub position: String,
    pub expertise: String,
    pub eligible: String,
    pub active: bool,
    pub version: i32,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

impl TalentRow {
    pub fn expertise(&self) -> Vec<String> {
        serde_json::from_str(&self.expertise).unwrap_or_default()
    }
    pub fn eligible(&self) -> Vec<TeamPosition> {
        serde_json::from_str(&self.eligible).unwrap_or_default()
    }
}

/// A past posting (任职经历).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PostingView {
    pub unit_object_id: String,
    pub unit_name: String,
    /// YYYY-MM-DD
    pub from: String,
    /// YYYY-MM-DD; `null` while the person still works there.
    pub to: Option<String>,
}

/// A declared relation to a unit.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RelationView {
    pub unit_object_id: String,
    pub unit_name: String,
    pub relation: String,
}

/// A commendation (e.g. 优秀巡察抽调干部).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CommendationView {
    pub id: String,
    pub title: String,
    /// YYYY-MM-DD
    pub awarded_on: String,
    /// The round it was earned in; `null` when none was named or the caller may not see it.
    pub round_id: Option<String>,
    pub round_name: Option<String>,
    /// The inspection office that recorded it.
    pub agency_id: String,
    pub created_at: String,
}

/// One team the person served on (participation history). The round and team are named only
/// to a caller who may see the round; to others just the position and the date show.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ParticipationView {
    pub round_id: Option<String>,
    pub round_name: Option<String>,
    pub team_id: Option<String>,
    pub team_name: Option<String>,
    pub position: TeamPosition,
    pub added_at: String,
}

/// A person of the talent pool, as the inspection office and the recommending unit see them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TalentView {
    pub id: String,
    /// The member unit that recommended the person.
    pub recommending_agency_id: String,
    pub recommending_agency_name: String,
    pub name: String,
    /// The current work unit as a supervision object (of kind `unit`), when registered.
    pub work_unit_object_id: Option<String>,
    pub work_unit_name: String,
    /// 职务
    pub position: String,
    /// 专业特长
    pub expertise: Vec<String>,
    /// The team positions the person may hold.
    pub eligible: Vec<TeamPosition>,
    /// Inactive people are kept (with their history) but never proposed.
    pub active: bool,
    pub postings: Vec<PostingView>,
    pub relations: Vec<RelationView>,
    pub commendations: Vec<CommendationView>,
    pub participations: Vec<ParticipationView>,
    /// The version, for `If-Match`.
    pub version: i32,
    pub created_at: String,
    pub updated_at: String,
}

/// How the principal reads the pool (an office, or a unit reading its own recommendations).
pub fn reader(conn: &mut DbConnection, p: &Principal) -> AppResult<TalentReader> {
    let kind = agency_kind(conn, &p.agency_id)?.map(|(k, _)| k).unwrap_or_default();
    rules::talent_reader(p, &kind)
}

/// A person the principal may see, or 404.
pub fn visible_talent(conn: &mut DbConnection, p: &Principal, id: &str) -> AppResult<(TalentRow, TalentReader)> {
    let reader = reader(conn, p)?;
    let row: Option<TalentRow> = talents::table.find(id).select(TalentRow::as_select()).first(conn).optional()?;
    match row {
        Some(t) if rules::can_see_talent(&reader, &t.recommending_agency_id) => Ok((t, reader)),
        _ => Err(AppError::NotFound(TALENT_NOT_FOUND.into())),
    }
}

/// Names of supervision objects by id.
pub fn object_names(conn: &mut DbConnection, ids: &[&str]) -> QueryResult<HashMap<String, String>> {
    Ok(subject_objects::table
        .filter(subject_objects::id.eq_any(ids))
        .select((subject_objects::id, subject_objects::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}

/// How many teams each person served on.
pub fn participation_counts(conn: &mut DbConnection, ids: &[&str]) -> QueryResult<HashMap<String, i64>> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(String, i64)> = team_members::table
            .filter(team_members::talent_id.eq_any(chunk))
            .group_by(team_members::talent_id)
            .select((team_members::talent_id, diesel::dsl::count_star()))
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}

/// The entry as the caller (who may see it) sees it.
pub fn view(conn: &mut DbConnection, p: &Principal, t: TalentRow) -> AppResult<TalentView> {
    let postings: Vec<(String, String, Option<String>)> = talent_postings::table
        .filter(talent_postings::talent_id.eq(&t.id))
        .order((talent_postings::from_date, talent_postings::id))
        .select((talent_postings::unit_object_id, talent_postings::from_date, talent_postings::to_date))
        .load(conn)?;
    let relations: Vec<(String, String)> = talent_relations::table
        .filter(talent_relations::talent_id.eq(&t.id))
        .order(talent_relations::id)
        .select((talent_relations::unit_object_id, talent_relations::relation))
        .load(conn)?;
    let mut ids: Vec<&str> =
        postings.iter().map(|p| p.0.as_str()).chain(relations.iter().map(|r| r.0.as_str())).collect();
    ids.extend(t.work_unit_object_id.as_deref());
    let names = object_names(conn, &ids)?;
    let name = |id: &str| names.get(id).cloned().unwrap_or_default();
    let commendations: Vec<(String, String, String, Option<String>, String, String)> = talent_commendations::table
        .filter(talent_commendations::talent_id.eq(&t.id))
        .order((talent_commendations::awarded_on, talent_commendations::id))
        .select((
            talent_commendations::id,
            talent_commendations::title,
            talent_commendations::awarded_on,
            talent_commendations::round_id,
            talent_commendations::agency_id,
            talent_commendations::created_at,
        ))
        .load(conn)?;
    let teams_of: Vec<(String, String, String, String, String, String)> = team_members::table
        .inner_join(teams::table)
        .inner_join(rounds::table.on(rounds::id.eq(team_members::round_id)))
        .filter(team_members::talent_id.eq(&t.id))
        .order((team_members::added_at, team_members::team_id))
        .select((rounds::id, rounds::name, teams::id, teams::name, team_members::position, team_members::added_at))
        .load(conn)?;
    let mut rounds_seen: HashMap<String, Option<String>> = HashMap::new();
    let round_ids = teams_of.iter().map(|r| r.0.clone()).chain(commendations.iter().filter_map(|c| c.3.clone()));
    for r in round_ids.collect::<Vec<_>>() {
        if rounds_seen.contains_key(&r) {
            continue;
        }
        let (owner, rname): (String, String) =
            rounds::table.find(&r).select((rounds::owner_agency_id, rounds::name)).first(conn)?;
        let seen = can_see_round(&p.agency_id, &owner, &participants(conn, &r)?).then_some(rname);
        rounds_seen.insert(r, seen);
    }
    let round_name = |r: &str| rounds_seen.get(r).cloned().flatten();
    let agency_name: String = agencies::table
        .find(&t.recommending_agency_id)
        .select(agencies::name)
        .first(conn)
        .optional()?
        .unwrap_or_default();
    Ok(TalentView {
        postings: postings
            .iter()
            .map(|(u, f, to)| PostingView {
                unit_name: name(u),
                unit_object_id: u.clone(),
                from: f.clone(),
                to: to.clone(),
            })
            .collect(),
        relations: relations
            .iter()
            .map(|(u, r)| RelationView { unit_name: name(u), unit_object_id: u.clone(), relation: r.clone() })
            .collect(),
        commendations: commendations
            .into_iter()
            .map(|(id, title, awarded_on, round, agency_id, created_at)| {
                let round_name = round.as_deref().and_then(round_name);
                let round_id = round.filter(|_| round_name.is_some());
                CommendationView { id, title, awarded_on, round_id, round_name, agency_id, created_at }
            })
            .collect(),
        participations: teams_of
            .into_iter()
            .map(|(round, _, team, team_name, position, added_at)| {
                let round_name = round_name(&round);
                let seen = round_name.is_some();
                ParticipationView {
                    round_id: seen.then_some(round),
                    round_name,
                    team_id: seen.then_some(team),
                    team_name: seen.then_some(team_name),
                    position: TeamPosition::parse(&position).unwrap_or(TeamPosition::Staff),
                    added_at,
                }
            })
            .collect(),
        recommending_agency_name: agency_name,
        expertise: t.expertise(),
        eligible: t.eligible(),
        id: t.id,
        recommending_agency_id: t.recommending_agency_id,
        name: t.name,
        work_unit_object_id: t.work_unit_object_id,
        work_unit_name: t.work_unit_name,
        position: t.position,
        active: t.active,
        version: t.version,
        created_at: t.created_at,
        updated_at: t.updated_at,
    })
}

/// One person, as the caller may see them.
pub fn show(conn: &mut DbConnection, p: &Principal, id: &TalentId) -> AppResult<TalentView> {
    let (t, _) = visible_talent(conn, p, id)?;
    view(conn, p, t)
}

/// The entry as input again, to apply a change to.
pub fn current_input(conn: &mut DbConnection, t: &TalentRow) -> QueryResult<TalentInput> {
    let postings: Vec<(String, String, Option<String>)> = talent_postings::table
        .filter(talent_postings::talent_id.eq(&t.id))
        .order((talent_postings::from_date, talent_postings::id))
        .select((talent_postings::unit_object_id, talent_postings::from_date, talent_postings::to_date))
        .load(conn)?;
    let relations: Vec<(String, String)> = talent_relations::table
        .filter(talent_relations::talent_id.eq(&t.id))
        .order(talent_relations::id)
        .select((talent_relations::unit_object_id, talent_relations::relation))
        .load(conn)?;
    Ok(TalentInput {
        name: t.name.clone(),
        work_unit_object_id: t.work_unit_object_id.clone(),
        work_unit_name: Some(t.work_unit_name.clone()),
        position: t.position.clone(),
        expertise: t.expertise(),
        eligible: t.eligible(),
        postings,
        relations,
        active: t.active,
    })
}

/// What the talent pool's pages offer the caller.
pub struct PoolChoices {
    /// The caller's agency is an inspection office (sees the whole pool, records commendations).
    pub office: bool,
    /// The caller may recommend people (a member unit's writer).
    pub may_recommend: bool,
    /// Supervision objects of kind unit (work units, postings, relations), by name.
    pub units: Vec<(String, String)>,
}

/// The choices of the talent pool's forms (any content reader; 403 for the others).
pub fn choices(conn: &mut DbConnection, p: &Principal) -> AppResult<PoolChoices> {
    let kind = agency_kind(conn, &p.agency_id)?.map(|(k, _)| k).unwrap_or_default();
    let office = rules::talent_reader(p, &kind)? == TalentReader::Office;
    let units = subject_objects::table
        .filter(subject_objects::kind.eq("unit"))
        .order(subject_objects::name)
        .limit(1000)
        .select((subject_objects::id, subject_objects::name))
        .load(conn)?;
    Ok(PoolChoices { office, may_recommend: rules::require_recommender(p, &kind).is_ok(), units })
}
