//! The findings exchanged through an inspection–audit linkage: the audit agency publishes its
//! findings on the unit as records (kind `audit_report`) distributed to the linkage's group;
//! the office's findings on the unit go there while the linkage is active (`for_finding`);
//! either side lists the group's records it may read. Who reads a record is the record
//! policy's decision, so when the linkage ends each side loses the other's findings.

use diesel::prelude::*;
use serde_json::json;

use crate::contract::record::RecordView;
use crate::db::schema::{inspected_units, records};
use crate::db::DbConnection;
use crate::domain::ids::AuditLinkageId;
use crate::domain::inspection::linkage::LinkageState;
use crate::domain::record::{DistributionLevel, RecordContent, RecordKind};
use crate::error::{AppError, AppResult};
use crate::policy::audit_linkage as rules;
use crate::policy::{self, Principal};
use crate::service::records::{self as record_service, WriteContext};
use crate::store::directory;
use crate::store::log::{write_tx, Actor};

use super::{active_of_unit, group_distribution, visible};

/// Where the office's new finding on an inspected unit goes: to the active linkage's group
/// when it was kept to the office (`own`); otherwise as the office chose.
pub fn for_finding(conn: &mut DbConnection, unit_id: &str, content: &mut RecordContent) -> AppResult<()> {
    if rules::shared_with_linkage(content.distribution.level) {
        if let Some(l) = active_of_unit(conn, unit_id)? {
            content.distribution = group_distribution(&l.group_id);
        }
    }
    Ok(())
}

/// Publishes an audit finding into an active linkage (its audit agency's writer): a record of
/// kind `audit_report` on the unit's object, distributed to the linkage's group.
pub fn publish(
    conn: &mut DbConnection,
    p: &Principal,
    id: &AuditLinkageId,
    mut content: RecordContent,
) -> AppResult<RecordView> {
    policy::require_content_writer(p)?;
    let view = write_tx(conn, |conn, log| {
        let row = visible(conn, p, id)?;
        rules::require_linkage_auditor(p, &row.audit_agency_id)?;
        if row.state != LinkageState::Active.as_str() {
            return Err(AppError::Conflict("巡审联动已结束,不能再发布审计发现".into()));
        }
        let object_id: String =
            inspected_units::table.find(&row.inspected_unit_id).select(inspected_units::object_id).first(conn)?;
        content.kind = RecordKind::AuditReport;
        if !content.object_ids.contains(&object_id) {
            content.object_ids.insert(0, object_id);
        }
        content.distribution = group_distribution(&row.group_id);
        content.attributes.insert("audit_linkage_id".into(), json!(row.id));
        content.attributes.insert("inspected_unit_id".into(), json!(row.inspected_unit_id));
        let ctx = WriteContext::load(conn)?;
        let s = record_service::create(conn, log, &ctx, p, content)?;
        log.audit(
            &Actor::from(p),
            "audit_linkage.finding",
            "audit_linkage",
            Some(&row.id),
            None,
            json!({"record_id": s.row.id}),
        );
        Ok(record_service::present(&s, policy::Disclosure::OWNER))
    })?;
    Ok(view)
}

/// The records distributed to the linkage's group that the caller's agency may read, in the
/// order published (restricted content only with a purpose, as in any listing).
pub fn list(
    conn: &mut DbConnection,
    p: &Principal,
    id: &AuditLinkageId,
    purpose: Option<&str>,
) -> AppResult<Vec<RecordView>> {
    let row = visible(conn, p, id)?;
    let viewer = directory::viewer(conn, &p.agency_id)?;
    let ids: Vec<String> = records::table
        .filter(records::distribution_level.eq(DistributionLevel::Group.as_str()))
        .filter(records::group_id.eq(&row.group_id))
        .filter(policy::entitled_sql(&viewer))
        .order(records::id)
        .select(records::id)
        .load(conn)?;
    let stored = crate::store::records::load_many(conn, &ids)?;
    let ordered: Vec<_> = ids.iter().filter_map(|id| stored.get(id)).collect();
    record_service::present_listing(conn, p, &viewer, ordered, purpose)
}
