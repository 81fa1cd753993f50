//! 巡后直督 in the web client: the campaigns the unit sees (`/supervision-campaigns`, also for
//! team members that are not on the round), a round's campaigns with the office's form to set
//! one up (`/rounds/{id}/supervision-campaigns`), and one campaign with its two rates as a
//! chart and its per-unit counts (`/supervision-campaigns/{id}`) — numbers only. The same
//! service calls as `/api/v1/…supervision-campaigns…`.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::api::extract::run;
use crate::api::page;
use crate::api::state::AppState;
use crate::domain::ids::{parse_list, RoundId, SupervisionCampaignId};
use crate::service::inspection::direct_supervision::{
    self as campaigns, CampaignStats, NewCampaign, SupervisionCampaignView,
};
use crate::service::inspection::{choices, rounds};
use crate::service::ledger_export::ExportFormat;
use crate::service::{self};
use crate::web::charts::{self, Bar, Group, Series};
use crate::web::form::{form_result, Fields, Redo};
use crate::web::session::SignedIn;
use crate::web::stats::figures::Figure;
use crate::web::{page_with, see_other, Nav, WebError};

use super::period;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list).service(round_list).service(create).service(export_csv).service(export_xlsx).service(show);
}

/// A campaign as a line of a list.
pub struct CampaignLine {
    pub id: String,
    pub name: String,
    pub window: String,
    pub units: usize,
    pub rectification: String,
    pub closure: String,
}

fn rate(r: Option<i64>) -> String {
    r.map(|r| format!("{r}%")).unwrap_or_else(|| "—".into())
}

fn line(c: SupervisionCampaignView) -> CampaignLine {
    CampaignLine {
        window: period(&c.window_start, &c.window_end),
        units: c.stats.by_unit.len(),
        rectification: rate(c.stats.rectification_rate_percent),
        closure: rate(c.stats.clue_closure_rate_percent),
        id: c.id,
        name: c.name,
    }
}

/// The office's form to set up a campaign: (id, name) choices.
pub struct CampaignForm {
    pub members: Vec<(String, String)>,
    pub teams: Vec<(String, String)>,
    pub units: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "inspection/campaigns.html", config = "src/web/askama.toml")]
struct ListPage {
    nav: Nav,
    /// The round when the list is one round's: (id, name).
    round: Option<(String, String)>,
    items: Vec<CampaignLine>,
    next: Option<String>,
    form: Option<CampaignForm>,
    redo: Redo,
}

#[derive(Deserialize)]
pub struct ListParams {
    cursor: Option<String>,
}

