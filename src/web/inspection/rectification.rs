//! 反馈与整改 — one inspected unit's feedback (and its three signatures), rectification plans
//! (submitted by the unit, reviewed on the 三不过 grounds) and four-party reviews, for the
//! office, the participants and the unit's own account. The same service calls as
//! `/api/v1/inspected-units/{id}/feedback…`; what the caller may do comes from the service.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;

use crate::api::extract::run;
use crate::api::state::AppState;
use crate::domain::ids::{FindingId, InspectedUnitId, PlanId, ReviewId};
use crate::domain::inspection::four_party::{ItemVerdict, ReviewParty, VerdictDraft};
use crate::domain::inspection::rectification::{PlanVerdict, RejectGround, SignatureParty, TaskDraft};
use crate::service::inspection::rectification::feedback::{self, ProblemInput};
use crate::service::inspection::rectification::overview::{self, RectificationOverview};
use crate::service::inspection::rectification::{four_party, plans};
use crate::web::form::{form_result, Fields, Redo};
use crate::web::session::SignedIn;
use crate::web::{chinese_date, page_with, see_other, Nav, WebError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(show)
        .service(issue_feedback)
        .service(sign_feedback)
        .service(submit_plan)
        .service(review_plan)
        .service(open_review)
        .service(record_verdicts)
        .service(conclude_review);
}

#[derive(Template)]
#[template(path = "inspection/rectification.html", config = "src/web/askama.toml")]
struct RectificationPage {
    nav: Nav,
    o: RectificationOverview,
    name: String,
    parties: Vec<(&'static str, &'static str)>,
    grounds: Vec<(&'static str, &'static str)>,
    review_parties: Vec<(&'static str, &'static str)>,
    today: String,
    redo: Redo,
}

impl RectificationPage {
    fn agency(&self, id: &str) -> String {
        self.o.names.get(id).cloned().unwrap_or_else(|| "—".into())
    }
    fn day(&self, t: &str) -> String {
        chinese_date(t)
    }
    /// The problem of a finding as the feedback words it.
    fn problem(&self, finding_id: &str) -> String {
        let listed = self.o.feedback.as_ref().and_then(|f| f.problems.iter().find(|p| p.finding_id == finding_id));
        listed.map(|p| p.text.clone()).unwrap_or_default()
    }
    /// An item's task.
    fn task(&self, item_id: &str) -> String {
        self.o.items.iter().find(|i| i.id == item_id).map(|i| i.task.clone()).unwrap_or_default()
    }
}

fn unit_id(id: &str) -> Result<InspectedUnitId, WebError> {
    InspectedUnitId::parse(id).ok_or(WebError::NotFound)
}

async fn render(state: &AppState, s: &SignedIn, id: InspectedUnitId, redo: Redo) -> Result<HttpResponse, WebError> {
    let p = s.0.principal.clone();
    let (o, name) = run(&state.pool, move |conn| {
        let name = crate::service::inspection::rounds::show_unit(conn, &p, &id)?.object_name;
        Ok((overview::unit(conn, &p, &id)?, name))
    })
    .await?;
    let own = o.who == crate::policy::rectification::Rectifier::OwnUnit;
    let page = RectificationPage {
        nav: Nav::of(&s.0, if own { "rectification" } else { "rounds" }),
        parties: o.may_sign.iter().map(|p| (p.as_str(), p.label())).collect(),
        grounds: RejectGround::ALL.iter().map(|g| (g.as_str(), g.label())).collect(),
        review_parties: o.review_parties.iter().map(|p| (p.as_str(), p.label())).collect(),
        today: crate::domain::clock::today(),
        o,
        name,
        redo,
    };
    page_with(page.redo.status(StatusCode::UNPROCESSABLE_ENTITY), &page)
}

fn back(id: &str) -> HttpResponse {
    see_other(&format!("/inspected-units/{id}/rectification"))
}

/// 反馈与整改 of one unit.
#[get("/inspected-units/{id}/rectification")]
pub async fn show(state: web::Data<AppState>, s: SignedIn, id: web::Path<String>) -> Result<HttpResponse, WebError> {
    render(&state, &s, unit_id(&id)?, Redo::default()).await
}

/// Every value posted for `name`, empty ones included (rows of a table stay aligned).
fn column(f: &Fields, name: &str) -> Vec<String> {
    f.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
}

/// 下发反馈意见: the problems ticked, in the office's words (their titles).
#[post("/inspected-units/{id}/feedback")]
pub async fn issue_feedback(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let id = unit_id(&id)?;
    let problems: Vec<ProblemInput> = f
        .all("finding_ids")
        .iter()
        .filter_map(|v| FindingId::parse(v))
        .map(|finding_id| ProblemInput { finding_id, text: None, category: None })
        .collect();
    let (p, uid, summary) = (s.0.principal.clone(), id.clone(), f.get("summary").to_string());
    match form_result(run(&state.pool, move |conn| feedback::issue(conn, &p, &uid, &summary, &problems)).await)? {
        Ok(_) => Ok(back(&id)),
        Err((_, errors)) => render(&state, &s, id, Redo::of("feedback", f, errors)).await,
    }
}

