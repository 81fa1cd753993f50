//! Answering a request: a target answers per subject (one current answer per request, agency
//! and subject; a re-answer replaces it while the request is open), referring only to records
//! that both it and the asker may read as distributed. Each answer is audited; the asker is
//! told by one targeted event.

use std::collections::HashSet;

use diesel::prelude::*;
use serde_json::json;

use crate::db::schema::info_request_answers;
use crate::db::DbConnection;
use crate::domain::event::EventType;
use crate::domain::ids::InfoRequestId;
use crate::domain::inspection::requests::{check_answers, AnswerDraft, RequestState};
use crate::domain::new_id;
use crate::error::{AppError, AppResult, FieldError};
use crate::policy::info_requests::{self as rules, REFERENCE_REFUSED};
use crate::policy::{self, Principal};
use crate::store::directory;
use crate::store::log::{write_tx, Actor};

use super::{answered_counts, subject_ids, view, visible, AnswerRow, InfoRequestView};

/// Checks every reference of every answer: a record both the answering agency and the asker
/// may read. One message for all failures, naming no title.
fn check_references(
    conn: &mut DbConnection,
    answerer: &str,
    asker: &str,
    answers: &[AnswerDraft],
    errs: &mut Vec<FieldError>,
) -> AppResult<()> {
    let ids: Vec<String> = answers.iter().flat_map(|a| a.record_ids.iter().cloned()).collect();
    if ids.is_empty() {
        return Ok(());
    }
    let stored = crate::store::records::load_many(conn, &ids)?;
    let (answerer, asker) = (directory::viewer(conn, answerer)?, directory::viewer(conn, asker)?);
    for (i, a) in answers.iter().enumerate() {
        for (j, id) in a.record_ids.iter().enumerate() {
            let ok = stored.get(id).is_some_and(|s| {
                let facts = s.facts();
                rules::may_reference(policy::can_read(&answerer, &facts), policy::can_read(&asker, &facts))
            });
            if !ok {
                errs.push(FieldError::new(format!("answers[{i}].record_ids[{j}]"), REFERENCE_REFUSED));
            }
        }
    }
    Ok(())
}

/// Records the principal's agency's answers (a target, while the request is open) and tells
/// the asker.
pub fn answer(
    conn: &mut DbConnection,
    p: &Principal,
    id: &InfoRequestId,
    answers: &[AnswerDraft],
) -> AppResult<InfoRequestView> {
    write_tx(conn, |conn, log| {
        let (r, targets, access) = visible(conn, p, id)?;
        rules::require_answerer(p, access)?;
        if r.state().map_err(anyhow::Error::from)? == RequestState::Closed {
            return Err(AppError::Conflict("函询已办结,不能再答复".into()));
        }
        let kind = r.kind().map_err(anyhow::Error::from)?;
        let answers = check_answers(kind, answers).map_err(AppError::Validation)?;
        let subjects: HashSet<String> = subject_ids(conn, &r.id)?.into_iter().collect();
        let mut errs = Vec::new();
        for (i, a) in answers.iter().enumerate() {
            if !subjects.contains(&a.subject_object_id) {
                errs.push(FieldError::new(format!("answers[{i}].subject_object_id"), "该对象不在本函询的对象之列"));
            }
        }
        check_references(conn, &p.agency_id, &r.asker_agency_id, &answers, &mut errs)?;
        if !errs.is_empty() {
            return Err(AppError::Validation(errs));
        }
        for a in &answers {
            let existing: Option<AnswerRow> = info_request_answers::table
                .filter(info_request_answers::request_id.eq(&r.id))
                .filter(info_request_answers::agency_id.eq(&p.agency_id))
                .filter(info_request_answers::object_id.eq(&a.subject_object_id))
                .select(AnswerRow::as_select())
                .first(conn)
                .optional()?;
            let record_ids = serde_json::to_string(&a.record_ids).map_err(anyhow::Error::from)?;
            let (answer_id, revision) = match existing {
                Some(e) => {
                    diesel::update(info_request_answers::table.find(&e.id))
                        .set((
                            info_request_answers::finding.eq(a.finding.as_str()),
                            info_request_answers::note.eq(&a.note),
                            info_request_answers::record_ids.eq(&record_ids),
                            info_request_answers::revision.eq(e.revision + 1),
                            info_request_answers::answered_by.eq(p.actor_id()),
                            info_request_answers::answered_at.eq(log.at()),
                        ))
                        .execute(conn)?;
                    (e.id, e.revision + 1)
                }
                None => {
                    let row = AnswerRow {
                        id: new_id(),
                        request_id: r.id.clone(),
                        agency_id: p.agency_id.clone(),
                        object_id: a.subject_object_id.clone(),
                        finding: a.finding.as_str().into(),
                        note: a.note.clone(),
                        record_ids,
                        revision: 1,
                        answered_by: p.actor_id(),
                        answered_at: log.at().into(),
                    };
                    diesel::insert_into(info_request_answers::table).values(&row).execute(conn)?;
                    (row.id, 1)
                }
            };
            log.audit(
                &Actor::from(p),
                "info_request.answer",
                "info_request",
                Some(&r.id),
                None,
                json!({"answer_id": answer_id, "subject_object_id": a.subject_object_id, "finding": a.finding,
                       "record_ids": a.record_ids, "revision": revision}),
            );
        }
        let answered = answered_counts(conn, &r.id)?.get(&p.agency_id).copied().unwrap_or(0);
        log.event(
            conn,
            EventType::InfoRequestAnswered,
            None,
            Some(&r.asker_agency_id),
            Some(&p.agency_id),
            json!({"info_request_id": r.id, "agency_id": p.agency_id, "answers": answers.len(),
                   "complete": answered as usize >= subjects.len()}),
        )?;
        view(conn, p, r, targets, access)
    })
}
