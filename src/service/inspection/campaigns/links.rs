//! A campaign's links: the problems (findings of kind problem) and common problems it
//! addresses — checked against what the creator may read (the record policy; anything else is
//! the same 422 as a missing one) — and what a reader of the campaign sees of each: the title
//! only where it reads the record itself, whether a problem is rectified always
//! (`progress::problems` says what rectified means).

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{campaign_common_problems, campaign_findings, common_problems, findings};
use crate::db::DbConnection;
use crate::domain::ids::{CommonProblemId, FindingId};
use crate::domain::inspection::campaigns::rate;
use crate::domain::inspection::FindingKind;
use crate::error::{AppResult, FieldError};
use crate::policy::common_problems::LINK_NOT_FOUND;
use crate::policy::{self, ReadMode, Viewer};
use crate::service::inspection::common_problems::readable as common_problem_readable;
use crate::service::inspection::progress;
use crate::store::log::Log;

/// What a campaign is linked to, as its creator sends it.
#[derive(Debug, Clone, Default)]
pub struct Links {
    pub finding_ids: Vec<FindingId>,
    pub common_problem_ids: Vec<CommonProblemId>,
}

/// A problem the campaign addresses.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LinkedProblem {
    pub finding_id: String,
    /// Whether the reader reads the problem's record (else only whether it is rectified).
    pub readable: bool,
    pub title: Option<String>,
    pub round_id: Option<String>,
    pub inspected_unit_id: Option<String>,
    /// Every ledger item of it closed (对账销号).
    pub rectified: bool,
}

/// A common problem the campaign addresses.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LinkedCommonProblem {
    pub common_problem_id: String,
    pub readable: bool,
    pub title: Option<String>,
    pub round_id: Option<String>,
}

/// How far the problems a campaign addresses are rectified.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CampaignProgress {
    pub linked_problems: usize,
    pub rectified: usize,
    /// rectified / linked_problems, 0..1.
    pub rectification_rate: f64,
}

/// The title a listing shows the viewer of a record it may read (a restricted one withheld).
fn title_for(viewer: &Viewer, s: &crate::store::records::StoredRecord) -> AppResult<Option<String>> {
    let facts = s.facts();
    if !policy::can_read(viewer, &facts) {
        return Ok(None);
    }
    let d = policy::disclosure(viewer, &facts, ReadMode::Listing { purpose: None })?;
    Ok(Some(crate::service::records::present(s, d).title))
}

/// Checks the links against what `viewer` (the creator) reads; returns the new ones as
/// (finding id, round id) and (common problem id, round id).
#[allow(clippy::type_complexity)]
pub fn check(
    conn: &mut DbConnection,
    viewer: &Viewer,
    links: &Links,
    errs: &mut Vec<FieldError>,
) -> AppResult<(Vec<(String, String)>, Vec<(String, String)>)> {
    let mut found = Vec::new();
    for (i, f) in links.finding_ids.iter().enumerate() {
        let field = format!("finding_ids[{i}]");
        let row: Option<(String, String, String)> = findings::table
            .find(f.as_str())
            .select((findings::round_id, findings::record_id, findings::kind))
            .first(conn)
            .optional()?;
        let readable = match &row {
            Some((_, record_id, _)) => {
                crate::store::records::load(conn, record_id)?.is_some_and(|s| policy::can_read(viewer, &s.facts()))
            }
            None => false,
        };
        match row {
            Some((round_id, _, kind)) if readable => {
                if kind != FindingKind::Problem.as_str() {
                    errs.push(FieldError::new(field, "只能关联问题,问题线索不属于整改问题"));
                } else if !found.iter().any(|(id, _)| id == f.as_str()) {
                    found.push((f.to_string(), round_id));
                }
            }
            _ => errs.push(FieldError::new(field, LINK_NOT_FOUND)),
        }
    }
    let mut common = Vec::new();
    for (i, c) in links.common_problem_ids.iter().enumerate() {
        match common_problem_readable(conn, viewer, c)? {
            Some(row) if !common.iter().any(|(id, _)| *id == row.id) => common.push((row.id, row.round_id)),
            Some(_) => {}
            None => errs.push(FieldError::new(format!("common_problem_ids[{i}]"), LINK_NOT_FOUND)),
        }
    }
    Ok((found, common))
}

