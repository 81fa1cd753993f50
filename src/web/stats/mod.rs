//! 统计 — the clue statistics a leader puts in a report, as server-drawn SVG charts with the
//! table of the same figures under each. Exactly what `GET /api/v1/stats/clues` (and, for the
//! hub admin, `/stats/clues/agencies`) answers the viewer: the same parameter checks, the
//! same scope (`policy::stats_scope`), the same service functions; counts only.

use actix_web::http::StatusCode;
use actix_web::{get, web, HttpResponse};
use askama::Template;

use crate::api::extract::run;
use crate::api::state::AppState;
use crate::api::stats::{stats_params, StatsParams};
use crate::domain::clock::{format_date, parse_date};
use crate::domain::{FieldError, Role};
use crate::error::AppError;
use crate::service::transfers::{ClueStats, Direction};
use crate::service::{self};
use crate::web::session::SignedIn;
use crate::web::{chinese_date, page_with, Nav, WebError};

pub(crate) mod figures;
mod periods;

use figures::{finished, percent, Figure};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(stats);
}

/// One unit's statistics: the headline figures, then the charts.
struct UnitView {
    name: String,
    scope: &'static str,
    total: i64,
    /// (name, figure) pairs of the headline.
    headline: Vec<(&'static str, String)>,
    figures: Vec<Figure>,
}

#[derive(Template)]
#[template(path = "stats.html", config = "src/web/askama.toml")]
struct StatsPage {
    nav: Nav,
    /// The hub admin: chooses a unit, or sees every unit side by side.
    admin: bool,
    agencies: Vec<(String, String)>,
    agency_id: String,
    from: String,
    to: String,
    direction: String,
    directions: [(&'static str, &'static str); 3],
    errors: Vec<FieldError>,
    period: String,
    unit: Option<UnitView>,
    by_unit: Vec<Figure>,
}

impl StatsPage {
    fn error_of(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

/// The transfers counted, in words.
fn scope_words(d: Direction) -> &'static str {
    match d {
        Direction::Both => "移出和接收",
        Direction::Out => "移出",
        Direction::In => "接收",
    }
}

fn period_words(from: Option<&str>, to: Option<&str>) -> String {
    match (from, to) {
        (Some(f), Some(t)) => format!("移交日期 {} 至 {}", chinese_date(f), chinese_date(t)),
        (Some(f), None) => format!("移交日期 {} 起", chinese_date(f)),
        (None, Some(t)) => format!("移交日期截至 {}", chinese_date(t)),
        (None, None) => "全部移交日期".into(),
    }
}

fn headline(s: &ClueStats) -> Vec<(&'static str, String)> {
    vec![
        ("线索数", s.transferred.to_string()),
        ("已受理", s.accepted.to_string()),
        ("已办结(含已反馈)", finished(s).to_string()),
        ("办结率", percent(s.closure_rate)),
        ("逾期未办结", s.overdue.to_string()),
        ("平均办结用时", s.mean_days_to_conclude.map_or("—".into(), |d| format!("{d:.1} 天"))),
    ]
}

#[get("/stats")]
pub async fn stats(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    params: web::Query<StatsParams>,
) -> Result<HttpResponse, WebError> {
    let params = params.into_inner();
    let p = s.principal.clone();
    let admin = p.has(Role::Admin);
    let mut view = StatsPage {
        nav: Nav::of(&s, "stats"),
        admin,
        agencies: Vec::new(),
        agency_id: params.agency_id.clone().unwrap_or_default(),
        from: params.from.clone().unwrap_or_default(),
        to: params.to.clone().unwrap_or_default(),
        direction: params.direction.clone().unwrap_or_else(|| "both".into()),
        directions: [("both", "移出和接收"), ("out", "本单位移出"), ("in", "本单位接收")],
        errors: Vec::new(),
        period: String::new(),
        unit: None,
        by_unit: Vec::new(),
    };
    if admin {
        let list = run(&state.pool, |conn| Ok(service::agencies::list(conn)?)).await?;
        view.agencies = list.into_iter().map(|a| (a.id, a.name)).collect();
    }
    let (direction, from, to) = match stats_params(&params) {
        Ok(v) => v,
        Err(AppError::Validation(errs)) => {
            view.errors = errs;
            return page_with(StatusCode::UNPROCESSABLE_ENTITY, &view);
        }
        Err(e) => return Err(e.into()),
    };
    view.period = period_words(from.as_deref(), to.as_deref());
    let scope = scope_words(direction);
    let requested = params.agency_id.clone().filter(|a| !a.is_empty());
    if admin && requested.is_none() {
        // Every unit side by side: what `/stats/clues/agencies` answers the hub admin.
        let rows = run(&state.pool, move |conn| {
            service::transfers::stats_by_agency(conn, direction, from.as_deref(), to.as_deref())
        })
        .await?;
        view.by_unit = figures::by_unit(&rows, scope);
        return page_with(StatusCode::OK, &view);
    }
    let agency = crate::policy::stats_scope(&p, requested.as_deref())?;
    let today = parse_date(&crate::domain::clock::today()).unwrap_or_default();
    let slices = periods::slices(from.as_deref().and_then(parse_date), to.as_deref().and_then(parse_date), today);
    let range = match (slices.first(), slices.last()) {
        (Some(a), Some(b)) => format!("{}至{}", chinese_date(&format_date(a.from)), chinese_date(&format_date(b.to))),
        _ => String::new(),
    };
    let (name, total, by_slice) = run(&state.pool, move |conn| {
        let total = service::transfers::stats_of(conn, &agency, direction, from.as_deref(), to.as_deref())?;
        let name = service::agencies::get(conn, &agency)?.name;
        let mut by_slice = Vec::with_capacity(slices.len());
        for sl in slices {
            let (f, t) = (format_date(sl.from), format_date(sl.to));
            by_slice.push((
                sl.label,
                sl.short,
                service::transfers::stats(conn, &agency, direction, Some(&f), Some(&t))?,
            ));
        }
        Ok((name, total, by_slice))
    })
    .await?;
    let who = format!("{name}{scope}");
    let figures = if total.transferred == 0 {
        Vec::new()
    } else {
        vec![
            figures::closure_by_period(&by_slice, &who, &range),
            figures::outcomes(&total, &who),
            figures::sanctions(&total, &who),
            figures::states(&total, &who),
        ]
    };
    view.unit = Some(UnitView { name, scope, total: total.transferred, headline: headline(&total), figures });
    page_with(StatusCode::OK, &view)
}
