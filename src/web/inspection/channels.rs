//! 码上巡察 in the web client, for the office running the round: its channels (`/report-channels`),
//! opening one for an inspected unit, one channel with its address, QR code, figures and
//! queue, changing or closing it, and the A4 poster to print. The same service calls as
//! `/api/v1/report-channels…`; a channel of another agency is the not-found page.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;

use crate::api::extract::run;
use crate::api::page;
use crate::api::state::AppState;
use crate::domain::ids::{ChannelId, InspectedUnitId};
use crate::domain::public_report::ReportState;
use crate::service::public_reports::handling::{self, ChannelStats, ReportView};
use crate::service::public_reports::{channels, poster, ChannelDraft, ChannelView};
use crate::web::form::{form_result, Fields, Redo};
use crate::web::session::SignedIn;
use crate::web::{chinese_date, page, page_with, see_other, Nav, WebError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(new_form)
        .service(create)
        .service(show)
        .service(change)
        .service(qr_svg)
        .service(qr_png)
        .service(poster_page);
}

#[derive(Template)]
#[template(path = "inspection/channels.html", config = "src/web/askama.toml")]
struct ListPage {
    nav: Nav,
    channels: Vec<ChannelView>,
}

#[derive(Template)]
#[template(path = "inspection/channel_new.html", config = "src/web/askama.toml")]
struct NewPage {
    nav: Nav,
    unit_id: String,
    liaisons: Vec<(String, String)>,
    today: String,
    redo: Redo,
}

/// A report as a line of the queue.
pub struct QueueLine {
    pub id: String,
    pub number: i32,
    pub state: &'static str,
    pub received: String,
    pub files: usize,
    pub supplements: i32,
}

#[derive(Template)]
#[template(path = "inspection/channel.html", config = "src/web/askama.toml")]
struct ChannelPage {
    nav: Nav,
    c: ChannelView,
    opens: String,
    closes: String,
    stats: ChannelStats,
    queue: Vec<QueueLine>,
    /// The states the queue may be shown by: (wire, label).
    filters: Vec<(&'static str, &'static str)>,
    /// The state it is shown by ("" for all).
    filter: &'static str,
    liaisons: Vec<(String, String)>,
    redo: Redo,
}

#[derive(Template)]
#[template(path = "inspection/channel_poster.html", config = "src/web/askama.toml")]
struct PosterPage {
    c: ChannelView,
    opens: String,
    closes: String,
}

fn channel_id(id: &str) -> Result<ChannelId, WebError> {
    ChannelId::parse(id).ok_or(WebError::NotFound)
}

/// The office's active users, who may be the channel's liaison.
fn liaisons(conn: &mut crate::db::DbConnection, agency_id: &str) -> crate::error::AppResult<Vec<(String, String)>> {
    Ok(crate::service::users::list(conn, Some(agency_id))?
        .into_iter()
        .filter(|u| u.active)
        .map(|u| (u.id, format!("{}({})", u.display_name, u.username)))
        .collect())
}

#[get("/report-channels")]
pub async fn list(state: web::Data<AppState>, s: SignedIn) -> Result<HttpResponse, WebError> {
    let (p, base) = (s.0.principal.clone(), state.settings.public_reports_base().to_string());
    let channels = run(&state.pool, move |conn| channels::list(conn, &p, &base)).await?;
    page(&ListPage { nav: Nav::of(&s.0, "rounds"), channels })
}

async fn render_new(
    state: &AppState,
    s: &SignedIn,
    unit: InspectedUnitId,
    redo: Redo,
) -> Result<HttpResponse, WebError> {
    let (p, u) = (s.0.principal.clone(), unit.clone());
    let liaisons = run(&state.pool, move |conn| {
        // The unit's round's office only (404 to anyone else), as the API's check.
        channels::unit_for_channel(conn, &p, &u)?;
        liaisons(conn, &p.agency_id)
    })
    .await?;
    let today = crate::domain::clock::current().today();
    let page = NewPage { nav: Nav::of(&s.0, "rounds"), unit_id: unit.to_string(), liaisons, today, redo };
    page_with(page.redo.status(StatusCode::UNPROCESSABLE_ENTITY), &page)
}

#[get("/inspected-units/{id}/report-channels/new")]
pub async fn new_form(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let unit = InspectedUnitId::parse(&id).ok_or(WebError::NotFound)?;
    render_new(&state, &s, unit, Redo::default()).await
}

fn draft_of(f: &Fields) -> ChannelDraft {
    let some = |k: &str| Some(f.get(k).to_string()).filter(|v| !v.trim().is_empty());
    ChannelDraft {
        contact_line: some("contact_line"),
        opens_on: some("opens_on"),
        closes_on: some("closes_on"),
        liaison_user_id: Some(some("liaison_user_id")),
    }
}

