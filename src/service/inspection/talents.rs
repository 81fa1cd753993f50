//! The talent pool (人才库), its writes: member units recommend people for inspection teams
//! and keep their entries (postings and declared relations, for avoidance); the inspection
//! office records commendations. Who may do what is decided in `policy::talent`; every write
//! goes through `write_tx` with its audit entry (ids and states only: entries are personal data).

use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::db::schema::{rounds, subject_objects, talent_commendations, talent_postings, talent_relations, talents};
use crate::db::DbConnection;
use crate::domain::ids::{ObjectId, RoundId, TalentId};
use crate::domain::inspection::talent::{TalentDraft, TalentInput};
use crate::domain::inspection::{check_date, check_name};
use crate::domain::new_id;
use crate::error::{AppError, AppResult, FieldError};
use crate::policy::inspection::can_see_round;
use crate::policy::talent as rules;
use crate::policy::Principal;
use crate::store::log::{write_tx, Actor, Log};

use super::talent_pool::{current_input, view, visible_talent, TalentRow, TalentView};
use super::{agency_kind, participants};

/// Checks that every unit the draft names is a supervision object of kind `unit`; returns the
/// work unit's name (given, or the object's).
fn check_units(
    conn: &mut DbConnection,
    d: &TalentDraft,
    prefix: &str,
    errs: &mut Vec<FieldError>,
) -> AppResult<String> {
    let mut unit_name = |conn: &mut DbConnection, field: String, id: &ObjectId| -> AppResult<Option<String>> {
        let o: Option<(String, String)> = subject_objects::table
            .find(id.as_str())
            .select((subject_objects::kind, subject_objects::name))
            .first(conn)
            .optional()?;
        match o {
            Some((kind, name)) if kind == "unit" => return Ok(Some(name)),
            Some(_) => errs.push(FieldError::new(field, "须为单位(党组织),不能是个人")),
            None => errs.push(FieldError::new(field, "监督对象不存在")),
        }
        Ok(None)
    };
    let mut work_unit = d.work_unit_name.clone();
    if let Some(w) = &d.work_unit_object_id {
        let name = unit_name(conn, format!("{prefix}work_unit_object_id"), w)?;
        work_unit = work_unit.or(name);
    }
    for (i, posting) in d.postings.iter().enumerate() {
        unit_name(conn, format!("{prefix}postings[{i}].unit_object_id"), &posting.unit_object_id)?;
    }
    for (i, relation) in d.relations.iter().enumerate() {
        unit_name(conn, format!("{prefix}relations[{i}].unit_object_id"), &relation.unit_object_id)?;
    }
    Ok(work_unit.unwrap_or_default())
}

fn to_json<T: Serialize>(v: &T) -> AppResult<String> {
    Ok(serde_json::to_string(v).map_err(anyhow::Error::from)?)
}

