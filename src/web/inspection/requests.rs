//! 函询 in the web client: the requests the unit sent or received (`/info-requests`) and the
//! new-request form (an inspection office's 巡前函询 for one of its rounds; an organisation
//! department's 党风廉政意见 to the discipline commission). The same service calls as
//! `/api/v1/info-requests…`; the request's own page is `request`.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::api::extract::run;
use crate::api::page;
use crate::api::state::AppState;
use crate::domain::inspection::requests::{RequestDraft, RequestKind, RequestSide, TargetStatus};
use crate::policy::info_requests::Direction;
use crate::service::info_requests::choices::{self, NewChoices};
use crate::service::info_requests::create;
use crate::service::info_requests::ledger::{self, InfoRequestItem, ListFilter};
use crate::web::form::{form_result, Fields, Redo};
use crate::web::session::SignedIn;
use crate::web::{chinese_date, page, page_with, see_other, Nav, WebError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    // `/info-requests/new` before `/info-requests/{id}`.
    cfg.service(list).service(new_form).service(create_request);
}

/// A request as a line of the list.
pub struct RequestLine {
    pub id: String,
    pub title: String,
    pub kind: &'static str,
    pub asker: String,
    pub deadline: String,
    pub closed: bool,
    /// The caller's unit sent it.
    pub sent: bool,
    /// For the asker: "已答复 1/3"; for a target: its own status.
    pub status: String,
    pub late: bool,
}

fn line(r: InfoRequestItem) -> RequestLine {
    let sent = r.side == RequestSide::Asker;
    let status = if sent {
        let mut s = format!("已答复 {}/{}", r.counts.answered, r.counts.targets);
        if r.counts.late > 0 {
            s.push_str(&format!(",逾期 {}", r.counts.late));
        }
        s
    } else {
        r.targets.first().map(|t| t.status.label().to_string()).unwrap_or_default()
    };
    RequestLine {
        late: r.counts.late > 0,
        closed: r.state == crate::domain::inspection::requests::RequestState::Closed,
        kind: r.kind.label(),
        deadline: chinese_date(&r.deadline),
        status,
        sent,
        id: r.id,
        title: r.title,
        asker: r.asker_agency_name,
    }
}

#[derive(Template)]
#[template(path = "inspection/requests.html", config = "src/web/askama.toml")]
struct ListPage {
    nav: Nav,
    direction: String,
    kind: String,
    round_id: String,
    kinds: Vec<(&'static str, &'static str)>,
    items: Vec<RequestLine>,
    next: Option<String>,
    /// The kind the unit sends (the new-request button), if any.
    sends: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct ListParams {
    direction: Option<String>,
    kind: Option<String>,
    round_id: Option<String>,
    cursor: Option<String>,
}

/// 函询: the requests the unit sent or received, newest first.
#[get("/info-requests")]
pub async fn list(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, WebError> {
    crate::policy::require_content_reader(&s.principal)?;
    let ListParams { direction, kind, round_id, cursor } = params.into_inner();
    let direction = direction.unwrap_or_default();
    let dir = match direction.as_str() {
        "sent" => Direction::Sent,
        "received" => Direction::Received,
        _ => Direction::Both,
    };
    let kind = kind.as_deref().and_then(RequestKind::parse);
    let round_id = round_id.filter(|r| crate::domain::is_id(r));
    let w = page::window(cursor.as_deref(), Some(20))?;
    let f = ListFilter { direction: dir, kind, round_id: round_id.clone() };
    let p = s.principal.clone();
    let (got, sends) =
        run(&state.pool, move |conn| Ok((ledger::page(conn, &p, &w, &f)?, choices::may_send(conn, &p)?))).await?;
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in [("direction", direction.as_str()), ("kind", kind.map_or("", |k| k.as_str()))] {
        if !v.is_empty() {
            q.append_pair(k, v);
        }
    }
    if let Some(r) = &round_id {
        q.append_pair("round_id", r);
    }
    let next = got.next_cursor.map(|c| {
        q.append_pair("cursor", &c);
        format!("/info-requests?{}", q.finish())
    });
    page(&ListPage {
        nav: Nav::of(&s, "info_requests"),
        direction,
        kind: kind.map(|k| k.as_str().to_string()).unwrap_or_default(),
        round_id: round_id.unwrap_or_default(),
        kinds: RequestKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
        items: got.items.into_iter().map(line).collect(),
        next,
        sends: sends.map(|k| k.label()),
    })
}

#[derive(Template)]
#[template(path = "inspection/request_new.html", config = "src/web/askama.toml")]
struct NewPage {
    nav: Nav,
    kind: &'static str,
    pre: bool,
    choices: NewChoices,
    /// The round chosen (from the round's page, or as posted).
    round_id: String,
    deadline_min: String,
    redo: Redo,
}

async fn new_page(state: &AppState, s: &SignedIn, round_id: String, redo: Redo) -> Result<HttpResponse, WebError> {
    let p = s.0.principal.clone();
    let choices = run(&state.pool, move |conn| choices::for_new(conn, &p)).await?;
    let round_id = Some(redo.value("request", "round_id").to_string()).filter(|r| !r.is_empty()).unwrap_or(round_id);
    page_with(
        redo.status(StatusCode::UNPROCESSABLE_ENTITY),
        &NewPage {
            nav: Nav::of(&s.0, "info_requests"),
            kind: choices.kind.label(),
            pre: choices.kind == RequestKind::PreInspection,
            choices,
            round_id,
            deadline_min: crate::domain::clock::today(),
            redo,
        },
    )
}

#[derive(Deserialize)]
pub struct NewParams {
    round_id: Option<String>,
}

/// 发出函询: the form (an inspection office or an organisation department).
#[get("/info-requests/new")]
pub async fn new_form(
    state: web::Data<AppState>,
    s: SignedIn,
    params: web::Query<NewParams>,
) -> Result<HttpResponse, WebError> {
    new_page(&state, &s, params.into_inner().round_id.unwrap_or_default(), Redo::default()).await
}

#[post("/info-requests/new")]
pub async fn create_request(
    state: web::Data<AppState>,
    s: SignedIn,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let p = s.0.principal.clone();
    let kind = run(&state.pool, move |conn| choices::may_send(conn, &p)).await?;
    let kind = kind.ok_or_else(|| WebError::Forbidden("函询由巡察机构或组织部门发出".into()))?;
    let round_id = Some(f.get("round_id")).filter(|r| !r.is_empty() && kind == RequestKind::PreInspection);
    let draft = RequestDraft::parse(
        kind,
        f.get("title"),
        f.get("note"),
        f.get("deadline"),
        round_id,
        &f.all("target_agency_ids"),
        &f.all("subject_object_ids"),
        &crate::domain::clock::today(),
    );
    let draft = match draft {
        Ok(d) => d,
        Err(e) => return new_page(&state, &s, String::new(), Redo::of("request", f, e.into())).await,
    };
    let p = s.0.principal.clone();
    match form_result(run(&state.pool, move |conn| create::create(conn, &p, &draft)).await)? {
        Ok(v) => Ok(see_other(&format!("/info-requests/{}", v.id))),
        Err((_, errors)) => new_page(&state, &s, String::new(), Redo::of("request", f, errors)).await,
    }
}

/// A status as the page marks it.
pub fn status_class(s: TargetStatus) -> &'static str {
    match s {
        TargetStatus::Answered => "ok",
        TargetStatus::Late => "bad",
        TargetStatus::Pending => "",
    }
}
