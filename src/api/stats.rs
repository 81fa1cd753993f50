//! Clue statistics (线索统计): counts by state and outcome, for the agency and per agency.

use actix_web::{get, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::{run, Auth, Query};
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::api::transfers::{parse_date, parse_direction};
use crate::domain::is_id;
use crate::error::{AppError, AppResult, FieldError};
use crate::policy::{self};
use crate::service::transfers::{ClueStats, Direction};
use crate::service::{self};

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
pub struct StatsParams {
    /// Defaults to the caller's agency; the hub admin may name any agency (counts only).
    #[param(schema_with = crate::contract::id_param)]
    pub agency_id: Option<String>,
    /// Transfers made on or after (YYYY-MM-DD).
    #[param(schema_with = crate::contract::date_param)]
    pub from: Option<String>,
    /// Transfers made on or before (YYYY-MM-DD).
    #[param(schema_with = crate::contract::date_param)]
    pub to: Option<String>,
    /// `out` (sent), `in` (received) or `both` (default).
    #[param(schema_with = crate::contract::direction_param)]
    pub direction: Option<String>,
}

/// The statistics' filters checked (shared by the API and the web client's 统计 page): the
/// direction, the period (both ends `YYYY-MM-DD`, the end not before the start) and the unit.
pub fn stats_params(p: &StatsParams) -> AppResult<(Direction, Option<String>, Option<String>)> {
    let mut errs = Vec::new();
    let direction = parse_direction(p.direction.as_deref(), &mut errs);
    let from = parse_date("from", &p.from, &mut errs);
    let to = parse_date("to", &p.to, &mut errs);
    if let (Some(f), Some(t)) = (&from, &to) {
        if f > t {
            errs.push(FieldError::new("to", "结束日期不能早于开始日期"));
        }
    }
    if p.agency_id.as_ref().is_some_and(|a| !is_id(a)) {
        errs.push(FieldError::new("agency_id", "单位编号格式无效"));
    }
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    Ok((direction, from, to))
}

/// Clue statistics of one agency and period: transferred, accepted, concluded, closure
/// rate, overdue, mean days to conclude, outcomes by the four forms, sanctions.
#[utoipa::path(tag = "线索统计", params(StatsParams), responses((status = 200, body = ClueStats), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/stats/clues")]
pub async fn clue_stats(
    state: web::Data<AppState>,
    Auth(p): Auth,
    params: Query<StatsParams>,
) -> AppResult<HttpResponse> {
    let (direction, from, to) = stats_params(&params)?;
    let agency = policy::stats_scope(&p, params.agency_id.as_deref())?;
    let s = run(&state.pool, move |conn| {
        service::transfers::stats_of(conn, &agency, direction, from.as_deref(), to.as_deref())
    })
    .await?;
    Ok(HttpResponse::Ok().json(s))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgencyClueStats {
    pub agency_name: String,
    #[serde(flatten)]
    pub stats: ClueStats,
}

/// Hub-wide: the statistics of every member unit (counts and rates only, no content), for
/// the joint meeting's reports (admin).
#[utoipa::path(tag = "线索统计", params(StatsParams), responses((status = 200, body = Vec<AgencyClueStats>), (status = 403, body = Problem)),
    security(("bearer" = [])))]
#[get("/stats/clues/agencies")]
pub async fn clue_stats_by_agency(
    state: web::Data<AppState>,
    Auth(p): Auth,
    params: Query<StatsParams>,
) -> AppResult<HttpResponse> {
    policy::require_admin(&p)?;
    let (direction, from, to) = stats_params(&params)?;
    let rows = run(&state.pool, move |conn| {
        service::transfers::stats_by_agency(conn, direction, from.as_deref(), to.as_deref())
    })
    .await?;
    let out: Vec<AgencyClueStats> =
        rows.into_iter().map(|(agency_name, stats)| AgencyClueStats { agency_name, stats }).collect();
    Ok(HttpResponse::Ok().json(out))
}
