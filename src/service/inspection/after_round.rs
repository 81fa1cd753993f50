//! The counts and ledgers after a round: common problems notified and the member units they
//! went to, self-checks required / reported / overdue, the campaigns addressing the round's
//! problems and how many of those problems are rectified — each counted over what the caller
//! may see (the record policy for notices, the office for self-checks, shares for campaigns) —
//! and their exports through `ledger_export::Table`.

use std::collections::{BTreeMap, BTreeSet};

use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{campaign_common_problems, campaign_findings, campaigns};
use crate::db::DbConnection;
use crate::domain::ids::RoundId;
use crate::domain::inspection::campaigns::{rate, SelfCheckState};
use crate::error::AppResult;
use crate::policy::common_problems as rules;
use crate::policy::{self, Principal, ReadMode};
use crate::service::ledger_export::{ExportFormat, Table};
use crate::store::directory;

use super::campaigns::{self as campaign_service, links};
use super::{common_problems, self_checks, visible_round};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SelfCheckCounts {
    /// Requirements made (未巡先改).
    pub required: usize,
    /// Of them, reported (自查自纠情况 received).
    pub reported: usize,
    /// Of them, not reported with the deadline passed.
    pub overdue: usize,
}

/// After a round, as the caller may see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AfterRoundStats {
    pub round_id: String,
    /// Common problems whose notices the caller reads.
    pub common_problems: usize,
    /// Member units they were notified to (counted where the caller sees the recipients:
    /// the office's own notices).
    pub member_units_notified: usize,
    /// The round's self-check requirements (the office's; none for others).
    pub self_checks: SelfCheckCounts,
    /// Campaigns the caller sees that address problems or common problems of the round.
    pub campaigns: usize,
    /// The round's problems those campaigns address.
    pub linked_problems: usize,
    /// Of them, rectified.
    pub rectified: usize,
    /// rectified / linked_problems, 0..1.
    pub rectification_rate: f64,
}

/// The counts after a round (the round visible to the caller: office or participant).
pub fn stats(conn: &mut DbConnection, p: &Principal, round_id: &RoundId) -> AppResult<AfterRoundStats> {
    let (r, _) = visible_round(conn, p, round_id)?;
    let viewer = directory::viewer(conn, &p.agency_id)?;
    let notices = common_problems::entitled(conn, &viewer, Some(&r.id), None)?;
    let ids: Vec<String> = notices.iter().map(|c| c.record_id.clone()).collect();
    let mut notified = BTreeSet::new();
    for s in crate::store::records::load_many(conn, &ids)?.values() {
        let facts = s.facts();
        if policy::disclosure(&viewer, &facts, ReadMode::Listing { purpose: None })?.recipients {
            notified.extend(s.distribution().agencies);
        }
    }
    let checks = self_checks::list_for_round(conn, p, round_id)?;
    let visible = campaigns::table
        .filter(rules::campaigns_visible_sql(&p.agency_id))
        .filter(
            campaigns::id
                .eq_any(
                    campaign_findings::table
                        .filter(campaign_findings::round_id.eq(&r.id))
                        .select(campaign_findings::campaign_id),
                )
                .or(campaigns::id.eq_any(
                    campaign_common_problems::table
                        .filter(campaign_common_problems::round_id.eq(&r.id))
                        .select(campaign_common_problems::campaign_id),
                )),
        )
        .select(campaigns::id)
        .load::<String>(conn)?;
    let linked: BTreeSet<String> = campaign_findings::table
        .filter(campaign_findings::round_id.eq(&r.id))
        .filter(campaign_findings::campaign_id.eq_any(&visible))
        .select(campaign_findings::finding_id)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let by_round = BTreeMap::from([(r.id.clone(), linked.iter().cloned().collect::<Vec<_>>())]);
    let rectified = links::rectified(conn, &by_round)?.values().filter(|d| **d).count();
    Ok(AfterRoundStats {
        round_id: r.id,
        common_problems: notices.len(),
        member_units_notified: notified.len(),
        self_checks: SelfCheckCounts {
            required: checks.len(),
            reported: checks.iter().filter(|c| c.state == SelfCheckState::Reported).count(),
            overdue: checks.iter().filter(|c| c.overdue).count(),
        },
        campaigns: visible.len(),
        linked_problems: linked.len(),
        rectified,
        rectification_rate: rate(rectified, linked.len()),
    })
}

