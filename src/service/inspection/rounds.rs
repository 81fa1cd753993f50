//! Rounds (巡察轮次), their participants, teams and inspected units: created and changed by the
//! inspection office that runs the round, seen by it and by the member units it names.

use diesel::prelude::*;
use serde_json::json;

use crate::contract::page::{Page, Window};
use crate::db::schema::{inspected_units, round_participants, rounds, subject_objects, teams};
use crate::db::DbConnection;
use crate::domain::ids::{AgencyId, InspectedUnitId, ObjectId, RoundId, TeamId};
use crate::domain::inspection::{check_name, RoundDraft, RoundStage};
use crate::domain::new_id;
use crate::error::{AppError, AppResult, FieldError};
use crate::policy::inspection as rules;
use crate::policy::{self, Principal};
use crate::store::log::{write_tx, Actor, Log};

use super::{
    agency_kind, load_round, participants, round_view, unit_views, visible_round, visible_unit, InspectedUnitRow,
    InspectedUnitView, RoundRow, RoundView, TeamView,
};

/// The principal's agency must be an inspection office with a writer's role.
fn require_office(conn: &mut DbConnection, p: &Principal) -> AppResult<()> {
    let kind = agency_kind(conn, &p.agency_id)?.map(|(k, _)| k).unwrap_or_default();
    rules::require_inspection_office(p, &kind)
}

/// Checks that each listed agency is an active member unit that receives records.
fn check_members(conn: &mut DbConnection, field: &str, ids: &[AgencyId], errs: &mut Vec<FieldError>) -> AppResult<()> {
    for (i, a) in ids.iter().enumerate() {
        match agency_kind(conn, a)? {
            Some((kind, true)) if policy::credentials::receives_records(&kind) => {}
            _ => errs.push(FieldError::new(format!("{field}[{i}]"), "成员单位不存在、已停用或不能参与巡察工作")),
        }
    }
    Ok(())
}

fn insert_participants(conn: &mut DbConnection, round_id: &str, owner: &str, ids: &[AgencyId]) -> QueryResult<()> {
    let mut ids: Vec<&str> = ids.iter().map(|a| a.as_str()).filter(|a| *a != owner).collect();
    ids.sort();
    ids.dedup();
    for a in ids {
        diesel::insert_into(round_participants::table)
            .values((round_participants::round_id.eq(round_id), round_participants::agency_id.eq(a)))
            .execute(conn)?;
    }
    Ok(())
}

/// Creates a round owned by the principal's inspection office.
pub fn create(
    conn: &mut DbConnection,
    p: &Principal,
    draft: &RoundDraft,
    participant_ids: &[AgencyId],
) -> AppResult<RoundView> {
    require_office(conn, p)?;
    write_tx(conn, |conn, log| {
        let mut errs = Vec::new();
        check_members(conn, "participant_agency_ids", participant_ids, &mut errs)?;
        let taken: i64 = rounds::table
            .filter(rounds::owner_agency_id.eq(&p.agency_id))
            .filter(rounds::name.eq(&draft.name))
            .count()
            .get_result(conn)?;
        if taken > 0 {
            errs.push(FieldError::new("name", "本单位已有同名的巡察轮次"));
        }
        if !errs.is_empty() {
            return Err(AppError::Validation(errs));
        }
        let row = RoundRow {
            id: new_id(),
            owner_agency_id: p.agency_id.clone(),
            name: draft.name.clone(),
            number: draft.number,
            kind: draft.kind.as_str().into(),
            stage: RoundStage::Preparation.as_str().into(),
            period_start: draft.period_start.clone(),
            period_end: draft.period_end.clone(),
            focus: serde_json::to_string(&draft.focus).map_err(anyhow::Error::from)?,
            version: 1,
            created_by: p.actor_id(),
            created_at: log.at().into(),
            updated_at: log.at().into(),
        };
        diesel::insert_into(rounds::table).values(&row).execute(conn)?;
        insert_participants(conn, &row.id, &p.agency_id, participant_ids)?;
        log.audit(
            &Actor::from(p),
            "round.create",
            "round",
            Some(&row.id),
            None,
            json!({"kind": row.kind, "number": row.number}),
        );
        let parts = participants(conn, &row.id)?;
        round_view(conn, row, parts)
    })
}

