//! 量化评估 in the web client: a round's evaluations and the office's form to set one up
//! (`/rounds/{id}/evaluations`), one evaluation with its weights, the result table and chart,
//! the evaluator's own scoring status and the office's finalisation (`/evaluations/{id}`), its
//! export, and an inspected unit's final results (`/inspected-units/{id}/evaluations`, also
//! for the unit's own account). The same service calls as `/api/v1/…evaluations…`.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;

use crate::api::extract::run;
use crate::api::state::AppState;
use crate::domain::ids::{parse_list, AgencyId, EvaluationId, InspectedUnitId, RoundId};
use crate::domain::inspection::evaluation::{format_centi, Check, EvaluationState, Weights};
use crate::error::{AppError, FieldError};
use crate::service::inspection::evaluation::{self, results, scores, EvaluationView, NewEvaluation};
use crate::service::inspection::rounds;
use crate::service::ledger_export::ExportFormat;
use crate::service::{self};
use crate::web::charts::{self, Bar};
use crate::web::form::{form_result, Fields, Redo};
use crate::web::session::SignedIn;
use crate::web::stats::figures::Figure;
use crate::web::{chinese_date, page_with, see_other, Nav, WebError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(export_csv)
        .service(export_xlsx)
        .service(show)
        .service(weights)
        .service(finalise);
}

pub(super) fn not_found<T>(id: &str, parse: fn(&str) -> Option<T>) -> Result<T, WebError> {
    parse(id).ok_or(WebError::NotFound)
}

/// Hundredths as people read them, or a dash.
pub fn score_text(v: Option<f64>) -> String {
    v.map(|v| format_centi((v * 100.0).round() as i64)).unwrap_or_else(|| "—".into())
}

/// An evaluation as a line of the round's list.
pub struct EvaluationLine {
    pub id: String,
    pub name: String,
    pub state: &'static str,
    pub units: usize,
    pub finalised: String,
}

#[derive(Template)]
#[template(path = "inspection/evaluations.html", config = "src/web/askama.toml")]
struct ListPage {
    nav: Nav,
    round_id: String,
    round_name: String,
    items: Vec<EvaluationLine>,
    /// The office's form: (id, name) of who may evaluate, and of the units.
    may_create: bool,
    evaluators: Vec<(String, String)>,
    units: Vec<(String, String)>,
    checks: Vec<(&'static str, &'static str)>,
    redo: Redo,
}

impl ListPage {
    /// The weight typed into a check's field, or 1 (equal weights) on a fresh form.
    fn weight(&self, check: &str) -> String {
        let v = self.redo.value("evaluation", &format!("w_{check}"));
        if self.redo.form == "evaluation" {
            v.to_string()
        } else {
            "1".into()
        }
    }
}

async fn render_list(state: &AppState, s: &SignedIn, id: RoundId, redo: Redo) -> Result<HttpResponse, WebError> {
    let p = s.0.principal.clone();
    let (r, items, names) = run(&state.pool, move |conn| {
        let r = rounds::show(conn, &p, &id)?;
        let items = evaluation::list_for_round(conn, &p, &id)?;
        let names =
            service::agencies::names_of(conn, std::iter::once(&r.owner_agency_id).chain(&r.participant_agency_ids))?;
        Ok((r, items, names))
    })
    .await?;
    let runs = crate::policy::inspection::require_round_owner(&s.0.principal, &r.owner_agency_id).is_ok();
    let name = |id: &str| names.get(id).cloned().unwrap_or_default();
    let page = ListPage {
        nav: Nav::of(&s.0, "rounds"),
        round_id: r.id.clone(),
        round_name: r.name.clone(),
        items: items
            .into_iter()
            .map(|e| EvaluationLine {
                state: e.state.label(),
                units: e.units.len(),
                finalised: e.finalised_at.as_deref().map(chinese_date).unwrap_or_default(),
                id: e.id,
                name: e.name,
            })
            .collect(),
        may_create: runs,
        evaluators: std::iter::once(&r.owner_agency_id)
            .chain(&r.participant_agency_ids)
            .map(|a| (a.clone(), name(a)))
            .collect(),
        units: r.units.iter().map(|u| (u.id.clone(), u.object_name.clone())).collect(),
        checks: Check::ALL.iter().map(|c| (c.as_str(), c.label())).collect(),
        redo,
    };
    page_with(page.redo.status(StatusCode::UNPROCESSABLE_ENTITY), &page)
}

