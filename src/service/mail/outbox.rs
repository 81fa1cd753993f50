//! The outbox: mails claimed for sending under a lease, their results, and the daily digest.

use super::*;
use crate::db::schema::{mail_digest_items, mail_digest_runs, mail_outbox, users};
use crate::db::DbConnection;
use crate::domain::mail::{self, Rendered};
use crate::domain::{new_id, now};
use crate::error::{AppError, AppResult};
use crate::store::INSERT_CHUNK;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = mail_outbox, treat_none_as_default_value = false)]
pub struct OutboxRow {
    pub id: String,
    pub dedupe_key: String,
    pub user_id: String,
    pub recipient: String,
    /// The mail type, or `digest`.
    pub event_type: String,
    pub seq: i64,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    /// `pending`, `sent` or `failed` (attempts used up, or refused for good).
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: String,
    pub last_error: Option<String>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub sent_at: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = mail_digest_items, treat_none_as_default_value = false)]
pub struct DigestItemRow {
    pub id: String,
    pub user_id: String,
    pub event_type: String,
    pub seq: i64,
    pub record_id: Option<String>,
    pub line: String,
    pub created_at: String,
    pub digest_id: Option<String>,
}

/// Claims up to `limit` due pending mails for `owner` until `lease_until`; other instances
/// skip the rows this one has locked.
pub fn claim_due(conn: &mut DbConnection, owner: &str, lease_until: &str, limit: i64) -> QueryResult<Vec<OutboxRow>> {
    conn.transaction(|conn| {
        let at = now();
        let query = mail_outbox::table
            .filter(mail_outbox::status.eq("pending"))
            .filter(mail_outbox::next_attempt_at.le(at.clone()))
            .filter(mail_outbox::lease_until.is_null().or(mail_outbox::lease_until.lt(at)))
            .order(mail_outbox::next_attempt_at)
            .limit(limit)
            .select(mail_outbox::id);
        let ids = crate::lock_due_ids!(conn, query)?;
        if ids.is_empty() {
            return Ok(vec![]);
        }
        diesel::update(mail_outbox::table.filter(mail_outbox::id.eq_any(&ids)))
            .set((mail_outbox::lease_owner.eq(owner), mail_outbox::lease_until.eq(lease_until)))
            .execute(conn)?;
        mail_outbox::table
            .filter(mail_outbox::id.eq_any(&ids))
            .order(mail_outbox::created_at)
            .select(OutboxRow::as_select())
            .load(conn)
    })
}

/// What became of one send.
#[derive(Debug, Clone)]
pub enum SendResult {
    Sent,
    /// Try again at this time.
    Retry {
        at: String,
        error: String,
    },
    /// Given up: attempts used up, or refused for good.
    Failed {
        error: String,
    },
}

/// Records a send's result, if `owner` still holds the row's lease.
pub fn record_send(conn: &mut DbConnection, id: &str, owner: &str, attempts: i32, r: &SendResult) -> QueryResult<bool> {
    let at = now();
    let (status, next, error, sent_at) = match r {
        SendResult::Sent => ("sent", None, None, Some(at.clone())),
        SendResult::Retry { at: next, error } => ("pending", Some(next.clone()), Some(error.clone()), None),
        SendResult::Failed { error } => ("failed", None, Some(error.clone()), None),
    };
    let q = diesel::update(mail_outbox::table.find(id)).filter(mail_outbox::lease_owner.eq(owner));
    let n = q
        .set((
            mail_outbox::status.eq(status),
            mail_outbox::attempts.eq(attempts),
            mail_outbox::next_attempt_at.eq(next.unwrap_or_else(|| at.clone())),
            mail_outbox::last_error.eq(error),
            mail_outbox::sent_at.eq(sent_at),
            mail_outbox::lease_owner.eq(None::<String>),
            mail_outbox::lease_until.eq(None::<String>),
            mail_outbox::updated_at.eq(&at),
        ))
        .execute(conn)?;
    Ok(n > 0)
}

/// Gives back every lease `owner` holds: its claimed mails not sent yet (they stay pending,
/// due as they were) and the dispatcher's cursor. For a mail loop that stops.
pub fn release_leases(conn: &mut DbConnection, owner: &str) -> QueryResult<()> {
    conn.transaction(|conn| {
        diesel::update(mail_outbox::table.filter(mail_outbox::lease_owner.eq(owner)))
            .set((mail_outbox::lease_owner.eq(None::<String>), mail_outbox::lease_until.eq(None::<String>)))
            .execute(conn)?;
        crate::store::cursors::release(conn, crate::store::cursors::Job::Mail, owner)
    })
}

