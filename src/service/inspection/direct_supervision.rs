//! Post-inspection direct supervision (巡后直督): the round's office sets up a campaign of about a
//! month after the feedback, run by member units (纪委监委, 组织部, 督查局) with the inspection
//! teams, over some of the round's inspected units. Its statistics count, for those units, the
//! problems rectified within the window (when a problem counts as rectified is
//! `progress::problems`, nowhere else) and the transferred clues concluded within it — numbers
//! only: a campaign never shows a finding's title. Who sees a campaign is
//! `policy::direct_supervision`.

use std::collections::BTreeMap;

use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::contract::page::{Page, Window};
use crate::db::schema::{
    campaign_agencies, campaign_units, findings, inspected_units, supervision_campaigns, teams, transfers,
};
use crate::db::DbConnection;
use crate::domain::clock::{parse_date, period_bounds};
use crate::domain::event::EventType;
use crate::domain::ids::{AgencyId, InspectedUnitId, RoundId, SupervisionCampaignId, TeamId};
use crate::domain::inspection::direct_supervision::{clue_progress, in_window, percent, CampaignDraft};
use crate::domain::inspection::{FindingKind, RoundStage};
use crate::domain::new_id;
use crate::domain::transfer::TransferState;
use crate::error::{AppError, AppResult, FieldError};
use crate::policy::direct_supervision::{self as rules, CAMPAIGN_NOT_FOUND};
use crate::policy::{self, Principal};
use crate::service::ledger_export::{ExportFormat, Table};
use crate::store::log::{write_tx, Actor};

use super::{agency_kind, load_round, participants, unit_views, visible_round, InspectedUnitRow};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = supervision_campaigns)]
pub struct CampaignRow {
    pub id: String,
    pub round_id: String,
    pub name: String,
    pub window_start: String,
    pub window_end: String,
    pub team_ids: String,
    pub created_by: String,
    pub created_at: String,
}

/// The counts of one covered unit (numbers only).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct UnitProgress {
    pub inspected_unit_id: String,
    pub object_name: String,
    /// Problems found in the unit (findings of kind `problem`).
    pub problems: i64,
    /// Of those, rectified within the window (every ledger item closed, the last inside it).
    pub rectified_in_window: i64,
    /// Clues found in the unit and transferred (a transfer not returned).
    pub clues: i64,
    /// Of those, concluded within the window (every live transfer concluded, the last inside it).
    pub concluded_in_window: i64,
}

/// A campaign's statistics: exact counts, and rates in whole percent rounded half up
/// (`null` when there is nothing to count).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CampaignStats {
    pub problems: i64,
    pub rectified_in_window: i64,
    /// rectified_in_window / problems, whole percent, half up (804 of 1,183 → 68).
    pub rectification_rate_percent: Option<i64>,
    pub clues: i64,
    pub concluded_in_window: i64,
    /// concluded_in_window / clues, whole percent, half up (220 of 344 → 64).
    pub clue_closure_rate_percent: Option<i64>,
    /// The same counts per covered unit, by name.
    pub by_unit: Vec<UnitProgress>,
}

/// A campaign with its statistics.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SupervisionCampaignView {
    pub id: String,
    pub round_id: String,
    pub name: String,
    /// The window, YYYY-MM-DD, both days included (the hub's time zone).
    pub window_start: String,
    pub window_end: String,
    /// The member units of the campaign's team (纪委监委, 组织部, 督查局 …).
    pub team_agency_ids: Vec<String>,
    /// The round's inspection teams (巡察组) taking part.
    pub team_ids: Vec<String>,
    pub stats: CampaignStats,
    pub created_at: String,
}

/// What the office gives to set up a campaign (ids parsed; the rest is checked here, after
/// the round is found and owned, so that a stranger learns nothing from a 422).
#[derive(Debug, Clone)]
pub struct NewCampaign {
    pub name: String,
    pub window_start: String,
    pub window_end: String,
    pub team_agency_ids: Vec<AgencyId>,
    pub team_ids: Vec<TeamId>,
    pub inspected_unit_ids: Vec<InspectedUnitId>,
}

/// The ids in their first order, each once.
fn dedup<'a>(ids: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen = std::collections::HashSet::new();
    ids.filter(|i| seen.insert(*i)).collect()
}

