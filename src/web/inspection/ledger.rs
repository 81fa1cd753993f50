//! 整改台账 — a unit's three lists (问题清单, 任务清单, 责任清单) with their exports and the
//! office's batch 对账销号, and one item's page: its history, progress notes and evidence files
//! (uploaded as a form file) by the unit, its steps. The same service calls as the API.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use futures_util::StreamExt;

use crate::api::extract::run;
use crate::api::state::AppState;
use crate::domain::ids::{parse_list, EvidenceId, InspectedUnitId, ItemId};
use crate::domain::inspection::rectification::{LedgerList, LedgerStep};
use crate::service::inspection::rectification::overview::{self, ItemPage, LedgerPage};
use crate::service::inspection::rectification::{evidence, items, lists};
use crate::service::ledger_export::ExportFormat;
use crate::web::form::{form_result, Errors, Fields, Redo};
use crate::web::session::SignedIn;
use crate::web::{chinese_date, page_with, see_other, Nav, WebError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(export_csv)
        .service(export_xlsx)
        .service(show)
        .service(batch)
        .service(item)
        .service(add_note)
        .service(upload)
        .service(step)
        .service(download);
}

#[derive(Template)]
#[template(path = "inspection/ledger.html", config = "src/web/askama.toml")]
struct LedgerTemplate {
    nav: Nav,
    l: LedgerPage,
    steps: Vec<(&'static str, &'static str)>,
    redo: Redo,
}

impl LedgerTemplate {
    fn day(&self, t: &str) -> String {
        chinese_date(t)
    }
}

fn unit_id(id: &str) -> Result<InspectedUnitId, WebError> {
    InspectedUnitId::parse(id).ok_or(WebError::NotFound)
}

fn item_id(id: &str) -> Result<ItemId, WebError> {
    ItemId::parse(id).ok_or(WebError::NotFound)
}

async fn render(state: &AppState, s: &SignedIn, id: InspectedUnitId, redo: Redo) -> Result<HttpResponse, WebError> {
    let p = s.0.principal.clone();
    let l = run(&state.pool, move |conn| overview::ledger(conn, &p, &id)).await?;
    let mut steps = vec![];
    if l.works_items {
        steps.push(LedgerStep::Submit);
    }
    if l.verifies_items {
        steps.extend([LedgerStep::Close, LedgerStep::SendBack]);
    }
    let own = s.0.principal.has(crate::domain::Role::Inspected);
    let page = LedgerTemplate {
        nav: Nav::of(&s.0, if own { "rectification" } else { "rounds" }),
        l,
        steps: steps.into_iter().map(|st| (st.as_str(), st.label())).collect(),
        redo,
    };
    page_with(page.redo.status(StatusCode::UNPROCESSABLE_ENTITY), &page)
}

/// 整改台账 of one unit.
#[get("/inspected-units/{id}/ledger")]
pub async fn show(state: web::Data<AppState>, s: SignedIn, id: web::Path<String>) -> Result<HttpResponse, WebError> {
    render(&state, &s, unit_id(&id)?, Redo::default()).await
}

#[derive(serde::Deserialize)]
pub struct ListParam {
    list: Option<String>,
}

async fn export(
    state: web::Data<AppState>,
    s: SignedIn,
    id: &str,
    list: Option<String>,
    format: ExportFormat,
) -> Result<HttpResponse, WebError> {
    let id = unit_id(id)?;
    let list = list.as_deref().and_then(LedgerList::parse).unwrap_or(LedgerList::Problems);
    let p = s.0.principal;
    let bytes = run(&state.pool, move |conn| lists::export_unit(conn, &p, &id, list, format)).await?;
    Ok(crate::api::export::attachment(format, &format!("整改台账{}", list.label()), bytes))
}

/// One list as CSV (`?list=problems|tasks|responsibilities`).
#[get("/inspected-units/{id}/ledger/export.csv")]
pub async fn export_csv(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    q: web::Query<ListParam>,
) -> Result<HttpResponse, WebError> {
    export(state, s, &id, q.into_inner().list, ExportFormat::Csv).await
}

#[get("/inspected-units/{id}/ledger/export.xlsx")]
pub async fn export_xlsx(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    q: web::Query<ListParam>,
) -> Result<HttpResponse, WebError> {
    export(state, s, &id, q.into_inner().list, ExportFormat::Xlsx).await
}

/// The same step on the items ticked (e.g. the office's 对账销号 of a batch).
#[post("/inspected-units/{id}/ledger/steps")]
pub async fn batch(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let id = unit_id(&id)?;
    let taken = LedgerStep::parse(f.get("step")).ok_or(WebError::BadForm)?.item_step();
    let mut errs = Vec::new();
    let ids: Vec<ItemId> = parse_list("item_ids", &f.all("item_ids"), &mut errs);
    let (p, uid, note) = (s.0.principal.clone(), id.clone(), f.get("note").to_string());
    match form_result(run(&state.pool, move |conn| items::step_many(conn, &p, &uid, taken, &note, &ids)).await)? {
        Ok(_) => Ok(see_other(&format!("/inspected-units/{id}/ledger"))),
        Err((_, errors)) => render(&state, &s, id, Redo::of("batch", f, errors)).await,
    }
}

#[derive(Template)]
#[template(path = "inspection/item.html", config = "src/web/askama.toml")]
struct ItemTemplate {
    nav: Nav,
    i: ItemPage,
    steps: Vec<(&'static str, &'static str)>,
    max_mib: usize,
    redo: Redo,
}

