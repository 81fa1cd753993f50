//! The deliberation use cases as the REST API and the web client call them: one call each,
//! its own transaction; a change answers with the deliberation as it now stands.

use crate::contract::record::RecordView;
use crate::db::DbConnection;
use crate::domain::ids::{AgencyId, AssignmentId, DeliberationId, RecordId};
use crate::error::AppResult;
use crate::policy::{self, Principal};
use crate::service::records::{self, WriteContext};
use crate::store::directory;
use crate::store::log::{write_tx, Log};

use super::tasks::{assign_in, complete_in, urge_in};
use super::{add_minutes_in, conclude_in, get_visible, view, Assignment, DeliberationView};

/// One deliberation (its convener and participants only).
pub fn show(conn: &mut DbConnection, p: &Principal, id: &DeliberationId) -> AppResult<DeliberationView> {
    policy::require_content_reader(p)?;
    let (d, _) = get_visible(conn, &p.agency_id, id)?;
    Ok(view(conn, d)?)
}

/// Adds to the minutes (会商纪要; any participant while open).
pub fn add_minutes(
    conn: &mut DbConnection,
    p: &Principal,
    id: &DeliberationId,
    text: &str,
) -> AppResult<DeliberationView> {
    change(conn, p, id, |conn, log| add_minutes_in(conn, log, p, id, text))
}

/// Records the conclusion (会商结论; the convener).
pub fn conclude(
    conn: &mut DbConnection,
    p: &Principal,
    id: &DeliberationId,
    text: &str,
) -> AppResult<DeliberationView> {
    change(conn, p, id, |conn, log| conclude_in(conn, log, p, id, text))
}

/// A change to a deliberation in one transaction, answered with the deliberation as it now
/// stands.
fn change(
    conn: &mut DbConnection,
    p: &Principal,
    id: &DeliberationId,
    step: impl FnOnce(&mut DbConnection, &mut Log) -> AppResult<()>,
) -> AppResult<DeliberationView> {
    policy::require_content_writer(p)?;
    write_tx(conn, |conn, log| {
        step(conn, log)?;
        let (d, _) = get_visible(conn, &p.agency_id, id)?;
        Ok(view(conn, d)?)
    })
}

/// Assigns a task with a deadline to a participant (交办; the convener).
pub fn assign(
    conn: &mut DbConnection,
    p: &Principal,
    id: &DeliberationId,
    agency_id: &AgencyId,
    task: &str,
    deadline: &str,
) -> AppResult<Assignment> {
    policy::require_content_writer(p)?;
    write_tx(conn, |conn, log| assign_in(conn, log, p, id, agency_id, task, deadline))
}

/// Urges an open assignment (督办; the convener).
pub fn urge(conn: &mut DbConnection, p: &Principal, id: &AssignmentId, note: &str) -> AppResult<Assignment> {
    policy::require_content_writer(p)?;
    write_tx(conn, |conn, log| urge_in(conn, log, p, id, note))
}

/// Reports an assignment done (the assignee).
pub fn complete(conn: &mut DbConnection, p: &Principal, id: &AssignmentId, result: &str) -> AppResult<Assignment> {
    policy::require_content_writer(p)?;
    write_tx(conn, |conn, log| complete_in(conn, log, p, id, result))
}

/// Whether the caller may convene a deliberation on the record (the record page offers
/// 发起会商 only then): a content writer whose unit owns the clue or handles it by a live
/// transfer. A record the caller may not read is 404, as everywhere.
pub fn may_convene(conn: &mut DbConnection, p: &Principal, record_id: &RecordId) -> AppResult<bool> {
    if policy::require_content_writer(p).is_err() {
        return Ok(false);
    }
    let viewer = directory::viewer(conn, &p.agency_id)?;
    let s = records::get_entitled(conn, &viewer, record_id.as_str())?;
    Ok(s.row.kind == "clue" && policy::require_may_convene(&viewer, &s.facts()).is_ok())
}

/// What convening on a record offers: the record as a list shows it, and the units that
/// may be invited (active, not the caller's own, within the owner's sharing agreements).
pub struct ConveneChoice {
    pub record: RecordView,
    /// (unit id, unit name), in the directory's order.
    pub candidates: Vec<(String, String)>,
}

/// The convene form's choices; 404 for a record the caller may not read, 403 where it may
/// not convene (as `open` answers).
pub fn convene_choice(conn: &mut DbConnection, p: &Principal, record_id: &RecordId) -> AppResult<ConveneChoice> {
    policy::require_content_writer(p)?;
    let viewer = directory::viewer(conn, &p.agency_id)?;
    let s = records::get_entitled(conn, &viewer, record_id.as_str())?;
    let facts = s.facts();
    policy::require_may_convene(&viewer, &facts)?;
    let ctx = WriteContext::load(conn)?;
    let candidates = crate::service::agencies::list(conn)?
        .into_iter()
        .filter(|a| a.id != p.agency_id && ctx.is_active_agency(&a.id))
        .filter(|a| {
            ctx.check_shared_with(&s.row.owner_agency_id, &s.row.kind, std::slice::from_ref(&a.id), "").is_empty()
        })
        .map(|a| (a.id, a.name))
        .collect();
    let d = policy::disclosure(&viewer, &facts, policy::ReadMode::Listing { purpose: None })?;
    Ok(ConveneChoice { record: records::present(&s, d), candidates })
}

/// One task of a deliberation the caller's unit convened or takes part in, or 404.
pub fn assignment(conn: &mut DbConnection, p: &Principal, id: &AssignmentId) -> AppResult<Assignment> {
    policy::require_content_reader(p)?;
    Ok(super::tasks::load_assignment(conn, &p.agency_id, id)?.0)
}
