//! The talent pool's lists: the roster (filtered, paged), its statistics and its export
//! (人才库名册). Each reads only the entries the caller may see, through the SQL form of
//! `policy::talent` — never loaded and then filtered.

use std::collections::BTreeMap;

use diesel::prelude::*;
use serde::Serialize;

use crate::contract::page::{Page, Window};
use crate::db::schema::{agencies, talent_commendations, talents};
use crate::db::DbConnection;
use crate::domain::ids::AgencyId;
use crate::domain::inspection::talent::TeamPosition;
use crate::domain::text::like_contains;
use crate::error::{AppError, AppResult};
use crate::policy::talent::{talents_visible_sql, TalentReader};
use crate::policy::Principal;
use crate::service::ledger_export::{ExportFormat, Table};

use super::talent_pool::{participation_counts, reader, TalentRow};

/// What the roster is filtered by.
#[derive(Debug, Clone, Default)]
pub struct TalentQuery {
    /// People who may hold this team position.
    pub position: Option<TeamPosition>,
    /// People with this expertise tag.
    pub tag: Option<String>,
    /// People recommended by this unit.
    pub agency_id: Option<AgencyId>,
    /// Text in the name, work unit or position.
    pub q: Option<String>,
    pub active: Option<bool>,
}

type Boxed<'a> = talents::BoxedQuery<'a, crate::db::MultiBackend>;

/// The entries the reader sees, filtered.
fn filtered<'a>(reader: &TalentReader, f: &TalentQuery) -> Boxed<'a> {
    let mut q = talents::table.filter(talents_visible_sql(reader)).into_boxed();
    if let Some(pos) = f.position {
        q = q.filter(talents::eligible.like(format!("%\"{}\"%", pos.as_str())));
    }
    if let Some(tag) = f.tag.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let quoted = serde_json::to_string(tag).unwrap_or_default();
        q = q.filter(talents::expertise.like(like_contains(&quoted)).escape('\\'));
    }
    if let Some(a) = &f.agency_id {
        q = q.filter(talents::recommending_agency_id.eq(a.to_string()));
    }
    if let Some(text) = f.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let pattern = like_contains(text);
        q = q.filter(
            talents::name
                .like(pattern.clone())
                .escape('\\')
                .or(talents::work_unit_name.like(pattern.clone()).escape('\\'))
                .or(talents::position.like(pattern).escape('\\')),
        );
    }
    if let Some(active) = f.active {
        q = q.filter(talents::active.eq(active));
    }
    q
}

/// One line of the roster.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TalentSummary {
    pub id: String,
    pub recommending_agency_id: String,
    pub name: String,
    pub work_unit_object_id: Option<String>,
    pub work_unit_name: String,
    /// 职务
    pub position: String,
    pub expertise: Vec<String>,
    pub eligible: Vec<TeamPosition>,
    pub active: bool,
    /// How many teams the person served on.
    pub participations: i64,
    pub version: i32,
    pub created_at: String,
}

fn summaries(conn: &mut DbConnection, rows: Vec<TalentRow>) -> QueryResult<Vec<TalentSummary>> {
    let ids: Vec<&str> = rows.iter().map(|t| t.id.as_str()).collect();
    let counts = participation_counts(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|t| TalentSummary {
            participations: counts.get(&t.id).copied().unwrap_or(0),
            expertise: t.expertise(),
            eligible: t.eligible(),
            id: t.id,
            recommending_agency_id: t.recommending_agency_id,
            name: t.name,
            work_unit_object_id: t.work_unit_object_id,
            work_unit_name: t.work_unit_name,
            position: t.position,
            active: t.active,
            version: t.version,
            created_at: t.created_at,
        })
        .collect())
}

/// The roster as the caller may see it, newest first.
pub fn page(conn: &mut DbConnection, p: &Principal, f: &TalentQuery, w: &Window) -> AppResult<Page<TalentSummary>> {
    let reader = reader(conn, p)?;
    let mut q = filtered(&reader, f);
    if let Some(after) = &w.after {
        q = q.filter(talents::id.lt(after.clone()));
    }
    let rows: Vec<TalentRow> = q.order(talents::id.desc()).limit(w.limit).select(TalentRow::as_select()).load(conn)?;
    Ok(Page::of(summaries(conn, rows)?, w, |t| &t.id))
}

/// Counts per team position (of active people).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct PositionCounts {
    /// 可任组长
    pub leader: i64,
    /// 可任副组长
    pub deputy: i64,
    /// 可任工作人员
    pub staff: i64,
}

impl PositionCounts {
    fn add(&mut self, eligible: &[TeamPosition]) {
        for p in eligible {
            match p {
                TeamPosition::Leader => self.leader += 1,
                TeamPosition::Deputy => self.deputy += 1,
                TeamPosition::Staff => self.staff += 1,
            }
        }
    }
}

