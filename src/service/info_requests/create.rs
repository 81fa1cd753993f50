//! Sending a request: the asker's office checks who it asks (active member units; for an
//! integrity opinion the discipline commission) and about whom (a round's inspected units and
//! persons; cadres for an integrity opinion); each target is told by a targeted event.

use diesel::prelude::*;
use serde_json::json;

use crate::db::schema::{info_request_subjects, info_request_targets, info_requests, inspected_units, subject_objects};
use crate::db::DbConnection;
use crate::domain::event::EventType;
use crate::domain::inspection::requests::{RequestDraft, RequestKind, RequestState};
use crate::domain::inspection::RoundStage;
use crate::domain::new_id;
use crate::error::{AppError, AppResult, FieldError};
use crate::policy::info_requests as rules;
use crate::policy::Principal;
use crate::service::inspection::{agency_kind, load_round};
use crate::store::log::{write_tx, Actor};

use super::{view, InfoRequestView, RequestRow, TargetRow};

const ROUND_REFUSED: &str = "巡察轮次不存在,或不是本单位组织的巡察";

/// The round's inspected units (their objects), in the order added.
fn round_units(conn: &mut DbConnection, round_id: &str) -> QueryResult<Vec<String>> {
    inspected_units::table
        .filter(inspected_units::round_id.eq(round_id))
        .order((inspected_units::created_at, inspected_units::id))
        .select(inspected_units::object_id)
        .load(conn)
}

