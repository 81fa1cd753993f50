//! Webhook endpoints of member units, and their delivery log. An endpoint's `cursor_seq` is
//! its position in the event log (the outbox): every event at or before it has been
//! delivered, filtered out, or dead-lettered. `attempts` counts failures of the event right
//! after the cursor. Work is claimed with a lease (`lease_owner`, `lease_until`).

use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::contract::page::{Page, Window};
use crate::db::schema::webhook_endpoints;
use crate::db::DbConnection;
use crate::domain::ids::WebhookId;
use crate::domain::new_id;
pub use crate::domain::webhook::{EndpointChange, EndpointDraft};
use crate::error::{AppError, AppResult};
use crate::policy::Principal;
use crate::store::log::{write_tx, Actor};
use crate::store::{json_list, to_json};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_endpoints, treat_none_as_default_value = false)]
pub struct EndpointRow {
    pub id: String,
    pub agency_id: String,
    pub url: String,
    pub secret: String,
    /// The secret before the last rotation, still signing (beside the new one) until
    /// `previous_secret_until`, so receivers can switch over without losing a message.
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<String>,
    pub event_types: String,
    pub description: String,
    pub active: bool,
    pub disabled_reason: Option<String>,
    pub cursor_seq: i64,
    pub attempts: i32,
    pub next_attempt_at: String,
    pub failing_since: Option<String>,
    pub last_success_at: Option<String>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<String>,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
}

impl EndpointRow {
    pub fn types(&self) -> Vec<String> {
        json_list(&self.event_types)
    }

    /// The secrets that sign a message sent at `at`: the current one, and the previous one
    /// while its overlap lasts.
    pub fn signing_secrets(&self, at: &str) -> Vec<&str> {
        let mut out = vec![self.secret.as_str()];
        if let (Some(prev), Some(until)) = (&self.previous_secret, &self.previous_secret_until) {
            if at < until.as_str() {
                out.push(prev);
            }
        }
        out
    }
}

