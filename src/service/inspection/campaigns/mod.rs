//! Special campaigns (专项整治): a member unit (often 纪委监委 or 作风办) runs a campaign over a
//! period against problems found by inspections, links it to the problems and common problems
//! it addresses (those it may read), and shares it with the agencies it names. Progress is
//! how many linked problems are rectified. Rules: `policy::common_problems`.

use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::contract::page::{Page, Window};
use crate::db::schema::{agencies, campaign_shares, campaigns};
use crate::db::DbConnection;
use crate::domain::ids::{AgencyId, CampaignId};
use crate::domain::inspection::campaigns::CampaignDraft;
use crate::error::{AppError, AppResult, FieldError};
use crate::policy::common_problems::{self as rules, CAMPAIGN_NOT_FOUND};
use crate::policy::{self, Principal};
use crate::store::directory;
use crate::store::log::{write_tx, Actor};

use super::agency_kind;

pub mod links;

pub use links::{CampaignProgress, LinkedCommonProblem, LinkedProblem, Links};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = campaigns)]
pub struct CampaignRow {
    pub id: String,
    pub owner_agency_id: String,
    pub name: String,
    pub description: String,
    pub period_start: String,
    pub period_end: String,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

/// A special campaign (专项整治) as its reader may see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CampaignView {
    pub id: String,
    /// The member unit running it.
    pub owner_agency_id: String,
    pub owner_agency_name: String,
    pub name: String,
    pub description: String,
    /// YYYY-MM-DD
    pub period_start: String,
    /// YYYY-MM-DD
    pub period_end: String,
    /// The agencies it is shared with (shown to the running unit only).
    pub shared_with_agency_ids: Option<Vec<String>>,
    pub problems: Vec<LinkedProblem>,
    pub common_problems: Vec<LinkedCommonProblem>,
    pub progress: CampaignProgress,
    pub created_at: String,
    pub updated_at: String,
}

fn not_found() -> AppError {
    AppError::NotFound(CAMPAIGN_NOT_FOUND.into())
}

fn shares(conn: &mut DbConnection, id: &str) -> QueryResult<Vec<String>> {
    campaign_shares::table
        .filter(campaign_shares::campaign_id.eq(id))
        .order(campaign_shares::agency_id)
        .select(campaign_shares::agency_id)
        .load(conn)
}

/// The campaign as `p` sees it.
pub fn view(conn: &mut DbConnection, p: &Principal, c: CampaignRow) -> AppResult<CampaignView> {
    let viewer = directory::viewer(conn, &p.agency_id)?;
    let (problems, common_problems, progress) = links::of_campaign(conn, &viewer, &c.id)?;
    let shared_with =
        if rules::sees_campaign_shares(&p.agency_id, &c.owner_agency_id) { Some(shares(conn, &c.id)?) } else { None };
    let owner_agency_name: String =
        agencies::table.find(&c.owner_agency_id).select(agencies::name).first(conn).optional()?.unwrap_or_default();
    Ok(CampaignView {
        owner_agency_name,
        shared_with_agency_ids: shared_with,
        problems,
        common_problems,
        progress,
        id: c.id,
        owner_agency_id: c.owner_agency_id,
        name: c.name,
        description: c.description,
        period_start: c.period_start,
        period_end: c.period_end,
        created_at: c.created_at,
        updated_at: c.updated_at,
    })
}

/// A campaign the principal's agency may see, or 404.
fn visible(conn: &mut DbConnection, p: &Principal, id: &str) -> AppResult<CampaignRow> {
    policy::require_content_reader(p)?;
    let c: CampaignRow =
        campaigns::table.find(id).select(CampaignRow::as_select()).first(conn).optional()?.ok_or_else(not_found)?;
    if rules::can_see_campaign(&p.agency_id, &c.owner_agency_id, &shares(conn, id)?) {
        Ok(c)
    } else {
        Err(not_found())
    }
}

/// Checks the agencies a campaign is shared with: active member units that receive records.
fn check_shares(
    conn: &mut DbConnection,
    owner: &str,
    ids: &[AgencyId],
    errs: &mut Vec<FieldError>,
) -> AppResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for (i, a) in ids.iter().enumerate() {
        match agency_kind(conn, a)? {
            Some((kind, true)) if policy::credentials::receives_records(&kind) => {
                if a.as_str() != owner && !out.iter().any(|o| o == a.as_str()) {
                    out.push(a.to_string());
                }
            }
            _ => {
                errs.push(FieldError::new(format!("shared_with_agency_ids[{i}]"), "成员单位不存在、已停用或不接收信息"))
            }
        }
    }
    Ok(out)
}