/// Whether any of the objects is a unit.
fn has_unit(conn: &mut DbConnection, ids: &[String]) -> QueryResult<bool> {
    let n: i64 = subject_objects::table
        .filter(subject_objects::id.eq_any(ids))
        .filter(subject_objects::kind.eq("unit"))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Checks the round of a pre-inspection request: run by the asker, not closed.
fn check_round(conn: &mut DbConnection, p: &Principal, round_id: &str, errs: &mut Vec<FieldError>) -> AppResult<bool> {
    let r = match load_round(conn, round_id) {
        Ok(r) if r.owner_agency_id == p.agency_id => r,
        Ok(_) | Err(AppError::NotFound(_)) => {
            errs.push(FieldError::new("round_id", ROUND_REFUSED));
            return Ok(false);
        }
        Err(e) => return Err(e),
    };
    if r.stage().map_err(anyhow::Error::from)? == RoundStage::Closed {
        errs.push(FieldError::new("round_id", "巡察轮次已完成,不能再发巡前函询"));
        return Ok(false);
    }
    Ok(true)
}

/// Checks the subjects: supervision objects that exist; cadres (persons) for an integrity
/// opinion; for a pre-inspection request, the round's inspected units or persons.
fn check_subjects(
    conn: &mut DbConnection,
    draft: &RequestDraft,
    units: &[String],
    errs: &mut Vec<FieldError>,
) -> QueryResult<()> {
    let kinds: std::collections::HashMap<String, String> = subject_objects::table
        .filter(subject_objects::id.eq_any(&draft.subject_object_ids))
        .select((subject_objects::id, subject_objects::kind))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    for (i, id) in draft.subject_object_ids.iter().enumerate() {
        let field = format!("subject_object_ids[{i}]");
        match (draft.kind, kinds.get(id).map(String::as_str)) {
            (_, None) => errs.push(FieldError::new(field, "监督对象不存在")),
            (RequestKind::Integrity, Some(k)) if k != "person" => {
                errs.push(FieldError::new(field, "党风廉政意见针对干部个人,不能是单位"))
            }
            (RequestKind::PreInspection, Some("unit")) if !units.contains(id) => {
                errs.push(FieldError::new(field, "该单位不是本轮巡察的被巡察单位"))
            }
            _ => {}
        }
    }
    Ok(())
}

/// Sends a request (an inspection office for its round; an organisation department to the
/// discipline commission). Each target gets an `info_request.created` event (and mail).
pub fn create(conn: &mut DbConnection, p: &Principal, draft: &RequestDraft) -> AppResult<InfoRequestView> {
    let own_kind = agency_kind(conn, &p.agency_id)?.map(|(k, _)| k).unwrap_or_default();
    rules::require_asker(p, &own_kind, draft.kind)?;
    write_tx(conn, |conn, log| {
        let mut errs = Vec::new();
        let mut draft = draft.clone();
        let mut units = Vec::new();
        if let Some(round_id) = draft.round_id.clone() {
            if check_round(conn, p, &round_id, &mut errs)? {
                units = round_units(conn, &round_id)?;
                // No unit listed: the round's inspected units are asked about, before the
                // persons listed (their leaders).
                if !has_unit(conn, &draft.subject_object_ids)? {
                    if units.is_empty() {
                        errs.push(FieldError::new("subject_object_ids", "本轮巡察尚无被巡察单位,请先添加被巡察单位"));
                    }
                    let persons = std::mem::take(&mut draft.subject_object_ids);
                    draft.subject_object_ids = units.iter().cloned().chain(persons).collect();
                }
            }
        }
        for (i, a) in draft.target_agency_ids.iter().enumerate() {
            let kind = agency_kind(conn, a)?;
            let kind = kind.as_ref().map(|(k, active)| (k.as_str(), *active));
            if let Err(m) = rules::check_target(draft.kind, &p.agency_id, a, kind) {
                errs.push(FieldError::new(format!("target_agency_ids[{i}]"), m));
            }
        }
        check_subjects(conn, &draft, &units, &mut errs)?;
        if !errs.is_empty() {
            return Err(AppError::Validation(errs));
        }
        let row = RequestRow {
            id: new_id(),
            kind: draft.kind.as_str().into(),
            asker_agency_id: p.agency_id.clone(),
            round_id: draft.round_id.clone(),
            title: draft.title.clone(),
            note: draft.note.clone(),
            deadline: draft.deadline.clone(),
            state: RequestState::Open.as_str().into(),
            created_by: p.actor_id(),
            created_at: log.at().into(),
            closed_at: None,
        };
        diesel::insert_into(info_requests::table).values(&row).execute(conn)?;
        let targets: Vec<TargetRow> = draft
            .target_agency_ids
            .iter()
            .map(|a| TargetRow {
                request_id: row.id.clone(),
                agency_id: a.clone(),
                reminded_at: None,
                remind_count: 0,
                soon_reminded_at: None,
                overdue_reminded_at: None,
            })
            .collect();
        for chunk in targets.chunks(crate::store::INSERT_CHUNK) {
            crate::insert_batch!(conn, info_request_targets::table, chunk)?;
        }
        let subjects: Vec<_> = draft
            .subject_object_ids
            .iter()
            .enumerate()
            .map(|(i, o)| {
                (
                    info_request_subjects::request_id.eq(row.id.clone()),
                    info_request_subjects::object_id.eq(o.clone()),
                    info_request_subjects::position.eq(i as i32),
                )
            })
            .collect();
        for chunk in subjects.chunks(crate::store::INSERT_CHUNK) {
            crate::insert_batch!(conn, info_request_subjects::table, chunk)?;
        }
        for t in &targets {
            log.event(
                conn,
                EventType::InfoRequestCreated,
                None,
                Some(&t.agency_id),
                Some(&p.agency_id),
                json!({"info_request_id": row.id, "kind": row.kind}),
            )?;
        }
        log.audit(
            &Actor::from(p),
            "info_request.create",
            "info_request",
            Some(&row.id),
            None,
            json!({"kind": row.kind, "round_id": row.round_id, "target_agency_ids": draft.target_agency_ids,
                   "subject_object_ids": draft.subject_object_ids, "deadline": row.deadline}),
        );
        let mut targets = targets;
        targets.sort_by(|a, b| a.agency_id.cmp(&b.agency_id));
        view(conn, p, row, targets, rules::Access::Asker)
    })
}
