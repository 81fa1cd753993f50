//! 会商 — the unit's deliberations, convening one on a clue (发起会商), and one deliberation
//! with its minutes, conclusion, 交办 assignments, 督办 and 办结 (`detail`). The same service
//! calls as `/api/v1/deliberations…`: a deliberation the unit does not take part in is the
//! not-found page, and only the forms the unit's part allows are offered.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::api::extract::run;
use crate::api::page;
use crate::api::state::AppState;
use crate::domain::deliberation::DeliberationDraft;
use crate::domain::ids::RecordId;
use crate::service::deliberations::DeliberationView;
use crate::service::{self};
use crate::web::session::SignedIn;
use crate::web::{chinese_date, page, page_with, see_other, Nav, WebError};

mod detail;

use crate::web::form::{field_errors, Errors, Fields};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(convene_form)
        .service(convene)
        .service(detail::show)
        .service(detail::add_minutes)
        .service(detail::conclude)
        .service(detail::assign)
        .service(detail::urge)
        .service(detail::complete);
}

/// A deliberation's state as people say it.
pub fn state_label(state: &str) -> &'static str {
    match state {
        "open" => "进行中",
        "concluded" => "已结束",
        _ => "—",
    }
}

/// A deliberation as a line of the list.
pub struct DeliberationLine {
    pub id: String,
    pub title: String,
    pub state: &'static str,
    pub open: bool,
    pub convener: String,
    pub participants: String,
    pub created: String,
    pub open_tasks: usize,
    pub convened_here: bool,
}

fn line(d: DeliberationView, names: &HashMap<String, String>, me: &str) -> DeliberationLine {
    let name = |id: &String| names.get(id).cloned().unwrap_or_default();
    DeliberationLine {
        state: state_label(&d.state),
        open: d.state == "open",
        convener: name(&d.convener_agency_id),
        participants: d.participant_agency_ids.iter().map(name).collect::<Vec<_>>().join("、"),
        created: chinese_date(&d.created_at),
        open_tasks: d.assignments.iter().filter(|a| a.assignment.state == "assigned").count(),
        convened_here: d.convener_agency_id == me,
        id: d.id,
        title: d.title,
    }
}

#[derive(Template)]
#[template(path = "deliberations.html", config = "src/web/askama.toml")]
struct ListPage {
    nav: Nav,
    state: String,
    items: Vec<DeliberationLine>,
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct ListParams {
    state: Option<String>,
    cursor: Option<String>,
}

#[get("/deliberations")]
pub async fn list(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, WebError> {
    crate::policy::require_content_reader(&s.principal)?;
    let ListParams { state: wanted, cursor } = params.into_inner();
    let wanted = wanted.filter(|v| crate::contract::DELIBERATION_STATES.contains(&v.as_str()));
    let w = page::window(cursor.as_deref(), Some(20))?;
    let (agency, filter) = (s.principal.agency_id.clone(), wanted.clone());
    let (p, names) = run(&state.pool, move |conn| {
        let p = service::deliberations::page(conn, &agency, &w, filter.as_deref())?;
        let ids: Vec<&String> = p
            .items
            .iter()
            .flat_map(|d| std::iter::once(&d.convener_agency_id).chain(&d.participant_agency_ids))
            .collect();
        let names = service::agencies::names_of(conn, ids)?;
        Ok((p, names))
    })
    .await?;
    let next = p.next_cursor.map(|c| {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        if let Some(v) = &wanted {
            q.append_pair("state", v);
        }
        q.append_pair("cursor", &c);
        format!("/deliberations?{}", q.finish())
    });
    let me = s.principal.agency_id.clone();
    page(&ListPage {
        nav: Nav::of(&s, "deliberations"),
        state: wanted.unwrap_or_default(),
        items: p.items.into_iter().map(|d| line(d, &names, &me)).collect(),
        next,
    })
}

#[derive(Template)]
#[template(path = "deliberation_new.html", config = "src/web/askama.toml")]
struct ConvenePage {
    nav: Nav,
    record_id: String,
    record_title: String,
    candidates: Vec<(String, String)>,
    title: String,
    chosen: Vec<String>,
    minutes: String,
    errors: Errors,
}

impl ConvenePage {
    fn is_chosen(&self, id: &str) -> bool {
        self.chosen.iter().any(|c| c == id)
    }

    fn other_errors(&self) -> Option<String> {
        {
            let others = self.errors.others(&["title", "participant_agency_ids", "minutes"]);
            (!others.is_empty()).then(|| others.join(";"))
        }
    }
}

fn record_id(id: &str) -> Result<RecordId, WebError> {
    RecordId::parse(id).ok_or(WebError::NotFound)
}

/// The convene form, with what was posted and its errors when shown again.
async fn convene_page(
    state: &AppState,
    s: &SignedIn,
    id: RecordId,
    posted: Option<(String, Vec<String>, String)>,
    errors: Errors,
) -> Result<HttpResponse, WebError> {
    let p = s.0.principal.clone();
    let choice = run(&state.pool, move |conn| service::deliberations::convene_choice(conn, &p, &id)).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let (title, chosen, minutes) = posted.unwrap_or_default();
    page_with(
        status,
        &ConvenePage {
            nav: Nav::of(&s.0, "deliberations"),
            record_id: choice.record.id,
            record_title: choice.record.title,
            candidates: choice.candidates,
            title,
            chosen,
            minutes,
            errors,
        },
    )
}

/// 发起会商: the form (the clue's owner or the receiver of its live transfer only).
#[get("/records/{id}/deliberate")]
pub async fn convene_form(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let id = record_id(&id)?;
    convene_page(&state, &s, id, None, Errors::default()).await
}

#[post("/records/{id}/deliberate")]
pub async fn convene(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let id = record_id(&id)?;
    let (title, chosen, minutes) =
        (f.get("title").to_string(), f.all("participant_agency_ids"), f.get("minutes").to_string());
    let posted = (title.clone(), chosen.clone(), minutes.clone());
    let draft = match DeliberationDraft::parse(id.as_str(), title, &chosen, minutes) {
        Ok(d) => d,
        Err(errs) => return convene_page(&state, &s, id, Some(posted), Errors::from(errs)).await,
    };
    let p = s.0.principal.clone();
    match run(&state.pool, move |conn| service::deliberations::open(conn, &p, &draft)).await {
        Ok(d) => Ok(see_other(&format!("/deliberations/{}", d.id))),
        Err(e) => convene_page(&state, &s, id, Some(posted), field_errors(e)?).await,
    }
}
