//! Team proposals from the talent pool: for an inspected unit, the eligible, active people
//! who need not avoid it (回避), ranked by expertise matching the round's focus; and the people
//! who must avoid it, with the reasons. Avoidance itself is the pure rule of
//! `domain::inspection::talent`; `team_members` uses the same facts to refuse an assignment.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{talent_postings, talent_relations, talents, team_members};
use crate::db::DbConnection;
use crate::domain::clock::{parse_date, today};
use crate::domain::ids::InspectedUnitId;
use crate::domain::inspection::talent::{
    avoidance_reasons, matched_tags, proposal_order, PersonTies, RankFacts, TeamPosition,
};
use crate::error::AppResult;
use crate::policy::talent::talents_visible_sql;
use crate::policy::Principal;

use super::rounds::owned_round_of_unit;
use super::talent_pool::{participation_counts, reader, TalentRow};

/// Postings (unit, from, to) and relations (unit, relation) at the given units, by person.
pub type Ties = (HashMap<String, Vec<(String, String, Option<String>)>>, HashMap<String, Vec<(String, String)>>);

pub fn ties_at(conn: &mut DbConnection, units: &[&str], talent: Option<&str>) -> QueryResult<Ties> {
    let mut pq = talent_postings::table.filter(talent_postings::unit_object_id.eq_any(units)).into_boxed();
    let mut rq = talent_relations::table.filter(talent_relations::unit_object_id.eq_any(units)).into_boxed();
    if let Some(t) = talent {
        pq = pq.filter(talent_postings::talent_id.eq(t.to_string()));
        rq = rq.filter(talent_relations::talent_id.eq(t.to_string()));
    }
    let (mut postings, mut relations): Ties = Default::default();
    let rows: Vec<(String, String, String, Option<String>)> = pq
        .order((talent_postings::from_date, talent_postings::id))
        .select((
            talent_postings::talent_id,
            talent_postings::unit_object_id,
            talent_postings::from_date,
            talent_postings::to_date,
        ))
        .load(conn)?;
    for (t, u, from, to) in rows {
        postings.entry(t).or_default().push((u, from, to));
    }
    let rows: Vec<(String, String, String)> = rq
        .order(talent_relations::id)
        .select((talent_relations::talent_id, talent_relations::unit_object_id, talent_relations::relation))
        .load(conn)?;
    for (t, u, r) in rows {
        relations.entry(t).or_default().push((u, r));
    }
    Ok((postings, relations))
}

/// Why `t` must avoid the unit `unit_object_id` (empty: may serve).
pub fn reasons_for(t: &TalentRow, ties: &Ties, unit_object_id: &str, years: u32) -> Vec<String> {
    let person = PersonTies {
        work_unit_object_id: t.work_unit_object_id.as_deref(),
        postings: ties
            .0
            .get(&t.id)
            .into_iter()
            .flatten()
            .map(|(u, f, to)| (u.as_str(), f.as_str(), to.as_deref()))
            .collect(),
        relations: ties.1.get(&t.id).into_iter().flatten().map(|(u, r)| (u.as_str(), r.as_str())).collect(),
    };
    let today = parse_date(&today()).unwrap_or_default();
    avoidance_reasons(&person, unit_object_id, today, years)
}

/// A person the proposal puts forward.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProposedPerson {
    pub talent_id: String,
    pub name: String,
    pub recommending_agency_id: String,
    pub work_unit_name: String,
    /// 职务
    pub work_position: String,
    pub expertise: Vec<String>,
    /// The expertise tags that match the round's focus (巡察重点), in the focus's order.
    pub matched_tags: Vec<String>,
    /// How many teams the person served on.
    pub participations: i64,
}

/// A person who must avoid the unit, and why.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AvoidedPerson {
    pub talent_id: String,
    pub name: String,
    pub recommending_agency_id: String,
    pub work_unit_name: String,
    /// 回避事由
    pub reasons: Vec<String>,
}

/// A team proposal for an inspected unit (the round's office only).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TeamProposal {
    pub inspected_unit_id: String,
    pub round_id: String,
    pub position: TeamPosition,
    /// The round's focus the expertise is matched against.
    pub focus: Vec<String>,
    /// The avoidance period in years (setting `inspection_avoidance_years`).
    pub avoidance_years: u32,
    /// Eligible, active people not on a team of this round who need not avoid the unit, best first.
    pub candidates: Vec<ProposedPerson>,
    /// Eligible, active people who must avoid the unit, with the reasons.
    pub avoided: Vec<AvoidedPerson>,
}

/// Proposes people for `position` on the team of an inspected unit (the round's office).
pub fn proposal(
    conn: &mut DbConnection,
    p: &Principal,
    unit_id: &InspectedUnitId,
    position: TeamPosition,
    limit: i64,
    years: u32,
) -> AppResult<TeamProposal> {
    let (unit, round) = owned_round_of_unit(conn, p, unit_id)?;
    let reader = reader(conn, p)?;
    let people: Vec<TalentRow> = talents::table
        .filter(talents_visible_sql(&reader))
        .filter(talents::active.eq(true))
        .filter(talents::eligible.like(format!("%\"{}\"%", position.as_str())))
        .select(TalentRow::as_select())
        .load(conn)?;
    let ties = ties_at(conn, &[unit.object_id.as_str()], None)?;
    let serving: HashSet<String> = team_members::table
        .filter(team_members::round_id.eq(&round.id))
        .select(team_members::talent_id)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let ids: Vec<&str> = people.iter().map(|t| t.id.as_str()).collect();
    let counts = participation_counts(conn, &ids)?;
    let focus = round.focus();
    let (mut candidates, mut avoided) = (Vec::new(), Vec::new());
    for t in &people {
        let reasons = reasons_for(t, &ties, &unit.object_id, years);
        if !reasons.is_empty() {
            avoided.push(AvoidedPerson {
                talent_id: t.id.clone(),
                name: t.name.clone(),
                recommending_agency_id: t.recommending_agency_id.clone(),
                work_unit_name: t.work_unit_name.clone(),
                reasons,
            });
        } else if !serving.contains(&t.id) {
            let expertise = t.expertise();
            candidates.push(ProposedPerson {
                matched_tags: matched_tags(&expertise, &focus),
                participations: counts.get(&t.id).copied().unwrap_or(0),
                talent_id: t.id.clone(),
                name: t.name.clone(),
                recommending_agency_id: t.recommending_agency_id.clone(),
                work_unit_name: t.work_unit_name.clone(),
                work_position: t.position.clone(),
                expertise,
            });
        }
    }
    fn facts(c: &ProposedPerson) -> RankFacts<'_> {
        RankFacts { matched: c.matched_tags.len(), participations: c.participations, name: &c.name, id: &c.talent_id }
    }
    candidates.sort_by(|a, b| proposal_order(&facts(a), &facts(b)));
    candidates.truncate(limit.max(0) as usize);
    avoided.sort_by(|a, b| a.name.cmp(&b.name).then(a.talent_id.cmp(&b.talent_id)));
    Ok(TeamProposal {
        inspected_unit_id: unit.id,
        round_id: round.id,
        position,
        focus,
        avoidance_years: years,
        candidates,
        avoided,
    })
}
