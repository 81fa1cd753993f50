//! 监督对象 — search and create supervision objects; an object's page lists the records the
//! user may see about it. The same service calls as `/api/v1/objects…`: a lookup by identity
//! number spends the caller's lookup budget (and is posted, so the number stays out of URLs
//! and logs); the records about an object come through the records service's entitled list.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::api::extract::run;
use crate::api::records::{record_query, RecordParams};
use crate::api::state::AppState;
use crate::domain::ids::ObjectId;
use crate::domain::object::ObjectDraft;
use crate::error::{AppError, FieldError};
use crate::policy;
use crate::service::objects::{LookupBudget, ObjectQuery, ObjectView};
use crate::service::{self};
use crate::web::records::RecordLine;
use crate::web::session::{check_csrf, SignedIn};
use crate::web::{chinese_date, page, page_with, see_other, Nav, WebError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(objects).service(lookup).service(new_form).service(create).service(object);
}

/// The two kinds of object, as (value, label).
const KINDS: [(&str, &str); 2] = [("unit", "单位/党组织"), ("person", "领导干部")];

fn kind_label(kind: &str) -> &'static str {
    KINDS.iter().find(|(k, _)| *k == kind).map(|(_, l)| *l).unwrap_or("其他")
}

/// An object as a line of the list or as the facts of its page.
pub struct ObjectLine {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub unit: String,
    pub position: String,
    /// Registered by the viewer's own unit (others never learn who registered it).
    pub ours: bool,
    pub created: String,
}

impl From<ObjectView> for ObjectLine {
    fn from(o: ObjectView) -> Self {
        ObjectLine {
            kind: kind_label(&o.kind),
            unit: o.unit.unwrap_or_default(),
            position: o.position.unwrap_or_default(),
            ours: o.created_by_agency_id.is_some(),
            created: chinese_date(&o.created_at),
            id: o.id,
            name: o.name,
        }
    }
}

#[derive(Template)]
#[template(path = "objects.html", config = "src/web/askama.toml")]
struct ObjectsPage {
    nav: Nav,
    q: String,
    kind: String,
    kinds: [(&'static str, &'static str); 2],
    /// A lookup by identity number was made (its results are shown, without paging).
    looked_up: bool,
    notice: Option<String>,
    items: Vec<ObjectLine>,
    next: Option<String>,
}

fn identity_key(state: &AppState) -> String {
    state.settings.identity_key.as_ref().map(|k| k.expose().to_string()).unwrap_or_default()
}

fn budget(state: &AppState) -> LookupBudget {
    LookupBudget {
        limit: state.settings.object_lookup_limit,
        window_secs: state.settings.object_lookup_window_secs as i64,
    }
}

#[derive(Deserialize)]
pub struct ObjectParams {
    q: Option<String>,
    kind: Option<String>,
    cursor: Option<String>,
}

fn some_text(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// Objects by name fragment and kind, 20 a page.
#[get("/objects")]
pub async fn objects(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    params: web::Query<ObjectParams>,
) -> Result<HttpResponse, WebError> {
    let params = params.into_inner();
    let (q, kind) = (some_text(params.q), some_text(params.kind).filter(|k| KINDS.iter().any(|(v, _)| v == k)));
    let after = match params.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => Some(crate::api::page::decode_id(c)?),
        None => None,
    };
    let f = ObjectQuery { q: q.clone(), kind: kind.clone(), id_number_digest: None, after, limit: 20 };
    let (p, budget, key) = (s.principal.clone(), budget(&state), identity_key(&state));
    let found = run(&state.pool, move |conn| service::objects::search(conn, &p, f, None, budget, &key)).await?;
    let next = found.next_cursor.map(|c| {
        let mut url = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [("q", &q), ("kind", &kind)] {
            if let Some(v) = v {
                url.append_pair(k, v);
            }
        }
        url.append_pair("cursor", &c);
        format!("/objects?{}", url.finish())
    });
    page(&ObjectsPage {
        nav: Nav::of(&s, "objects"),
        q: q.unwrap_or_default(),
        kind: kind.unwrap_or_default(),
        kinds: KINDS,
        looked_up: false,
        notice: None,
        items: found.items.into_iter().map(Into::into).collect(),
        next,
    })
}

#[derive(Deserialize)]
pub struct LookupForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    id_number: String,
}

