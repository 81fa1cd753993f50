//! 评分: an evaluating agency scores one unit of an evaluation on the checks (0–100 and a
//! note each), while the evaluation is open; a check left blank keeps its earlier score (or
//! stays unscored). The same service call as `POST /api/v1/evaluations/{id}/scores`.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;

use crate::api::extract::run;
use crate::api::state::AppState;
use crate::domain::ids::{EvaluationId, InspectedUnitId};
use crate::domain::inspection::evaluation::{check_scores, Check, MAX_NOTE_CHARS};
use crate::error::FieldError;
use crate::service::inspection::evaluation::scores;
use crate::web::form::{form_result, Fields, Redo};
use crate::web::session::SignedIn;
use crate::web::{page_with, see_other, Nav, WebError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(form).service(submit);
}

/// One check of the form: its code, label and weight, and what the agency gave before.
pub struct CheckLine {
    pub code: &'static str,
    pub label: &'static str,
    pub weight: i64,
    pub score: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "inspection/evaluation_score.html", config = "src/web/askama.toml")]
struct ScorePage {
    nav: Nav,
    evaluation_id: String,
    evaluation_name: String,
    unit_id: String,
    unit_name: String,
    checks: Vec<CheckLine>,
    max_note: usize,
    redo: Redo,
}

impl ScorePage {
    /// What the field shows: what was posted when the form comes back, else the stored value.
    fn shown(&self, field: &str, stored: &str) -> String {
        if self.redo.form == "scores" {
            self.redo.value("scores", field).to_string()
        } else {
            stored.to_string()
        }
    }
}

fn ids(id: &str, unit: &str) -> Result<(EvaluationId, InspectedUnitId), WebError> {
    Ok((EvaluationId::parse(id).ok_or(WebError::NotFound)?, InspectedUnitId::parse(unit).ok_or(WebError::NotFound)?))
}

async fn render(
    state: &AppState,
    s: &SignedIn,
    id: EvaluationId,
    unit: InspectedUnitId,
    redo: Redo,
) -> Result<HttpResponse, WebError> {
    let p = s.0.principal.clone();
    let uid = unit.clone();
    let (e, mine) = run(&state.pool, move |conn| scores::for_form(conn, &p, &id, &uid)).await?;
    let Some(u) = e.units.iter().find(|u| u.inspected_unit_id == unit.as_str()) else {
        return Err(WebError::NotFound);
    };
    let checks = e
        .weights
        .iter()
        .map(|w| {
            let given = mine.iter().find(|m| m.check == w.check);
            CheckLine {
                code: w.check.as_str(),
                label: w.check.label(),
                weight: w.weight,
                score: given.map(|g| g.score.to_string()).unwrap_or_default(),
                note: given.map(|g| g.note.clone()).unwrap_or_default(),
            }
        })
        .collect();
    let page = ScorePage {
        nav: Nav::of(&s.0, "rounds"),
        evaluation_name: e.name.clone(),
        unit_name: u.object_name.clone(),
        unit_id: u.inspected_unit_id.clone(),
        evaluation_id: e.id.clone(),
        checks,
        max_note: MAX_NOTE_CHARS,
        redo,
    };
    page_with(page.redo.status(StatusCode::UNPROCESSABLE_ENTITY), &page)
}

#[get("/evaluations/{id}/units/{unit}/scores")]
pub async fn form(
    state: web::Data<AppState>,
    s: SignedIn,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, WebError> {
    let (id, unit) = ids(&path.0, &path.1)?;
    render(&state, &s, id, unit, Redo::default()).await
}

#[post("/evaluations/{id}/units/{unit}/scores")]
pub async fn submit(
    state: web::Data<AppState>,
    s: SignedIn,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let (id, unit) = ids(&path.0, &path.1)?;
    let mut errs = Vec::new();
    let mut entries = BTreeMap::new();
    for c in Check::ALL {
        let typed = f.get(&format!("s_{}", c.as_str())).trim();
        if typed.is_empty() {
            continue;
        }
        match typed.parse::<i64>() {
            Ok(v) => {
                entries.insert(c.as_str().to_string(), (v, f.get(&format!("n_{}", c.as_str())).to_string()));
            }
            Err(_) => errs.push(FieldError::new(format!("scores.{}.score", c.as_str()), "评分须为 0–100 的整数")),
        }
    }
    let checked = check_scores(&entries).map_err(|e| errs.extend(e)).ok();
    let Some(entries) = checked.filter(|_| errs.is_empty()) else {
        return render(&state, &s, id, unit, Redo::of("scores", f, errs.into())).await;
    };
    let (p, eid, uid) = (s.0.principal.clone(), id.clone(), unit.clone());
    match form_result(run(&state.pool, move |conn| scores::submit(conn, &p, &eid, &uid, &entries)).await)? {
        Ok(_) => Ok(see_other(&format!("/evaluations/{id}"))),
        Err((_, errors)) => render(&state, &s, id, unit, Redo::of("scores", f, errors)).await,
    }
}
