//! Inspection–audit linkages (巡审联动): the round's office links an inspected unit to an audit
//! project of an audit agency. The linkage owns a sharing group (made here, in the same
//! transaction, through the group service) whose members — the office and the audit agency —
//! read each other's findings on the unit distributed to it; when the linkage ends (by the
//! office, or by the sweep once its end date has passed) both leave the group, and the
//! group-membership code tombstones what each loses (rule 6). Rules: `policy::audit_linkage`.

use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::contract::page::{Page, Window};
use crate::db::schema::{agencies, audit_linkages, findings, records, rounds, subject_objects};
use crate::db::DbConnection;
use crate::domain::event::EventType;
use crate::domain::ids::{AgencyId, AuditLinkageId, GroupId, InspectedUnitId};
use crate::domain::inspection::linkage::{LinkageDraft, LinkageEnd, LinkageState};
use crate::domain::inspection::RoundStage;
use crate::domain::record::{Distribution, DistributionLevel};
use crate::error::{AppError, AppResult, FieldError};
use crate::policy::audit_linkage::{self as rules, LINKAGE_NOT_FOUND};
use crate::policy::inspection::UnitAccess;
use crate::policy::{self, Principal};
use crate::service::groups;
use crate::service::records::{self as record_service, WriteContext};
use crate::store::directory;
use crate::store::log::{write_tx, Actor, Log};

use super::rounds::owned_round_of_unit;
use super::{agency_kind, participants, visible_unit};

mod ending;
pub mod exchange;

pub use ending::{end, end_expired};

const GROUP_DESCRIPTION: &str =
    "巡审联动自动建立:巡察机构与审计机关在联动期间共享该被巡察单位的发现,联动结束时双方退出";

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_linkages)]
pub struct LinkageRow {
    pub id: String,
    pub round_id: String,
    pub inspected_unit_id: String,
    pub office_agency_id: String,
    pub audit_agency_id: String,
    pub project_name: String,
    pub start_date: String,
    pub end_date: String,
    pub group_id: String,
    pub state: String,
    pub end_reason: Option<String>,
    pub ended_at: Option<String>,
    pub created_by: String,
    pub created_at: String,
}

/// An inspection–audit linkage (巡审联动) as its office, its audit agency and the round's
/// participants see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LinkageView {
    pub id: String,
    pub round_id: String,
    pub round_name: String,
    pub inspected_unit_id: String,
    /// The supervision object (unit) inspected and audited.
    pub object_id: String,
    pub object_name: String,
    /// The inspection office running the round.
    pub office_agency_id: String,
    /// The audit agency (kind `audit`) auditing the unit.
    pub audit_agency_id: String,
    pub audit_agency_name: String,
    /// The audit project (审计项目).
    pub project_name: String,
    /// YYYY-MM-DD
    pub start_date: String,
    /// YYYY-MM-DD: the last day; the linkage ends automatically after it.
    pub end_date: String,
    /// The linkage's sharing group: findings distributed to it are read by both sides while
    /// the linkage is active.
    pub group_id: String,
    pub state: LinkageState,
    /// How it ended (`ended` by the office, `expired` by its end date).
    pub end_reason: Option<LinkageEnd>,
    pub ended_at: Option<String>,
    pub created_at: String,
}