/// 量化评估: the round's evaluations the unit sees, and the office's form.
#[get("/rounds/{id}/evaluations")]
pub async fn list(state: web::Data<AppState>, s: SignedIn, id: web::Path<String>) -> Result<HttpResponse, WebError> {
    render_list(&state, &s, not_found(&id, RoundId::parse)?, Redo::default()).await
}

/// The weights typed into a form (`w_<check>`): every bad one a field error `weights.<check>`.
fn typed_weights(f: &Fields, errs: &mut Vec<FieldError>) -> Option<Weights> {
    let mut m = BTreeMap::new();
    for c in Check::ALL {
        match f.get(&format!("w_{}", c.as_str())).trim().parse::<i64>() {
            Ok(w) => {
                m.insert(c.as_str().to_string(), w);
            }
            Err(_) => errs.push(FieldError::new(format!("weights.{}", c.as_str()), "权重须为 0–100 的整数")),
        }
    }
    if !errs.is_empty() {
        return None;
    }
    Weights::parse(&m).map_err(|e| errs.extend(e)).ok()
}

#[post("/rounds/{id}/evaluations")]
pub async fn create(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let id = not_found(&id, RoundId::parse)?;
    let mut errs = Vec::new();
    let w = typed_weights(&f, &mut errs);
    let evaluators: Vec<AgencyId> = parse_list("evaluator_agency_ids", &f.all("evaluator_agency_ids"), &mut errs);
    let units: Vec<InspectedUnitId> = parse_list("inspected_unit_ids", &f.all("inspected_unit_ids"), &mut errs);
    let Some(w) = w.filter(|_| errs.is_empty()) else {
        return render_list(&state, &s, id, Redo::of("evaluation", f, errs.into())).await;
    };
    let n = NewEvaluation {
        name: f.get("name").to_string(),
        weights: w,
        evaluator_agency_ids: evaluators,
        inspected_unit_ids: units,
    };
    let (p, rid) = (s.0.principal.clone(), id.clone());
    match form_result(run(&state.pool, move |conn| evaluation::create(conn, &p, &rid, &n)).await)? {
        Ok(e) => Ok(see_other(&format!("/evaluations/{}", e.id))),
        Err((_, errors)) => render_list(&state, &s, id, Redo::of("evaluation", f, errors)).await,
    }
}

/// A unit as a line of the result table (and of the evaluator's own scoring status).
pub struct ResultLine {
    pub unit_id: String,
    pub name: String,
    pub rank: String,
    pub means: Vec<String>,
    pub score: String,
    pub missing: String,
    /// The caller's own scores given for the unit (of the weighted checks), when it evaluates.
    pub mine: String,
}

#[derive(Template)]
#[template(path = "inspection/evaluation.html", config = "src/web/askama.toml")]
struct EvaluationPage {
    nav: Nav,
    e: EvaluationView,
    round_name: String,
    state: &'static str,
    open: bool,
    office: bool,
    evaluator: bool,
    evaluators: Vec<String>,
    lines: Vec<ResultLine>,
    figure: Option<Figure>,
    redo: Redo,
}

fn result_figure(e: &EvaluationView) -> Figure {
    let provisional = if e.state == EvaluationState::Open { "(暂定,评分尚未确定)" } else { "" };
    let mut f = Figure::new(
        "evaluation-scores",
        "综合得分",
        format!("各被评估单位的综合得分{provisional}:八项检查按权重加权,各项取评估单位评分的平均分"),
        vec!["被巡察单位", "排名", "综合得分"],
    );
    let scored: Vec<_> = e.units.iter().filter(|u| u.score.is_some()).collect();
    if scored.is_empty() {
        f.empty = Some("尚无完整的评分。");
        return f;
    }
    let bars: Vec<Bar> = scored
        .iter()
        .map(|u| Bar {
            label: u.object_name.clone(),
            short: None,
            value: u.score.unwrap_or(0.0),
            text: score_text(u.score),
        })
        .collect();
    f.svg = charts::rows(&f.chart_id(), f.title, &bars, Some(100.0));
    for u in &scored {
        f.row(u.object_name.clone(), vec![u.rank.map(|r| r.to_string()).unwrap_or_default(), score_text(u.score)]);
    }
    f
}

