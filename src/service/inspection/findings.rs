//! Findings (巡中): problems (问题) and clues (问题线索) an inspection team finds in a unit. Each
//! is a record owned by the inspection office — a problem of kind `inspection_problem`, a clue
//! of kind `clue` — so who reads it is the record policy's decision (distribution, groups,
//! transfers), and a clue is handed over through the transfer workflow and counted by the
//! clue statistics like any other.

use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::contract::record::RecordView;
use crate::db::schema::{self, findings};
use crate::db::DbConnection;
use crate::domain::ids::InspectedUnitId;
use crate::domain::inspection::{FindingKind, RoundStage};
use crate::domain::new_id;
use crate::domain::record::{RecordContent, RecordKind};
use crate::error::{AppError, AppResult};
use crate::policy::inspection::UnitAccess;
use crate::policy::{self, Principal};
use crate::service::records::{self, WriteContext};
use crate::store::directory;
use crate::store::log::{write_tx, Actor};

use super::rounds::owned_round_of_unit;
use super::visible_unit;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = findings)]
pub struct FindingRow {
    pub id: String,
    pub round_id: String,
    pub inspected_unit_id: String,
    pub record_id: String,
    pub kind: String,
    pub created_at: String,
}

/// A finding with its record, as the reader may see the record.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FindingView {
    pub id: String,
    pub kind: FindingKind,
    pub round_id: String,
    pub inspected_unit_id: String,
    pub record_id: String,
    pub record: RecordView,
    pub created_at: String,
}

/// The record kind a finding is written as.
pub fn record_kind(kind: FindingKind) -> RecordKind {
    match kind {
        FindingKind::Problem => RecordKind::InspectionProblem,
        FindingKind::Clue => RecordKind::Clue,
    }
}

/// Records a finding in an inspected unit (the round's office, while the round is under way):
/// the record is published as the office writes it (its distribution and sensitivity under
/// the same agreements as any record), linked to the inspected unit's object, and the
/// finding row ties it to the round and unit, in one transaction.
pub fn record(
    conn: &mut DbConnection,
    p: &Principal,
    unit_id: &InspectedUnitId,
    kind: FindingKind,
    mut content: RecordContent,
) -> AppResult<FindingView> {
    policy::require_content_writer(p)?;
    let view = write_tx(conn, |conn, log| {
        let (u, r) = owned_round_of_unit(conn, p, unit_id)?;
        let stage = r.stage().map_err(anyhow::Error::from)?;
        if matches!(stage, RoundStage::Preparation | RoundStage::Closed) {
            return Err(AppError::Conflict(format!("巡察轮次处于“{}”阶段,不能登记巡察发现", stage.label())));
        }
        content.kind = record_kind(kind);
        if !content.object_ids.contains(&u.object_id) {
            content.object_ids.insert(0, u.object_id.clone());
        }
        content.attributes.insert("round_id".into(), json!(r.id));
        content.attributes.insert("inspected_unit_id".into(), json!(u.id));
        // While the unit is linked to an audit project, a finding kept to the office goes to
        // the linkage's group (巡审联动, `policy::audit_linkage`).
        super::linkage::exchange::for_finding(conn, &u.id, &mut content)?;
        let ctx = WriteContext::load(conn)?;
        let s = records::create(conn, log, &ctx, p, content)?;
        let row = FindingRow {
            id: new_id(),
            round_id: r.id.clone(),
            inspected_unit_id: u.id.clone(),
            record_id: s.row.id.clone(),
            kind: kind.as_str().into(),
            created_at: log.at().into(),
        };
        diesel::insert_into(findings::table).values(&row).execute(conn)?;
        log.audit(
            &Actor::from(p),
            "finding.create",
            "finding",
            Some(&row.id),
            None,
            json!({"kind": row.kind, "record_id": row.record_id, "inspected_unit_id": u.id}),
        );
        Ok(FindingView {
            id: row.id,
            kind,
            round_id: row.round_id,
            inspected_unit_id: row.inspected_unit_id,
            record_id: row.record_id,
            record: records::present(&s, policy::Disclosure::OWNER),
            created_at: row.created_at,
        })
    })?;
    Ok(view)
}

/// The findings of an inspected unit whose records the caller's agency may read (as
/// distributed), in the order found; restricted content only with a purpose. The unit's own
/// account reads no records: its problems reach it through the feedback.
pub fn list(
    conn: &mut DbConnection,
    p: &Principal,
    unit_id: &InspectedUnitId,
    kind: Option<FindingKind>,
    purpose: Option<&str>,
) -> AppResult<Vec<FindingView>> {
    let (u, _, access) = visible_unit(conn, p, unit_id)?;
    if access == UnitAccess::OwnUnit {
        return Err(AppError::Forbidden("被巡察单位通过反馈意见查看本单位的问题".into()));
    }
    let viewer = directory::viewer(conn, &p.agency_id)?;
    let mut q = findings::table
        .inner_join(schema::records::table)
        .filter(findings::inspected_unit_id.eq(&u.id))
        .filter(policy::entitled_sql(&viewer))
        .into_boxed();
    if let Some(k) = kind {
        q = q.filter(findings::kind.eq(k.as_str()));
    }
    let rows: Vec<FindingRow> = q.order(findings::id).select(FindingRow::as_select()).load(conn)?;
    let ids: Vec<String> = rows.iter().map(|f| f.record_id.clone()).collect();
    let stored = crate::store::records::load_many(conn, &ids)?;
    let ordered: Vec<_> = ids.iter().filter_map(|id| stored.get(id)).collect();
    let views = records::present_listing(conn, p, &viewer, ordered, purpose)?;
    let mut by_id: std::collections::HashMap<String, RecordView> =
        views.into_iter().map(|v| (v.id.clone(), v)).collect();
    let mut out = Vec::with_capacity(rows.len());
    for f in rows {
        let Some(record) = by_id.remove(&f.record_id) else { continue };
        let kind =
            crate::domain::from_stored("巡察发现类别", &f.kind, FindingKind::parse).map_err(anyhow::Error::from)?;
        out.push(FindingView {
            id: f.id,
            kind,
            round_id: f.round_id,
            inspected_unit_id: f.inspected_unit_id,
            record_id: f.record_id,
            record,
            created_at: f.created_at,
        });
    }
    Ok(out)
}
