//! Common problems (共性问题): after a round, its office notifies the problems found in several
//! units to the member units concerned (纪委监委, 组织部, 作风办 …). Each is a record of kind
//! `notice` tagged 共性问题, distributed to the units named, linked to the round and to the
//! problems (findings) it generalises — so who reads one is the record policy's decision.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::contract::page::{Page, Window};
use crate::contract::record::RecordView;
use crate::db::schema::{common_problem_findings, common_problems, findings, records};
use crate::db::DbConnection;
use crate::domain::ids::{AgencyId, CommonProblemId, FindingId, RoundId};
use crate::domain::inspection::campaigns::{after_inspection, COMMON_PROBLEM_TAG};
use crate::domain::inspection::FindingKind;
use crate::domain::record::{validate_content, Distribution, DistributionLevel, RecordContent, RecordKind};
use crate::error::{AppError, AppResult, FieldError};
use crate::policy::inspection as round_rules;
use crate::policy::{self, Principal, Viewer};
use crate::service::records::{self as record_service, WriteContext};
use crate::store::directory;
use crate::store::log::{write_tx, Actor};

use super::{agency_kind, visible_round};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = common_problems)]
pub struct CommonProblemRow {
    pub id: String,
    pub round_id: String,
    pub record_id: String,
    pub created_by: String,
    pub created_at: String,
}

/// A common problem (共性问题) as its reader may see its record.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CommonProblemView {
    pub id: String,
    pub round_id: String,
    pub record_id: String,
    /// The notice (kind `notice`, tag 共性问题); its recipients are shown to the office only.
    pub record: RecordView,
    /// The round's problems it generalises — those the reader may read.
    pub finding_ids: Vec<String>,
    pub created_at: String,
}

const NOT_FOUND: &str = "共性问题不存在或无权查看";

/// Checks the member units notified: at least one, each an active unit that receives records.
fn check_recipients(
    conn: &mut DbConnection,
    office: &str,
    ids: &[AgencyId],
    errs: &mut Vec<FieldError>,
) -> AppResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for (i, a) in ids.iter().enumerate() {
        match agency_kind(conn, a)? {
            Some((kind, true)) if policy::credentials::receives_records(&kind) => {
                if a.as_str() != office && !out.iter().any(|o| o == a.as_str()) {
                    out.push(a.to_string());
                }
            }
            _ => errs.push(FieldError::new(format!("agency_ids[{i}]"), "成员单位不存在、已停用或不接收信息")),
        }
    }
    if out.is_empty() && errs.is_empty() {
        errs.push(FieldError::new("agency_ids", "至少通报一个其他成员单位"));
    }
    Ok(out)
}

/// Checks the problems generalised: each a problem (not a clue) found in this round.
fn check_findings(
    conn: &mut DbConnection,
    round_id: &str,
    ids: &[FindingId],
    errs: &mut Vec<FieldError>,
) -> AppResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for (i, f) in ids.iter().enumerate() {
        let ok: i64 = findings::table
            .filter(findings::id.eq(f.as_str()))
            .filter(findings::round_id.eq(round_id))
            .filter(findings::kind.eq(FindingKind::Problem.as_str()))
            .count()
            .get_result(conn)?;
        if ok == 0 {
            errs.push(FieldError::new(format!("finding_ids[{i}]"), "不是本轮巡察发现的问题"));
        } else if !out.iter().any(|o| o == f.as_str()) {
            out.push(f.to_string());
        }
    }
    Ok(out)
}

/// Notifies a common problem of the round (its office, from the feedback stage on): the
/// notice record to the member units named, and its links to the round's problems, in one
/// transaction. Every field error at once.
pub fn publish(
    conn: &mut DbConnection,
    p: &Principal,
    round_id: &RoundId,
    mut content: RecordContent,
    agency_ids: &[AgencyId],
    finding_ids: &[FindingId],
) -> AppResult<CommonProblemView> {
    policy::require_content_writer(p)?;
    let view = write_tx(conn, |conn, log| {
        let (r, _) = visible_round(conn, p, round_id)?;
        round_rules::require_round_owner(p, &r.owner_agency_id)?;
        let stage = r.stage().map_err(anyhow::Error::from)?;
        if !after_inspection(stage) {
            return Err(AppError::Conflict(format!("巡察轮次处于“{}”阶段,反馈后才能通报共性问题", stage.label())));
        }
        let mut errs = validate_content(&content);
        let agencies = check_recipients(conn, &r.owner_agency_id, agency_ids, &mut errs)?;
        let linked = check_findings(conn, &r.id, finding_ids, &mut errs)?;
        if !errs.is_empty() {
            return Err(AppError::Validation(errs));
        }
        content.kind = RecordKind::Notice;
        content.tags.push(COMMON_PROBLEM_TAG.to_string());
        content.distribution = Distribution { level: DistributionLevel::Agencies, agencies, group: None };
        content.attributes.insert("round_id".into(), json!(r.id));
        let ctx = WriteContext::load(conn)?;
        let s = record_service::create(conn, log, &ctx, p, content)?;
        let row = CommonProblemRow {
            id: crate::domain::new_id(),
            round_id: r.id.clone(),
            record_id: s.row.id.clone(),
            created_by: p.actor_id(),
            created_at: log.at().into(),
        };
        diesel::insert_into(common_problems::table).values(&row).execute(conn)?;
        for f in &linked {
            diesel::insert_into(common_problem_findings::table)
                .values((
                    common_problem_findings::common_problem_id.eq(&row.id),
                    common_problem_findings::finding_id.eq(f),
                ))
                .execute(conn)?;
        }
        log.audit(
            &Actor::from(p),
            "common_problem.create",
            "common_problem",
            Some(&row.id),
            None,
            json!({"round_id": r.id, "record_id": row.record_id, "findings": linked.len(),
                   "agencies": s.distribution().agencies.len()}),
        );
        Ok(CommonProblemView {
            id: row.id,
            round_id: row.round_id,
            record_id: row.record_id,
            record: record_service::present(&s, policy::Disclosure::OWNER),
            finding_ids: linked,
            created_at: row.created_at,
        })
    })?;
    Ok(view)
}