/// Queues a mail to one user outside the event dispatcher (an account's one-time link),
/// due at once, in the caller's transaction.
pub fn queue_direct(
    conn: &mut DbConnection,
    user_id: &str,
    recipient: &str,
    mail_type: &str,
    seq: i64,
    r: Rendered,
) -> QueryResult<()> {
    let at = now();
    let row = outbox_row(format!("direct:{}", new_id()), user_id, recipient, mail_type, seq, r, &at);
    diesel::insert_into(mail_outbox::table).values(&row).execute(conn).map(|_| ())
}

/// Runs the digest of local day `day` unless it already ran: one mail per user with their
/// waiting items (those whose record their agency can still read), all in one transaction
/// with the run's row. Returns the number of digest mails, or `None` if the day's digest had
/// already run.
pub fn run_digest(conn: &mut DbConnection, day: &str) -> AppResult<Option<usize>> {
    let ran: i64 = mail_digest_runs::table.filter(mail_digest_runs::day.eq(day)).count().get_result(conn)?;
    if ran > 0 {
        return Ok(None);
    }
    let result = conn.transaction::<_, AppError, _>(|conn| {
        let at = now();
        diesel::insert_into(mail_digest_runs::table)
            .values((mail_digest_runs::day.eq(day), mail_digest_runs::ran_at.eq(&at), mail_digest_runs::mails.eq(0)))
            .execute(conn)?;
        let items: Vec<DigestItemRow> = mail_digest_items::table
            .filter(mail_digest_items::digest_id.is_null())
            .order((mail_digest_items::user_id, mail_digest_items::seq))
            .select(DigestItemRow::as_select())
            .load(conn)?;
        let mut by_user: BTreeMap<String, Vec<DigestItemRow>> = BTreeMap::new();
        for i in items {
            by_user.entry(i.user_id.clone()).or_default().push(i);
        }
        let mut look = Lookups::default();
        let mut mails = Vec::new();
        for (user_id, items) in by_user {
            let user: Option<(String, Option<String>, bool)> = users::table
                .find(&user_id)
                .select((users::agency_id, users::email, users::active))
                .first(conn)
                .optional()?;
            let mut lines = Vec::new();
            if let Some((agency, Some(email), true)) = user.clone() {
                for i in &items {
                    let still = match &i.record_id {
                        Some(r) => readable(conn, &mut look, &agency, r)?.is_some(),
                        None => true,
                    };
                    if still {
                        lines.push(i.line.clone());
                    }
                }
                if !lines.is_empty() && !email.trim().is_empty() {
                    let r = mail::render_digest(day, &lines);
                    mails.push(outbox_row(
                        format!("digest:{day}:{user_id}"),
                        &user_id,
                        email.trim(),
                        "digest",
                        0,
                        r,
                        &at,
                    ));
                }
            }
            // Items are settled either way: carried by this digest, or dropped (access lost,
            // no address) so they do not come back tomorrow.
            let carrier = mails.last().filter(|m| m.user_id == user_id).map(|m| m.id.clone());
            let ids: Vec<&String> = items.iter().map(|i| &i.id).collect();
            diesel::update(mail_digest_items::table.filter(mail_digest_items::id.eq_any(ids)))
                .set(mail_digest_items::digest_id.eq(carrier.unwrap_or_else(|| format!("dropped:{day}"))))
                .execute(conn)?;
        }
        for chunk in mails.chunks(INSERT_CHUNK) {
            crate::insert_batch!(conn, mail_outbox::table, chunk)?;
        }
        diesel::update(mail_digest_runs::table.find(day))
            .set(mail_digest_runs::mails.eq(mails.len() as i32))
            .execute(conn)?;
        Ok(mails.len())
    });
    match result {
        Ok(n) => Ok(Some(n)),
        // Another instance ran it at the same moment.
        Err(AppError::Conflict(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Mails in the outbox by status (`pending`, `sent`, `failed`), for the operations dashboard.
pub fn outbox_counts(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64)>> {
    mail_outbox::table.group_by(mail_outbox::status).select((mail_outbox::status, diesel::dsl::count_star())).load(conn)
}
