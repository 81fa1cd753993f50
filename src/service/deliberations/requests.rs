//! The deliberation use cases as the REST API and the web client call them: one call each,
//! its own transaction; a change answers with the deliberation as it now stands.

use crate::db::DbConnection;
use crate::domain::ids::{AgencyId, AssignmentId, DeliberationId};
use crate::error::AppResult;
use crate::policy::{self, Principal};
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
