//! The transfer use cases as the REST API and the web client call them: one call each, its
//! own transaction, the views audited where they disclose restricted content.

use crate::contract::page::{encode_id, Page};
use crate::db::DbConnection;
use crate::domain::ids::{RecordId, TransferId};
use crate::domain::transfer::{Command, NewTransfer};
use crate::error::{AppError, AppResult, FieldError};
use crate::policy::{self, Principal};
use crate::service::records::WriteContext;
use crate::store::directory;
use crate::store::log::write_tx;

use super::{act, create, get_visible, ledger, present, present_in_tx, LedgerQuery, TransferView};

/// Transfers a clue to an agency; possible duplicate handling is flagged after commit.
pub fn send(
    conn: &mut DbConnection,
    p: &Principal,
    record_id: &RecordId,
    n: NewTransfer,
    purpose: Option<&str>,
) -> AppResult<TransferView> {
    policy::require_content_writer(p)?;
    let view = write_tx(conn, |conn, log| {
        let ctx = WriteContext::load(conn)?;
        let viewer = directory::viewer(conn, &p.agency_id)?;
        let row = create(conn, log, &ctx, p, &viewer, record_id, n)?;
        present_in_tx(conn, log, p, row, purpose)
    })?;
    Ok(view)
}

/// One step of a transfer's handling (受理, 办理, 退回, 办结, 反馈…) by the side it is for.
pub fn step(
    conn: &mut DbConnection,
    p: &Principal,
    id: &TransferId,
    cmd: Command,
    purpose: Option<&str>,
) -> AppResult<TransferView> {
    policy::require_content_writer(p)?;
    write_tx(conn, |conn, log| {
        let row = act(conn, log, p, id, cmd)?;
        present_in_tx(conn, log, p, row, purpose)
    })
}

/// One transfer (its two parties only; a returned one its sender only).
pub fn show(conn: &mut DbConnection, p: &Principal, id: &TransferId, purpose: Option<&str>) -> AppResult<TransferView> {
    policy::require_content_reader(p)?;
    let row = get_visible(conn, &p.agency_id, id)?;
    Ok(present(conn, p, vec![row], purpose)?.remove(0))
}

/// A page of the agency's clue ledger (sent and received transfers).
pub fn ledger_page(
    conn: &mut DbConnection,
    p: &Principal,
    f: &LedgerQuery,
    purpose: Option<&str>,
) -> AppResult<Page<TransferView>> {
    policy::require_content_reader(p)?;
    let rows = ledger(conn, &p.agency_id, f)?;
    let next_cursor = if rows.len() as i64 == f.limit { rows.last().map(|r| encode_id(&r.id)) } else { None };
    Ok(Page { items: present(conn, p, rows, purpose)?, next_cursor })
}

pub use crate::service::ledger_export::ExportFormat;

/// Exports the ledger rows `f` selects, at most `max` of them (the file is built in memory:
/// beyond that the caller narrows the filters).
pub fn export(
    conn: &mut DbConnection,
    p: &Principal,
    f: &LedgerQuery,
    max: i64,
    format: ExportFormat,
    purpose: Option<&str>,
) -> AppResult<Vec<u8>> {
    policy::require_content_reader(p)?;
    let rows = ledger(conn, &p.agency_id, f)?;
    if rows.len() as i64 > max {
        return Err(AppError::Validation(vec![FieldError::new(
            "",
            format!("一次最多导出 {max} 条移交记录,请按期间(from、to)、状态或轮次缩小范围后分批导出"),
        )]));
    }
    let views = present(conn, p, rows, purpose)?;
    Ok(match format {
        ExportFormat::Xlsx => crate::service::ledger_export::to_xlsx(&views, "问题线索管理台账")?,
        ExportFormat::Csv => crate::service::ledger_export::to_csv(&views)?,
    })
}
