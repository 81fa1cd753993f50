//! One request (函询): its facts and subjects, the targets' status table (the asker sees every
//! target, a target its own row), the answers the reader may see, and — by side — the asker's
//! reminder (催办), close and ledger export, or the target's answer form.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;

use crate::api::extract::run;
use crate::api::state::AppState;
use crate::domain::ids::InfoRequestId;
use crate::domain::inspection::requests::{AnswerDraft, Finding, RequestSide, RequestState, TargetStatus};
use crate::service::info_requests::{self as service, answers, choices, ledger, remind, InfoRequestView};
use crate::service::ledger_export::ExportFormat;
use crate::web::form::{form_result, Fields, Redo};
use crate::web::session::SignedIn;
use crate::web::{chinese_date, page_with, see_other, Nav, WebError};

use super::requests::status_class;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(show).service(answer).service(remind_targets).service(close).service(export_csv).service(export_xlsx);
}

pub struct TargetLine {
    pub agency: String,
    pub status: &'static str,
    pub class: &'static str,
    pub answered: i64,
    pub reminded: String,
    pub remind_count: i32,
}

pub struct AnswerLine {
    pub subject: String,
    pub agency: String,
    pub finding: &'static str,
    pub note: String,
    /// (record id, title or a placeholder for a restricted one).
    pub records: Vec<(String, String)>,
    pub hidden: i64,
    pub at: String,
    pub revision: i32,
}

/// A subject as a row of the answer form, with what it says now (the current answer, or what
/// was posted when the form is shown again).
pub struct FormRow {
    pub id: String,
    pub name: String,
    pub finding: String,
    pub note: String,
    pub records: Vec<String>,
}

#[derive(Template)]
#[template(path = "inspection/request.html", config = "src/web/askama.toml")]
struct RequestPage {
    nav: Nav,
    r: InfoRequestView,
    kind: &'static str,
    deadline: String,
    asker: bool,
    open: bool,
    subjects: Vec<(String, &'static str)>,
    targets: Vec<TargetLine>,
    answers: Vec<AnswerLine>,
    unanswered: bool,
    /// The answer form (a target's writers, while open).
    form: Option<Vec<FormRow>>,
    findings: Vec<(&'static str, &'static str)>,
    citable: Vec<(String, String)>,
    redo: Redo,
}

fn request_id(id: &str) -> Result<InfoRequestId, WebError> {
    InfoRequestId::parse(id).ok_or(WebError::NotFound)
}

fn form_rows(r: &InfoRequestView, redo: &Redo) -> Vec<FormRow> {
    r.subjects
        .iter()
        .map(|s| {
            let current = r.answers.iter().find(|a| a.subject_object_id == s.object_id);
            let (f, n, rec) = (
                format!("finding-{}", s.object_id),
                format!("note-{}", s.object_id),
                format!("records-{}", s.object_id),
            );
            if redo.form == "answer" {
                FormRow {
                    id: s.object_id.clone(),
                    name: s.name.clone(),
                    finding: redo.value("answer", &f).to_string(),
                    note: redo.value("answer", &n).to_string(),
                    records: redo.fields.iter().filter(|(k, _)| *k == rec).map(|(_, v)| v.clone()).collect(),
                }
            } else {
                FormRow {
                    id: s.object_id.clone(),
                    name: s.name.clone(),
                    finding: current.map(|a| a.finding.as_str().to_string()).unwrap_or_default(),
                    note: current.map(|a| a.note.clone()).unwrap_or_default(),
                    records: current
                        .map(|a| a.records.iter().map(|x| x.record_id.clone()).collect())
                        .unwrap_or_default(),
                }
            }
        })
        .collect()
}

async fn render(state: &AppState, s: &SignedIn, id: InfoRequestId, redo: Redo) -> Result<HttpResponse, WebError> {
    let p = s.0.principal.clone();
    let (r, citable) = run(&state.pool, move |conn| {
        let r = service::show(conn, &p, &id)?;
        let writer = crate::policy::require_content_writer(&p).is_ok();
        let citable = if r.side == RequestSide::Target && writer && r.state == RequestState::Open {
            Some(choices::citable(conn, &p, &id)?)
        } else {
            None
        };
        Ok((r, citable))
    })
    .await?;
    let names: HashMap<&str, &str> = r.subjects.iter().map(|s| (s.object_id.as_str(), s.name.as_str())).collect();
    let agencies: HashMap<&str, &str> =
        r.targets.iter().map(|t| (t.agency_id.as_str(), t.agency_name.as_str())).collect();
    let targets = r
        .targets
        .iter()
        .map(|t| TargetLine {
            agency: t.agency_name.clone(),
            status: t.status.label(),
            class: status_class(t.status),
            answered: t.answered_subjects,
            reminded: t.reminded_at.as_deref().map(chinese_date).unwrap_or_default(),
            remind_count: t.remind_count,
        })
        .collect();
    let answers = r
        .answers
        .iter()
        .map(|a| AnswerLine {
            subject: names.get(a.subject_object_id.as_str()).unwrap_or(&"").to_string(),
            agency: agencies.get(a.agency_id.as_str()).unwrap_or(&"").to_string(),
            finding: a.finding.label(),
            note: a.note.clone(),
            records: a
                .records
                .iter()
                .map(|x| (x.record_id.clone(), x.title.clone().unwrap_or_else(|| "(受限信息,凭查阅事由查看)".into())))
                .collect(),
            hidden: a.hidden_record_count,
            at: chinese_date(&a.answered_at),
            revision: a.revision,
        })
        .collect();
    let page = RequestPage {
        nav: Nav::of(&s.0, "info_requests"),
        kind: r.kind.label(),
        deadline: chinese_date(&r.deadline),
        asker: r.side == RequestSide::Asker,
        open: r.state == RequestState::Open,
        subjects: r.subjects.iter().map(|s| (s.name.clone(), if s.kind == "unit" { "单位" } else { "个人" })).collect(),
        unanswered: r.targets.iter().any(|t| t.status != TargetStatus::Answered),
        targets,
        answers,
        form: citable.is_some().then(|| form_rows(&r, &redo)),
        findings: Finding::allowed(r.kind).iter().map(|f| (f.as_str(), f.label())).collect(),
        citable: citable.unwrap_or_default(),
        r,
        redo,
    };
    page_with(page.redo.status(StatusCode::UNPROCESSABLE_ENTITY), &page)
}

#[get("/info-requests/{id}")]
pub async fn show(state: web::Data<AppState>, s: SignedIn, id: web::Path<String>) -> Result<HttpResponse, WebError> {
    render(&state, &s, request_id(&id)?, Redo::default()).await
}

/// The answers of the form: each subject with a finding chosen.
fn drafts(f: &Fields) -> Vec<AnswerDraft> {
    f.0.iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("finding-")?, v)))
        .filter(|(_, v)| !v.is_empty())
        .map(|(oid, v)| AnswerDraft {
            subject_object_id: oid.to_string(),
            finding: Finding::parse(v).unwrap_or(Finding::NoneHeld),
            note: f.get(&format!("note-{oid}")).to_string(),
            record_ids: f.all(&format!("records-{oid}")),
        })
        .collect()
}

