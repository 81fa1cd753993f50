//! 信息库: the records the officer's unit may read, filtered and searched, and one record
//! with its history. The same service calls as `GET /api/v1/records…`: an unentitled record
//! is the not-found page, protected fields show only where the policy discloses them, and a
//! restricted record asks for the purpose of the reading (查阅事由) first, which is audited.

use std::collections::HashMap;

use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::api::extract::run;
use crate::api::records::{record_query, RecordParams};
use crate::api::state::AppState;
use crate::contract::record::RecordView;
use crate::domain::ids::RecordId;
use crate::domain::record::{DistributionLevel, RecordKind, Sensitivity};
use crate::error::AppError;
use crate::service::history::HistoryEntry;
use crate::service::{self};
use crate::web::session::{check_csrf, SignedIn};
use crate::web::{chinese_date, page, Nav, WebError};

/// A record as a line of the list.
pub struct RecordLine {
    pub id: String,
    pub title: String,
    pub kind: &'static str,
    pub sensitivity: &'static str,
    pub restricted: bool,
    pub withheld: bool,
    pub owner: String,
    pub updated: String,
}

pub(super) fn line(r: RecordView, names: &HashMap<String, String>) -> RecordLine {
    RecordLine {
        owner: names.get(&r.owner_agency_id).cloned().unwrap_or_default(),
        updated: chinese_date(&r.updated_at),
        kind: r.kind.label(),
        sensitivity: r.sensitivity.label(),
        restricted: r.sensitivity == Sensitivity::Restricted,
        withheld: r.content_withheld,
        id: r.id,
        title: r.title,
    }
}

#[derive(Template)]
#[template(path = "records.html", config = "src/web/askama.toml")]
struct RecordsPage {
    nav: Nav,
    q: String,
    kind: String,
    sensitivity: String,
    category: String,
    tag: String,
    source: String,
    /// The object the list is narrowed to (from an object's page), if any.
    object_id: String,
    /// The units a record may come from, as (id, name), for the 来源单位 filter.
    sources: Vec<(String, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    sensitivities: Vec<(&'static str, &'static str)>,
    items: Vec<RecordLine>,
    next: Option<String>,
}

#[get("/records")]
pub async fn records(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    params: web::Query<RecordParams>,
) -> Result<HttpResponse, WebError> {
    let params = params.into_inner();
    let shown = params.clone();
    let mut f = record_query(RecordParams { limit: Some(params.limit.unwrap_or(20)), ..params })?;
    f.purpose = None;
    let p = s.principal.clone();
    let (items, next_cursor, names, sources) = run(&state.pool, move |conn| {
        let page = service::records::page(conn, &p, f)?;
        let names = service::agencies::names_of(conn, page.items.iter().map(|r| &r.owner_agency_id))?;
        let sources: Vec<(String, String)> = service::agencies::list(conn)?
            .into_iter()
            .filter(|a| a.active && a.kind != "hub")
            .map(|a| (a.id, a.name))
            .collect();
        Ok((page.items, page.next_cursor, names, sources))
    })
    .await?;
    let next = next_cursor.map(|c| {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("q", &shown.q),
            ("kind", &shown.kind),
            ("sensitivity", &shown.sensitivity),
            ("category", &shown.category),
            ("tag", &shown.tag),
            ("source_agency_id", &shown.source_agency_id),
            ("object_id", &shown.object_id),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                q.append_pair(k, v);
            }
        }
        q.append_pair("cursor", &c);
        format!("/records?{}", q.finish())
    });
    page(&RecordsPage {
        nav: Nav::of(&s, "records"),
        q: shown.q.unwrap_or_default(),
        kind: shown.kind.unwrap_or_default(),
        sensitivity: shown.sensitivity.unwrap_or_default(),
        category: shown.category.unwrap_or_default(),
        tag: shown.tag.unwrap_or_default(),
        source: shown.source_agency_id.unwrap_or_default(),
        object_id: shown.object_id.unwrap_or_default(),
        sources,
        kinds: RecordKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
        sensitivities: Sensitivity::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
        items: items.into_iter().map(|r| line(r, &names)).collect(),
        next,
    })
}

/// One version of the record's history as a line.
pub struct VersionLine {
    pub version: i32,
    pub action: &'static str,
    pub at: String,
    pub title: String,
}

fn version_line(h: HistoryEntry) -> VersionLine {
    let action = match h.action.as_str() {
        "create" => "发布",
        "update" => "修改",
        "withdraw" => "撤回",
        _ => "变更",
    };
    VersionLine { version: h.version, action, at: chinese_date(&h.at), title: h.record.title }
}

