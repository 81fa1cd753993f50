//! Subscriptions: an agency's standing interest in records (by kind, category, object,
//! source agency, tag). Matching is `domain::subscription::Criteria::matches`.

use diesel::prelude::*;
use serde::Serialize;

use crate::contract::page::{Page, Window};
use crate::db::schema::subscriptions;
use crate::db::DbConnection;
use crate::domain::ids::SubscriptionId;
use crate::domain::subscription::Criteria;
use crate::domain::subscription::SubscriptionDraft;
use crate::error::{AppError, AppResult};
use crate::policy::{self, Principal};
use crate::store::log::{write_tx, Actor, Log};
use crate::store::{json_list, to_json};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = subscriptions)]
struct SubscriptionRow {
    id: String,
    agency_id: String,
    user_id: Option<String>,
    name: String,
    kinds: String,
    categories: String,
    object_ids: String,
    source_agency_ids: String,
    tags: String,
    created_at: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Subscription {
    pub id: String,
    pub agency_id: String,
    pub user_id: Option<String>,
    pub name: String,
    #[serde(flatten)]
    pub criteria: Criteria,
    pub created_at: String,
}

impl From<SubscriptionRow> for Subscription {
    fn from(r: SubscriptionRow) -> Self {
        Subscription {
            criteria: Criteria {
                kinds: json_list(&r.kinds),
                categories: json_list(&r.categories),
                object_ids: json_list(&r.object_ids),
                source_agency_ids: json_list(&r.source_agency_ids),
                tags: json_list(&r.tags),
            },
            id: r.id,
            agency_id: r.agency_id,
            user_id: r.user_id,
            name: r.name,
            created_at: r.created_at,
        }
    }
}

/// A subscription as fan-out needs it.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub agency_id: String,
    pub criteria: Criteria,
}

pub fn all_rules(conn: &mut DbConnection) -> QueryResult<Vec<Rule>> {
    Ok(subscriptions::table
        .order(subscriptions::id)
        .select(SubscriptionRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|r| {
            let s = Subscription::from(r);
            Rule { id: s.id, agency_id: s.agency_id, criteria: s.criteria }
        })
        .collect())
}

/// Inserts a subscription unless the agency already holds `max_per_agency` (every publish
/// matches each one, so their number is bounded). Counted under the write lock, so
/// concurrent requests cannot pass the cap together.
pub fn insert(
    conn: &mut DbConnection,
    log: &mut Log,
    actor: &Actor,
    s: &Subscription,
    max_per_agency: i64,
) -> AppResult<()> {
    let held: i64 = subscriptions::table.filter(subscriptions::agency_id.eq(&s.agency_id)).count().get_result(conn)?;
    if held >= max_per_agency {
        return Err(AppError::validation(
            "",
            format!("本单位的订阅已达上限({max_per_agency} 个),请先删除不再需要的订阅,或合并订阅条件"),
        ));
    }
    let row = SubscriptionRow {
        id: s.id.clone(),
        agency_id: s.agency_id.clone(),
        user_id: s.user_id.clone(),
        name: s.name.clone(),
        kinds: to_json(&s.criteria.kinds),
        categories: to_json(&s.criteria.categories),
        object_ids: to_json(&s.criteria.object_ids),
        source_agency_ids: to_json(&s.criteria.source_agency_ids),
        tags: to_json(&s.criteria.tags),
        created_at: s.created_at.clone(),
    };
    diesel::insert_into(subscriptions::table).values(&row).execute(conn)?;
    log.audit(actor, "subscription.create", "subscription", Some(&s.id), None, serde_json::json!({"name": s.name}));
    Ok(())
}

/// Deletes one of the agency's subscriptions (another agency's is 404).
pub fn delete(
    conn: &mut DbConnection,
    log: &mut Log,
    actor: &Actor,
    agency_id: &str,
    id: &SubscriptionId,
) -> AppResult<()> {
    let id = id.as_str();
    let n = diesel::delete(
        subscriptions::table.filter(subscriptions::id.eq(id)).filter(subscriptions::agency_id.eq(agency_id)),
    )
    .execute(conn)?;
    if n == 0 {
        return Err(AppError::NotFound("订阅不存在".into()));
    }
    log.audit(actor, "subscription.delete", "subscription", Some(id), None, serde_json::json!({}));
    Ok(())
}

/// A page of the agency's subscriptions in the order they were made.
pub fn page(conn: &mut DbConnection, agency_id: &str, w: &Window) -> AppResult<Page<Subscription>> {
    let mut q = subscriptions::table
        .filter(subscriptions::agency_id.eq(agency_id.to_string()))
        .order(subscriptions::id)
        .limit(w.limit)
        .select(SubscriptionRow::as_select())
        .into_boxed();
    if let Some(after) = &w.after {
        q = q.filter(subscriptions::id.gt(after.clone()));
    }
    let items = q.load(conn)?.into_iter().map(Subscription::from).collect();
    Ok(Page::of(items, w, |s| &s.id))
}

/// Creates a subscription for the caller's agency (at most `max_per_agency` per agency);
/// categories are given by name or code and stored by code.
pub fn create(
    conn: &mut DbConnection,
    p: &Principal,
    d: SubscriptionDraft,
    max_per_agency: i64,
) -> AppResult<Subscription> {
    policy::require_content_writer(p)?;
    write_tx(conn, |conn, log| {
        let mut criteria = d.criteria;
        for (i, c) in criteria.categories.iter_mut().enumerate() {
            *c = crate::store::catalog::resolve(conn, c)?
                .ok_or_else(|| AppError::validation(&format!("categories[{i}]"), format!("问题类别“{c}”不存在")))?;
        }
        let s = Subscription {
            id: crate::domain::new_id(),
            agency_id: p.agency_id.clone(),
            user_id: p.user_id.clone(),
            name: d.name,
            criteria,
            created_at: crate::domain::now(),
        };
        insert(conn, log, &Actor::from(p), &s, max_per_agency)?;
        Ok(s)
    })
}

/// Deletes one of the caller's agency's subscriptions.
pub fn remove(conn: &mut DbConnection, p: &Principal, id: &SubscriptionId) -> AppResult<()> {
    policy::require_content_writer(p)?;
    write_tx(conn, |conn, log| delete(conn, log, &Actor::from(p), &p.agency_id, id))
}
