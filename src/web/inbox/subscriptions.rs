//! 订阅: the unit's standing interest in records (by kind, problem category, object, source
//! unit, tag; each a list, empty meaning any), new matches landing in its inbox. Listing
//! needs a content role, subscribing and deleting a writer's (as the API).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;

use crate::api::extract::run;
use crate::api::page::PageParams;
use crate::api::state::AppState;
use crate::domain::ids::SubscriptionId;
use crate::domain::record::RecordKind;
use crate::domain::subscription::{Criteria, SubscriptionDraft};
use crate::error::AppError;
use crate::policy;
use crate::service::subscriptions::Subscription;
use crate::service::{self};
use crate::web::form::{field_errors, split_list, Errors, Fields};
use crate::web::session::SignedIn;
use crate::web::{chinese_date, page_with, see_other, Nav, WebError};

/// A subscription as a line of the list: its criteria in words.
pub struct SubscriptionLine {
    pub id: String,
    pub name: String,
    /// (what, the values) for each criterion given.
    pub criteria: Vec<(&'static str, String)>,
    pub created: String,
}

/// Names of what subscriptions refer to by code or id.
struct Names {
    categories: HashMap<String, String>,
    agencies: HashMap<String, String>,
}

fn line(s: Subscription, n: &Names) -> SubscriptionLine {
    let Criteria { kinds, categories, object_ids, source_agency_ids, tags } = s.criteria;
    let join = |v: Vec<String>| v.join("、");
    let named = |v: Vec<String>, m: &HashMap<String, String>| {
        join(v.into_iter().map(|c| m.get(&c).cloned().unwrap_or(c)).collect())
    };
    let kinds = kinds.iter().map(|k| RecordKind::parse(k).map_or(k.as_str(), |k| k.label()).to_string()).collect();
    let criteria = [
        ("信息类别", join(kinds)),
        ("问题类别", named(categories, &n.categories)),
        ("监督对象编号", join(object_ids)),
        ("来源单位", named(source_agency_ids, &n.agencies)),
        ("标签", join(tags)),
    ];
    SubscriptionLine {
        id: s.id,
        name: s.name,
        criteria: criteria.into_iter().filter(|(_, v)| !v.is_empty()).collect(),
        created: chinese_date(&s.created_at),
    }
}

/// What was typed into the form, kept when it is shown again.
#[derive(Default)]
pub struct Draft {
    pub name: String,
    pub kinds: Vec<String>,
    pub categories: Vec<String>,
    pub object_ids: String,
    pub source_agency_ids: Vec<String>,
    pub tags: String,
}

#[derive(Template)]
#[template(path = "subscriptions.html", config = "src/web/askama.toml")]
struct SubscriptionsPage {
    nav: Nav,
    items: Vec<SubscriptionLine>,
    next: Option<String>,
    kinds: Vec<(&'static str, &'static str)>,
    /// (code, name) of the problem categories.
    categories: Vec<(String, String)>,
    /// (id, name) of the active units.
    agencies: Vec<(String, String)>,
    draft: Draft,
    errors: Errors,
}

impl SubscriptionsPage {
    fn has(values: &[String], v: &str) -> bool {
        values.iter().any(|x| x == v)
    }

    fn other_errors(&self) -> Option<String> {
        {
            let others =
                self.errors.others(&["name", "kinds", "categories", "object_ids", "source_agency_ids", "tags"]);
            (!others.is_empty()).then(|| others.join(";"))
        }
    }
}

async fn render(
    state: &AppState,
    s: &SignedIn,
    cursor: Option<String>,
    draft: Draft,
    errors: Errors,
) -> Result<HttpResponse, WebError> {
    policy::require_content_reader(&s.0.principal)?;
    let w = PageParams { cursor, limit: Some(20) }.window()?;
    let agency = s.0.principal.agency_id.clone();
    let (p, cats, units) = run(&state.pool, move |conn| {
        let p = service::subscriptions::page(conn, &agency, &w)?;
        let cats = service::ops::categories(conn)?;
        let units = service::agencies::list(conn)?;
        Ok((p, cats, units))
    })
    .await?;
    let names = Names {
        categories: cats.iter().map(|c| (c.code.clone(), c.name.clone())).collect(),
        agencies: units.iter().map(|a| (a.id.clone(), a.name.clone())).collect(),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    page_with(
        status,
        &SubscriptionsPage {
            nav: Nav::of(&s.0, "inbox"),
            items: p.items.into_iter().map(|x| line(x, &names)).collect(),
            next: p.next_cursor.map(|c| format!("/subscriptions?cursor={c}")),
            kinds: RecordKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
            categories: cats.into_iter().map(|c| (c.code, c.name)).collect(),
            agencies: units.into_iter().filter(|a| a.active).map(|a| (a.id, a.name)).collect(),
            draft,
            errors,
        },
    )
}

#[get("/subscriptions")]
pub async fn list(
    state: web::Data<AppState>,
    s: SignedIn,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, WebError> {
    render(&state, &s, params.into_inner().cursor, Draft::default(), Errors::default()).await
}

/// 新建订阅: the API's criteria, checked by `SubscriptionDraft` and the service.
#[post("/subscriptions")]
pub async fn create(state: web::Data<AppState>, s: SignedIn, body: web::Bytes) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let draft = Draft {
        name: f.get("name").to_string(),
        kinds: f.all("kinds"),
        categories: f.all("categories"),
        object_ids: f.get("object_ids").to_string(),
        source_agency_ids: f.all("source_agency_ids"),
        tags: f.get("tags").to_string(),
    };
    let criteria = Criteria {
        kinds: draft.kinds.clone(),
        categories: draft.categories.clone(),
        object_ids: split_list(&draft.object_ids),
        source_agency_ids: draft.source_agency_ids.clone(),
        tags: split_list(&draft.tags),
    };
    let parsed = SubscriptionDraft::parse(&draft.name, criteria).map_err(AppError::Validation);
    let (p, cap) = (s.0.principal.clone(), state.settings.max_subscriptions_per_agency);
    let done = match parsed {
        Ok(d) => run(&state.pool, move |conn| service::subscriptions::create(conn, &p, d, cap)).await,
        Err(e) => Err(e),
    };
    match done {
        Ok(_) => Ok(see_other("/subscriptions")),
        Err(e) => render(&state, &s, None, draft, field_errors(e)?).await,
    }
}

/// 删除订阅: one of the unit's own (another unit's is the not-found page).
#[post("/subscriptions/{id}/delete")]
pub async fn delete(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let id = SubscriptionId::parse(&id).ok_or(WebError::NotFound)?;
    let p = s.0.principal.clone();
    run(&state.pool, move |conn| service::subscriptions::remove(conn, &p, &id)).await?;
    Ok(see_other("/subscriptions"))
}