/// Sets up a campaign of the round (its office, from the feedback on): every field error at once.
pub fn create(
    conn: &mut DbConnection,
    p: &Principal,
    round_id: &RoundId,
    n: &NewCampaign,
) -> AppResult<SupervisionCampaignView> {
    let id = write_tx(conn, |conn, log| {
        let (r, _) = visible_round(conn, p, round_id)?;
        policy::inspection::require_round_owner(p, &r.owner_agency_id)?;
        let stage = r.stage().map_err(anyhow::Error::from)?;
        if matches!(stage, RoundStage::Preparation | RoundStage::Inspection) {
            return Err(AppError::Conflict(format!("巡察轮次处于“{}”阶段:反馈后方可开展巡后直督", stage.label())));
        }
        let (draft, mut errs) = match CampaignDraft::parse(&n.name, &n.window_start, &n.window_end) {
            Ok(d) => (Some(d), Vec::new()),
            Err(e) => (None, e),
        };
        if let Some(d) = &draft {
            let taken: i64 = supervision_campaigns::table
                .filter(supervision_campaigns::round_id.eq(&r.id))
                .filter(supervision_campaigns::name.eq(&d.name))
                .count()
                .get_result(conn)?;
            if taken > 0 {
                errs.push(FieldError::new("name", "本轮巡察已有同名的巡后直督"));
            }
        }
        if n.team_agency_ids.is_empty() {
            errs.push(FieldError::new("team_agency_ids", "请至少指定一个参加督查的成员单位"));
        }
        for (i, a) in n.team_agency_ids.iter().enumerate() {
            match agency_kind(conn, a)? {
                Some((kind, true)) if policy::credentials::receives_records(&kind) => {}
                _ => {
                    errs.push(FieldError::new(format!("team_agency_ids[{i}]"), "成员单位不存在、已停用或不能参与督查"))
                }
            }
        }
        for (i, t) in n.team_ids.iter().enumerate() {
            let ours: i64 = teams::table
                .filter(teams::id.eq(t.as_str()))
                .filter(teams::round_id.eq(&r.id))
                .count()
                .get_result(conn)?;
            if ours == 0 {
                errs.push(FieldError::new(format!("team_ids[{i}]"), "巡察组不存在或不属于本轮巡察"));
            }
        }
        if n.inspected_unit_ids.is_empty() {
            errs.push(FieldError::new("inspected_unit_ids", "请至少指定一个督查的被巡察单位"));
        }
        for (i, u) in n.inspected_unit_ids.iter().enumerate() {
            let ours: i64 = inspected_units::table
                .filter(inspected_units::id.eq(u.as_str()))
                .filter(inspected_units::round_id.eq(&r.id))
                .count()
                .get_result(conn)?;
            if ours == 0 {
                errs.push(FieldError::new(format!("inspected_unit_ids[{i}]"), "被巡察单位不存在或不属于本轮巡察"));
            }
        }
        let Some(draft) = draft.filter(|_| errs.is_empty()) else {
            return Err(AppError::Validation(errs));
        };
        let agencies = dedup(n.team_agency_ids.iter().map(|a| a.as_str()));
        let units = dedup(n.inspected_unit_ids.iter().map(|u| u.as_str()));
        let row = CampaignRow {
            id: new_id(),
            round_id: r.id.clone(),
            name: draft.name,
            window_start: draft.window_start,
            window_end: draft.window_end,
            team_ids: serde_json::to_string(&dedup(n.team_ids.iter().map(|t| t.as_str())))
                .map_err(anyhow::Error::from)?,
            created_by: p.actor_id(),
            created_at: log.at().into(),
        };
        diesel::insert_into(supervision_campaigns::table).values(&row).execute(conn)?;
        for a in &agencies {
            diesel::insert_into(campaign_agencies::table)
                .values((campaign_agencies::campaign_id.eq(&row.id), campaign_agencies::agency_id.eq(*a)))
                .execute(conn)?;
        }
        for u in &units {
            diesel::insert_into(campaign_units::table)
                .values((campaign_units::campaign_id.eq(&row.id), campaign_units::inspected_unit_id.eq(*u)))
                .execute(conn)?;
        }
        log.audit(
            &Actor::from(p),
            "supervision_campaign.create",
            "supervision_campaign",
            Some(&row.id),
            None,
            json!({"round_id": r.id, "team_agency_ids": agencies, "inspected_unit_ids": units}),
        );
        let payload = json!({"campaign_id": row.id, "round_id": r.id});
        for a in agencies.iter().filter(|a| **a != r.owner_agency_id) {
            log.event(conn, EventType::CampaignOpened, None, Some(a), Some(&p.agency_id), payload.clone())?;
        }
        Ok(row.id)
    })?;
    show(conn, p, &SupervisionCampaignId::from_stored(id))
}

