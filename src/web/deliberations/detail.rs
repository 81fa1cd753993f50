//! One deliberation: its facts, minutes and conclusion, its 交办 tasks, and the forms the
//! viewer's unit may use — minutes by any participant while open, conclusion, 交办 and 督办
//! by the convener, 办结 by the task's assignee (`policy::deliberation`).

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;

use crate::api::extract::run;
use crate::api::state::AppState;
use crate::domain::ids::{AgencyId, AssignmentId, DeliberationId};
use crate::error::AppError;
use crate::policy::{self, ConveneAction};
use crate::service::deliberations::AssignmentView;
use crate::service::{self};
use crate::web::session::SignedIn;
use crate::web::{chinese_date, page_with, see_other, Nav, WebError};

use super::state_label;
use crate::web::form::{field_errors, Errors, Fields};

/// A form shown again with its errors: which one (`minutes`, `conclude`, `assign`,
/// `urge-<task>`, `complete-<task>`), what was typed, and the errors.
#[derive(Default)]
pub struct Redo {
    pub form: String,
    pub text: String,
    pub agency_id: String,
    pub deadline: String,
    pub errors: Errors,
}

impl Redo {
    /// The error of `field` when `form` is the one shown again.
    pub fn err(&self, form: &str, field: &str) -> Option<String> {
        (self.form == form).then(|| self.errors.get(field)).flatten()
    }

    /// What was typed into `form`'s text ("" for any other form).
    pub fn text_of(&self, form: &str) -> &str {
        if self.form == form {
            &self.text
        } else {
            ""
        }
    }
}

/// A task as the page shows it, with the actions the viewer's unit may take on it.
pub struct TaskLine {
    pub id: String,
    pub assignee: String,
    pub task: String,
    pub deadline: String,
    pub done: bool,
    pub overdue: bool,
    pub urge_count: i32,
    pub last_urge: Option<String>,
    pub last_urged: String,
    pub result: Option<String>,
    pub done_at: String,
    pub may_urge: bool,
    pub may_complete: bool,
}

#[derive(Template)]
#[template(path = "deliberation.html", config = "src/web/askama.toml")]
struct DetailPage {
    nav: Nav,
    id: String,
    title: String,
    state: &'static str,
    open: bool,
    record_id: String,
    convener: String,
    participants: Vec<String>,
    minutes: String,
    conclusion: Option<String>,
    created: String,
    concluded: Option<String>,
    tasks: Vec<TaskLine>,
    /// (unit id, name) a task may be assigned to: the participants.
    assignees: Vec<(String, String)>,
    may_add_minutes: bool,
    may_conclude: bool,
    may_assign: bool,
    redo: Redo,
}

fn deliberation_id(id: &str) -> Result<DeliberationId, WebError> {
    DeliberationId::parse(id).ok_or(WebError::NotFound)
}

fn assignment_id(id: &str) -> Result<AssignmentId, WebError> {
    AssignmentId::parse(id).ok_or(WebError::NotFound)
}

/// The page of deliberation `id` (404 unless the unit convened it or takes part), with a
/// form shown again when `redo` names one.
async fn render(state: &AppState, s: &SignedIn, id: DeliberationId, redo: Redo) -> Result<HttpResponse, WebError> {
    let p = s.0.principal.clone();
    let (d, names) = run(&state.pool, move |conn| {
        let d = service::deliberations::show(conn, &p, &id)?;
        let ids: Vec<&String> = std::iter::once(&d.convener_agency_id)
            .chain(&d.participant_agency_ids)
            .chain(d.assignments.iter().map(|a| &a.assignment.agency_id))
            .collect();
        let names = service::agencies::names_of(conn, ids)?;
        Ok((d, names))
    })
    .await?;
    let name = |id: &str| names.get(id).cloned().unwrap_or_default();
    let me = s.0.principal.agency_id.as_str();
    let writes = policy::require_content_writer(&s.0.principal).is_ok();
    let open = d.state == "open";
    let convener = |a| writes && policy::require_convener(me, &d.convener_agency_id, a).is_ok();
    let tasks = d
        .assignments
        .iter()
        .map(|AssignmentView { assignment: a, overdue }| {
            let assigned = a.state == "assigned";
            TaskLine {
                id: a.id.clone(),
                assignee: name(&a.agency_id),
                task: a.task.clone(),
                deadline: chinese_date(&a.deadline),
                done: !assigned,
                overdue: *overdue,
                urge_count: a.urge_count,
                last_urge: a.last_urge_note.clone(),
                last_urged: a.last_urged_at.as_deref().map(chinese_date).unwrap_or_default(),
                result: a.result.clone(),
                done_at: a.done_at.as_deref().map(chinese_date).unwrap_or_default(),
                may_urge: assigned && convener(ConveneAction::Urge),
                may_complete: assigned && writes && policy::require_assignee(me, &a.agency_id).is_ok(),
            }
        })
        .collect();
    let status = if redo.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    page_with(
        status,
        &DetailPage {
            nav: Nav::of(&s.0, "deliberations"),
            state: state_label(&d.state),
            convener: name(&d.convener_agency_id),
            participants: d.participant_agency_ids.iter().map(|a| name(a)).collect(),
            assignees: d.participant_agency_ids.iter().map(|a| (a.clone(), name(a))).collect(),
            created: chinese_date(&d.created_at),
            concluded: d.concluded_at.as_deref().map(chinese_date),
            may_add_minutes: writes && open,
            may_conclude: open && convener(ConveneAction::Conclude),
            may_assign: convener(ConveneAction::Assign),
            tasks,
            open,
            id: d.id,
            title: d.title,
            record_id: d.record_id,
            minutes: d.minutes,
            conclusion: d.conclusion,
            redo,
        },
    )
}

