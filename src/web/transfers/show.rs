//! One transfer (`GET /api/v1/transfers/{id}`): the clue it carries, its timeline, and the
//! forms of exactly the steps the unit may take now (`POST /api/v1/transfers/{id}/…`).

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::transfer_id;
use crate::api::extract::run;
use crate::api::state::AppState;
use crate::domain::ids::TransferId;
use crate::domain::transfer::{Command, Outcome, Sanctions, TransferAction};
use crate::error::{AppError, FieldError};
use crate::service::transfers::TransferView;
use crate::service::web_sessions::WebSession;
use crate::service::{self};
use crate::web::form::Errors;
use crate::web::session::{check_csrf, SignedIn};
use crate::web::{chinese_date, page_with, see_other, Nav, WebError};

/// A step of the timeline.
pub struct Step {
    pub what: &'static str,
    pub by: String,
    pub at: String,
}

/// What the step forms were filled with (kept when shown again with errors).
#[derive(Default, Deserialize)]
pub struct StepValues {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    disciplinary: String,
    #[serde(default)]
    organizational: String,
    #[serde(default)]
    judicial: String,
}

#[derive(Template)]
#[template(path = "transfer.html", config = "src/web/askama.toml")]
struct TransferPage {
    nav: Nav,
    t: TransferView,
    /// Sent by the viewer's unit (else received).
    sent: bool,
    state_class: &'static str,
    deadline: String,
    outcome: Option<&'static str>,
    timeline: Vec<Step>,
    /// The steps offered, by their wire name (`accept`, `start`, …).
    steps: Vec<&'static str>,
    outcomes: Vec<(&'static str, &'static str)>,
    values: StepValues,
    errors: Errors,
    purpose_error: Option<String>,
}

impl TransferPage {
    fn error(&self, field: &str) -> Option<String> {
        self.errors.get(field)
    }
    fn offers(&self, step: &str) -> bool {
        self.steps.contains(&step)
    }
}

fn timeline(t: &TransferView) -> Vec<Step> {
    let (from, to) = (&t.from_agency_name, &t.to_agency_name);
    let mut steps: Vec<(&String, &'static str, &String)> = vec![(&t.created_at, "移交", from)];
    for (at, what) in [
        (&t.accepted_at, "接收"),
        (&t.started_at, "开始办理"),
        (&t.concluded_at, "办结"),
        (&t.closed_at, "反馈办理结果"),
        (&t.returned_at, "退回"),
    ] {
        if let Some(at) = at {
            steps.push((at, what, to));
        }
    }
    steps.sort_by(|a, b| a.0.cmp(b.0));
    steps.into_iter().map(|(at, what, by)| Step { what, by: by.clone(), at: chinese_date(at) }).collect()
}

struct Shown {
    values: StepValues,
    errors: Vec<FieldError>,
    purpose_error: Option<String>,
    status: StatusCode,
}

impl Shown {
    fn plain() -> Shown {
        Shown { values: StepValues::default(), errors: vec![], purpose_error: None, status: StatusCode::OK }
    }
}

/// Shows the transfer read with `purpose` (if any).
async fn show(
    state: &AppState,
    s: &WebSession,
    id: TransferId,
    purpose: Option<String>,
    shown: Shown,
) -> Result<HttpResponse, WebError> {
    let p = s.principal.clone();
    let t = run(&state.pool, move |conn| service::transfers::show(conn, &p, &id, purpose.as_deref())).await?;
    let steps = service::transfers::steps_open_to(&s.principal, &t).into_iter().map(TransferAction::as_str).collect();
    page_with(
        shown.status,
        &TransferPage {
            nav: Nav::of(s, "transfers"),
            sent: t.from_agency_id == s.principal.agency_id,
            state_class: super::state_class(t.state),
            deadline: chinese_date(&t.deadline),
            outcome: t.outcome.map(Outcome::label),
            timeline: timeline(&t),
            steps,
            outcomes: Outcome::ALL.iter().map(|o| (o.as_str(), o.label())).collect(),
            values: shown.values,
            errors: Errors::from(shown.errors),
            purpose_error: shown.purpose_error,
            t,
        },
    )
}

#[get("/transfers/{id}")]
pub async fn transfer(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let id = transfer_id(&id)?;
    show(&state, &s, id, None, Shown::plain()).await
}

#[derive(Deserialize)]
pub struct PurposeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    purpose: String,
}

