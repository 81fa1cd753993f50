//! 收件箱 — what concerns the unit (subscription matches, transfers, deliberations, flags
//! of possible duplicate handling), unread first, each acknowledged (已阅) once; and the
//! unit's subscriptions (`subscriptions`). The same service calls as `/api/v1/inbox`: items
//! whose record the unit may no longer read are gone, and a restricted record's title shows
//! only on the record page, after its purpose (查阅事由).

use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::api::extract::run;
use crate::api::page;
use crate::api::state::AppState;
use crate::domain::event::EventType;
use crate::domain::ids::InboxItemId;
use crate::error::AppError;
use crate::service::inbox::{InboxItem, InboxQuery, DUPLICATE};
use crate::service::{self};
use crate::web::form::Fields;
use crate::web::session::SignedIn;
use crate::web::{chinese_date, page, see_other, Nav, WebError};

mod subscriptions;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(inbox)
        .service(acknowledge)
        .service(subscriptions::list)
        .service(subscriptions::create)
        .service(subscriptions::delete);
}

/// Why an item is in the inbox, as people say it.
fn reason_label(reason: &str) -> &'static str {
    match reason {
        "subscription" => "订阅命中",
        DUPLICATE => "可能重复办理",
        r => EventType::parse(r).map_or("新消息", EventType::label),
    }
}

/// An inbox item as a line of the page.
pub struct ItemLine {
    pub id: String,
    pub record_id: String,
    pub title: String,
    pub withheld: bool,
    pub reason: &'static str,
    pub duplicate: bool,
    pub note: Option<String>,
    pub at: String,
    pub acked: Option<String>,
    /// The deliberation the item is about (its page), for deliberation news.
    pub deliberation_id: Option<String>,
}

impl From<InboxItem> for ItemLine {
    fn from(i: InboxItem) -> Self {
        let deliberation_id = i.ref_id.clone().filter(|_| i.reason.starts_with("deliberation."));
        ItemLine {
            reason: reason_label(&i.reason),
            duplicate: i.reason == DUPLICATE,
            at: chinese_date(&i.created_at),
            acked: i.acked_at.as_deref().map(chinese_date),
            withheld: i.record.content_withheld,
            deliberation_id,
            id: i.id,
            record_id: i.record.id,
            title: i.record.title,
            note: i.note,
        }
    }
}

#[derive(Template)]
#[template(path = "inbox.html", config = "src/web/askama.toml")]
struct InboxPage {
    nav: Nav,
    all: bool,
    items: Vec<ItemLine>,
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct InboxParams {
    state: Option<String>,
    cursor: Option<String>,
}

/// `unacked` (the default) or `all`, as the API reads `state`.
fn all_of(state: Option<&str>) -> Result<bool, WebError> {
    match state {
        None | Some("") | Some("unacked") => Ok(false),
        Some("all") => Ok(true),
        Some(_) => Err(AppError::validation("state", "state 须为 unacked 或 all").into()),
    }
}

#[get("/inbox")]
pub async fn inbox(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    params: web::Query<InboxParams>,
) -> Result<HttpResponse, WebError> {
    crate::policy::require_content_reader(&s.principal)?;
    let all = all_of(params.state.as_deref())?;
    let f = InboxQuery {
        duplicates: None,
        unacked_only: !all,
        before_seq: page::decode(params.cursor.as_deref())?,
        limit: 20,
    };
    let p = s.principal.clone();
    let out = run(&state.pool, move |conn| service::inbox::page(conn, &p, &f, None)).await?;
    let next = out.next_cursor.map(|c| {
        let state = if all { "all" } else { "unacked" };
        format!(
            "/inbox?state={state}&cursor={}",
            url::form_urlencoded::byte_serialize(c.as_bytes()).collect::<String>()
        )
    });
    page(&InboxPage { nav: Nav::of(&s, "inbox"), all, items: out.items.into_iter().map(Into::into).collect(), next })
}

/// 已阅: acknowledges one of the unit's items, back to the list it was read in.
#[post("/inbox/{id}/ack")]
pub async fn acknowledge(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s)?;
    crate::policy::require_content_reader(&s.principal)?;
    let id = InboxItemId::parse(&id).ok_or(WebError::NotFound)?;
    let p = s.principal.clone();
    run(&state.pool, move |conn| service::inbox::acknowledge(conn, &p, &id)).await?;
    Ok(see_other(if f.get("state") == "all" { "/inbox?state=all" } else { "/inbox" }))
}