/// Views of linkages, with the names of their rounds, units and audit agencies.
pub fn views(conn: &mut DbConnection, rows: Vec<LinkageRow>) -> AppResult<Vec<LinkageView>> {
    use std::collections::HashMap;
    let round_ids: Vec<&str> = rows.iter().map(|r| r.round_id.as_str()).collect();
    let unit_ids: Vec<&str> = rows.iter().map(|r| r.inspected_unit_id.as_str()).collect();
    let audit_ids: Vec<&str> = rows.iter().map(|r| r.audit_agency_id.as_str()).collect();
    let round_names: HashMap<String, String> = rounds::table
        .filter(rounds::id.eq_any(&round_ids))
        .select((rounds::id, rounds::name))
        .load(conn)?
        .into_iter()
        .collect();
    let objects: HashMap<String, (String, String)> = crate::db::schema::inspected_units::table
        .inner_join(subject_objects::table)
        .filter(crate::db::schema::inspected_units::id.eq_any(&unit_ids))
        .select((crate::db::schema::inspected_units::id, subject_objects::id, subject_objects::name))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(u, o, n)| (u, (o, n)))
        .collect();
    let agency_names: HashMap<String, String> = agencies::table
        .filter(agencies::id.eq_any(&audit_ids))
        .select((agencies::id, agencies::name))
        .load(conn)?
        .into_iter()
        .collect();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let state =
            crate::domain::from_stored("巡审联动状态", &r.state, LinkageState::parse).map_err(anyhow::Error::from)?;
        let end_reason = match &r.end_reason {
            Some(e) => {
                Some(crate::domain::from_stored("联动结束方式", e, LinkageEnd::parse).map_err(anyhow::Error::from)?)
            }
            None => None,
        };
        let (object_id, object_name) = objects.get(&r.inspected_unit_id).cloned().unwrap_or_default();
        out.push(LinkageView {
            round_name: round_names.get(&r.round_id).cloned().unwrap_or_default(),
            audit_agency_name: agency_names.get(&r.audit_agency_id).cloned().unwrap_or_default(),
            object_id,
            object_name,
            state,
            end_reason,
            id: r.id,
            round_id: r.round_id,
            inspected_unit_id: r.inspected_unit_id,
            office_agency_id: r.office_agency_id,
            audit_agency_id: r.audit_agency_id,
            project_name: r.project_name,
            start_date: r.start_date,
            end_date: r.end_date,
            group_id: r.group_id,
            ended_at: r.ended_at,
            created_at: r.created_at,
        });
    }
    Ok(out)
}

fn not_found() -> AppError {
    AppError::NotFound(LINKAGE_NOT_FOUND.into())
}

/// A linkage the principal may see, or 404 (403 for the hub admin, who reads no content).
pub fn visible(conn: &mut DbConnection, p: &Principal, id: &str) -> AppResult<LinkageRow> {
    if p.has(crate::domain::Role::Inspected) {
        return Err(not_found());
    }
    policy::require_content_reader(p)?;
    let row: LinkageRow =
        audit_linkages::table.find(id).select(LinkageRow::as_select()).first(conn).optional()?.ok_or_else(not_found)?;
    let parts = participants(conn, &row.round_id)?;
    if rules::can_see_linkage(&p.agency_id, &row.office_agency_id, &row.audit_agency_id, &parts) {
        Ok(row)
    } else {
        Err(not_found())
    }
}

/// The active linkage of an inspected unit, if any.
pub fn active_of_unit(conn: &mut DbConnection, unit_id: &str) -> QueryResult<Option<LinkageRow>> {
    audit_linkages::table
        .filter(audit_linkages::inspected_unit_id.eq(unit_id))
        .filter(audit_linkages::state.eq(LinkageState::Active.as_str()))
        .select(LinkageRow::as_select())
        .first(conn)
        .optional()
}

/// The distribution to a linkage's group.
pub fn group_distribution(group_id: &str) -> Distribution {
    Distribution { level: DistributionLevel::Group, agencies: vec![], group: Some(group_id.to_string()) }
}

/// The field errors of linking `office` and `audit` under the sharing agreements (rule 4):
/// the office's problems and clues must be allowed to go to the audit agency, its audit
/// reports to the office.
fn agreement_errors(ctx: &WriteContext, office: &str, audit: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for kind in rules::OFFICE_SHARES {
        if !ctx.check_shared_with(office, kind.as_str(), &[audit.to_string()], "audit_agency_id").is_empty() {
            errs.push(FieldError::new("audit_agency_id", format!("协作意见不允许将{}共享给该审计机关", kind.label())));
        }
    }
    let kind = rules::AUDIT_SHARES;
    if !ctx.check_shared_with(audit, kind.as_str(), &[office.to_string()], "audit_agency_id").is_empty() {
        errs.push(FieldError::new(
            "audit_agency_id",
            format!("协作意见不允许该审计机关将{}共享给巡察机构", kind.label()),
        ));
    }
    errs
}