/// Creates a campaign of the principal's member unit, with its links and shares (every field
/// error at once; a link the creator may not read is refused like a missing one).
pub fn create(
    conn: &mut DbConnection,
    p: &Principal,
    draft: &CampaignDraft,
    shared_with: &[AgencyId],
    wanted: &Links,
) -> AppResult<CampaignView> {
    let kind = agency_kind(conn, &p.agency_id)?.map(|(k, _)| k).unwrap_or_default();
    rules::require_campaign_creator(p, &kind)?;
    let row = write_tx(conn, |conn, log| {
        let viewer = directory::viewer(conn, &p.agency_id)?;
        let mut errs = Vec::new();
        let shared = check_shares(conn, &p.agency_id, shared_with, &mut errs)?;
        let (found, common) = links::check(conn, &viewer, wanted, &mut errs)?;
        if !errs.is_empty() {
            return Err(AppError::Validation(errs));
        }
        let row = CampaignRow {
            id: crate::domain::new_id(),
            owner_agency_id: p.agency_id.clone(),
            name: draft.name.clone(),
            description: draft.description.clone(),
            period_start: draft.period_start.clone(),
            period_end: draft.period_end.clone(),
            created_by: p.actor_id(),
            created_at: log.at().into(),
            updated_at: log.at().into(),
        };
        diesel::insert_into(campaigns::table).values(&row).execute(conn)?;
        for a in &shared {
            diesel::insert_into(campaign_shares::table)
                .values((campaign_shares::campaign_id.eq(&row.id), campaign_shares::agency_id.eq(a)))
                .execute(conn)?;
        }
        links::insert(conn, log, &row.id, &found, &common)?;
        log.audit(
            &Actor::from(p),
            "campaign.create",
            "campaign",
            Some(&row.id),
            None,
            json!({"shared_with": shared, "problems": found.len(), "common_problems": common.len()}),
        );
        Ok(row)
    })?;
    view(conn, p, row)
}

/// Links more problems and common problems to a campaign (its running unit's writer).
pub fn add_links(conn: &mut DbConnection, p: &Principal, id: &CampaignId, wanted: &Links) -> AppResult<CampaignView> {
    let row = write_tx(conn, |conn, log| {
        let c = visible(conn, p, id)?;
        rules::require_campaign_owner(p, &c.owner_agency_id)?;
        let viewer = directory::viewer(conn, &p.agency_id)?;
        let mut errs = Vec::new();
        let (found, common) = links::check(conn, &viewer, wanted, &mut errs)?;
        if !errs.is_empty() {
            return Err(AppError::Validation(errs));
        }
        let added = links::insert(conn, log, &c.id, &found, &common)?;
        diesel::update(campaigns::table.find(&c.id)).set(campaigns::updated_at.eq(log.at())).execute(conn)?;
        log.audit(&Actor::from(p), "campaign.link", "campaign", Some(&c.id), None, json!({"added": added}));
        Ok(campaigns::table.find(&c.id).select(CampaignRow::as_select()).first(conn)?)
    })?;
    view(conn, p, row)
}

/// One campaign (its running unit and those it is shared with).
pub fn show(conn: &mut DbConnection, p: &Principal, id: &CampaignId) -> AppResult<CampaignView> {
    let c = visible(conn, p, id)?;
    view(conn, p, c)
}

/// The campaigns the caller's agency runs or is shared, newest first.
pub fn page(conn: &mut DbConnection, p: &Principal, w: &Window) -> AppResult<Page<CampaignView>> {
    policy::require_content_reader(p)?;
    let mut q = campaigns::table.filter(rules::campaigns_visible_sql(&p.agency_id)).into_boxed();
    if let Some(after) = &w.after {
        q = q.filter(campaigns::id.lt(after));
    }
    let rows: Vec<CampaignRow> =
        q.order(campaigns::id.desc()).limit(w.limit).select(CampaignRow::as_select()).load(conn)?;
    let mut items = Vec::with_capacity(rows.len());
    for c in rows {
        items.push(view(conn, p, c)?);
    }
    Ok(Page::of(items, w, |c| &c.id))
}

/// Every campaign the caller's agency sees (for the export), newest first, at most `max`.
pub fn all_visible(conn: &mut DbConnection, p: &Principal, max: i64) -> AppResult<Vec<CampaignView>> {
    policy::require_content_reader(p)?;
    let rows: Vec<CampaignRow> = campaigns::table
        .filter(rules::campaigns_visible_sql(&p.agency_id))
        .order(campaigns::id.desc())
        .limit(max)
        .select(CampaignRow::as_select())
        .load(conn)?;
    rows.into_iter().map(|c| view(conn, p, c)).collect()
}