/// 巡后直督: every campaign the unit sees, newest first.
#[get("/supervision-campaigns")]
pub async fn list(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, WebError> {
    let w = page::window(params.cursor.as_deref(), Some(20))?;
    let p = s.principal.clone();
    let got = run(&state.pool, move |conn| campaigns::page(conn, &p, &w, None)).await?;
    let next = got.next_cursor.map(|c| format!("/supervision-campaigns?cursor={c}"));
    let page = ListPage {
        nav: Nav::of(&s, "rounds"),
        round: None,
        items: got.items.into_iter().map(line).collect(),
        next,
        form: None,
        redo: Redo::default(),
    };
    page_with(StatusCode::OK, &page)
}

async fn render_round(state: &AppState, s: &SignedIn, id: RoundId, redo: Redo) -> Result<HttpResponse, WebError> {
    let p = s.0.principal.clone();
    let runs = crate::policy::require_content_writer(&p).is_ok();
    let (r, got, members) = run(&state.pool, move |conn| {
        let r = rounds::show(conn, &p, &id)?;
        let got = campaigns::page(conn, &p, &page::window(None, Some(page::MAX_LIMIT))?, Some(&id))?;
        let members = if runs && r.owner_agency_id == p.agency_id { Some(choices::members(conn, &p)?) } else { None };
        Ok((r, got, members))
    })
    .await?;
    let form = members.map(|members| CampaignForm {
        members,
        teams: r.teams.iter().map(|t| (t.id.clone(), t.name.clone())).collect(),
        units: r.units.iter().map(|u| (u.id.clone(), u.object_name.clone())).collect(),
    });
    let page = ListPage {
        nav: Nav::of(&s.0, "rounds"),
        round: Some((r.id, r.name)),
        items: got.items.into_iter().map(line).collect(),
        next: None,
        form,
        redo,
    };
    page_with(page.redo.status(StatusCode::UNPROCESSABLE_ENTITY), &page)
}

/// A round's campaigns, and the office's form.
#[get("/rounds/{id}/supervision-campaigns")]
pub async fn round_list(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    render_round(&state, &s, RoundId::parse(&id).ok_or(WebError::NotFound)?, Redo::default()).await
}

#[post("/rounds/{id}/supervision-campaigns")]
pub async fn create(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let id = RoundId::parse(&id).ok_or(WebError::NotFound)?;
    let mut errs = Vec::new();
    let n = NewCampaign {
        name: f.get("name").to_string(),
        window_start: f.get("window_start").to_string(),
        window_end: f.get("window_end").to_string(),
        team_agency_ids: parse_list("team_agency_ids", &f.all("team_agency_ids"), &mut errs),
        team_ids: parse_list("team_ids", &f.all("team_ids"), &mut errs),
        inspected_unit_ids: parse_list("inspected_unit_ids", &f.all("inspected_unit_ids"), &mut errs),
    };
    if !errs.is_empty() {
        return render_round(&state, &s, id, Redo::of("campaign", f, errs.into())).await;
    }
    let (p, rid) = (s.0.principal.clone(), id.clone());
    match form_result(run(&state.pool, move |conn| campaigns::create(conn, &p, &rid, &n)).await)? {
        Ok(c) => Ok(see_other(&format!("/supervision-campaigns/{}", c.id))),
        Err((_, errors)) => render_round(&state, &s, id, Redo::of("campaign", f, errors)).await,
    }
}

#[derive(Template)]
#[template(path = "inspection/campaign.html", config = "src/web/askama.toml")]
struct CampaignPage {
    nav: Nav,
    c: SupervisionCampaignView,
    window: String,
    team: Vec<String>,
    rates: Figure,
    units: Figure,
}

/// The two rates (问题整改率, 线索办结率) as columns, with their counts.
fn rates_figure(s: &CampaignStats) -> Figure {
    let mut f = Figure::new(
        "campaign-rates",
        "整改率与办结率",
        "督查期内整改到位的问题占问题总数的比例,督查期内办结的移交线索占移交线索总数的比例(四舍五入到整数百分比)"
            .into(),
        vec!["", "总数", "督查期内完成", "比例"],
    );
    if s.problems + s.clues == 0 {
        f.empty = Some("督查的被巡察单位尚无问题或移交的线索。");
        return f;
    }
    let bar = |label: &str, r: Option<i64>| Bar {
        label: label.into(),
        short: None,
        value: r.unwrap_or(0) as f64,
        text: rate(r),
    };
    let bars = [bar("问题整改率", s.rectification_rate_percent), bar("线索办结率", s.clue_closure_rate_percent)];
    f.svg = charts::columns(&f.chart_id(), f.title, &bars, Some(100.0), true);
    f.row(
        "问题整改",
        vec![s.problems.to_string(), s.rectified_in_window.to_string(), rate(s.rectification_rate_percent)],
    );
    f.row("线索办结", vec![s.clues.to_string(), s.concluded_in_window.to_string(), rate(s.clue_closure_rate_percent)]);
    f
}

const SERIES: [Series<'static>; 4] = [
    Series { name: "问题", class: "s0" },
    Series { name: "督查期内整改", class: "s1" },
    Series { name: "移交线索", class: "s2" },
    Series { name: "督查期内办结", class: "s3" },
];

/// The counts per covered unit.
fn units_figure(s: &CampaignStats) -> Figure {
    let mut f = Figure::new(
        "campaign-units",
        "各被巡察单位情况",
        "督查的各被巡察单位的问题及督查期内整改、移交线索及督查期内办结的数量".into(),
        vec!["被巡察单位", "问题", "督查期内整改", "移交线索", "督查期内办结"],
    );
    if s.problems + s.clues == 0 {
        f.empty = Some("督查的被巡察单位尚无问题或移交的线索。");
        return f;
    }
    let groups: Vec<Group> = s
        .by_unit
        .iter()
        .map(|u| Group {
            label: u.object_name.clone(),
            values: vec![u.problems, u.rectified_in_window, u.clues, u.concluded_in_window],
        })
        .collect();
    f.svg = charts::grouped_rows(&f.chart_id(), f.title, &SERIES, &groups);
    for u in &s.by_unit {
        let cells = [u.problems, u.rectified_in_window, u.clues, u.concluded_in_window].map(|v| v.to_string()).to_vec();
        f.row(u.object_name.clone(), cells);
    }
    f
}

/// One campaign: its window, team and units, and its figures.
#[get("/supervision-campaigns/{id}")]
pub async fn show(state: web::Data<AppState>, s: SignedIn, id: web::Path<String>) -> Result<HttpResponse, WebError> {
    let id = SupervisionCampaignId::parse(&id).ok_or(WebError::NotFound)?;
    let p = s.0.principal.clone();
    let (c, names) = run(&state.pool, move |conn| {
        let c = campaigns::show(conn, &p, &id)?;
        let names = service::agencies::names_of(conn, &c.team_agency_ids)?;
        Ok((c, names))
    })
    .await?;
    let page = CampaignPage {
        nav: Nav::of(&s.0, "rounds"),
        window: period(&c.window_start, &c.window_end),
        team: c.team_agency_ids.iter().map(|a| names.get(a).cloned().unwrap_or_default()).collect(),
        rates: rates_figure(&c.stats),
        units: units_figure(&c.stats),
        c,
    };
    page_with(StatusCode::OK, &page)
}

async fn export(
    state: web::Data<AppState>,
    s: SignedIn,
    id: &str,
    format: ExportFormat,
) -> Result<HttpResponse, WebError> {
    let id = SupervisionCampaignId::parse(id).ok_or(WebError::NotFound)?;
    let p = s.0.principal;
    let bytes = run(&state.pool, move |conn| campaigns::export(conn, &p, &id, format)).await?;
    Ok(crate::api::export::attachment(format, "巡后直督统计", bytes))
}

#[get("/supervision-campaigns/{id}/export.csv")]
pub async fn export_csv(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    export(state, s, &id, ExportFormat::Csv).await
}

#[get("/supervision-campaigns/{id}/export.xlsx")]
pub async fn export_xlsx(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    export(state, s, &id, ExportFormat::Xlsx).await
}