/// 签字背书: one party's signature.
#[post("/inspected-units/{id}/feedback/signatures")]
pub async fn sign_feedback(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let id = unit_id(&id)?;
    let party = SignatureParty::parse(f.get("party")).ok_or(WebError::BadForm)?;
    let (p, uid, name) = (s.0.principal.clone(), id.clone(), f.get("signer_name").to_string());
    match form_result(run(&state.pool, move |conn| feedback::sign(conn, &p, &uid, party, &name)).await)? {
        Ok(_) => Ok(back(&id)),
        Err((_, errors)) => render(&state, &s, id, Redo::of("sign", f, errors)).await,
    }
}

/// 提交整改方案: the summary and one row per problem (task, measure, person, deadline).
#[post("/inspected-units/{id}/plans")]
pub async fn submit_plan(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let id = unit_id(&id)?;
    let (findings, tasks, measures) = (column(&f, "finding_id"), column(&f, "task"), column(&f, "measure"));
    let (people, deadlines) = (column(&f, "responsible_person"), column(&f, "deadline"));
    let at = |v: &[String], i: usize| v.get(i).cloned().unwrap_or_default();
    let rows: Vec<TaskDraft> = (0..findings.len())
        .map(|i| TaskDraft {
            finding_id: at(&findings, i),
            task: at(&tasks, i),
            measure: at(&measures, i),
            responsible_person: at(&people, i),
            deadline: at(&deadlines, i),
        })
        .collect();
    let (p, uid, summary) = (s.0.principal.clone(), id.clone(), f.get("summary").to_string());
    match form_result(run(&state.pool, move |conn| plans::submit(conn, &p, &uid, &summary, rows)).await)? {
        Ok(_) => Ok(back(&id)),
        Err((_, errors)) => render(&state, &s, id, Redo::of("plan", f, errors)).await,
    }
}

/// 审核整改方案: approve, or reject on the 三不过 grounds with an opinion.
#[post("/rectification-plans/{id}/review")]
pub async fn review_plan(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let id = PlanId::parse(&id).ok_or(WebError::NotFound)?;
    let verdict = PlanVerdict::parse(f.get("verdict")).ok_or(WebError::BadForm)?;
    let grounds: Vec<RejectGround> = f.all("grounds").iter().filter_map(|g| RejectGround::parse(g)).collect();
    let (p, pid, opinion) = (s.0.principal.clone(), id.clone(), f.get("opinion").to_string());
    let r = run(&state.pool, move |conn| plans::review(conn, &p, &pid, verdict, &grounds, &opinion)).await;
    match form_result(r)? {
        Ok(v) => Ok(back(&v.inspected_unit_id)),
        Err((_, errors)) => {
            let p = s.0.principal.clone();
            let uid = run(&state.pool, move |conn| plans::show(conn, &p, &id)).await?.inspected_unit_id;
            render(&state, &s, unit_id(&uid)?, Redo::of("review", f, errors)).await
        }
    }
}

/// 开始四方会审 (the office).
#[post("/inspected-units/{id}/reviews")]
pub async fn open_review(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let id = unit_id(&id)?;
    let (p, uid) = (s.0.principal.clone(), id.clone());
    match form_result(run(&state.pool, move |conn| four_party::open(conn, &p, &uid)).await)? {
        Ok(_) => Ok(back(&id)),
        Err((_, errors)) => render(&state, &s, id, Redo::of("open", f, errors)).await,
    }
}

/// 录入会审意见: one party's verdict on each item (`verdict-<item>`, `opinion-<item>`).
#[post("/four-party-reviews/{id}/verdicts")]
pub async fn record_verdicts(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let id = ReviewId::parse(&id).ok_or(WebError::NotFound)?;
    let party = ReviewParty::parse(f.get("party")).ok_or(WebError::BadForm)?;
    let verdicts: Vec<VerdictDraft> = f
        .all("item_id")
        .into_iter()
        .filter_map(|item| {
            let verdict = ItemVerdict::parse(f.get(&format!("verdict-{item}")))?;
            Some(VerdictDraft { opinion: f.get(&format!("opinion-{item}")).to_string(), item_id: item, verdict })
        })
        .collect();
    let (p, rid, signer) = (s.0.principal.clone(), id.clone(), f.get("signer_name").to_string());
    let r = run(&state.pool, move |conn| four_party::record(conn, &p, &rid, party, &signer, &verdicts)).await;
    match form_result(r)? {
        Ok(v) => Ok(back(&v.inspected_unit_id)),
        Err((_, errors)) => {
            let (p, rid) = (s.0.principal.clone(), id.clone());
            let uid = run(&state.pool, move |conn| four_party::show(conn, &p, &rid)).await?.inspected_unit_id;
            render(&state, &s, unit_id(&uid)?, Redo::of("verdicts", f, errors)).await
        }
    }
}

/// 会审结论 (the office).
#[post("/four-party-reviews/{id}/conclude")]
pub async fn conclude_review(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let id = ReviewId::parse(&id).ok_or(WebError::NotFound)?;
    let (p, rid) = (s.0.principal.clone(), id.clone());
    match form_result(run(&state.pool, move |conn| four_party::conclude(conn, &p, &rid)).await)? {
        Ok(v) => Ok(back(&v.inspected_unit_id)),
        Err((_, errors)) => {
            let (p, rid) = (s.0.principal.clone(), id.clone());
            let uid = run(&state.pool, move |conn| four_party::show(conn, &p, &rid)).await?.inspected_unit_id;
            render(&state, &s, unit_id(&uid)?, Redo::of("conclude", f, errors)).await
        }
    }
}