async fn render(state: &AppState, s: &SignedIn, id: EvaluationId, redo: Redo) -> Result<HttpResponse, WebError> {
    let p = s.0.principal.clone();
    let (e, mine, names, round) = run(&state.pool, move |conn| {
        let e = evaluation::show(conn, &p, &id)?;
        let mine =
            if e.evaluator_agency_ids.contains(&p.agency_id) { scores::list(conn, &p, &id, None)? } else { vec![] };
        let names = service::agencies::names_of(conn, &e.evaluator_agency_ids)?;
        // The evaluators are the office or the round's participants: they all see the round.
        let round = rounds::show(conn, &p, &RoundId::from_stored(e.round_id.clone()))?;
        Ok((e, mine, names, round))
    })
    .await?;
    let office = round.owner_agency_id == s.0.principal.agency_id;
    let me = &s.0.principal.agency_id;
    let writer = crate::policy::require_content_writer(&s.0.principal).is_ok();
    let weighted: Vec<Check> = e.weights.iter().filter(|w| w.weight > 0).map(|w| w.check).collect();
    let lines = e
        .units
        .iter()
        .map(|u| {
            let given = mine
                .iter()
                .filter(|m| {
                    m.agency_id == *me && m.inspected_unit_id == u.inspected_unit_id && weighted.contains(&m.check)
                })
                .count();
            ResultLine {
                unit_id: u.inspected_unit_id.clone(),
                name: u.object_name.clone(),
                rank: u.rank.map(|r| r.to_string()).unwrap_or_else(|| "—".into()),
                means: u.check_means.iter().map(|m| score_text(m.mean)).collect(),
                score: score_text(u.score),
                missing: u.scores_missing.map(|m| m.to_string()).unwrap_or_default(),
                mine: format!("{given}/{}", weighted.len()),
            }
        })
        .collect();
    let page = EvaluationPage {
        nav: Nav::of(&s.0, "rounds"),
        round_name: round.name,
        state: e.state.label(),
        open: e.state == EvaluationState::Open,
        office: office && writer,
        evaluator: e.evaluator_agency_ids.contains(me) && writer,
        evaluators: e.evaluator_agency_ids.iter().map(|a| names.get(a).cloned().unwrap_or_default()).collect(),
        figure: e.results_visible.then(|| result_figure(&e)),
        lines,
        e,
        redo,
    };
    page_with(page.redo.status(StatusCode::UNPROCESSABLE_ENTITY), &page)
}

#[get("/evaluations/{id}")]
pub async fn show(state: web::Data<AppState>, s: SignedIn, id: web::Path<String>) -> Result<HttpResponse, WebError> {
    render(&state, &s, not_found(&id, EvaluationId::parse)?, Redo::default()).await
}

/// 调整权重 (the office, while open).
#[post("/evaluations/{id}/weights")]
pub async fn weights(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let id = not_found(&id, EvaluationId::parse)?;
    let mut errs = Vec::new();
    let Some(w) = typed_weights(&f, &mut errs) else {
        return render(&state, &s, id, Redo::of("weights", f, errs.into())).await;
    };
    let version = f.get("version").parse::<i32>().ok();
    let (p, eid) = (s.0.principal.clone(), id.clone());
    let r = run(&state.pool, move |conn| evaluation::update(conn, &p, &eid, None, Some(&w), version)).await;
    let r = r.map_err(|e| match e {
        AppError::PreconditionFailed(m) => AppError::Conflict(m),
        e => e,
    });
    match form_result(r)? {
        Ok(_) => Ok(see_other(&format!("/evaluations/{id}"))),
        Err((_, errors)) => render(&state, &s, id, Redo::of("weights", f, errors)).await,
    }
}

/// 确定评估结果 (the office): ranks fixed, results written to the units' records.
#[post("/evaluations/{id}/finalise")]
pub async fn finalise(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let id = not_found(&id, EvaluationId::parse)?;
    let (p, eid) = (s.0.principal.clone(), id.clone());
    match form_result(run(&state.pool, move |conn| results::finalise(conn, &p, &eid, None)).await)? {
        Ok(_) => Ok(see_other(&format!("/evaluations/{id}"))),
        Err((_, errors)) => render(&state, &s, id, Redo::of("finalise", f, errors)).await,
    }
}

async fn export(
    state: web::Data<AppState>,
    s: SignedIn,
    id: &str,
    format: ExportFormat,
) -> Result<HttpResponse, WebError> {
    let id = not_found(id, EvaluationId::parse)?;
    let p = s.0.principal;
    let bytes = run(&state.pool, move |conn| results::export(conn, &p, &id, format)).await?;
    Ok(crate::api::export::attachment(format, "量化评估结果", bytes))
}

#[get("/evaluations/{id}/export.csv")]
pub async fn export_csv(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    export(state, s, &id, ExportFormat::Csv).await
}

#[get("/evaluations/{id}/export.xlsx")]
pub async fn export_xlsx(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    export(state, s, &id, ExportFormat::Xlsx).await
}