fn team_agencies(conn: &mut DbConnection, id: &str) -> QueryResult<Vec<String>> {
    campaign_agencies::table
        .filter(campaign_agencies::campaign_id.eq(id))
        .order(campaign_agencies::agency_id)
        .select(campaign_agencies::agency_id)
        .load(conn)
}

/// A campaign the caller may see, or 404.
fn visible(conn: &mut DbConnection, p: &Principal, id: &str) -> AppResult<CampaignRow> {
    rules::require_campaign_reader(p)?;
    let not_found = || AppError::NotFound(CAMPAIGN_NOT_FOUND.into());
    let c: CampaignRow = supervision_campaigns::table
        .find(id)
        .select(CampaignRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(not_found)?;
    let r = load_round(conn, &c.round_id)?;
    let parts = participants(conn, &r.id)?;
    let team = team_agencies(conn, &c.id)?;
    if rules::can_see_campaign(&p.agency_id, &r.owner_agency_id, &parts, &team) {
        Ok(c)
    } else {
        Err(not_found())
    }
}

/// One campaign with its statistics.
pub fn show(conn: &mut DbConnection, p: &Principal, id: &SupervisionCampaignId) -> AppResult<SupervisionCampaignView> {
    let c = visible(conn, p, id)?;
    view(conn, c)
}

fn view(conn: &mut DbConnection, c: CampaignRow) -> AppResult<SupervisionCampaignView> {
    Ok(SupervisionCampaignView {
        team_agency_ids: team_agencies(conn, &c.id)?,
        team_ids: serde_json::from_str(&c.team_ids).unwrap_or_default(),
        stats: stats(conn, &c)?,
        id: c.id,
        round_id: c.round_id,
        name: c.name,
        window_start: c.window_start,
        window_end: c.window_end,
        created_at: c.created_at,
    })
}

/// The campaigns the caller sees (of one round, or all), newest first.
pub fn page(
    conn: &mut DbConnection,
    p: &Principal,
    w: &Window,
    round_id: Option<&RoundId>,
) -> AppResult<Page<SupervisionCampaignView>> {
    rules::require_campaign_reader(p)?;
    let mut q = supervision_campaigns::table.filter(rules::campaigns_visible_sql(&p.agency_id)).into_boxed();
    if let Some(r) = round_id {
        q = q.filter(supervision_campaigns::round_id.eq(r.as_str()));
    }
    if let Some(after) = &w.after {
        q = q.filter(supervision_campaigns::id.lt(after));
    }
    let rows: Vec<CampaignRow> =
        q.order(supervision_campaigns::id.desc()).limit(w.limit).select(CampaignRow::as_select()).load(conn)?;
    let items = rows.into_iter().map(|c| view(conn, c)).collect::<AppResult<Vec<_>>>()?;
    Ok(Page::of(items, w, |c| &c.id))
}

/// The campaign's statistics over its covered units and window.
fn stats(conn: &mut DbConnection, c: &CampaignRow) -> AppResult<CampaignStats> {
    let unit_ids: Vec<String> = campaign_units::table
        .filter(campaign_units::campaign_id.eq(&c.id))
        .select(campaign_units::inspected_unit_id)
        .load(conn)?;
    let rows: Vec<InspectedUnitRow> = inspected_units::table
        .filter(inspected_units::id.eq_any(&unit_ids))
        .select(InspectedUnitRow::as_select())
        .load(conn)?;
    let mut by_unit: BTreeMap<String, UnitProgress> = unit_views(conn, rows)?
        .into_iter()
        .map(|u| {
            (u.id.clone(), UnitProgress { inspected_unit_id: u.id, object_name: u.object_name, ..Default::default() })
        })
        .collect();
    let bounds = period_bounds(parse_date(&c.window_start), parse_date(&c.window_end));
    for pr in super::progress::problems(conn, &c.round_id, Some(&unit_ids))? {
        if let Some(u) = by_unit.get_mut(&pr.inspected_unit_id) {
            u.problems += 1;
            u.rectified_in_window += pr.rectified_at.as_deref().is_some_and(|t| in_window(t, &bounds)) as i64;
        }
    }
    let clues: Vec<(String, String)> = findings::table
        .filter(findings::round_id.eq(&c.round_id))
        .filter(findings::kind.eq(FindingKind::Clue.as_str()))
        .filter(findings::inspected_unit_id.eq_any(&unit_ids))
        .select((findings::record_id, findings::inspected_unit_id))
        .load(conn)?;
    let record_ids: Vec<&str> = clues.iter().map(|(r, _)| r.as_str()).collect();
    let moves: Vec<(String, String, Option<String>)> = transfers::table
        .filter(transfers::record_id.eq_any(&record_ids))
        .select((transfers::record_id, transfers::state, transfers::concluded_at))
        .load(conn)?;
    let mut by_clue: BTreeMap<&str, Vec<(TransferState, Option<String>)>> = BTreeMap::new();
    for (record_id, state, at) in &moves {
        let s = crate::domain::from_stored("移交状态", state, TransferState::parse).map_err(anyhow::Error::from)?;
        by_clue.entry(record_id.as_str()).or_default().push((s, at.clone()));
    }
    for (record_id, unit) in &clues {
        let (transferred, at) = by_clue.get(record_id.as_str()).map_or((false, None), |t| clue_progress(t));
        if let (true, Some(u)) = (transferred, by_unit.get_mut(unit)) {
            u.clues += 1;
            u.concluded_in_window += at.as_deref().is_some_and(|t| in_window(t, &bounds)) as i64;
        }
    }
    let mut units: Vec<UnitProgress> = by_unit.into_values().collect();
    units.sort_by(|a, b| a.object_name.cmp(&b.object_name));
    let sum = |f: fn(&UnitProgress) -> i64| units.iter().map(f).sum::<i64>();
    let (problems, rectified) = (sum(|u| u.problems), sum(|u| u.rectified_in_window));
    let (clue_count, concluded) = (sum(|u| u.clues), sum(|u| u.concluded_in_window));
    Ok(CampaignStats {
        problems,
        rectified_in_window: rectified,
        rectification_rate_percent: percent(rectified, problems),
        clues: clue_count,
        concluded_in_window: concluded,
        clue_closure_rate_percent: percent(concluded, clue_count),
        by_unit: units,
    })
}

fn rate(v: Option<i64>) -> String {
    v.map(|r| r.to_string()).unwrap_or_default()
}

/// The campaign's statistics per unit, with a total line, as CSV or XLSX.
pub fn export(
    conn: &mut DbConnection,
    p: &Principal,
    id: &SupervisionCampaignId,
    format: ExportFormat,
) -> AppResult<Vec<u8>> {
    let c = visible(conn, p, id)?;
    let s = stats(conn, &c)?;
    const HEADERS: [&str; 8] = [
        "序号",
        "被巡察单位",
        "问题数",
        "督查期内整改",
        "问题整改率(%)",
        "移交线索数",
        "督查期内办结",
        "线索办结率(%)",
    ];
    let line = |n: String, name: String, u: &UnitProgress| {
        vec![
            n,
            name,
            u.problems.to_string(),
            u.rectified_in_window.to_string(),
            rate(percent(u.rectified_in_window, u.problems)),
            u.clues.to_string(),
            u.concluded_in_window.to_string(),
            rate(percent(u.concluded_in_window, u.clues)),
        ]
    };
    let mut rows: Vec<Vec<String>> =
        s.by_unit.iter().enumerate().map(|(i, u)| line((i + 1).to_string(), u.object_name.clone(), u)).collect();
    let total = UnitProgress {
        problems: s.problems,
        rectified_in_window: s.rectified_in_window,
        clues: s.clues,
        concluded_in_window: s.concluded_in_window,
        ..Default::default()
    };
    rows.push(line(String::new(), "合计".into(), &total));
    let table = Table { headers: &HEADERS, rows, number_columns: &[0, 2, 3, 4, 5, 6, 7] };
    Ok(format.write(&table, "巡后直督统计")?)
}
