//! What a unit is offered on a clue or a transfer (the web client's buttons and forms):
//! whether it may transfer a clue and to which units, which steps of a transfer it may take
//! now, and the transfers of a clue it may see. Decided by the same policy, agreements and
//! state machine as the use cases, never a second copy of them.

use super::*;
use crate::domain::ids::RecordId;
use crate::domain::record::Sensitivity;
use crate::domain::transfer::TransferAction;
use crate::policy::Viewer;
use crate::store::records::StoredRecord;

/// The clue a transfer form is for, and the units it may go to.
pub struct TransferOptions {
    /// The title as a listing shows it (a restricted clue's is withheld).
    pub record_title: String,
    /// (unit id, unit name) of every unit the clue may be transferred to, by name.
    pub receivers: Vec<(String, String)>,
}

/// The clue, if the caller's unit may transfer it (a writer of its owner unit).
fn transferable(conn: &mut DbConnection, p: &Principal, id: &RecordId) -> AppResult<(Viewer, StoredRecord)> {
    policy::require_content_writer(p)?;
    let viewer = directory::viewer(conn, &p.agency_id)?;
    let s = records::get_entitled(conn, &viewer, id.as_str())?;
    policy::require_may_transfer(&viewer, &s.facts())?;
    if s.row.kind != RecordKind::Clue.as_str() {
        return Err(AppError::Forbidden("只有问题线索可以移交".into()));
    }
    Ok((viewer, s))
}

/// Whether the caller may transfer record `id` (what `send` would not refuse for who the
/// caller is and what the record is).
pub fn may_transfer(conn: &mut DbConnection, p: &Principal, id: &RecordId) -> AppResult<bool> {
    match transferable(conn, p, id) {
        Ok(_) => Ok(true),
        Err(AppError::NotFound(_) | AppError::Forbidden(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The transfer form of clue `id`: its title and the units `send` would accept as receiver
/// (active member units other than the owner, within the sharing agreements).
pub fn options(conn: &mut DbConnection, p: &Principal, id: &RecordId) -> AppResult<TransferOptions> {
    let (_, s) = transferable(conn, p, id)?;
    let ctx = WriteContext::load(conn)?;
    let owner = &s.row.owner_agency_id;
    let ids: Vec<String> = ctx
        .directory
        .iter()
        .map(|e| &e.agency_id)
        .filter(|a| *a != owner && ctx.is_active_agency(a) && ctx.check_transfer(owner, &s.row.kind, a).is_empty())
        .cloned()
        .collect();
    let names = crate::service::agencies::names_of(conn, ids.iter())?;
    let mut receivers: Vec<(String, String)> =
        ids.into_iter().map(|a| (names.get(&a).cloned().unwrap_or_default(), a)).map(|(n, a)| (a, n)).collect();
    receivers.sort_by(|a, b| a.1.cmp(&b.1));
    let text = policy::transfer_text(Sensitivity::parse(&s.row.sensitivity), None);
    let record_title = if text.shown { s.row.title.clone() } else { policy::WITHHELD_TITLE.to_string() };
    Ok(TransferOptions { record_title, receivers })
}

/// The steps of transfer `t` the caller may take now: a writer on the side and in the state
/// the state machine accepts the step for (whatever the step then carries).
pub fn steps_open_to(p: &Principal, t: &TransferView) -> Vec<TransferAction> {
    if policy::require_content_writer(p).is_err() {
        return vec![];
    }
    let Some(side) = policy::transfer_side(&p.agency_id, &t.from_agency_id, &t.to_agency_id) else {
        return vec![];
    };
    let probes = [
        Command::Accept,
        Command::Start,
        Command::Conclude { outcome: Outcome::Form1, sanctions: Sanctions::default(), summary: String::new() },
        Command::Feedback { note: String::new() },
        Command::Return { reason: String::new() },
    ];
    probes
        .iter()
        .filter(|c| matches!(transfer::transition(t.state, side, c), Ok(_) | Err(TransitionError::Invalid(_))))
        .map(Command::action)
        .collect()
}

/// The transfers of clue `record_id` the caller's unit may see (those it is a party to),
/// newest first, shown as the ledger shows them (restricted text only with `purpose`).
pub fn of_record(
    conn: &mut DbConnection,
    p: &Principal,
    record_id: &RecordId,
    purpose: Option<&str>,
) -> AppResult<Vec<TransferView>> {
    policy::require_content_reader(p)?;
    let rows: Vec<TransferRow> = transfers::table
        .select(TransferRow::as_select())
        .filter(policy::transfer_visible_sql(&p.agency_id))
        .into_boxed()
        .filter(transfers::record_id.eq(record_id.as_str().to_string()))
        .order(transfers::id.desc())
        .limit(100)
        .load(conn)?;
    present(conn, p, rows, purpose)
}