/// Inserts the links not there yet; returns how many were new.
pub fn insert(
    conn: &mut DbConnection,
    log: &Log,
    campaign_id: &str,
    found: &[(String, String)],
    common: &[(String, String)],
) -> QueryResult<usize> {
    let mut n = 0;
    for (f, round) in found {
        let have: i64 = campaign_findings::table.find((campaign_id, f)).count().get_result(conn)?;
        if have == 0 {
            diesel::insert_into(campaign_findings::table)
                .values((
                    campaign_findings::campaign_id.eq(campaign_id),
                    campaign_findings::finding_id.eq(f),
                    campaign_findings::round_id.eq(round),
                    campaign_findings::created_at.eq(log.at()),
                ))
                .execute(conn)?;
            n += 1;
        }
    }
    for (c, round) in common {
        let have: i64 = campaign_common_problems::table.find((campaign_id, c)).count().get_result(conn)?;
        if have == 0 {
            diesel::insert_into(campaign_common_problems::table)
                .values((
                    campaign_common_problems::campaign_id.eq(campaign_id),
                    campaign_common_problems::common_problem_id.eq(c),
                    campaign_common_problems::round_id.eq(round),
                    campaign_common_problems::created_at.eq(log.at()),
                ))
                .execute(conn)?;
            n += 1;
        }
    }
    Ok(n)
}

/// Which of these problems (finding ids, by round) are rectified.
pub fn rectified(
    conn: &mut DbConnection,
    by_round: &BTreeMap<String, Vec<String>>,
) -> AppResult<HashMap<String, bool>> {
    let mut out = HashMap::new();
    for (round, ids) in by_round {
        for pp in progress::problems(conn, round, None)? {
            if ids.contains(&pp.finding_id) {
                out.insert(pp.finding_id, pp.rectified_at.is_some());
            }
        }
    }
    Ok(out)
}

/// A campaign's links as `viewer` sees them, and its progress.
pub fn of_campaign(
    conn: &mut DbConnection,
    viewer: &Viewer,
    campaign_id: &str,
) -> AppResult<(Vec<LinkedProblem>, Vec<LinkedCommonProblem>, CampaignProgress)> {
    let rows: Vec<(String, String, String, String)> = campaign_findings::table
        .inner_join(findings::table)
        .filter(campaign_findings::campaign_id.eq(campaign_id))
        .order(campaign_findings::finding_id)
        .select((findings::id, findings::round_id, findings::inspected_unit_id, findings::record_id))
        .load(conn)?;
    let mut by_round: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (f, round, _, _) in &rows {
        by_round.entry(round.clone()).or_default().push(f.clone());
    }
    let done = rectified(conn, &by_round)?;
    let record_ids: Vec<String> = rows.iter().map(|r| r.3.clone()).collect();
    let stored = crate::store::records::load_many(conn, &record_ids)?;
    let mut problems = Vec::with_capacity(rows.len());
    for (f, round, unit, record_id) in rows {
        let title = match stored.get(&record_id) {
            Some(s) => title_for(viewer, s)?,
            None => None,
        };
        let readable = title.is_some();
        problems.push(LinkedProblem {
            rectified: done.get(&f).copied().unwrap_or(false),
            finding_id: f,
            readable,
            title,
            round_id: readable.then_some(round),
            inspected_unit_id: readable.then_some(unit),
        });
    }
    let rows: Vec<(String, String, String)> = campaign_common_problems::table
        .inner_join(common_problems::table)
        .filter(campaign_common_problems::campaign_id.eq(campaign_id))
        .order(campaign_common_problems::common_problem_id)
        .select((common_problems::id, common_problems::round_id, common_problems::record_id))
        .load(conn)?;
    let record_ids: Vec<String> = rows.iter().map(|r| r.2.clone()).collect();
    let stored = crate::store::records::load_many(conn, &record_ids)?;
    let mut common = Vec::with_capacity(rows.len());
    for (c, round, record_id) in rows {
        let title = match stored.get(&record_id) {
            Some(s) => title_for(viewer, s)?,
            None => None,
        };
        common.push(LinkedCommonProblem {
            common_problem_id: c,
            readable: title.is_some(),
            round_id: title.is_some().then_some(round),
            title,
        });
    }
    let n_done = problems.iter().filter(|p| p.rectified).count();
    let progress = CampaignProgress {
        linked_problems: problems.len(),
        rectified: n_done,
        rectification_rate: rate(n_done, problems.len()),
    };
    Ok((problems, common, progress))
}
