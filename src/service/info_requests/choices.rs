//! What the request forms offer: which kind of request the caller's agency sends (an
//! inspection office: pre-inspection; an organisation department: integrity opinions), the
//! rounds, member units and persons it may name, and — for a target's answer form — the
//! records it may cite (readable by both it and the asker, never restricted ones, whose
//! titles need a stated purpose).

use diesel::prelude::*;

use crate::db::schema::{agencies, records, rounds, subject_objects};
use crate::db::DbConnection;
use crate::domain::ids::InfoRequestId;
use crate::domain::inspection::requests::RequestKind;
use crate::domain::inspection::RoundStage;
use crate::error::{AppError, AppResult};
use crate::policy::info_requests::{self as rules, Access};
use crate::policy::{self, Principal};
use crate::service::inspection::agency_kind;
use crate::store::directory;

use super::visible;

/// Most items a select offers.
const MAX_CHOICES: i64 = 1000;
/// Most records the answer form offers to cite (newest first).
const MAX_CITABLE: i64 = 200;

/// What the new-request form may offer.
pub struct NewChoices {
    pub kind: RequestKind,
    /// The office's rounds not closed (pre-inspection requests).
    pub rounds: Vec<(String, String)>,
    /// The member units it may ask.
    pub targets: Vec<(String, String)>,
    /// Supervision objects of kind person, with their unit and position.
    pub persons: Vec<(String, String)>,
}

/// The kind of request the principal's agency sends, if any (a content writer of an
/// inspection office or an organisation department).
pub fn may_send(conn: &mut DbConnection, p: &Principal) -> AppResult<Option<RequestKind>> {
    let kind = agency_kind(conn, &p.agency_id)?.map(|(k, _)| k).unwrap_or_default();
    Ok(RequestKind::ALL.iter().copied().find(|k| rules::require_asker(p, &kind, *k).is_ok()))
}

/// The new-request form's choices, or 403 for an agency that sends no requests.
pub fn for_new(conn: &mut DbConnection, p: &Principal) -> AppResult<NewChoices> {
    let kind = may_send(conn, p)?
        .ok_or_else(|| AppError::Forbidden("函询由巡察机构(巡前函询)或组织部门(党风廉政意见回复)发出".into()))?;
    let rounds: Vec<(String, String)> = if kind == RequestKind::PreInspection {
        rounds::table
            .filter(rounds::owner_agency_id.eq(&p.agency_id))
            .filter(rounds::stage.ne(RoundStage::Closed.as_str()))
            .order(rounds::id.desc())
            .limit(MAX_CHOICES)
            .select((rounds::id, rounds::name))
            .load(conn)?
    } else {
        vec![]
    };
    let members: Vec<(String, String, String, bool)> = agencies::table
        .order(agencies::code)
        .select((agencies::id, agencies::name, agencies::kind, agencies::active))
        .load(conn)?;
    let targets = members
        .into_iter()
        .filter(|(id, _, k, active)| rules::check_target(kind, &p.agency_id, id, Some((k, *active))).is_ok())
        .map(|(id, name, _, _)| (id, name))
        .collect();
    let persons: Vec<(String, String, Option<String>, Option<String>)> = subject_objects::table
        .filter(subject_objects::kind.eq("person"))
        .order((subject_objects::name, subject_objects::id))
        .limit(MAX_CHOICES)
        .select((subject_objects::id, subject_objects::name, subject_objects::unit, subject_objects::position))
        .load(conn)?;
    let persons = persons
        .into_iter()
        .map(|(id, name, unit, position)| {
            let about: Vec<String> = [unit, position].into_iter().flatten().filter(|s| !s.is_empty()).collect();
            let label = if about.is_empty() { name } else { format!("{name}({})", about.join(" ")) };
            (id, label)
        })
        .collect();
    Ok(NewChoices { kind, rounds, targets, persons })
}

/// The records a target may cite in its answers: readable by it and by the asker as
/// distributed, not restricted, newest first. Only a target asks (others: 404 or 403).
pub fn citable(conn: &mut DbConnection, p: &Principal, id: &InfoRequestId) -> AppResult<Vec<(String, String)>> {
    let (r, _, access) = visible(conn, p, id)?;
    rules::require_answerer(p, access)?;
    debug_assert_eq!(access, Access::Target);
    let (me, asker) = (directory::viewer(conn, &p.agency_id)?, directory::viewer(conn, &r.asker_agency_id)?);
    Ok(records::table
        .filter(policy::entitled_sql(&me))
        .filter(policy::entitled_sql(&asker))
        .filter(records::sensitivity.ne(crate::domain::record::Sensitivity::Restricted.as_str()))
        .order(records::id.desc())
        .limit(MAX_CITABLE)
        .select((records::id, records::title))
        .load(conn)?)
}
