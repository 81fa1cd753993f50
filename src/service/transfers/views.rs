//! Transfers as a party sees them: names, state labels, overdue flags, and the clue's
//! text (suggestion, reasons, results) only where the clue's content may be shown.

use super::*;
use crate::db::schema::agencies;
use crate::db::DbConnection;
use crate::domain::transfer::{self, Outcome, Sanctions, TransferState};
use crate::domain::UnknownStoredValue;
use crate::error::AppResult;
use crate::policy::{self, Principal};
use crate::store::log::{Actor, Log};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;

/// A transfer as its parties see it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TransferView {
    pub id: String,
    pub record_id: String,
    pub record_title: String,
    pub from_agency_id: String,
    pub from_agency_name: String,
    pub to_agency_id: String,
    pub to_agency_name: String,
    /// 处置建议
    pub suggestion: String,
    /// 办理期限 (YYYY-MM-DD)
    pub deadline: String,
    /// 巡察轮次
    pub round: Option<String>,
    pub category: Option<String>,
    pub state: TransferState,
    pub state_label: String,
    pub overdue: bool,
    pub created_at: String,
    pub accepted_at: Option<String>,
    pub started_at: Option<String>,
    pub concluded_at: Option<String>,
    pub closed_at: Option<String>,
    pub returned_at: Option<String>,
    pub return_reason: Option<String>,
    pub outcome: Option<Outcome>,
    pub sanctions: Sanctions,
    pub summary: Option<String>,
    pub feedback_note: Option<String>,
    pub version: i32,
    /// True when the clue is restricted and no `X-Access-Purpose` was stated: `record_title`
    /// is the placeholder "受限信息" and the free text (suggestion, return reason, summary,
    /// feedback note) is withheld (empty or null).
    pub content_withheld: bool,
}

/// Views of transfers for one caller, and the transfers whose restricted text they disclose.
pub struct Presented {
    pub views: Vec<TransferView>,
    /// Transfers of restricted clues shown with their text (a purpose was stated): audited.
    pub disclosed: Vec<String>,
}

/// Builds views with agency names and record titles (two small lookups per page). A
/// restricted clue's title and the free text are shown only with a purpose
/// (`policy::transfer_text`); the caller audits `disclosed` (`audit_disclosure`).
pub fn views(conn: &mut DbConnection, rows: Vec<TransferRow>, purpose: Option<&str>) -> QueryResult<Presented> {
    let names: BTreeMap<String, String> =
        agencies::table.select((agencies::id, agencies::name)).load(conn)?.into_iter().collect();
    let ids: Vec<String> = rows.iter().map(|r| r.record_id.clone()).collect();
    let mut records: BTreeMap<String, (String, String)> = BTreeMap::new();
    for chunk in ids.chunks(500) {
        use crate::db::schema::records as r;
        records.extend(
            r::table
                .filter(r::id.eq_any(chunk))
                .select((r::id, r::title, r::sensitivity))
                .load::<(String, String, String)>(conn)?
                .into_iter()
                .map(|(id, title, s)| (id, (title, s))),
        );
    }
    let today = today();
    let mut disclosed = Vec::new();
    let views = rows
        .into_iter()
        .map(|r| {
            let state = r.state()?;
            let (title, sensitivity) = records.get(&r.record_id).cloned().unwrap_or_default();
            let text = policy::transfer_text(crate::domain::record::Sensitivity::parse(&sensitivity), purpose);
            if text.audited {
                disclosed.push(r.id.clone());
            }
            let shown = |t: Option<String>| if text.shown { t } else { None };
            Ok(TransferView {
                record_title: if text.shown { title } else { policy::WITHHELD_TITLE.to_string() },
                from_agency_name: names.get(&r.from_agency_id).cloned().unwrap_or_default(),
                to_agency_name: names.get(&r.to_agency_id).cloned().unwrap_or_default(),
                state_label: state.label().to_string(),
                overdue: transfer::is_overdue(state, &r.deadline, &today),
                outcome: r.outcome()?,
                sanctions: r.sanctions(),
                state,
                id: r.id,
                record_id: r.record_id,
                from_agency_id: r.from_agency_id,
                to_agency_id: r.to_agency_id,
                suggestion: if text.shown { r.suggestion } else { String::new() },
                deadline: r.deadline,
                round: r.round,
                category: r.category,
                created_at: r.created_at,
                accepted_at: r.accepted_at,
                started_at: r.started_at,
                concluded_at: r.concluded_at,
                closed_at: r.closed_at,
                returned_at: r.returned_at,
                return_reason: shown(r.return_reason),
                summary: shown(r.summary),
                feedback_note: shown(r.feedback_note),
                version: r.version,
                content_withheld: !text.shown,
            })
        })
        .collect::<Result<Vec<_>, UnknownStoredValue>>()
        .map_err(crate::store::unknown_stored)?;
    Ok(Presented { views, disclosed })
}

/// Writes one audit entry for the restricted transfer text an answer discloses (none when
/// nothing restricted was shown), with the stated purpose.
pub fn audit_disclosure(log: &mut Log, p: &Principal, disclosed: &[String], purpose: Option<&str>) {
    if disclosed.is_empty() {
        return;
    }
    let target = if disclosed.len() == 1 { Some(disclosed[0].as_str()) } else { None };
    log.audit(&Actor::from(p), "transfer.read", "transfer", target, purpose, json!({"transfer_ids": disclosed}));
}

/// `views` for a read-only answer (list, one transfer, export), auditing what it discloses
/// in its own transaction.
pub fn present(
    conn: &mut DbConnection,
    p: &Principal,
    rows: Vec<TransferRow>,
    purpose: Option<&str>,
) -> AppResult<Vec<TransferView>> {
    let out = views(conn, rows, purpose)?;
    if !out.disclosed.is_empty() {
        crate::store::log::write_tx(conn, |_, log| {
            audit_disclosure(log, p, &out.disclosed, purpose);
            Ok(())
        })?;
    }
    Ok(out.views)
}

/// `views` of one transfer inside a write transaction (create and the steps), audited there.
pub fn present_in_tx(
    conn: &mut DbConnection,
    log: &mut Log,
    p: &Principal,
    row: TransferRow,
    purpose: Option<&str>,
) -> AppResult<TransferView> {
    let mut out = views(conn, vec![row], purpose)?;
    audit_disclosure(log, p, &out.disclosed, purpose);
    Ok(out.views.remove(0))
}
