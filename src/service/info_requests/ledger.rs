//! Lists, statistics and the answer ledger of information requests — each over what the
//! caller's agency may see: requests it sent (every target) or received (its own row only).

use std::collections::{HashMap, HashSet};

use diesel::dsl::{count_star, sql};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use serde::Serialize;

use crate::contract::page::{Page, Window};
use crate::db::schema::subject_objects;
use crate::db::schema::{info_request_answers, info_request_subjects, info_request_targets, info_requests};
use crate::db::DbConnection;
use crate::domain::ids::InfoRequestId;
use crate::domain::inspection::requests::{target_status, RequestKind, RequestSide, RequestState, TargetStatus};
use crate::error::AppResult;
use crate::policy::info_requests::{self as rules, Access, Direction};
use crate::policy::{self, Principal};
use crate::service::ledger_export::{ExportFormat, Table};

use super::{agency_names, target_rows, target_views, view, visible, RequestRow, StatusCounts, TargetView};

/// What a list asks for.
#[derive(Debug, Clone)]
pub struct ListFilter {
    pub direction: Direction,
    pub kind: Option<RequestKind>,
    pub round_id: Option<String>,
}

/// A request in a list: its targets' status as the reader sees them, no answers.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InfoRequestItem {
    pub id: String,
    pub kind: RequestKind,
    pub asker_agency_id: String,
    pub asker_agency_name: String,
    pub round_id: Option<String>,
    pub title: String,
    pub deadline: String,
    pub state: RequestState,
    pub side: RequestSide,
    pub subject_count: i64,
    pub targets: Vec<TargetView>,
    pub counts: StatusCounts,
    pub created_at: String,
}

/// The requests the caller's agency sent or received, newest first.
pub fn page(conn: &mut DbConnection, p: &Principal, w: &Window, f: &ListFilter) -> AppResult<Page<InfoRequestItem>> {
    policy::require_content_reader(p)?;
    let mut q = info_requests::table.filter(rules::requests_visible_sql(&p.agency_id, f.direction)).into_boxed();
    if let Some(k) = f.kind {
        q = q.filter(info_requests::kind.eq(k.as_str()));
    }
    if let Some(r) = &f.round_id {
        q = q.filter(info_requests::round_id.eq(r.clone()));
    }
    if let Some(after) = &w.after {
        q = q.filter(info_requests::id.lt(after.clone()));
    }
    let rows: Vec<RequestRow> =
        q.order(info_requests::id.desc()).limit(w.limit).select(RequestRow::as_select()).load(conn)?;
    let names = agency_names(conn, &rows.iter().map(|r| r.asker_agency_id.as_str()).collect::<Vec<_>>())?;
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        let access = if r.asker_agency_id == p.agency_id { Access::Asker } else { Access::Target };
        let subjects = super::subject_ids(conn, &r.id)?.len();
        let targets = target_rows(conn, &r.id)?;
        let targets = target_views(conn, &r, targets, subjects, (&p.agency_id, access))?;
        let mut counts = StatusCounts::default();
        targets.iter().for_each(|t| counts.add(t.status));
        items.push(InfoRequestItem {
            kind: r.kind().map_err(anyhow::Error::from)?,
            state: r.state().map_err(anyhow::Error::from)?,
            asker_agency_name: names.get(&r.asker_agency_id).cloned().unwrap_or_default(),
            side: super::side(access),
            subject_count: subjects as i64,
            targets,
            counts,
            id: r.id,
            asker_agency_id: r.asker_agency_id,
            round_id: r.round_id,
            title: r.title,
            deadline: r.deadline,
            created_at: r.created_at,
        });
    }
    Ok(Page::of(items, w, |r| &r.id))
}

/// Counts over the caller's own requests (sent, received or both) of one kind or all.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InfoRequestStats {
    /// Requests.
    pub requests: i64,
    /// Distinct rounds the requests cover (pre-inspection requests).
    pub rounds: i64,
    /// Distinct organisations (supervision objects of kind unit) asked about.
    pub organisations: i64,
    /// Distinct persons asked about.
    pub persons: i64,
    /// Targets, and where they stand (a received request counts the caller's own row only).
    pub counts: StatusCounts,
}