/// One recommending unit's share of the pool.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AgencyTalentCounts {
    pub agency_id: String,
    pub agency_name: String,
    /// People it recommended (active or not).
    pub total: i64,
    /// Active people by the positions they may hold (a person may count in several).
    pub by_position: PositionCounts,
}

/// The pool's statistics, over the entries the caller may see.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TalentStats {
    pub total: i64,
    pub active: i64,
    /// Active people by the positions they may hold (a person may count in several).
    pub by_position: PositionCounts,
    pub by_agency: Vec<AgencyTalentCounts>,
}

/// Counts by eligible position and by recommending unit, of what the caller may see.
pub fn stats(conn: &mut DbConnection, p: &Principal) -> AppResult<TalentStats> {
    let reader = reader(conn, p)?;
    let rows: Vec<(String, String, bool)> = filtered(&reader, &TalentQuery::default())
        .select((talents::recommending_agency_id, talents::eligible, talents::active))
        .load(conn)?;
    let mut out = TalentStats { total: 0, active: 0, by_position: PositionCounts::default(), by_agency: vec![] };
    let mut per: BTreeMap<String, (i64, PositionCounts)> = BTreeMap::new();
    for (agency, eligible, active) in rows {
        let entry = per.entry(agency).or_default();
        out.total += 1;
        entry.0 += 1;
        if active {
            let eligible: Vec<TeamPosition> = serde_json::from_str(&eligible).unwrap_or_default();
            out.active += 1;
            out.by_position.add(&eligible);
            entry.1.add(&eligible);
        }
    }
    let ids: Vec<&str> = per.keys().map(String::as_str).collect();
    let names: BTreeMap<String, String> = agencies::table
        .filter(agencies::id.eq_any(&ids))
        .select((agencies::id, agencies::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    out.by_agency = per
        .into_iter()
        .map(|(agency_id, (total, by_position))| AgencyTalentCounts {
            agency_name: names.get(&agency_id).cloned().unwrap_or_default(),
            agency_id,
            total,
            by_position,
        })
        .collect();
    out.by_agency.sort_by(|a, b| b.total.cmp(&a.total).then(a.agency_name.cmp(&b.agency_name)));
    Ok(out)
}

pub const EXPORT_HEADERS: [&str; 11] = [
    "序号",
    "姓名",
    "推荐单位",
    "现工作单位",
    "职务",
    "专业特长",
    "可任组内职务",
    "状态",
    "参加巡察次数",
    "表彰情况",
    "入库时间",
];

/// The roster as a file (人才库名册): at most `max` people, else 422 (narrow the filters).
pub fn export(
    conn: &mut DbConnection,
    p: &Principal,
    f: &TalentQuery,
    max: i64,
    format: ExportFormat,
) -> AppResult<Vec<u8>> {
    let reader = reader(conn, p)?;
    let rows: Vec<TalentRow> = filtered(&reader, f)
        .order((talents::recommending_agency_id, talents::name, talents::id))
        .limit(max + 1)
        .select(TalentRow::as_select())
        .load(conn)?;
    if rows.len() as i64 > max {
        return Err(AppError::validation("format", format!("一次最多导出 {max} 人,请按推荐单位、职务或特长缩小范围")));
    }
    let ids: Vec<&str> = rows.iter().map(|t| t.id.as_str()).collect();
    let mut commended: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for chunk in ids.chunks(500) {
        let list: Vec<(String, String, String)> = talent_commendations::table
            .filter(talent_commendations::talent_id.eq_any(chunk))
            .order((talent_commendations::awarded_on, talent_commendations::id))
            .select((talent_commendations::talent_id, talent_commendations::title, talent_commendations::awarded_on))
            .load(conn)?;
        for (t, title, on) in list {
            commended.entry(t).or_default().push(format!("{title}({on})"));
        }
    }
    let counts = participation_counts(conn, &ids)?;
    let agency_ids: Vec<&str> = rows.iter().map(|t| t.recommending_agency_id.as_str()).collect();
    let names: BTreeMap<String, String> = agencies::table
        .filter(agencies::id.eq_any(&agency_ids))
        .select((agencies::id, agencies::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let lines = rows
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let eligible: Vec<&str> = t.eligible().iter().map(|p| p.label()).collect();
            vec![
                (i + 1).to_string(),
                t.name.clone(),
                names.get(&t.recommending_agency_id).cloned().unwrap_or_default(),
                t.work_unit_name.clone(),
                t.position.clone(),
                t.expertise().join("、"),
                eligible.join("、"),
                if t.active { "在库" } else { "停用" }.into(),
                counts.get(&t.id).copied().unwrap_or(0).to_string(),
                commended.get(&t.id).map(|c| c.join(";")).unwrap_or_default(),
                t.created_at.chars().take(10).collect(),
            ]
        })
        .collect();
    let table = Table { headers: &EXPORT_HEADERS, rows: lines, number_columns: &[0, 8] };
    Ok(format.write(&table, "人才库名册")?)
}