/// The rounds the principal's agency runs or takes part in, newest first; `stage` filters.
pub fn page(
    conn: &mut DbConnection,
    p: &Principal,
    w: &Window,
    stage: Option<RoundStage>,
) -> AppResult<Page<RoundView>> {
    rules::require_round_reader(p)?;
    let mut q = rounds::table.filter(rules::rounds_visible_sql(&p.agency_id)).into_boxed();
    if let Some(s) = stage {
        q = q.filter(rounds::stage.eq(s.as_str()));
    }
    if let Some(after) = &w.after {
        q = q.filter(rounds::id.lt(after));
    }
    let rows: Vec<RoundRow> = q.order(rounds::id.desc()).limit(w.limit).select(RoundRow::as_select()).load(conn)?;
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        let parts = participants(conn, &r.id)?;
        items.push(round_view(conn, r, parts)?);
    }
    Ok(Page::of(items, w, |r| &r.id))
}

/// One round, as its office and participants see it.
pub fn show(conn: &mut DbConnection, p: &Principal, id: &RoundId) -> AppResult<RoundView> {
    let (r, parts) = visible_round(conn, p, id)?;
    round_view(conn, r, parts)
}

/// A change to a round by its office, in one transaction: the round is visible (else 404),
/// owned (else 403) and at `if_match` when given (else 412); its version goes up.
fn change_round<T>(
    conn: &mut DbConnection,
    p: &Principal,
    id: &str,
    if_match: Option<i32>,
    step: impl FnOnce(&mut DbConnection, &mut Log, &RoundRow) -> AppResult<T>,
) -> AppResult<T> {
    write_tx(conn, |conn, log| {
        let (r, _) = visible_round(conn, p, id)?;
        rules::require_round_owner(p, &r.owner_agency_id)?;
        if let Some(v) = if_match.filter(|v| *v != r.version) {
            return Err(AppError::PreconditionFailed(format!(
                "巡察轮次已被修改(当前版本 {},请求版本 {v}),请刷新后重试",
                r.version
            )));
        }
        let out = step(conn, log, &r)?;
        diesel::update(rounds::table.find(id))
            .set((rounds::version.eq(r.version + 1), rounds::updated_at.eq(log.at())))
            .execute(conn)?;
        Ok(out)
    })
}

/// Moves a round to its next stage (the office; one stage forward at a time).
pub fn advance(
    conn: &mut DbConnection,
    p: &Principal,
    id: &RoundId,
    to: RoundStage,
    if_match: Option<i32>,
) -> AppResult<RoundView> {
    change_round(conn, p, id, if_match, |conn, log, r| {
        let from = r.stage().map_err(anyhow::Error::from)?;
        if from.next() != Some(to) {
            let expected =
                from.next().map_or("无(已完成)".to_string(), |n| format!("{}({})", n.as_str(), n.label()));
            return Err(AppError::Conflict(format!("巡察轮次当前为“{}”,只能进入下一阶段:{expected}", from.label())));
        }
        diesel::update(rounds::table.find(&r.id)).set(rounds::stage.eq(to.as_str())).execute(conn)?;
        log.audit(
            &Actor::from(p),
            "round.stage",
            "round",
            Some(&r.id),
            None,
            json!({"from": from.as_str(), "to": to.as_str()}),
        );
        Ok(())
    })?;
    show(conn, p, id)
}