/// The statistics of the caller's requests.
pub fn stats(
    conn: &mut DbConnection,
    p: &Principal,
    direction: Direction,
    kind: Option<RequestKind>,
) -> AppResult<InfoRequestStats> {
    policy::require_content_reader(p)?;
    let me = p.agency_id.clone();
    let kind_ok = |k: Option<RequestKind>| k.map(|k| k.as_str().to_string());
    let mut q = info_requests::table.filter(rules::requests_visible_sql(&me, direction)).into_boxed();
    if let Some(k) = kind_ok(kind) {
        q = q.filter(info_requests::kind.eq(k));
    }
    let rows: Vec<(String, Option<String>, String)> =
        q.select((info_requests::id, info_requests::round_id, info_requests::deadline)).load(conn)?;
    let rounds: HashSet<&String> = rows.iter().filter_map(|(_, r, _)| r.as_ref()).collect();
    let objects = |conn: &mut DbConnection, object_kind: &str| -> QueryResult<i64> {
        let mut q = info_request_subjects::table
            .inner_join(info_requests::table)
            .inner_join(subject_objects::table)
            .filter(rules::requests_visible_sql(&me, direction))
            .filter(subject_objects::kind.eq(object_kind.to_string()))
            .into_boxed();
        if let Some(k) = kind_ok(kind) {
            q = q.filter(info_requests::kind.eq(k));
        }
        q.select(sql::<BigInt>("COUNT(DISTINCT info_request_subjects.object_id)")).first(conn)
    };
    let organisations = objects(conn, "unit")?;
    let persons = objects(conn, "person")?;
    let ids: Vec<String> = rows.iter().map(|(id, _, _)| id.clone()).collect();
    let mut counts = StatusCounts::default();
    let today = crate::domain::clock::today();
    for chunk in ids.chunks(500) {
        let subjects: HashMap<String, i64> = info_request_subjects::table
            .filter(info_request_subjects::request_id.eq_any(chunk))
            .group_by(info_request_subjects::request_id)
            .select((info_request_subjects::request_id, count_star()))
            .load::<(String, i64)>(conn)?
            .into_iter()
            .collect();
        let answered: HashMap<(String, String), i64> = info_request_answers::table
            .filter(info_request_answers::request_id.eq_any(chunk))
            .group_by((info_request_answers::request_id, info_request_answers::agency_id))
            .select((info_request_answers::request_id, info_request_answers::agency_id, count_star()))
            .load::<(String, String, i64)>(conn)?
            .into_iter()
            .map(|(r, a, n)| ((r, a), n))
            .collect();
        let targets: Vec<(String, String, String)> = info_request_targets::table
            .inner_join(info_requests::table)
            .filter(info_request_targets::request_id.eq_any(chunk))
            .select((info_request_targets::request_id, info_request_targets::agency_id, info_requests::asker_agency_id))
            .load(conn)?;
        let deadlines: HashMap<&String, &String> = rows.iter().map(|(id, _, d)| (id, d)).collect();
        for (r, a, asker) in targets {
            let reader = if asker == me { Access::Asker } else { Access::Target };
            if !rules::sees_target(reader, &me, &a) {
                continue;
            }
            let n = answered.get(&(r.clone(), a.clone())).copied().unwrap_or(0);
            let s = subjects.get(&r).copied().unwrap_or(0);
            let deadline = deadlines.get(&r).map(|d| d.as_str()).unwrap_or_default();
            counts.add(target_status(n as usize, s as usize, deadline, &today));
        }
    }
    Ok(InfoRequestStats { requests: rows.len() as i64, rounds: rounds.len() as i64, organisations, persons, counts })
}

const HEADERS: [&str; 12] = [
    "序号",
    "函询标题",
    "函询类别",
    "被函询单位",
    "函询对象",
    "对象类别",
    "答复状态",
    "答复结论",
    "答复说明",
    "引用信息(条)",
    "不可查阅的引用(条)",
    "答复时间",
];

/// The answer ledger of one request: a line per target and subject the reader sees.
pub fn export(conn: &mut DbConnection, p: &Principal, id: &InfoRequestId, format: ExportFormat) -> AppResult<Vec<u8>> {
    let (r, targets, access) = visible(conn, p, id)?;
    let v = view(conn, p, r, targets, access)?;
    let mut rows = Vec::new();
    for t in &v.targets {
        for s in &v.subjects {
            let a = v.answers.iter().find(|a| a.agency_id == t.agency_id && a.subject_object_id == s.object_id);
            let status = match (a, t.status) {
                (Some(_), _) => TargetStatus::Answered,
                (None, TargetStatus::Late) => TargetStatus::Late,
                (None, _) => TargetStatus::Pending,
            };
            rows.push(vec![
                (rows.len() + 1).to_string(),
                v.title.clone(),
                v.kind.label().to_string(),
                t.agency_name.clone(),
                s.name.clone(),
                if s.kind == "unit" { "单位" } else { "个人" }.to_string(),
                status.label().to_string(),
                a.map(|a| a.finding.label().to_string()).unwrap_or_default(),
                a.map(|a| a.note.clone()).unwrap_or_default(),
                a.map(|a| a.records.len().to_string()).unwrap_or_else(|| "0".into()),
                a.map(|a| a.hidden_record_count.to_string()).unwrap_or_else(|| "0".into()),
                a.map(|a| a.answered_at.chars().take(10).collect()).unwrap_or_default(),
            ]);
        }
    }
    let table = Table { headers: &HEADERS, rows, number_columns: &[0, 9, 10] };
    Ok(format.write(&table, "函询答复台账")?)
}
