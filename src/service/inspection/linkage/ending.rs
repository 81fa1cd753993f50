//! Ending a linkage: by its office (`end`), or by the background pass once its end date has
//! passed (`end_expired`). Both agencies leave the linkage's group through the group service,
//! which tombstones what each loses (rule 6).

use diesel::prelude::*;
use serde_json::json;

use crate::db::schema::{audit_linkages, group_members};
use crate::db::DbConnection;
use crate::domain::event::EventType;
use crate::domain::ids::{AgencyId, AuditLinkageId, GroupId};
use crate::domain::inspection::linkage::{LinkageEnd, LinkageState};
use crate::error::{AppError, AppResult};
use crate::policy::audit_linkage as rules;
use crate::policy::Principal;
use crate::service::groups;
use crate::store::log::{write_tx, Actor, Log};

use super::{show, visible, LinkageRow, LinkageView};

/// Ends an active linkage (its office): both agencies leave the group.
pub fn end(conn: &mut DbConnection, p: &Principal, id: &AuditLinkageId) -> AppResult<LinkageView> {
    write_tx(conn, |conn, log| {
        let row = visible(conn, p, id)?;
        rules::require_linkage_office(p, &row.office_agency_id)?;
        if row.state != LinkageState::Active.as_str() {
            return Err(AppError::Conflict("巡审联动已结束".into()));
        }
        end_in(conn, log, &row, &Actor::from(p), LinkageEnd::Ended)
    })?;
    show(conn, p, id)
}

/// Ends a linkage inside the caller's transaction: the audit agency and the office leave its
/// group (each loses the other's findings, tombstoned by the membership code), both are told.
fn end_in(conn: &mut DbConnection, log: &mut Log, row: &LinkageRow, actor: &Actor, how: LinkageEnd) -> AppResult<()> {
    let group_id = GroupId::from_stored(row.group_id.clone());
    let mut revoked = 0;
    for a in [&row.audit_agency_id, &row.office_agency_id] {
        let member: bool =
            diesel::select(diesel::dsl::exists(group_members::table.find((&row.group_id, a)))).get_result(conn)?;
        if member {
            let agency = AgencyId::from_stored(a.clone());
            let (_, lost) =
                groups::change_membership_in(conn, log, actor, &row.office_agency_id, &group_id, &agency, false)?;
            revoked += lost;
        }
    }
    diesel::update(audit_linkages::table.find(&row.id))
        .set((
            audit_linkages::state.eq(LinkageState::Ended.as_str()),
            audit_linkages::end_reason.eq(how.as_str()),
            audit_linkages::ended_at.eq(log.at()),
        ))
        .execute(conn)?;
    for a in [&row.office_agency_id, &row.audit_agency_id] {
        log.event(
            conn,
            EventType::AuditLinkageEnded,
            None,
            Some(a),
            Some(&row.office_agency_id),
            json!({"audit_linkage_id": row.id, "state": LinkageState::Ended.as_str(), "end_reason": how.as_str()}),
        )?;
    }
    log.audit(
        actor,
        "audit_linkage.end",
        "audit_linkage",
        Some(&row.id),
        None,
        json!({"end_reason": how.as_str(), "records_revoked": revoked}),
    );
    Ok(())
}

/// Active linkages whose end date is before `today`.
fn due(conn: &mut DbConnection, today: &str, limit: i64) -> QueryResult<Vec<LinkageRow>> {
    audit_linkages::table
        .filter(audit_linkages::state.eq(LinkageState::Active.as_str()))
        .filter(audit_linkages::end_date.lt(today))
        .order(audit_linkages::id)
        .limit(limit)
        .select(LinkageRow::as_select())
        .load(conn)
}

/// The background pass (run with the deadline sweep): ends, as `expired`, up to `limit`
/// active linkages whose end date has passed. Returns how many it ended.
pub fn end_expired(conn: &mut DbConnection, today: &str, limit: i64) -> AppResult<usize> {
    if due(conn, today, 1)?.is_empty() {
        return Ok(0);
    }
    // Read again under the log's lock: another instance's pass has committed or waits.
    write_tx(conn, |conn, log| {
        let rows = due(conn, today, limit)?;
        for r in &rows {
            end_in(conn, log, r, &Actor::default(), LinkageEnd::Expired)?;
        }
        Ok(rows.len())
    })
}