/// Adds member units to the round's participants (the office).
pub fn add_participants(
    conn: &mut DbConnection,
    p: &Principal,
    id: &RoundId,
    ids: &[AgencyId],
) -> AppResult<RoundView> {
    change_round(conn, p, id, None, |conn, log, r| {
        let mut errs = Vec::new();
        check_members(conn, "agency_ids", ids, &mut errs)?;
        if !errs.is_empty() {
            return Err(AppError::Validation(errs));
        }
        let have = participants(conn, &r.id)?;
        let new: Vec<AgencyId> = ids.iter().filter(|a| !have.iter().any(|h| h == a.as_str())).cloned().collect();
        insert_participants(conn, &r.id, &r.owner_agency_id, &new)?;
        log.audit(&Actor::from(p), "round.participants", "round", Some(&r.id), None, json!({"added": new}));
        Ok(())
    })?;
    show(conn, p, id)
}

/// Adds an inspection team (巡察组) to a round (the office).
pub fn add_team(conn: &mut DbConnection, p: &Principal, id: &RoundId, name: &str) -> AppResult<TeamView> {
    let mut errs = Vec::new();
    check_name("name", name, &mut errs);
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    change_round(conn, p, id, None, |conn, log, r| {
        let name = name.trim();
        let taken: i64 =
            teams::table.filter(teams::round_id.eq(&r.id)).filter(teams::name.eq(name)).count().get_result(conn)?;
        if taken > 0 {
            return Err(AppError::validation("name", "本轮巡察已有同名的巡察组"));
        }
        let t = TeamView { id: new_id(), round_id: r.id.clone(), name: name.to_string(), created_at: log.at().into() };
        diesel::insert_into(teams::table)
            .values((
                teams::id.eq(&t.id),
                teams::round_id.eq(&t.round_id),
                teams::name.eq(&t.name),
                teams::created_at.eq(&t.created_at),
            ))
            .execute(conn)?;
        log.audit(&Actor::from(p), "round.team", "round", Some(&r.id), None, json!({"team_id": t.id}));
        Ok(t)
    })
}

/// What may be set on an inspected unit.
#[derive(Debug, Clone, Default)]
pub struct UnitSettings {
    pub team_id: Option<TeamId>,
    pub account_agency_id: Option<AgencyId>,
}

/// Checks a team (of this round) and an account (an inspected-unit agency, not linked to
/// another unit of the same round).
fn check_settings(
    conn: &mut DbConnection,
    r: &RoundRow,
    unit_id: Option<&str>,
    s: &UnitSettings,
    errs: &mut Vec<FieldError>,
) -> AppResult<()> {
    if let Some(t) = &s.team_id {
        let ok: i64 =
            teams::table.filter(teams::id.eq(t.as_str())).filter(teams::round_id.eq(&r.id)).count().get_result(conn)?;
        if ok == 0 {
            errs.push(FieldError::new("team_id", "巡察组不存在或不属于本轮巡察"));
        }
    }
    if let Some(a) = &s.account_agency_id {
        match agency_kind(conn, a)? {
            Some((kind, _)) => {
                if let Err(m) = rules::check_unit_account(&kind) {
                    errs.push(FieldError::new("account_agency_id", m));
                }
            }
            None => errs.push(FieldError::new("account_agency_id", "单位不存在")),
        }
        let mut q = inspected_units::table
            .filter(inspected_units::round_id.eq(&r.id))
            .filter(inspected_units::account_agency_id.eq(a.as_str()))
            .into_boxed();
        if let Some(u) = unit_id {
            q = q.filter(inspected_units::id.ne(u));
        }
        if q.count().get_result::<i64>(conn)? > 0 {
            errs.push(FieldError::new("account_agency_id", "该账号已关联本轮的另一个被巡察单位"));
        }
    }
    Ok(())
}