fn date(t: &str) -> String {
    t.chars().take(10).collect()
}

const COMMON_PROBLEM_HEADERS: [&str; 6] = ["序号", "共性问题", "问题类别", "通报单位数", "关联问题数", "通报日期"];

/// The round's common problems the caller reads, as a ledger file.
pub fn export_common_problems(
    conn: &mut DbConnection,
    p: &Principal,
    round_id: &RoundId,
    format: ExportFormat,
) -> AppResult<Vec<u8>> {
    let items = common_problems::list_for_round(conn, p, round_id, None)?;
    let rows = items
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let owner = c.record.owner_agency_id == p.agency_id;
            vec![
                (i + 1).to_string(),
                c.record.title.clone(),
                c.record.category.clone().unwrap_or_default(),
                if owner { c.record.distribution.agencies.len().to_string() } else { String::new() },
                c.finding_ids.len().to_string(),
                date(&c.created_at),
            ]
        })
        .collect();
    let table = Table { headers: &COMMON_PROBLEM_HEADERS, rows, number_columns: &[0, 3, 4] };
    Ok(format.write(&table, "共性问题")?)
}

const SELF_CHECK_HEADERS: [&str; 9] =
    ["序号", "单位", "自查要求", "完成期限", "状态", "是否逾期", "报送日期", "报送方式", "自查自纠情况"];

/// The round's self-check requirements the caller sees (the office's), as a ledger file.
pub fn export_self_checks(
    conn: &mut DbConnection,
    p: &Principal,
    round_id: &RoundId,
    format: ExportFormat,
) -> AppResult<Vec<u8>> {
    let items = self_checks::list_for_round(conn, p, round_id)?;
    let rows = items
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let reported = s.state == SelfCheckState::Reported;
            vec![
                (i + 1).to_string(),
                s.object_name.clone(),
                s.requirement.clone(),
                s.deadline.clone(),
                s.state.label().to_string(),
                if s.overdue { "是" } else { "否" }.to_string(),
                s.reported_at.as_deref().map(date).unwrap_or_default(),
                match (reported, s.reported_by_unit) {
                    (false, _) => String::new(),
                    (true, true) => "单位报送".into(),
                    (true, false) => "巡察机构录入".into(),
                },
                s.report.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let table = Table { headers: &SELF_CHECK_HEADERS, rows, number_columns: &[0] };
    Ok(format.write(&table, "未巡先改")?)
}

const CAMPAIGN_HEADERS: [&str; 9] =
    ["序号", "专项整治", "牵头单位", "开始日期", "结束日期", "关联问题数", "已整改", "整改率(%)", "关联共性问题数"];

/// The campaigns the caller sees (at most `max`, newest first), as a ledger file.
pub fn export_campaigns(conn: &mut DbConnection, p: &Principal, max: i64, format: ExportFormat) -> AppResult<Vec<u8>> {
    let items = campaign_service::all_visible(conn, p, max)?;
    let rows = items
        .iter()
        .enumerate()
        .map(|(i, c)| {
            vec![
                (i + 1).to_string(),
                c.name.clone(),
                c.owner_agency_name.clone(),
                c.period_start.clone(),
                c.period_end.clone(),
                c.progress.linked_problems.to_string(),
                c.progress.rectified.to_string(),
                format!("{:.1}", c.progress.rectification_rate * 100.0),
                c.common_problems.len().to_string(),
            ]
        })
        .collect();
    let table = Table { headers: &CAMPAIGN_HEADERS, rows, number_columns: &[0, 5, 6, 7, 8] };
    Ok(format.write(&table, "专项整治")?)
}