#[post("/info-requests/{id}/answers")]
pub async fn answer(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let id = request_id(&id)?;
    let (p, rid, list) = (s.0.principal.clone(), id.clone(), drafts(&f));
    match form_result(run(&state.pool, move |conn| answers::answer(conn, &p, &rid, &list)).await)? {
        Ok(_) => Ok(see_other(&format!("/info-requests/{id}"))),
        Err((_, errors)) => render(&state, &s, id, Redo::of("answer", f, errors)).await,
    }
}

#[post("/info-requests/{id}/remind")]
pub async fn remind_targets(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    Fields::parse(&body).check_csrf(&s.0)?;
    let id = request_id(&id)?;
    let (p, rid) = (s.0.principal.clone(), id.clone());
    run(&state.pool, move |conn| remind::remind(conn, &p, &rid)).await?;
    Ok(see_other(&format!("/info-requests/{id}")))
}

#[post("/info-requests/{id}/close")]
pub async fn close(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    Fields::parse(&body).check_csrf(&s.0)?;
    let id = request_id(&id)?;
    let (p, rid) = (s.0.principal.clone(), id.clone());
    run(&state.pool, move |conn| remind::close(conn, &p, &rid)).await?;
    Ok(see_other(&format!("/info-requests/{id}")))
}

async fn export(state: &AppState, s: SignedIn, id: &str, format: ExportFormat) -> Result<HttpResponse, WebError> {
    let (p, rid) = (s.0.principal, request_id(id)?);
    let bytes = run(&state.pool, move |conn| ledger::export(conn, &p, &rid, format)).await?;
    Ok(crate::api::export::attachment(format, "函询答复台账", bytes))
}

#[get("/info-requests/{id}/export.csv")]
pub async fn export_csv(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    export(&state, s, &id, ExportFormat::Csv).await
}

#[get("/info-requests/{id}/export.xlsx")]
pub async fn export_xlsx(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    export(&state, s, &id, ExportFormat::Xlsx).await
}