#[derive(Template)]
#[template(path = "record.html", config = "src/web/askama.toml")]
struct RecordPage {
    nav: Nav,
    r: RecordView,
    kind: &'static str,
    sensitivity: &'static str,
    distribution: String,
    owner: String,
    created: String,
    updated: String,
    /// Protected fields as (name, value); the value is `None` where redacted.
    protected: Vec<(String, Option<String>)>,
    history: Vec<VersionLine>,
    /// 信息库 forms: 修改 / 撤回 are offered (a content writer of the owner unit).
    can_change: bool,
    /// 发起会商 is offered (the unit owns the clue or handles it by a live transfer).
    may_convene: bool,
    /// 线索移交: may the unit transfer it, its similar clues and its transfers.
    clue: crate::web::transfers::ClueSide,
}

#[derive(Template)]
#[template(path = "purpose.html", config = "src/web/askama.toml")]
struct PurposePage {
    nav: Nav,
    id: String,
    error: Option<String>,
}

fn record_id(id: &str) -> Result<RecordId, WebError> {
    RecordId::parse(id).ok_or(WebError::NotFound)
}

/// Shows the record read with `purpose` (if any); a restricted one read without a purpose
/// asks for it.
async fn show(state: &AppState, s: SignedIn, id: RecordId, purpose: Option<String>) -> Result<HttpResponse, WebError> {
    let SignedIn(s) = s;
    let (p, shown_id) = (s.principal.clone(), id.to_string());
    let read = run(&state.pool, move |conn| {
        let r = service::records::show(conn, &p, &id, purpose.as_deref())?;
        let (history, _) = service::history::history(conn, &p, &id, purpose.as_deref(), None, 50)?;
        let names = service::agencies::names_of(conn, r.distribution.agencies.iter().chain([&r.owner_agency_id]))?;
        let may_convene = service::deliberations::may_convene(conn, &p, &id)?;
        let clue = crate::web::transfers::clue_side(conn, &p, &id, r.kind == RecordKind::Clue, purpose.as_deref())?;
        Ok((r, history, names, may_convene, clue))
    })
    .await;
    let (r, history, names, may_convene, clue) = match read {
        Ok(v) => v,
        Err(AppError::PreconditionRequired(_)) => {
            return page(&PurposePage { nav: Nav::of(&s, "records"), id: shown_id, error: None });
        }
        Err(e) => return Err(e.into()),
    };
    let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string());
    let distribution = match r.distribution.level {
        DistributionLevel::Agencies if !r.distribution.agencies.is_empty() => {
            format!("指定单位:{}", r.distribution.agencies.iter().map(|a| name(a)).collect::<Vec<_>>().join("、"))
        }
        level => level.label().to_string(),
    };
    let protected =
        r.protected_fields.iter().map(|f| (f.clone(), r.protected.as_ref().and_then(|p| p.get(f).cloned()))).collect();
    page(&RecordPage {
        nav: Nav::of(&s, "records"),
        kind: r.kind.label(),
        sensitivity: r.sensitivity.label(),
        owner: name(&r.owner_agency_id),
        created: chinese_date(&r.created_at),
        updated: chinese_date(&r.updated_at),
        distribution,
        protected,
        history: history.into_iter().rev().map(version_line).collect(),
        can_change: service::records::may_change(&s.principal, &r),
        may_convene,
        clue,
        r,
    })
}

#[get("/records/{id}")]
pub async fn record(state: web::Data<AppState>, s: SignedIn, id: web::Path<String>) -> Result<HttpResponse, WebError> {
    let id = record_id(&id)?;
    show(&state, s, id, None).await
}

#[derive(Deserialize)]
pub struct PurposeForm {
    csrf: String,
    purpose: String,
}

/// Reads a restricted record for the stated purpose (audited with it).
#[post("/records/{id}/read")]
pub async fn read_with_purpose(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    f: web::Form<PurposeForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&s.0.csrf_token, &f.csrf)?;
    let id = record_id(&id)?;
    let purpose = f.into_inner().purpose.trim().to_string();
    if purpose.is_empty() || purpose.chars().count() > 200 {
        let nav = Nav::of(&s.0, "records");
        let error = Some("请填写查阅事由(不超过 200 个字)".to_string());
        return crate::web::page_with(
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            &PurposePage { nav, id: id.to_string(), error },
        );
    }
    show(&state, s, id, Some(purpose)).await
}