/// Replaces the person's postings and relations with the draft's.
fn write_ties(conn: &mut DbConnection, talent_id: &str, d: &TalentDraft) -> QueryResult<()> {
    diesel::delete(talent_postings::table.filter(talent_postings::talent_id.eq(talent_id))).execute(conn)?;
    diesel::delete(talent_relations::table.filter(talent_relations::talent_id.eq(talent_id))).execute(conn)?;
    for posting in &d.postings {
        diesel::insert_into(talent_postings::table)
            .values((
                talent_postings::id.eq(new_id()),
                talent_postings::talent_id.eq(talent_id),
                talent_postings::unit_object_id.eq(posting.unit_object_id.as_str()),
                talent_postings::from_date.eq(&posting.from),
                talent_postings::to_date.eq(&posting.to),
            ))
            .execute(conn)?;
    }
    for relation in &d.relations {
        diesel::insert_into(talent_relations::table)
            .values((
                talent_relations::id.eq(new_id()),
                talent_relations::talent_id.eq(talent_id),
                talent_relations::unit_object_id.eq(relation.unit_object_id.as_str()),
                talent_relations::relation.eq(&relation.relation),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Recommends people (in one transaction: all or none), the caller's agency recommending.
fn insert_all(
    conn: &mut DbConnection,
    log: &mut Log,
    p: &Principal,
    drafts: &[TalentDraft],
    batch: bool,
) -> AppResult<Vec<TalentRow>> {
    let kind = agency_kind(conn, &p.agency_id)?.map(|(k, _)| k).unwrap_or_default();
    rules::require_recommender(p, &kind)?;
    let mut errs = Vec::new();
    let mut work_units = Vec::with_capacity(drafts.len());
    for (i, d) in drafts.iter().enumerate() {
        let prefix = if batch { format!("items[{i}].") } else { String::new() };
        work_units.push(check_units(conn, d, &prefix, &mut errs)?);
    }
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    let mut rows = Vec::with_capacity(drafts.len());
    for (d, work_unit_name) in drafts.iter().zip(work_units) {
        let row = TalentRow {
            id: new_id(),
            recommending_agency_id: p.agency_id.clone(),
            name: d.name.clone(),
            work_unit_object_id: d.work_unit_object_id.as_ref().map(|o| o.to_string()),
            work_unit_name,
            position: d.position.clone(),
            expertise: to_json(&d.expertise)?,
            eligible: to_json(&d.eligible)?,
            active: d.active,
            version: 1,
            created_by: p.actor_id(),
            created_at: log.at().into(),
            updated_at: log.at().into(),
        };
        diesel::insert_into(talents::table).values(&row).execute(conn)?;
        write_ties(conn, &row.id, d)?;
        log.audit(&Actor::from(p), "talent.create", "talent", Some(&row.id), None, json!({"eligible": d.eligible}));
        rows.push(row);
    }
    Ok(rows)
}

/// Recommends one person; the recommending unit is the caller's agency.
pub fn create(conn: &mut DbConnection, p: &Principal, draft: &TalentDraft) -> AppResult<TalentView> {
    let row = write_tx(conn, |conn, log| Ok(insert_all(conn, log, p, std::slice::from_ref(draft), false)?.remove(0)))?;
    view(conn, p, row)
}

/// What a batch of recommendations created.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BatchCreated {
    pub count: usize,
    /// The new entries' ids, in the order given.
    pub ids: Vec<String>,
}

/// Recommends many people at once (all or none; errors name `items[i].field`).
pub fn create_batch(conn: &mut DbConnection, p: &Principal, drafts: &[TalentDraft]) -> AppResult<BatchCreated> {
    let rows = write_tx(conn, |conn, log| insert_all(conn, log, p, drafts, true))?;
    Ok(BatchCreated { count: rows.len(), ids: rows.into_iter().map(|r| r.id).collect() })
}

/// Changes a person's entry (the recommending unit) at `version` (else 412): `change` edits
/// the entry as input, which is then checked as a new recommendation would be.
pub fn update(
    conn: &mut DbConnection,
    p: &Principal,
    id: &TalentId,
    version: i32,
    change: impl FnOnce(&mut TalentInput),
) -> AppResult<TalentView> {
    let row = write_tx(conn, |conn, log| {
        let (t, _) = visible_talent(conn, p, id)?;
        rules::require_editor(p, &t.recommending_agency_id)?;
        // The change is checked first (422), then the version (412).
        let mut input = current_input(conn, &t)?;
        change(&mut input);
        let d = TalentDraft::parse(&input, "").map_err(AppError::Validation)?;
        if t.version != version {
            return Err(AppError::PreconditionFailed(format!(
                "人选信息已被修改(当前版本 {},请求版本 {version}),请刷新后重试",
                t.version
            )));
        }
        let mut errs = Vec::new();
        let work_unit_name = check_units(conn, &d, "", &mut errs)?;
        if !errs.is_empty() {
            return Err(AppError::Validation(errs));
        }
        diesel::update(talents::table.find(&t.id))
            .set((
                talents::name.eq(&d.name),
                talents::work_unit_object_id.eq(d.work_unit_object_id.as_ref().map(|o| o.as_str())),
                talents::work_unit_name.eq(&work_unit_name),
                talents::position.eq(&d.position),
                talents::expertise.eq(to_json(&d.expertise)?),
                talents::eligible.eq(to_json(&d.eligible)?),
                talents::active.eq(d.active),
                talents::version.eq(t.version + 1),
                talents::updated_at.eq(log.at()),
            ))
            .execute(conn)?;
        write_ties(conn, &t.id, &d)?;
        log.audit(
            &Actor::from(p),
            "talent.update",
            "talent",
            Some(&t.id),
            None,
            json!({"version": t.version + 1, "active": d.active, "eligible": d.eligible}),
        );
        Ok(talents::table.find(&t.id).select(TalentRow::as_select()).first(conn)?)
    })?;
    view(conn, p, row)
}

/// A commendation as the office records it.
#[derive(Debug, Clone)]
pub struct Commendation {
    pub title: String,
    pub awarded_on: String,
    pub round_id: Option<RoundId>,
}

/// Records a commendation of a person (an inspection office). A round, when named, must be
/// one the office can see.
pub fn commend(conn: &mut DbConnection, p: &Principal, id: &TalentId, c: &Commendation) -> AppResult<TalentView> {
    let row = write_tx(conn, |conn, log| {
        let (t, _) = visible_talent(conn, p, id)?;
        let kind = agency_kind(conn, &p.agency_id)?.map(|(k, _)| k).unwrap_or_default();
        rules::require_commender(p, &kind)?;
        let mut errs = Vec::new();
        check_name("title", &c.title, &mut errs);
        check_date("awarded_on", &c.awarded_on, &mut errs);
        if let Some(r) = &c.round_id {
            let owner: Option<String> =
                rounds::table.find(r.as_str()).select(rounds::owner_agency_id).first(conn).optional()?;
            let visible = match owner {
                Some(o) => can_see_round(&p.agency_id, &o, &participants(conn, r)?),
                None => false,
            };
            if !visible {
                errs.push(FieldError::new("round_id", "巡察轮次不存在或无权查看"));
            }
        }
        if !errs.is_empty() {
            return Err(AppError::Validation(errs));
        }
        let cid = new_id();
        diesel::insert_into(talent_commendations::table)
            .values((
                talent_commendations::id.eq(&cid),
                talent_commendations::talent_id.eq(&t.id),
                talent_commendations::title.eq(c.title.trim()),
                talent_commendations::awarded_on.eq(&c.awarded_on),
                talent_commendations::round_id.eq(c.round_id.as_ref().map(|r| r.as_str())),
                talent_commendations::agency_id.eq(&p.agency_id),
                talent_commendations::created_at.eq(log.at()),
            ))
            .execute(conn)?;
        log.audit(
            &Actor::from(p),
            "talent.commend",
            "talent",
            Some(&t.id),
            None,
            json!({"commendation_id": cid, "round_id": c.round_id}),
        );
        Ok(t)
    })?;
    view(conn, p, row)
}