/// Adds an inspected unit (被巡察党组织: a supervision object of kind `unit`) to a round.
pub fn add_unit(
    conn: &mut DbConnection,
    p: &Principal,
    id: &RoundId,
    object_id: &ObjectId,
    s: &UnitSettings,
) -> AppResult<InspectedUnitView> {
    change_round(conn, p, id, None, |conn, log, r| {
        let mut errs = Vec::new();
        let kind: Option<String> =
            subject_objects::table.find(object_id.as_str()).select(subject_objects::kind).first(conn).optional()?;
        match kind.as_deref() {
            Some("unit") => {}
            Some(_) => errs.push(FieldError::new("object_id", "被巡察对象须为单位(党组织),不能是个人")),
            None => errs.push(FieldError::new("object_id", "监督对象不存在")),
        }
        let dup: i64 = inspected_units::table
            .filter(inspected_units::round_id.eq(&r.id))
            .filter(inspected_units::object_id.eq(object_id.as_str()))
            .count()
            .get_result(conn)?;
        if dup > 0 {
            errs.push(FieldError::new("object_id", "该单位已在本轮巡察中"));
        }
        check_settings(conn, r, None, s, &mut errs)?;
        if !errs.is_empty() {
            return Err(AppError::Validation(errs));
        }
        let row = InspectedUnitRow {
            id: new_id(),
            round_id: r.id.clone(),
            object_id: object_id.to_string(),
            team_id: s.team_id.as_ref().map(|t| t.to_string()),
            account_agency_id: s.account_agency_id.as_ref().map(|a| a.to_string()),
            created_at: log.at().into(),
        };
        diesel::insert_into(inspected_units::table).values(&row).execute(conn)?;
        log.audit(&Actor::from(p), "round.unit", "inspected_unit", Some(&row.id), None, json!({"round_id": r.id}));
        Ok(unit_views(conn, vec![row])?.remove(0))
    })
}

/// One inspected unit, as the caller may see it (the round's office and participants, or the
/// unit's own account).
pub fn show_unit(conn: &mut DbConnection, p: &Principal, id: &InspectedUnitId) -> AppResult<InspectedUnitView> {
    let (u, _, _) = visible_unit(conn, p, id)?;
    Ok(unit_views(conn, vec![u])?.remove(0))
}

/// Sets an inspected unit's team and account (the office); fields not given stay.
pub fn update_unit(
    conn: &mut DbConnection,
    p: &Principal,
    id: &InspectedUnitId,
    s: &UnitSettings,
) -> AppResult<InspectedUnitView> {
    let (u, r, _) = visible_unit(conn, p, id)?;
    let round_id = r.id.clone();
    change_round(conn, p, &round_id, None, |conn, log, r| {
        let mut errs = Vec::new();
        check_settings(conn, r, Some(&u.id), s, &mut errs)?;
        if !errs.is_empty() {
            return Err(AppError::Validation(errs));
        }
        if let Some(t) = &s.team_id {
            diesel::update(inspected_units::table.find(&u.id))
                .set(inspected_units::team_id.eq(t.as_str()))
                .execute(conn)?;
        }
        if let Some(a) = &s.account_agency_id {
            diesel::update(inspected_units::table.find(&u.id))
                .set(inspected_units::account_agency_id.eq(a.as_str()))
                .execute(conn)?;
        }
        log.audit(
            &Actor::from(p),
            "round.unit.update",
            "inspected_unit",
            Some(&u.id),
            None,
            json!({"team_id": s.team_id, "account_agency_id": s.account_agency_id}),
        );
        Ok(())
    })?;
    show_unit(conn, p, id)
}

/// The round of a unit for the office's writes (visible, owned), used by later parts.
pub fn owned_round_of_unit(
    conn: &mut DbConnection,
    p: &Principal,
    unit_id: &str,
) -> AppResult<(InspectedUnitRow, RoundRow)> {
    let (u, r, _) = visible_unit(conn, p, unit_id)?;
    rules::require_round_owner(p, &r.owner_agency_id)?;
    Ok((u, r))
}

/// Reloads a round (after a change).
pub fn reload(conn: &mut DbConnection, id: &str) -> AppResult<RoundRow> {
    load_round(conn, id)
}