/// A group name not yet taken: `base`, or `base·<first characters of the id>`.
fn free_group_name(conn: &mut DbConnection, base: &str, id: &GroupId) -> QueryResult<String> {
    use crate::db::schema::sharing_groups;
    let taken: bool = diesel::select(diesel::dsl::exists(sharing_groups::table.filter(sharing_groups::name.eq(base))))
        .get_result(conn)?;
    Ok(if taken { format!("{base}·{}", &id.as_str()[..8]) } else { base.to_string() })
}

/// Links an inspected unit to an audit project (the round's office), in one transaction: the
/// linkage, its sharing group with the office and the audit agency as members, and the
/// office's findings on the unit kept to itself (`own`) distributed to that group.
pub fn create(
    conn: &mut DbConnection,
    p: &Principal,
    unit_id: &InspectedUnitId,
    audit_agency_id: &AgencyId,
    draft: &LinkageDraft,
) -> AppResult<LinkageView> {
    policy::require_content_writer(p)?;
    let row = write_tx(conn, |conn, log| {
        let (u, r) = owned_round_of_unit(conn, p, unit_id)?;
        let office = r.owner_agency_id.clone();
        let audit = audit_agency_id.to_string();
        let mut errs = Vec::new();
        match agency_kind(conn, &audit)? {
            Some((kind, true)) => {
                if let Err(m) = rules::check_audit_agency(&kind) {
                    errs.push(FieldError::new("audit_agency_id", m));
                }
            }
            _ => errs.push(FieldError::new("audit_agency_id", "审计机关不存在或已停用")),
        }
        if errs.is_empty() {
            errs = agreement_errors(&WriteContext::load(conn)?, &office, &audit);
        }
        if !errs.is_empty() {
            return Err(AppError::Validation(errs));
        }
        if r.stage().map_err(anyhow::Error::from)? == RoundStage::Closed {
            return Err(AppError::Conflict("巡察轮次已完成,不能再建立巡审联动".into()));
        }
        if active_of_unit(conn, &u.id)?.is_some() {
            return Err(AppError::Conflict("该被巡察单位已有进行中的巡审联动,请先结束后再建立".into()));
        }
        let object_name: String =
            subject_objects::table.find(&u.object_id).select(subject_objects::name).first(conn)?;
        let actor = Actor::from(p);
        let group_id = GroupId::generate();
        let name = free_group_name(conn, &draft.group_name(&object_name), &group_id)?;
        groups::insert(conn, log, &actor, &group_id, &name, GROUP_DESCRIPTION, &[])?;
        for a in [&office, &audit] {
            groups::change_membership_in(
                conn,
                log,
                &actor,
                &office,
                &group_id,
                &AgencyId::from_stored(a.clone()),
                true,
            )?;
        }
        let row = LinkageRow {
            id: crate::domain::new_id(),
            round_id: r.id.clone(),
            inspected_unit_id: u.id.clone(),
            office_agency_id: office.clone(),
            audit_agency_id: audit.clone(),
            project_name: draft.project_name.clone(),
            start_date: draft.start_date.clone(),
            end_date: draft.end_date.clone(),
            group_id: group_id.to_string(),
            state: LinkageState::Active.as_str().into(),
            end_reason: None,
            ended_at: None,
            created_by: p.actor_id(),
            created_at: log.at().into(),
        };
        diesel::insert_into(audit_linkages::table).values(&row).execute(conn)?;
        let shared = share_office_findings(conn, log, p, &row)?;
        log.event(
            conn,
            EventType::AuditLinkageCreated,
            None,
            Some(&audit),
            Some(&office),
            json!({"audit_linkage_id": row.id, "inspected_unit_id": u.id, "state": row.state}),
        )?;
        log.audit(
            &actor,
            "audit_linkage.create",
            "audit_linkage",
            Some(&row.id),
            None,
            json!({"inspected_unit_id": u.id, "audit_agency_id": audit, "group_id": row.group_id,
                   "end_date": row.end_date, "findings_shared": shared}),
        );
        Ok(row)
    })?;
    Ok(views(conn, vec![row])?.remove(0))
}