/// The transfer of a restricted clue read for the stated purpose (audited with it).
#[post("/transfers/{id}/read")]
pub async fn read_with_purpose(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    id: web::Path<String>,
    f: web::Form<PurposeForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&s.csrf_token, &f.csrf)?;
    let id = transfer_id(&id)?;
    let purpose = f.into_inner().purpose.trim().to_string();
    if purpose.is_empty() || purpose.chars().count() > 200 {
        let shown = Shown {
            purpose_error: Some("请填写查阅事由(不超过 200 个字)".into()),
            status: StatusCode::UNPROCESSABLE_ENTITY,
            ..Shown::plain()
        };
        return show(&state, &s, id, None, shown).await;
    }
    show(&state, &s, id, Some(purpose), Shown::plain()).await
}

#[derive(Deserialize)]
pub struct StepForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    values: StepValues,
}

/// A count of persons as typed: empty is none; anything but a whole number is an error.
fn persons(field: &str, v: &str, errs: &mut Vec<FieldError>) -> i32 {
    match v.trim() {
        "" => 0,
        v => v.parse().unwrap_or_else(|_| {
            errs.push(FieldError::new(field, "请填写人数(0 或正整数)"));
            0
        }),
    }
}

/// The command a step form asks for, or the fields it lacks.
fn command(action: TransferAction, v: &StepValues) -> Result<Command, Vec<FieldError>> {
    Ok(match action {
        TransferAction::Accept => Command::Accept,
        TransferAction::Start => Command::Start,
        TransferAction::Return => Command::Return { reason: v.reason.clone() },
        TransferAction::Feedback => Command::Feedback { note: v.note.clone() },
        TransferAction::Conclude => {
            let mut errs = Vec::new();
            let outcome = Outcome::parse(&v.outcome);
            if outcome.is_none() {
                errs.push(FieldError::new("outcome", "请选择处置结果(四种形态之一或了结澄清)"));
            }
            let sanctions = Sanctions {
                disciplinary: persons("sanctions.disciplinary", &v.disciplinary, &mut errs),
                organizational: persons("sanctions.organizational", &v.organizational, &mut errs),
                judicial: persons("sanctions.judicial", &v.judicial, &mut errs),
            };
            match outcome {
                Some(outcome) if errs.is_empty() => {
                    Command::Conclude { outcome, sanctions, summary: v.summary.clone() }
                }
                _ => return Err(errs),
            }
        }
    })
}

/// One step (接收, 开始办理, 办结, 反馈, 退回); bad input shows the page again with the
/// errors next to the fields, any other refusal is an error page.
#[post("/transfers/{id}/{action}")]
pub async fn take_step(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    path: web::Path<(String, String)>,
    f: web::Form<StepForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&s.csrf_token, &f.csrf)?;
    let (id, action) = path.into_inner();
    let id = transfer_id(&id)?;
    let action = TransferAction::parse(&action).ok_or(WebError::NotFound)?;
    let values = f.into_inner().values;
    let errors = match command(action, &values) {
        Ok(cmd) => {
            let (p, id) = (s.principal.clone(), id.clone());
            match run(&state.pool, move |conn| service::transfers::step(conn, &p, &id, cmd, None)).await {
                Ok(t) => return Ok(see_other(&format!("/transfers/{}", t.id))),
                Err(AppError::Validation(errs)) => errs,
                Err(e) => return Err(e.into()),
            }
        }
        Err(errs) => {
            // Not sent to the service: refused here as it would be, unless the unit may
            // take this step now (a transfer it may not see is not found).
            let (p, id) = (s.principal.clone(), id.clone());
            let t = run(&state.pool, move |conn| service::transfers::show(conn, &p, &id, None)).await?;
            if !service::transfers::steps_open_to(&s.principal, &t).contains(&action) {
                return Err(WebError::Forbidden(format!("您所在单位现在不能对此移交执行“{}”", action.label())));
            }
            errs
        }
    };
    let shown = Shown { values, errors, purpose_error: None, status: StatusCode::UNPROCESSABLE_ENTITY };
    show(&state, &s, id, None, shown).await
}
