//! An endpoint's delivery log: what was sent, retried, dead-lettered or replayed; the
//! delivery workers' claims and the results they record; the gauges for /metrics.

use super::*;
use crate::db::schema::{webhook_deliveries, webhook_endpoints};
use crate::db::DbConnection;
use crate::domain::event::EventType;
use crate::domain::{new_id, now};
use crate::error::{AppError, AppResult};
use crate::store::log::{write_tx, Actor, Log};
use crate::store::INSERT_CHUNK;
use serde::Serialize;
use serde_json::json;

/// One line of an endpoint's delivery log.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = webhook_deliveries, treat_none_as_default_value = false)]
pub struct Delivery {
    pub id: String,
    pub endpoint_id: String,
    /// The event's sequence number (also in the `webhook-id` header as `msg_<seq>`).
    pub seq: i64,
    pub event_type: String,
    /// `delivered`, `retrying` (failed so far, will be tried again), `dead` (given up: the
    /// dead-letter list) or `replay` (queued again by an agency admin).
    pub status: String,
    pub attempts: i32,
    /// The receiver's HTTP status of the last attempt.
    pub response_status: Option<i32>,
    /// Time of the last attempt, in milliseconds.
    pub latency_ms: Option<i64>,
    pub error: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// The endpoint's delivery log, newest first, after the `before` sequence number.
/// The delivery log of one of the agency's endpoints (404 for another agency's), newest
/// first, optionally in one status.
pub fn deliveries(
    conn: &mut DbConnection,
    agency_id: &str,
    endpoint_id: &WebhookId,
    status: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> AppResult<Vec<Delivery>> {
    get(conn, agency_id, endpoint_id)?;
    let endpoint_id = endpoint_id.as_str();
    let mut q = webhook_deliveries::table.filter(webhook_deliveries::endpoint_id.eq(endpoint_id)).into_boxed();
    if let Some(s) = status {
        q = q.filter(webhook_deliveries::status.eq(s.to_string()));
    }
    if let Some(b) = before {
        q = q.filter(webhook_deliveries::seq.lt(b));
    }
    Ok(q.order(webhook_deliveries::seq.desc()).limit(limit).select(Delivery::as_select()).load(conn)?)
}

/// Deletes log lines of successful deliveries last touched before `before` (dead letters
/// stay until replayed or the endpoint is deleted); returns how many went.
pub fn prune_delivered(conn: &mut DbConnection, before: &str) -> QueryResult<usize> {
    diesel::delete(
        webhook_deliveries::table
            .filter(webhook_deliveries::status.eq("delivered"))
            .filter(webhook_deliveries::updated_at.lt(before)),
    )
    .execute(conn)
}

/// Queues dead letters of the endpoint for delivery again (all of them, or those named);
/// returns how many were queued. Naming a delivery that is not dead is a 409.
pub fn replay(
    conn: &mut DbConnection,
    p: &Principal,
    agency_id: &str,
    endpoint_id: &WebhookId,
    ids: Option<&[String]>,
) -> AppResult<usize> {
    let (endpoint_id_typed, endpoint_id) = (endpoint_id, endpoint_id.as_str());
    write_tx(conn, |conn, log| {
        let actor = &Actor::from(p);
        get(conn, agency_id, endpoint_id_typed)?;
        let base = webhook_deliveries::table.filter(webhook_deliveries::endpoint_id.eq(endpoint_id));
        if let Some(ids) = ids {
            let found: Vec<(String, String)> = base
                .filter(webhook_deliveries::id.eq_any(ids))
                .select((webhook_deliveries::id, webhook_deliveries::status))
                .load(conn)?;
            if let Some(missing) = ids.iter().find(|id| !found.iter().any(|(f, _)| f == *id)) {
                return Err(AppError::NotFound(format!("投递记录 {missing} 不存在")));
            }
            if let Some((id, s)) = found.iter().find(|(_, s)| s != "dead") {
                return Err(AppError::Conflict(format!("投递记录 {id} 的状态为 {s},只能重放失败(死信)的投递")));
            }
        }
        let mut q = diesel::update(webhook_deliveries::table)
            .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
            .filter(webhook_deliveries::status.eq("dead"))
            .into_boxed();
        if let Some(ids) = ids {
            q = q.filter(webhook_deliveries::id.eq_any(ids));
        }
        let n = q
            .set((
                webhook_deliveries::status.eq("replay"),
                webhook_deliveries::attempts.eq(0),
                webhook_deliveries::updated_at.eq(log.at()),
            ))
            .execute(conn)?;
        if n > 0 {
            diesel::update(webhook_endpoints::table.find(endpoint_id))
                .set(webhook_endpoints::next_attempt_at.eq(log.at()))
                .execute(conn)?;
        }
        log.audit(actor, "webhook.replay", "webhook", Some(endpoint_id), None, json!({"queued": n}));
        Ok(n)
    })
}

/// Counts for the operations dashboard (no content): endpoints by state, delivery log lines
/// by status, and how far the most lagging active endpoint is behind the event log.
#[derive(Debug, Clone, Default)]
pub struct Gauges {
    pub endpoints_active: i64,
    pub endpoints_disabled: i64,
    pub deliveries: Vec<(String, i64)>,
    pub max_lag: i64,
}

pub fn gauges(conn: &mut DbConnection) -> QueryResult<Gauges> {
    use diesel::dsl::{count_star, min};
    let live = webhook_endpoints::table.filter(webhook_endpoints::deleted_at.is_null());
    let by_state: Vec<(bool, i64)> =
        live.group_by(webhook_endpoints::active).select((webhook_endpoints::active, count_star())).load(conn)?;
    let deliveries = webhook_deliveries::table
        .group_by(webhook_deliveries::status)
        .select((webhook_deliveries::status, count_star()))
        .load(conn)?;
    let lowest: Option<i64> =
        live.filter(webhook_endpoints::active.eq(true)).select(min(webhook_endpoints::cursor_seq)).first(conn)?;
    let head = crate::store::log::head_seq(conn)?;
    let count = |a: bool| by_state.iter().find(|(s, _)| *s == a).map_or(0, |(_, n)| *n);
    Ok(Gauges {
        endpoints_active: count(true),
        endpoints_disabled: count(false),
        deliveries,
        max_lag: lowest.map_or(0, |c| head - c),
    })
}

/// Claims up to `limit` due endpoints for `owner` until `lease_until`: active ones whose
/// retry time has come, with events after their cursor or queued replays, that no live lease
/// holds. Other instances skip the rows this one has locked.
pub fn claim_due(conn: &mut DbConnection, owner: &str, lease_until: &str, limit: i64) -> QueryResult<Vec<EndpointRow>> {
    use diesel::dsl::exists;
    conn.transaction(|conn| {
        let at = now();
        let head = crate::store::log::head_seq(conn)?;
        let queued = exists(
            webhook_deliveries::table
                .filter(webhook_deliveries::endpoint_id.eq(webhook_endpoints::id))
                .filter(webhook_deliveries::status.eq("replay")),
        );
        let query = webhook_endpoints::table
            .filter(webhook_endpoints::active.eq(true))
            .filter(webhook_endpoints::deleted_at.is_null())
            .filter(webhook_endpoints::next_attempt_at.le(at.clone()))
            .filter(webhook_endpoints::lease_until.is_null().or(webhook_endpoints::lease_until.lt(at.clone())))
            .filter(webhook_endpoints::cursor_seq.lt(head).or(queued))
            .order(webhook_endpoints::next_attempt_at)
            .limit(limit)
            .select(webhook_endpoints::id);
        let ids = crate::lock_due_ids!(conn, query)?;
        if ids.is_empty() {
            return Ok(vec![]);
        }
        diesel::update(webhook_endpoints::table.filter(webhook_endpoints::id.eq_any(&ids)))
            .set((webhook_endpoints::lease_owner.eq(owner), webhook_endpoints::lease_until.eq(lease_until)))
            .execute(conn)?;
        webhook_endpoints::table.filter(webhook_endpoints::id.eq_any(&ids)).select(EndpointRow::as_select()).load(conn)
    })
}

/// Dead letters queued for replay, oldest first.
pub fn queued_replays(conn: &mut DbConnection, endpoint_id: &str, limit: i64) -> QueryResult<Vec<Delivery>> {
    webhook_deliveries::table
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
        .filter(webhook_deliveries::status.eq("replay"))
        .order(webhook_deliveries::seq)
        .limit(limit)
        .select(Delivery::as_select())
        .load(conn)
}

/// The outcome of one attempt at one event.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub seq: i64,
    pub event_type: String,
    pub status: &'static str,
    /// Attempts so far at this event, this one included.
    pub attempts: i32,
    pub response_status: Option<i32>,
    pub latency_ms: i64,
    pub error: Option<String>,
}

/// Where an endpoint stands after a round of deliveries.
#[derive(Debug, Clone)]
pub struct Progress {
    pub cursor_seq: i64,
    pub attempts: i32,
    pub next_attempt_at: String,
    pub failing_since: Option<String>,
    pub last_success_at: Option<String>,
    /// Keep the lease until then (another round follows), or release it (`None`).
    pub lease_until: Option<String>,
    /// Disable the endpoint with this reason.
    pub disable: Option<String>,
}

/// Records a round's attempts and moves the endpoint on, if `owner` still holds its lease;
/// returns false (and changes nothing) if the lease was lost.
/// Disabling an endpoint also appends a `webhook.disabled` event for its agency (from which
/// its admins are emailed), in the same transaction.
pub fn record_round(
    conn: &mut DbConnection,
    endpoint: &EndpointRow,
    owner: &str,
    attempts: &[Attempt],
    p: &Progress,
) -> AppResult<bool> {
    if p.disable.is_some() {
        write_tx(conn, |conn, log| apply_round(conn, Some(log), endpoint, owner, attempts, p))
    } else {
        conn.transaction(|conn| apply_round(conn, None, endpoint, owner, attempts, p))
    }
}

pub(super) fn apply_round(
    conn: &mut DbConnection,
    log: Option<&mut Log>,
    endpoint: &EndpointRow,
    owner: &str,
    attempts: &[Attempt],
    p: &Progress,
) -> AppResult<bool> {
    let endpoint_id = endpoint.id.as_str();
    {
        let at = now();
        let mut q = diesel::update(webhook_endpoints::table.find(endpoint_id))
            .filter(webhook_endpoints::lease_owner.eq(owner))
            .into_boxed();
        if p.disable.is_some() {
            q = q.filter(webhook_endpoints::active.eq(true));
        }
        let n = q
            .set((
                webhook_endpoints::cursor_seq.eq(p.cursor_seq),
                webhook_endpoints::attempts.eq(p.attempts),
                webhook_endpoints::next_attempt_at.eq(&p.next_attempt_at),
                webhook_endpoints::failing_since.eq(&p.failing_since),
                webhook_endpoints::last_success_at.eq(&p.last_success_at),
                webhook_endpoints::lease_until.eq(&p.lease_until),
                webhook_endpoints::lease_owner.eq(p.lease_until.as_ref().map(|_| owner)),
                webhook_endpoints::updated_at.eq(&at),
            ))
            .execute(conn)?;
        if n == 0 {
            return Ok(false);
        }
        if let (Some(reason), Some(log)) = (&p.disable, log) {
            diesel::update(webhook_endpoints::table.find(endpoint_id))
                .set((webhook_endpoints::active.eq(false), webhook_endpoints::disabled_reason.eq(reason)))
                .execute(conn)?;
            let detail = json!({"endpoint_id": endpoint_id, "url": endpoint.url, "reason": reason});
            log.event(conn, EventType::WebhookDisabled, None, Some(&endpoint.agency_id), None, detail.clone())?;
            log.audit(&Actor::default(), "webhook.disable", "webhook", Some(endpoint_id), None, detail);
        }
        if !attempts.is_empty() {
            let seqs: Vec<i64> = attempts.iter().map(|a| a.seq).collect();
            let existing: Vec<(i64, String, String)> = webhook_deliveries::table
                .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
                .filter(webhook_deliveries::seq.eq_any(&seqs))
                .select((webhook_deliveries::seq, webhook_deliveries::id, webhook_deliveries::created_at))
                .load(conn)?;
            if !existing.is_empty() {
                let ids: Vec<&String> = existing.iter().map(|(_, id, _)| id).collect();
                diesel::delete(webhook_deliveries::table.filter(webhook_deliveries::id.eq_any(ids))).execute(conn)?;
            }
            let rows: Vec<Delivery> = attempts
                .iter()
                .map(|a| {
                    let prior = existing.iter().find(|(s, _, _)| *s == a.seq);
                    Delivery {
                        id: prior.map(|(_, id, _)| id.clone()).unwrap_or_else(new_id),
                        endpoint_id: endpoint_id.to_string(),
                        seq: a.seq,
                        event_type: a.event_type.clone(),
                        status: a.status.to_string(),
                        attempts: a.attempts,
                        response_status: a.response_status,
                        latency_ms: Some(a.latency_ms),
                        error: a.error.clone(),
                        created_at: prior.map(|(_, _, c)| c.clone()).unwrap_or_else(|| at.clone()),
                        updated_at: at.clone(),
                    }
                })
                .collect();
            for chunk in rows.chunks(INSERT_CHUNK) {
                crate::insert_batch!(conn, webhook_deliveries::table, chunk)?;
            }
        }
        Ok(true)
    }
}