/// Finds objects by identity number (身份证号 / 统一社会信用代码): each lookup spends one of
/// the caller's budget; spent, the page says how long to wait (429).
#[post("/objects/lookup")]
pub async fn lookup(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    f: web::Form<LookupForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&s.csrf_token, &f.csrf)?;
    let number = f.into_inner().id_number.trim().to_string();
    let nav = Nav::of(&s, "objects");
    let shown = |status, notice: Option<String>, items: Vec<ObjectLine>| {
        let (q, kind, next) = (String::new(), String::new(), None);
        page_with(status, &ObjectsPage { nav, q, kind, kinds: KINDS, looked_up: true, notice, items, next })
    };
    if number.is_empty() || number.chars().count() > 64 {
        return shown(StatusCode::UNPROCESSABLE_ENTITY, Some("请填写证件号码(不超过 64 个字符)".into()), vec![]);
    }
    let f = ObjectQuery { q: None, kind: None, id_number_digest: None, after: None, limit: 20 };
    let (p, budget, key) = (s.principal.clone(), budget(&state), identity_key(&state));
    let found = run(&state.pool, move |conn| service::objects::search(conn, &p, f, Some(&number), budget, &key)).await;
    match found {
        Ok(found) => shown(StatusCode::OK, None, found.items.into_iter().map(Into::into).collect()),
        Err(AppError::TooManyRequests(m, _)) => shown(StatusCode::TOO_MANY_REQUESTS, Some(m), vec![]),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "object_form.html", config = "src/web/askama.toml")]
struct ObjectFormPage {
    nav: Nav,
    kinds: [(&'static str, &'static str); 2],
    v: NewObjectForm,
    errors: Vec<FieldError>,
}

impl ObjectFormPage {
    /// The message for one field, if it has one.
    fn error(&self, field: &str) -> Option<String> {
        let m: Vec<&str> = self.errors.iter().filter(|e| e.field == field).map(|e| e.message.as_str()).collect();
        (!m.is_empty()).then(|| m.join(";"))
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct NewObjectForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub position: String,
    /// Never shown again: an identity number does not go back into a page.
    #[serde(default)]
    id_number: String,
}

/// 登记监督对象 (content writers).
#[get("/objects/new")]
pub async fn new_form(SignedIn(s): SignedIn) -> Result<HttpResponse, WebError> {
    policy::require_content_writer(&s.principal)?;
    let v = NewObjectForm { kind: "unit".into(), ..Default::default() };
    page(&ObjectFormPage { nav: Nav::of(&s, "objects"), kinds: KINDS, v, errors: vec![] })
}

#[post("/objects/new")]
pub async fn create(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    f: web::Form<NewObjectForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&s.csrf_token, &f.csrf)?;
    policy::require_content_writer(&s.principal)?;
    let mut v = f.into_inner();
    let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let draft = ObjectDraft::parse(&v.name, v.kind.clone(), text(&v.unit), text(&v.position), text(&v.id_number));
    let draft = match draft {
        Ok(d) => d,
        Err(errors) => {
            v.id_number.clear();
            let nav = Nav::of(&s, "objects");
            return page_with(StatusCode::UNPROCESSABLE_ENTITY, &ObjectFormPage { nav, kinds: KINDS, v, errors });
        }
    };
    let (p, key) = (s.principal.clone(), identity_key(&state));
    let o = run(&state.pool, move |conn| service::objects::create(conn, &p, draft, &key)).await?;
    Ok(see_other(&format!("/objects/{}", o.id)))
}

#[derive(Template)]
#[template(path = "object.html", config = "src/web/askama.toml")]
struct ObjectPage {
    nav: Nav,
    o: ObjectLine,
    records: Vec<RecordLine>,
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct CursorParam {
    cursor: Option<String>,
}

/// One object and the records about it that the user's unit may see (the records service's
/// entitled list: another unit's records it may not read are not there, titles neither).
#[get("/objects/{id}")]
pub async fn object(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    id: web::Path<String>,
    q: web::Query<CursorParam>,
) -> Result<HttpResponse, WebError> {
    policy::require_content_reader(&s.principal)?;
    let id = ObjectId::parse(&id).ok_or(WebError::NotFound)?;
    let params = RecordParams {
        object_id: Some(id.to_string()),
        cursor: q.into_inner().cursor,
        limit: Some(20),
        ..RecordParams::default()
    };
    let f = record_query(params)?;
    let p = s.principal.clone();
    let (o, items, next_cursor, names) = run(&state.pool, move |conn| {
        let o = service::objects::get(conn, &id)?.view_for(&p.agency_id);
        let page = service::records::page(conn, &p, f)?;
        let names = service::agencies::names_of(conn, page.items.iter().map(|r| &r.owner_agency_id))?;
        Ok((o, page.items, page.next_cursor, names))
    })
    .await
    .map_err(|e| match e {
        AppError::NotFound(_) => WebError::NotFound,
        e => e.into(),
    })?;
    let next = next_cursor.map(|c| format!("/objects/{}?cursor={c}", o.id));
    page(&ObjectPage {
        nav: Nav::of(&s, "objects"),
        records: items.into_iter().map(|r| crate::web::records::line(r, &names)).collect(),
        next,
        o: o.into(),
    })
}