/// Views of common problems whose records the viewer reads (rows already filtered so), with
/// the linked problems the viewer reads.
fn views(
    conn: &mut DbConnection,
    p: &Principal,
    viewer: &Viewer,
    rows: Vec<CommonProblemRow>,
    purpose: Option<&str>,
) -> AppResult<Vec<CommonProblemView>> {
    let record_ids: Vec<String> = rows.iter().map(|c| c.record_id.clone()).collect();
    let stored = crate::store::records::load_many(conn, &record_ids)?;
    let ordered: Vec<_> = record_ids.iter().filter_map(|id| stored.get(id)).collect();
    let mut by_id: HashMap<String, RecordView> = record_service::present_listing(conn, p, viewer, ordered, purpose)?
        .into_iter()
        .map(|v| (v.id.clone(), v))
        .collect();
    let ids: Vec<&str> = rows.iter().map(|c| c.id.as_str()).collect();
    let links: Vec<(String, String)> = common_problem_findings::table
        .inner_join(findings::table.inner_join(records::table))
        .filter(common_problem_findings::common_problem_id.eq_any(&ids))
        .filter(policy::entitled_sql(viewer))
        .order(common_problem_findings::finding_id)
        .select((common_problem_findings::common_problem_id, common_problem_findings::finding_id))
        .load(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for c in rows {
        let Some(record) = by_id.remove(&c.record_id) else { continue };
        out.push(CommonProblemView {
            finding_ids: links.iter().filter(|(cp, _)| *cp == c.id).map(|(_, f)| f.clone()).collect(),
            id: c.id,
            round_id: c.round_id,
            record_id: c.record_id,
            record,
            created_at: c.created_at,
        });
    }
    Ok(out)
}

/// The round's common problems whose notices the caller's agency reads (the round visible
/// to it: office or participant), in the order notified.
pub fn list_for_round(
    conn: &mut DbConnection,
    p: &Principal,
    round_id: &RoundId,
    purpose: Option<&str>,
) -> AppResult<Vec<CommonProblemView>> {
    let (r, _) = visible_round(conn, p, round_id)?;
    let viewer = directory::viewer(conn, &p.agency_id)?;
    let rows = entitled(conn, &viewer, Some(&r.id), None)?;
    views(conn, p, &viewer, rows, purpose)
}

/// Common problems the caller's agency reads, across rounds, newest first (a notified unit
/// that is not one of the round's participants reads its common problems here).
pub fn page(
    conn: &mut DbConnection,
    p: &Principal,
    w: &Window,
    purpose: Option<&str>,
) -> AppResult<Page<CommonProblemView>> {
    policy::require_content_reader(p)?;
    let viewer = directory::viewer(conn, &p.agency_id)?;
    let rows = entitled(conn, &viewer, None, Some(w))?;
    Ok(Page::of(views(conn, p, &viewer, rows, purpose)?, w, |c| &c.id))
}

/// One common problem, or 404 where its notice is not the caller's to read.
pub fn show(
    conn: &mut DbConnection,
    p: &Principal,
    id: &CommonProblemId,
    purpose: Option<&str>,
) -> AppResult<CommonProblemView> {
    policy::require_content_reader(p)?;
    let viewer = directory::viewer(conn, &p.agency_id)?;
    let rows: Vec<CommonProblemRow> = common_problems::table
        .inner_join(records::table)
        .filter(common_problems::id.eq(id.as_str()))
        .filter(policy::entitled_sql(&viewer))
        .select(CommonProblemRow::as_select())
        .load(conn)?;
    views(conn, p, &viewer, rows, purpose)?.pop().ok_or_else(|| AppError::NotFound(NOT_FOUND.into()))
}

/// Common problems whose notices the viewer reads: of one round (all, in order) or a page of
/// all rounds (newest first).
pub fn entitled(
    conn: &mut DbConnection,
    viewer: &Viewer,
    round_id: Option<&str>,
    w: Option<&Window>,
) -> AppResult<Vec<CommonProblemRow>> {
    let mut q = common_problems::table.inner_join(records::table).filter(policy::entitled_sql(viewer)).into_boxed();
    if let Some(r) = round_id {
        q = q.filter(common_problems::round_id.eq(r)).order(common_problems::id);
    }
    if let Some(w) = w {
        if let Some(after) = &w.after {
            q = q.filter(common_problems::id.lt(after));
        }
        q = q.order(common_problems::id.desc()).limit(w.limit);
    }
    Ok(q.select(CommonProblemRow::as_select()).load(conn)?)
}

/// Whether the viewer reads the notice of common problem `id` (for links to it).
pub fn readable(conn: &mut DbConnection, viewer: &Viewer, id: &str) -> AppResult<Option<CommonProblemRow>> {
    let Some(row) = common_problems::table.find(id).select(CommonProblemRow::as_select()).first(conn).optional()?
    else {
        return Ok(None);
    };
    let Some(s) = crate::store::records::load(conn, &row.record_id)? else { return Ok(None) };
    Ok(policy::can_read(viewer, &s.facts()).then_some(row))
}