#[get("/deliberations/{id}")]
pub async fn show(state: web::Data<AppState>, s: SignedIn, id: web::Path<String>) -> Result<HttpResponse, WebError> {
    let id = deliberation_id(&id)?;
    render(&state, &s, id, Redo::default()).await
}

/// After a change: on to the deliberation's page, or its page again with the form's errors.
async fn after<T>(
    state: &AppState,
    s: &SignedIn,
    id: DeliberationId,
    done: Result<T, AppError>,
    redo: Redo,
) -> Result<HttpResponse, WebError> {
    match done {
        Ok(_) => Ok(see_other(&format!("/deliberations/{id}"))),
        Err(e) => render(state, s, id, Redo { errors: field_errors(e)?, ..redo }).await,
    }
}

/// 会商纪要: any participant adds to the minutes while the deliberation is open.
#[post("/deliberations/{id}/minutes")]
pub async fn add_minutes(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let id = deliberation_id(&id)?;
    let (p, text, did) = (s.0.principal.clone(), f.get("text").to_string(), id.clone());
    let t = text.clone();
    let done = run(&state.pool, move |conn| service::deliberations::add_minutes(conn, &p, &did, &t)).await;
    after(&state, &s, id, done, Redo { form: "minutes".into(), text, ..Redo::default() }).await
}

/// 会商结论: the convener concludes.
#[post("/deliberations/{id}/conclude")]
pub async fn conclude(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let id = deliberation_id(&id)?;
    let (p, text, did) = (s.0.principal.clone(), f.get("conclusion").to_string(), id.clone());
    let t = text.clone();
    let done = run(&state.pool, move |conn| service::deliberations::conclude(conn, &p, &did, &t)).await;
    after(&state, &s, id, done, Redo { form: "conclude".into(), text, ..Redo::default() }).await
}

/// 交办: the convener assigns a task with a deadline to a participant.
#[post("/deliberations/{id}/assignments")]
pub async fn assign(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let id = deliberation_id(&id)?;
    let (task, agency, deadline) =
        (f.get("task").to_string(), f.get("agency_id").to_string(), f.get("deadline").to_string());
    let redo = Redo {
        form: "assign".into(),
        text: task.clone(),
        agency_id: agency.clone(),
        deadline: deadline.clone(),
        ..Redo::default()
    };
    let done = match AgencyId::parse(&agency) {
        None => Err(AppError::validation("agency_id", "请选择承办单位")),
        Some(a) => {
            let (p, did) = (s.0.principal.clone(), id.clone());
            run(&state.pool, move |conn| service::deliberations::assign(conn, &p, &did, &a, &task, &deadline)).await
        }
    };
    after(&state, &s, id, done, redo).await
}

/// The deliberation a task belongs to, for the page a refused 督办/办结 is shown on again.
async fn task_deliberation(state: &AppState, s: &SignedIn, aid: &AssignmentId) -> Result<DeliberationId, WebError> {
    let (p, aid) = (s.0.principal.clone(), aid.clone());
    let a = run(&state.pool, move |conn| service::deliberations::assignment(conn, &p, &aid)).await?;
    Ok(DeliberationId::from_stored(a.deliberation_id))
}

/// A change to one task (督办 or 办结): on to its deliberation, or the page again with errors.
async fn task_change(
    state: &AppState,
    s: &SignedIn,
    aid: AssignmentId,
    done: Result<service::deliberations::Assignment, AppError>,
    redo: Redo,
) -> Result<HttpResponse, WebError> {
    match done {
        Ok(a) => Ok(see_other(&format!("/deliberations/{}", a.deliberation_id))),
        Err(e) => {
            let errors = field_errors(e)?;
            let id = task_deliberation(state, s, &aid).await?;
            render(state, s, id, Redo { errors, ..redo }).await
        }
    }
}

/// 督办: the convener urges an open task.
#[post("/assignments/{id}/urge")]
pub async fn urge(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let aid = assignment_id(&id)?;
    let (p, note, a) = (s.0.principal.clone(), f.get("note").to_string(), aid.clone());
    let n = note.clone();
    let done = run(&state.pool, move |conn| service::deliberations::urge(conn, &p, &a, &n)).await;
    let redo = Redo { form: format!("urge-{aid}"), text: note, ..Redo::default() };
    task_change(&state, &s, aid, done, redo).await
}

/// 办结: the assignee reports its task done.
#[post("/assignments/{id}/complete")]
pub async fn complete(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let aid = assignment_id(&id)?;
    let (p, result, a) = (s.0.principal.clone(), f.get("result").to_string(), aid.clone());
    let r = result.clone();
    let done = run(&state.pool, move |conn| service::deliberations::complete(conn, &p, &a, &r)).await;
    let redo = Redo { form: format!("complete-{aid}"), text: result, ..Redo::default() };
    task_change(&state, &s, aid, done, redo).await
}