impl ItemTemplate {
    fn day(&self, t: &str) -> String {
        chinese_date(t)
    }
}

async fn render_item(
    state: &AppState,
    s: &SignedIn,
    id: ItemId,
    redo: Redo,
    refused: StatusCode,
) -> Result<HttpResponse, WebError> {
    let p = s.0.principal.clone();
    let i = run(&state.pool, move |conn| overview::item(conn, &p, &id)).await?;
    let mut steps = vec![];
    if i.works {
        steps.push(LedgerStep::Submit);
    }
    if i.verifies {
        steps.extend([LedgerStep::Close, LedgerStep::SendBack]);
    }
    let own = s.0.principal.has(crate::domain::Role::Inspected);
    let page = ItemTemplate {
        nav: Nav::of(&s.0, if own { "rectification" } else { "rounds" }),
        i,
        steps: steps.into_iter().map(|st| (st.as_str(), st.label())).collect(),
        max_mib: state.settings.evidence_max_bytes / (1024 * 1024),
        redo,
    };
    page_with(page.redo.status(refused), &page)
}

/// One ledger item.
#[get("/rectification-items/{id}")]
pub async fn item(state: web::Data<AppState>, s: SignedIn, id: web::Path<String>) -> Result<HttpResponse, WebError> {
    render_item(&state, &s, item_id(&id)?, Redo::default(), StatusCode::OK).await
}

fn back(id: &ItemId) -> HttpResponse {
    see_other(&format!("/rectification-items/{id}"))
}

/// 填报整改进展 (the unit).
#[post("/rectification-items/{id}/notes")]
pub async fn add_note(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let id = item_id(&id)?;
    let (p, iid, text) = (s.0.principal.clone(), id.clone(), f.get("text").to_string());
    match form_result(run(&state.pool, move |conn| items::add_note(conn, &p, &iid, &text)).await)? {
        Ok(_) => Ok(back(&id)),
        Err((status, errors)) => render_item(&state, &s, id, Redo::of("note", f, errors), status).await,
    }
}

/// 申请销号 / 对账销号 / 退回整改.
#[post("/rectification-items/{id}/steps")]
pub async fn step(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let id = item_id(&id)?;
    let taken = LedgerStep::parse(f.get("step")).ok_or(WebError::BadForm)?.item_step();
    let (p, iid, note) = (s.0.principal.clone(), id.clone(), f.get("note").to_string());
    match form_result(run(&state.pool, move |conn| items::step(conn, &p, &iid, taken, &note, None)).await)? {
        Ok(_) => Ok(back(&id)),
        Err((status, errors)) => render_item(&state, &s, id, Redo::of("step", f, errors), status).await,
    }
}

/// 上传佐证材料: a `multipart/form-data` post with the CSRF token and one file; the same
/// checks as the API (type by content and declaration, size).
#[post("/rectification-items/{id}/evidence")]
pub async fn upload(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, WebError> {
    let id = item_id(&id)?;
    let max = state.settings.evidence_max_bytes;
    let mut form = actix_multipart::Multipart::new(req.headers(), payload);
    let (mut csrf, mut file) = (String::new(), None::<(String, String, Vec<u8>)>);
    let mut too_large = false;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|_| WebError::BadForm)?;
        let name = field.name().unwrap_or_default().to_string();
        let filename = field.content_disposition().and_then(|d| d.get_filename()).unwrap_or_default().to_string();
        let declared = field.content_type().map(|m| m.essence_str().to_string()).unwrap_or_default();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| WebError::BadForm)?;
            if bytes.len() + chunk.len() > max {
                too_large = true;
                continue;
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "csrf" => csrf = String::from_utf8_lossy(&bytes).into_owned(),
            "file" => file = Some((filename, declared, bytes)),
            _ => {}
        }
    }
    crate::web::session::check_csrf(&s.0.csrf_token, &csrf)?;
    if too_large {
        let e = Errors::notice(format!("文件超过 {} MB,请压缩或拆分后再上传", max / (1024 * 1024)));
        return render_item(
            &state,
            &s,
            id,
            Redo { form: "evidence", fields: vec![], errors: e },
            StatusCode::PAYLOAD_TOO_LARGE,
        )
        .await;
    }
    let (filename, declared, bytes) = file.unwrap_or_default();
    let (p, iid) = (s.0.principal.clone(), id.clone());
    let r = run(&state.pool, move |conn| evidence::upload(conn, &p, &iid, &filename, &declared, &bytes)).await;
    match r {
        Ok(_) => Ok(back(&id)),
        Err(crate::error::AppError::UnsupportedMediaType(m)) => {
            let redo = Redo { form: "evidence", fields: vec![], errors: Errors::notice(m) };
            render_item(&state, &s, id, redo, StatusCode::UNSUPPORTED_MEDIA_TYPE).await
        }
        Err(e) => match form_result::<()>(Err(e))? {
            Ok(()) => Ok(back(&id)),
            Err((status, errors)) => {
                render_item(&state, &s, id, Redo { form: "evidence", fields: vec![], errors }, status).await
            }
        },
    }
}

/// A file as a download (those who may; the not-found page for anyone else).
#[get("/rectification-evidence/{id}")]
pub async fn download(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let id = EvidenceId::parse(&id).ok_or(WebError::NotFound)?;
    let p = s.0.principal;
    let f = run(&state.pool, move |conn| evidence::download(conn, &p, &id)).await?;
    Ok(crate::api::export::file("evidence", &f.filename, &f.content_type, f.content))
}
