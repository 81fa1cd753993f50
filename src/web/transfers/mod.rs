//! 线索移交 — transfer a clue, 移交台账 with filters and every step, export, similar clues.
//! The same service calls as `/api/v1/records/{id}/transfers`, `/api/v1/transfers…` and
//! `/api/v1/records/{id}/similar`: a transfer the unit is no party to is the not-found page,
//! a restricted clue's title and text show only with a stated purpose, and only the steps
//! the unit may take now are offered.

use actix_web::web;

use crate::domain::ids::{RecordId, TransferId};
use crate::domain::transfer::TransferState;
use crate::error::AppResult;
use crate::policy::Principal;
use crate::service::transfers::TransferView;
use crate::service::{self};
use crate::web::{chinese_date, WebError};

mod ledger;
mod send;
mod show;

pub fn routes(cfg: &mut web::ServiceConfig) {
    // The exports before `/transfers/{id}`: the first route that matches answers.
    cfg.service(ledger::ledger)
        .service(ledger::export_csv)
        .service(ledger::export_xlsx)
        .service(send::transfer_form)
        .service(send::send_transfer)
        .service(show::transfer)
        .service(show::read_with_purpose)
        .service(show::take_step);
}

/// A transfer as a line of the ledger or of a clue's page.
pub struct TransferLine {
    pub id: String,
    pub title: String,
    pub withheld: bool,
    /// Sent by the viewer's unit (else received).
    pub sent: bool,
    pub from: String,
    pub to: String,
    pub deadline: String,
    pub overdue: bool,
    pub state: &'static str,
    /// The state's tag class: `ok` done, `bad` returned, empty while open.
    pub state_class: &'static str,
    pub created: String,
}

impl TransferLine {
    pub fn of(t: TransferView, agency_id: &str) -> TransferLine {
        TransferLine {
            sent: t.from_agency_id == agency_id,
            deadline: chinese_date(&t.deadline),
            created: chinese_date(&t.created_at),
            state: t.state.label(),
            state_class: state_class(t.state),
            overdue: t.overdue,
            withheld: t.content_withheld,
            from: t.from_agency_name,
            to: t.to_agency_name,
            title: t.record_title,
            id: t.id,
        }
    }
}

/// A state's tag class: `ok` done, `bad` returned, none while open.
fn state_class(state: TransferState) -> &'static str {
    match state {
        TransferState::Concluded | TransferState::Closed => "ok",
        TransferState::Returned => "bad",
        _ => "",
    }
}

/// A similar clue as the record page's panel shows it.
pub struct SimilarLine {
    /// Set where the viewer may read the similar clue (then it links to it).
    pub record_id: Option<String>,
    pub title: Option<String>,
    pub reason: String,
    pub handled_by: String,
}

/// What a clue's page shows about its transfers: whether the unit may transfer it, the
/// similar clues it may know of, and the clue's transfers it is a party to.
#[derive(Default)]
pub struct ClueSide {
    pub is_clue: bool,
    pub may_transfer: bool,
    pub similar: Vec<SimilarLine>,
    pub more_similar: bool,
    pub transfers: Vec<TransferLine>,
}

/// How many similar clues the record page lists.
const SIMILAR_SHOWN: usize = 10;

/// Loads the clue side of record `id` (read with `purpose`), inside the record page's
/// database call; a record that is no clue has none.
pub fn clue_side(
    conn: &mut crate::db::DbConnection,
    p: &Principal,
    id: &RecordId,
    is_clue: bool,
    purpose: Option<&str>,
) -> AppResult<ClueSide> {
    if !is_clue {
        return Ok(ClueSide::default());
    }
    let (similar, more_similar) = service::similar::for_viewer(conn, p, id, purpose, 0, SIMILAR_SHOWN)?;
    let transfers = service::transfers::of_record(conn, p, id, purpose)?;
    Ok(ClueSide {
        is_clue,
        may_transfer: service::transfers::may_transfer(conn, p, id)?,
        similar: similar
            .into_iter()
            .map(|c| SimilarLine {
                record_id: c.record_id,
                title: c.title,
                reason: c.reason,
                handled_by: c.handled_by.join("、"),
            })
            .collect(),
        more_similar,
        transfers: transfers.into_iter().map(|t| TransferLine::of(t, &p.agency_id)).collect(),
    })
}

fn transfer_id(id: &str) -> Result<TransferId, WebError> {
    TransferId::parse(id).ok_or(WebError::NotFound)
}

fn record_id(id: &str) -> Result<RecordId, WebError> {
    RecordId::parse(id).ok_or(WebError::NotFound)
}