/// 开通码上巡察.
#[post("/inspected-units/{id}/report-channels")]
pub async fn create(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let unit = InspectedUnitId::parse(&id).ok_or(WebError::NotFound)?;
    let d = draft_of(&f);
    let (p, u, base) = (s.0.principal.clone(), unit.clone(), state.settings.public_reports_base().to_string());
    match form_result(run(&state.pool, move |conn| channels::create(conn, &p, &base, &u, &d)).await)? {
        Ok(c) => Ok(see_other(&format!("/report-channels/{}", c.id))),
        Err((_, errors)) => render_new(&state, &s, unit, Redo::of("channel", f, errors)).await,
    }
}

async fn render(
    state: &AppState,
    s: &SignedIn,
    id: ChannelId,
    state_filter: Option<ReportState>,
    redo: Redo,
) -> Result<HttpResponse, WebError> {
    let (p, base) = (s.0.principal.clone(), state.settings.public_reports_base().to_string());
    let (c, stats, queue, liaisons) = run(&state.pool, move |conn| {
        let c = channels::show(conn, &p, &base, &id)?;
        let stats = handling::stats(conn, &p, &id)?;
        let w = page::window(None, Some(page::MAX_LIMIT))?;
        let queue = handling::queue(conn, &p, &id, state_filter, &w)?.items;
        Ok((c, stats, queue, liaisons(conn, &p.agency_id)?))
    })
    .await?;
    let queue = queue.into_iter().map(|r: ReportView| QueueLine {
        number: r.number,
        state: r.state.label(),
        received: chinese_date(&r.created_at),
        files: r.files.len(),
        supplements: r.supplements,
        id: r.id,
    });
    let page = ChannelPage {
        nav: Nav::of(&s.0, "rounds"),
        opens: chinese_date(&c.opens_on),
        closes: chinese_date(&c.closes_on),
        c,
        stats,
        queue: queue.collect(),
        filters: super::public_report::filters(),
        filter: state_filter.map(|s| s.as_str()).unwrap_or(""),
        liaisons,
        redo,
    };
    page_with(page.redo.status(StatusCode::UNPROCESSABLE_ENTITY), &page)
}

#[derive(serde::Deserialize)]
pub struct QueueFilter {
    state: Option<String>,
}

#[get("/report-channels/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    q: web::Query<QueueFilter>,
) -> Result<HttpResponse, WebError> {
    let filter = q.state.as_deref().and_then(ReportState::parse);
    render(&state, &s, channel_id(&id)?, filter, Redo::default()).await
}

/// Changes the contact line, the period or the liaison; `close` closes the channel now.
#[post("/report-channels/{id}")]
pub async fn change(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let id = channel_id(&id)?;
    let close = f.get("close") == "1";
    let d = if close { ChannelDraft::default() } else { draft_of(&f) };
    let (p, cid, base) = (s.0.principal.clone(), id.clone(), state.settings.public_reports_base().to_string());
    let r = run(&state.pool, move |conn| channels::update(conn, &p, &base, &cid, None, &d, close)).await;
    match form_result(r)? {
        Ok(_) => Ok(see_other(&format!("/report-channels/{id}"))),
        Err((_, errors)) => {
            render(&state, &s, id, None, Redo::of(if close { "close" } else { "change" }, f, errors)).await
        }
    }
}

async fn url_of(state: &AppState, s: &SignedIn, id: &str) -> Result<ChannelView, WebError> {
    let (p, id, base) = (s.0.principal.clone(), channel_id(id)?, state.settings.public_reports_base().to_string());
    Ok(run(&state.pool, move |conn| channels::show(conn, &p, &base, &id)).await?)
}

#[get("/report-channels/{id}/qr.svg")]
pub async fn qr_svg(state: web::Data<AppState>, s: SignedIn, id: web::Path<String>) -> Result<HttpResponse, WebError> {
    let c = url_of(&state, &s, &id).await?;
    Ok(HttpResponse::Ok().content_type("image/svg+xml").body(poster::svg(&c.public_url)?))
}

#[get("/report-channels/{id}/qr.png")]
pub async fn qr_png(state: web::Data<AppState>, s: SignedIn, id: web::Path<String>) -> Result<HttpResponse, WebError> {
    let c = url_of(&state, &s, &id).await?;
    Ok(HttpResponse::Ok()
        .content_type("image/png")
        .insert_header(("Content-Disposition", "attachment; filename=\"qrcode.png\""))
        .body(poster::png(&c.public_url)?))
}

/// The A4 poster: the team, the unit, the period, the QR code and the contact line, for the
/// browser's print (打印为 A4).
#[get("/report-channels/{id}/poster")]
pub async fn poster_page(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let c = url_of(&state, &s, &id).await?;
    page(&PosterPage { opens: chinese_date(&c.opens_on), closes: chinese_date(&c.closes_on), c })
}