/// Distributes the office's findings on the linked unit that it kept to itself to the
/// linkage's group (record updates, so the audit agency's feed and subscriptions get them).
fn share_office_findings(conn: &mut DbConnection, log: &mut Log, p: &Principal, row: &LinkageRow) -> AppResult<usize> {
    let ids: Vec<String> = findings::table
        .inner_join(records::table)
        .filter(findings::inspected_unit_id.eq(&row.inspected_unit_id))
        .filter(records::owner_agency_id.eq(&row.office_agency_id))
        .filter(records::distribution_level.eq(DistributionLevel::Own.as_str()))
        .filter(records::withdrawn_at.is_null())
        .order(findings::id)
        .select(records::id)
        .load(conn)?;
    if ids.is_empty() {
        return Ok(0);
    }
    let ctx = WriteContext::load(conn)?;
    let viewer = directory::viewer(conn, &p.agency_id)?;
    for id in &ids {
        record_service::update(conn, log, &ctx, p, &viewer, id, None, |c| {
            c.distribution = group_distribution(&row.group_id)
        })?;
    }
    Ok(ids.len())
}

/// The linkages of an inspected unit (the round's office and participants; the unit's own
/// account is answered 403: it sees its unit, not the linkage), newest first.
pub fn list_for_unit(conn: &mut DbConnection, p: &Principal, unit_id: &InspectedUnitId) -> AppResult<Vec<LinkageView>> {
    let (u, _, access) = visible_unit(conn, p, unit_id)?;
    if access == UnitAccess::OwnUnit {
        return Err(AppError::Forbidden("被巡察单位不查看巡审联动".into()));
    }
    let rows: Vec<LinkageRow> = audit_linkages::table
        .filter(audit_linkages::inspected_unit_id.eq(&u.id))
        .order(audit_linkages::id.desc())
        .select(LinkageRow::as_select())
        .load(conn)?;
    views(conn, rows)
}

/// The linkages the caller's agency runs, audits or sees as a round participant, newest first.
pub fn page(
    conn: &mut DbConnection,
    p: &Principal,
    w: &Window,
    state: Option<LinkageState>,
) -> AppResult<Page<LinkageView>> {
    if p.has(crate::domain::Role::Inspected) {
        return Err(AppError::Forbidden("被巡察单位不查看巡审联动".into()));
    }
    policy::require_content_reader(p)?;
    let mut q = audit_linkages::table.filter(rules::linkages_visible_sql(&p.agency_id)).into_boxed();
    if let Some(s) = state {
        q = q.filter(audit_linkages::state.eq(s.as_str()));
    }
    if let Some(after) = &w.after {
        q = q.filter(audit_linkages::id.lt(after));
    }
    let rows: Vec<LinkageRow> =
        q.order(audit_linkages::id.desc()).limit(w.limit).select(LinkageRow::as_select()).load(conn)?;
    Ok(Page::of(views(conn, rows)?, w, |l| &l.id))
}

/// One linkage, as the caller may see it.
pub fn show(conn: &mut DbConnection, p: &Principal, id: &AuditLinkageId) -> AppResult<LinkageView> {
    let row = visible(conn, p, id)?;
    Ok(views(conn, vec![row])?.remove(0))
}