/// An endpoint as its agency's admins see it (never with its secret).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Endpoint {
    pub id: String,
    pub agency_id: String,
    pub url: String,
    pub event_types: Vec<String>,
    pub description: String,
    pub active: bool,
    /// Why the hub disabled the endpoint, if it did.
    pub disabled_reason: Option<String>,
    /// The last event sequence number handled.
    pub cursor_seq: i64,
    /// Failed attempts at the next event.
    pub failed_attempts: i32,
    /// After a secret rotation: until when the old secret still signs beside the new one.
    pub previous_secret_valid_until: Option<String>,
    pub next_attempt_at: String,
    pub failing_since: Option<String>,
    pub last_success_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<EndpointRow> for Endpoint {
    fn from(r: EndpointRow) -> Self {
        Endpoint {
            event_types: r.types(),
            id: r.id,
            agency_id: r.agency_id,
            url: r.url,
            description: r.description,
            active: r.active,
            disabled_reason: r.disabled_reason,
            cursor_seq: r.cursor_seq,
            failed_attempts: r.attempts,
            previous_secret_valid_until: r.previous_secret.as_ref().and(r.previous_secret_until),
            next_attempt_at: r.next_attempt_at,
            failing_since: r.failing_since,
            last_success_at: r.last_success_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// Creates an endpoint that receives the events committed from now on.
pub fn create(conn: &mut DbConnection, p: &Principal, agency_id: &str, draft: &EndpointDraft) -> AppResult<Endpoint> {
    write_tx(conn, |conn, log| {
        let actor = &Actor::from(p);
        let EndpointDraft { url, event_types, description, secret } = draft;
        let at = log.at().to_string();
        let row = EndpointRow {
            id: new_id(),
            agency_id: agency_id.to_string(),
            url: url.to_string(),
            secret: secret.to_string(),
            previous_secret: None,
            previous_secret_until: None,
            event_types: to_json(&event_types),
            description: description.trim().to_string(),
            active: true,
            disabled_reason: None,
            cursor_seq: log.last_seq(),
            attempts: 0,
            next_attempt_at: at.clone(),
            failing_since: None,
            last_success_at: None,
            lease_owner: None,
            lease_until: None,
            created_by: actor.user_id.clone().unwrap_or_default(),
            created_at: at.clone(),
            updated_at: at,
            deleted_at: None,
        };
        diesel::insert_into(webhook_endpoints::table).values(&row).execute(conn)?;
        log.audit(
            actor,
            "webhook.create",
            "webhook",
            Some(&row.id),
            None,
            json!({"url": url, "event_types": event_types}),
        );
        Ok(row.into())
    })
}

/// One of the agency's endpoints; another agency's, or a deleted one, is 404.
pub fn get(conn: &mut DbConnection, agency_id: &str, id: &WebhookId) -> AppResult<EndpointRow> {
    let id = id.as_str();
    webhook_endpoints::table
        .find(id)
        .filter(webhook_endpoints::agency_id.eq(agency_id))
        .filter(webhook_endpoints::deleted_at.is_null())
        .select(EndpointRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound("回调地址不存在".into()))
}

/// Changes an endpoint. Re-activating one clears its failure state, so delivery resumes at
/// once from where it stopped.
pub fn update(
    conn: &mut DbConnection,
    p: &Principal,
    agency_id: &str,
    id: &WebhookId,
    change: EndpointChange,
) -> AppResult<Endpoint> {
    let (id_typed, id) = (id, id.as_str());
    write_tx(conn, |conn, log| {
        let actor = &Actor::from(p);
        let mut row = get(conn, agency_id, id_typed)?;
        if let Some(url) = &change.url {
            row.url = url.clone();
        }
        if let Some(t) = &change.event_types {
            row.event_types = to_json(t);
        }
        if let Some(d) = &change.description {
            row.description = d.clone();
        }
        if let Some(active) = change.active {
            if active && !row.active {
                row.attempts = 0;
                row.failing_since = None;
                row.disabled_reason = None;
                row.next_attempt_at = log.at().to_string();
            }
            row.active = active;
        }
        row.updated_at = log.at().to_string();
        diesel::update(webhook_endpoints::table.find(id))
            .set((
                webhook_endpoints::url.eq(&row.url),
                webhook_endpoints::event_types.eq(&row.event_types),
                webhook_endpoints::description.eq(&row.description),
                webhook_endpoints::active.eq(row.active),
                webhook_endpoints::attempts.eq(row.attempts),
                webhook_endpoints::failing_since.eq(&row.failing_since),
                webhook_endpoints::disabled_reason.eq(&row.disabled_reason),
                webhook_endpoints::next_attempt_at.eq(&row.next_attempt_at),
                webhook_endpoints::updated_at.eq(&row.updated_at),
            ))
            .execute(conn)?;
        log.audit(
            actor,
            "webhook.update",
            "webhook",
            Some(id),
            None,
            json!({"url": change.url, "event_types": change.event_types, "active": change.active}),
        );
        Ok(row.into())
    })
}

/// Replaces the endpoint's signing secret; the old one keeps signing beside it until
/// `keep_previous_until` (if that is in the future).
pub fn rotate_secret(
    conn: &mut DbConnection,
    p: &Principal,
    agency_id: &str,
    id: &WebhookId,
    secret: &str,
    keep_previous_until: &str,
) -> AppResult<Endpoint> {
    let (id_typed, id) = (id, id.as_str());
    write_tx(conn, |conn, log| {
        let actor = &Actor::from(p);
        let row = get(conn, agency_id, id_typed)?;
        let keep = keep_previous_until > log.at();
        diesel::update(webhook_endpoints::table.find(id))
            .set((
                webhook_endpoints::secret.eq(secret),
                webhook_endpoints::previous_secret.eq(keep.then_some(&row.secret)),
                webhook_endpoints::previous_secret_until.eq(keep.then_some(keep_previous_until)),
                webhook_endpoints::updated_at.eq(log.at()),
            ))
            .execute(conn)?;
        let until = keep.then_some(keep_previous_until);
        log.audit(actor, "webhook.rotate_secret", "webhook", Some(id), None, json!({"previous_valid_until": until}));
        Ok(get(conn, agency_id, id_typed)?.into())
    })
}

/// Deletes an endpoint: nothing more is delivered to it; its log stays for the record.
pub fn delete(conn: &mut DbConnection, p: &Principal, agency_id: &str, id: &WebhookId) -> AppResult<()> {
    let (id_typed, id) = (id, id.as_str());
    write_tx(conn, |conn, log| {
        let actor = &Actor::from(p);
        get(conn, agency_id, id_typed)?;
        diesel::update(webhook_endpoints::table.find(id))
            .set((
                webhook_endpoints::deleted_at.eq(log.at()),
                webhook_endpoints::active.eq(false),
                webhook_endpoints::updated_at.eq(log.at()),
            ))
            .execute(conn)?;
        log.audit(actor, "webhook.delete", "webhook", Some(id), None, json!({}));
        Ok(())
    })
}

pub use crate::domain::webhook::DELIVERY_STATUSES as STATUSES;

mod deliveries;

pub use deliveries::*;

// ---- The delivery worker's side -------------------------------------------------------

/// A page of the agency's endpoints in the order they were added.
pub fn page(conn: &mut DbConnection, agency_id: &str, w: &Window) -> AppResult<Page<Endpoint>> {
    let mut q = webhook_endpoints::table
        .filter(webhook_endpoints::agency_id.eq(agency_id.to_string()))
        .filter(webhook_endpoints::deleted_at.is_null())
        .order(webhook_endpoints::id)
        .limit(w.limit)
        .select(EndpointRow::as_select())
        .into_boxed();
    if let Some(after) = &w.after {
        q = q.filter(webhook_endpoints::id.gt(after.clone()));
    }
    let items = q.load(conn)?.into_iter().map(Endpoint::from).collect();
    Ok(Page::of(items, w, |e| &e.id))
}
