//! Email: users' preferences, and the tables the mail loops work on. The dispatcher reads the
//! event log after its cursor (`mail_cursor`, claimed with a lease) and turns each event into
//! mails — one `mail_outbox` row per recipient, or a digest item — in the same transaction as
//! the cursor advance. The sender claims due outbox rows with a lease. The deadline sweep
//! appends `transfer.deadline_soon` / `transfer.overdue` once per transfer; the daily digest
//! runs once per local day.

use std::collections::{BTreeMap, HashMap};

use diesel::dsl::{exists, not};
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::db::schema::{
    agencies, events, inbox_items, mail_cursor, mail_digest_items, mail_digest_runs, mail_outbox, mail_preferences,
    transfer_reminders, transfers, users,
};
use crate::db::DbConnection;
use crate::domain::event::EventType;
use crate::domain::mail::{self, MailMode, Notice, Party, Rendered};
use crate::domain::transfer::TransferState;
use crate::domain::{new_id, now, Role};
use crate::error::{AppError, AppResult};
use crate::policy::{self, Viewer};
use crate::service::transfers::TransferRow;
use crate::store::log::{write_tx, Actor, EventRow, Log};
use crate::store::records::StoredRecord;
use crate::store::{directory, INSERT_CHUNK};

// ---- Preferences ------------------------------------------------------------------------

/// The user's stored choices (types left out use their default).
pub fn stored_preferences(conn: &mut DbConnection, user_id: &str) -> QueryResult<BTreeMap<String, MailMode>> {
    let rows: Vec<(String, String)> = mail_preferences::table
        .filter(mail_preferences::user_id.eq(user_id))
        .select((mail_preferences::event_type, mail_preferences::mode))
        .load(conn)?;
    rows.into_iter()
        .map(|(t, m)| {
            Ok((
                t,
                crate::domain::from_stored("邮件发送方式", &m, MailMode::parse)
                    .map_err(crate::store::unknown_stored)?,
            ))
        })
        .collect()
}

/// Every mail type with the user's mode.
pub fn preferences(conn: &mut DbConnection, user_id: &str) -> QueryResult<BTreeMap<String, MailMode>> {
    Ok(mail::effective_modes(&stored_preferences(conn, user_id)?))
}

/// Sets the user's modes for the given types (others keep theirs); audited.
pub fn set_preferences(
    conn: &mut DbConnection,
    log: &mut Log,
    actor: &Actor,
    user_id: &str,
    changes: &BTreeMap<String, MailMode>,
) -> AppResult<BTreeMap<String, MailMode>> {
    let before = preferences(conn, user_id)?;
    let types: Vec<&String> = changes.keys().collect();
    diesel::delete(
        mail_preferences::table
            .filter(mail_preferences::user_id.eq(user_id))
            .filter(mail_preferences::event_type.eq_any(types)),
    )
    .execute(conn)?;
    let rows: Vec<_> = changes
        .iter()
        .map(|(t, m)| {
            (
                mail_preferences::user_id.eq(user_id),
                mail_preferences::event_type.eq(t),
                mail_preferences::mode.eq(m.as_str()),
                mail_preferences::updated_at.eq(log.at()),
            )
        })
        .collect();
    crate::insert_batch!(conn, mail_preferences::table, &rows)?;
    let changed: BTreeMap<&String, Value> = changes
        .iter()
        .filter(|(t, m)| before.get(*t) != Some(*m))
        .map(|(t, m)| (t, json!({"from": before.get(t).map(|b| b.as_str()), "to": m.as_str()})))
        .collect();
    log.audit(actor, "mail.preferences", "user", Some(user_id), None, json!({"changed": changed}));
    Ok(preferences(conn, user_id)?)
}

// ---- The dispatcher: events → outbox rows and digest items --------------------------------

/// Whether events wait after the dispatcher's cursor (a read, so idle wakes write nothing).
pub fn has_new_events(conn: &mut DbConnection) -> QueryResult<bool> {
    let cursor: i64 = mail_cursor::table.find(1).select(mail_cursor::cursor_seq).first(conn)?;
    Ok(crate::store::log::head_seq(conn)? > cursor)
}

/// Claims the dispatcher's cursor for `owner` until `lease_until` if no live lease holds it;
/// returns the cursor position.
pub fn claim_cursor(conn: &mut DbConnection, owner: &str, lease_until: &str) -> QueryResult<Option<i64>> {
    conn.transaction(|conn| {
        let at = now();
        let n = diesel::update(mail_cursor::table.find(1))
            .filter(
                mail_cursor::lease_until
                    .is_null()
                    .or(mail_cursor::lease_until.lt(at.clone()))
                    .or(mail_cursor::lease_owner.eq(owner)),
            )
            .set((mail_cursor::lease_owner.eq(owner), mail_cursor::lease_until.eq(lease_until)))
            .execute(conn)?;
        if n == 0 {
            return Ok(None);
        }
        mail_cursor::table.find(1).select(mail_cursor::cursor_seq).first(conn).map(Some)
    })
}

/// Gives the cursor's lease back (when there was nothing to do).
pub fn release_cursor(conn: &mut DbConnection, owner: &str) -> QueryResult<()> {
    diesel::update(mail_cursor::table.find(1))
        .filter(mail_cursor::lease_owner.eq(owner))
        .set((mail_cursor::lease_owner.eq(None::<String>), mail_cursor::lease_until.eq(None::<String>)))
        .execute(conn)?;
    Ok(())
}

/// What one dispatch round did.
#[derive(Debug, Clone, Default)]
pub struct Dispatched {
    pub events: usize,
    pub mails: usize,
    pub digest_items: usize,
    /// More events may be waiting (the round read a full batch).
    pub more: bool,
}

/// One mail (or digest item) for one user.
struct Planned {
    user_id: String,
    recipient: String,
    mode: MailMode,
    seq: i64,
    record_id: Option<String>,
    notice: Notice,
}

/// A reader of mail: a user of an agency.
#[derive(Debug, Clone)]
struct Recipient {
    id: String,
    email: String,
    roles: Vec<Role>,
}

/// Lookups shared by the events of one round.
#[derive(Default)]
struct Lookups {
    names: HashMap<String, String>,
    viewers: HashMap<String, Viewer>,
    users: HashMap<String, Vec<Recipient>>,
    prefs: HashMap<String, BTreeMap<String, MailMode>>,
}

impl Lookups {
    fn name(&self, agency_id: &str) -> String {
        self.names.get(agency_id).cloned().unwrap_or_else(|| "(未知单位)".into())
    }

    fn viewer(&mut self, conn: &mut DbConnection, agency_id: &str) -> AppResult<Viewer> {
        if let Some(v) = self.viewers.get(agency_id) {
            return Ok(v.clone());
        }
        let v = directory::viewer(conn, agency_id)?;
        self.viewers.insert(agency_id.to_string(), v.clone());
        Ok(v)
    }

    /// The agency's users who get this type of mail, with their mode (never: left out).
    fn recipients(
        &mut self,
        conn: &mut DbConnection,
        agency_id: &str,
        mail_type: &str,
    ) -> QueryResult<Vec<(Recipient, MailMode)>> {
        if !self.users.contains_key(agency_id) {
            let rows: Vec<(String, String, Option<String>)> = users::table
                .filter(users::agency_id.eq(agency_id))
                .filter(users::active.eq(true))
                .select((users::id, users::roles, users::email))
                .order(users::username)
                .load(conn)?;
            let mut list = Vec::with_capacity(rows.len());
            for (id, roles, email) in rows {
                let Some(email) = email.map(|e| e.trim().to_string()).filter(|e| !e.is_empty()) else { continue };
                let roles = Role::from_stored_list(&roles).map_err(crate::store::unknown_stored)?;
                list.push(Recipient { id, email, roles });
            }
            self.users.insert(agency_id.to_string(), list);
        }
        let mut out = Vec::new();
        for u in self.users[agency_id].clone() {
            if !policy::receives_mail(&u.roles, mail_type) {
                continue;
            }
            if !self.prefs.contains_key(&u.id) {
                let p = stored_preferences(conn, &u.id)?;
                self.prefs.insert(u.id.clone(), p);
            }
            let mode = self.prefs[&u.id]
                .get(mail_type)
                .copied()
                .or_else(|| mail::default_mode(mail_type))
                .unwrap_or(MailMode::Never);
            if mode != MailMode::Never {
                out.push((u, mode));
            }
        }
        Ok(out)
    }
}

/// The record if the agency can still read it, and whether a mail may name it.
fn readable(
    conn: &mut DbConnection,
    look: &mut Lookups,
    agency_id: &str,
    record_id: &str,
) -> AppResult<Option<(StoredRecord, bool)>> {
    let viewer = look.viewer(conn, agency_id)?;
    Ok(crate::store::records::load(conn, record_id)?.filter(|s| policy::can_read(&viewer, &s.facts())).map(|s| {
        let named = policy::mail_may_name_record(&s.facts());
        (s, named)
    }))
}

/// The agency a transfer event's mail goes to, and what it says (`None`: no mail).
fn transfer_notice(
    conn: &mut DbConnection,
    look: &mut Lookups,
    ev: &EventRow,
    payload: &Value,
) -> AppResult<Option<(String, Notice, String)>> {
    let (Some(target), Some(tid)) = (ev.target_agency_id.as_deref(), payload["transfer_id"].as_str()) else {
        return Ok(None);
    };
    let t: Option<TransferRow> = transfers::table.find(tid).select(TransferRow::as_select()).first(conn).optional()?;
    let Some(t) = t else { return Ok(None) };
    let party = match policy::transfer_side(target, &t.from_agency_id, &t.to_agency_id) {
        Some(crate::domain::transfer::Side::Receiver) => Party::Receiver,
        Some(crate::domain::transfer::Side::Sender) => Party::Sender,
        None => return Ok(None),
    };
    let kind = EventType::from_stored(&ev.event_type).map_err(anyhow::Error::from)?;
    let wanted = match kind {
        EventType::TransferCreated | EventType::TransferDeadlineSoon => Some(Party::Receiver),
        EventType::TransferReturned | EventType::TransferConcluded => Some(Party::Sender),
        EventType::TransferOverdue => None,
        _ => return Ok(None),
    };
    if wanted.is_some_and(|w| w != party)
        || !policy::can_see_transfer(
            target,
            &t.from_agency_id,
            &t.to_agency_id,
            t.state().map_err(anyhow::Error::from)?,
        )
    {
        return Ok(None);
    }
    let Some((record, named)) = readable(conn, look, target, &t.record_id)? else { return Ok(None) };
    let title = named.then(|| record.row.title.clone());
    let deadline = payload["deadline"].as_str().unwrap_or(&t.deadline).to_string();
    let notice = match kind {
        EventType::TransferCreated => Notice::TransferReceived {
            title,
            category: t.category.clone(),
            deadline,
            from_agency: look.name(&t.from_agency_id),
            round: t.round.clone(),
        },
        EventType::TransferReturned => Notice::TransferReturned {
            title,
            to_agency: look.name(&t.to_agency_id),
            reason: t.return_reason.clone().filter(|_| named),
        },
        EventType::TransferConcluded => Notice::TransferConcluded {
            title,
            to_agency: look.name(&t.to_agency_id),
            outcome: t.outcome().map_err(anyhow::Error::from)?.map(|o| o.label().to_string()),
        },
        EventType::TransferDeadlineSoon => {
            Notice::DeadlineSoon { title, deadline, from_agency: look.name(&t.from_agency_id) }
        }
        _ => {
            let other = if party == Party::Receiver { &t.from_agency_id } else { &t.to_agency_id };
            Notice::Overdue { party, title, deadline, other_agency: look.name(other) }
        }
    };
    Ok(Some((target.to_string(), notice, t.record_id)))
}

/// Plans the mails of the events after `cursor` (up to `batch`); returns the plan and the
/// new cursor.
fn plan(conn: &mut DbConnection, cursor: i64, batch: i64) -> AppResult<(Vec<Planned>, i64, usize)> {
    let evs: Vec<EventRow> = events::table
        .filter(events::seq.gt(cursor))
        .order(events::seq)
        .limit(batch)
        .select(EventRow::as_select())
        .load(conn)?;
    let Some(last) = evs.last().map(|e| e.seq) else { return Ok((vec![], cursor, 0)) };
    let mut look = Lookups {
        names: agencies::table
            .select((agencies::id, agencies::name))
            .load::<(String, String)>(conn)?
            .into_iter()
            .collect(),
        ..Default::default()
    };
    // Subscription matches are inbox items stamped with the event that caused them.
    let matches: Vec<(i64, String, String)> = inbox_items::table
        .filter(inbox_items::reason.eq("subscription"))
        .filter(inbox_items::seq.gt(cursor))
        .filter(inbox_items::seq.le(last))
        .order((inbox_items::seq, inbox_items::agency_id))
        .select((inbox_items::seq, inbox_items::agency_id, inbox_items::record_id))
        .load(conn)?;
    let mut out = Vec::new();
    let mut add = |conn: &mut DbConnection,
                   look: &mut Lookups,
                   agency: &str,
                   seq: i64,
                   record_id: Option<String>,
                   notice: Notice|
     -> QueryResult<()> {
        for (u, mode) in look.recipients(conn, agency, notice.mail_type())? {
            out.push(Planned {
                user_id: u.id,
                recipient: u.email,
                mode,
                seq,
                record_id: record_id.clone(),
                notice: notice.clone(),
            });
        }
        Ok(())
    };
    for ev in &evs {
        let payload: Value = serde_json::from_str(&ev.payload).unwrap_or(Value::Null);
        let kind = EventType::from_stored(&ev.event_type).map_err(anyhow::Error::from)?;
        if kind == EventType::WebhookDisabled {
            if let Some(agency) = ev.target_agency_id.as_deref() {
                let notice = Notice::EndpointDisabled {
                    url: payload["url"].as_str().unwrap_or_default().to_string(),
                    reason: payload["reason"].as_str().unwrap_or_default().to_string(),
                };
                add(conn, &mut look, agency, ev.seq, None, notice)?;
            }
        } else if kind.as_str().starts_with("transfer.") {
            if let Some((agency, notice, record_id)) = transfer_notice(conn, &mut look, ev, &payload)? {
                add(conn, &mut look, &agency, ev.seq, Some(record_id), notice)?;
            }
        }
        for (_, agency, record_id) in matches.iter().filter(|(s, _, _)| *s == ev.seq) {
            if let Some((record, named)) = readable(conn, &mut look, agency, record_id)? {
                let notice = Notice::SubscriptionMatched {
                    title: named.then(|| record.row.title.clone()),
                    kind: record.kind.label().to_string(),
                    category: record.row.category.clone(),
                    owner_agency: look.name(&record.row.owner_agency_id),
                };
                add(conn, &mut look, agency, ev.seq, Some(record_id.clone()), notice)?;
            }
        }
    }
    Ok((out, last, evs.len()))
}

/// A new outbox row, due now.
#[allow(clippy::too_many_arguments)]
fn outbox_row(
    dedupe_key: String,
    user_id: &str,
    recipient: &str,
    event_type: &str,
    seq: i64,
    r: Rendered,
    at: &str,
) -> OutboxRow {
    OutboxRow {
        id: new_id(),
        dedupe_key,
        user_id: user_id.to_string(),
        recipient: recipient.to_string(),
        event_type: event_type.to_string(),
        seq,
        subject: r.subject,
        body_text: r.text,
        body_html: r.html,
        status: "pending".into(),
        attempts: 0,
        next_attempt_at: at.to_string(),
        last_error: None,
        lease_owner: None,
        lease_until: None,
        created_at: at.to_string(),
        updated_at: at.to_string(),
        sent_at: None,
    }
}

/// Turns the events after the claimed `cursor` into outbox rows and digest items, and moves
/// the cursor on and releases it, in one transaction — if `owner` still holds the lease
/// (else nothing is written and `None` returned).
pub fn dispatch(conn: &mut DbConnection, owner: &str, cursor: i64, batch: i64) -> AppResult<Option<Dispatched>> {
    let (planned, next, n_events) = plan(conn, cursor, batch)?;
    let at = now();
    let mut mails = Vec::new();
    let mut items = Vec::new();
    for p in planned {
        let mail_type = p.notice.mail_type();
        match p.mode {
            MailMode::Immediate => mails.push(outbox_row(
                format!("{}:{mail_type}:{}", p.seq, p.user_id),
                &p.user_id,
                &p.recipient,
                mail_type,
                p.seq,
                p.notice.render(),
                &at,
            )),
            MailMode::Digest => items.push(DigestItemRow {
                id: new_id(),
                user_id: p.user_id,
                event_type: mail_type.to_string(),
                seq: p.seq,
                record_id: p.record_id,
                line: p.notice.line(),
                created_at: at.clone(),
                digest_id: None,
            }),
            MailMode::Never => {}
        }
    }
    conn.transaction::<_, AppError, _>(|conn| {
        let n = diesel::update(mail_cursor::table.find(1))
            .filter(mail_cursor::lease_owner.eq(owner))
            .filter(mail_cursor::cursor_seq.eq(cursor))
            .set((
                mail_cursor::cursor_seq.eq(next),
                mail_cursor::lease_owner.eq(None::<String>),
                mail_cursor::lease_until.eq(None::<String>),
                mail_cursor::updated_at.eq(&at),
            ))
            .execute(conn)?;
        if n == 0 {
            return Ok(None);
        }
        for chunk in mails.chunks(INSERT_CHUNK) {
            crate::insert_batch!(conn, mail_outbox::table, chunk)?;
        }
        for chunk in items.chunks(INSERT_CHUNK) {
            crate::insert_batch!(conn, mail_digest_items::table, chunk)?;
        }
        Ok(Some(Dispatched {
            events: n_events,
            mails: mails.len(),
            digest_items: items.len(),
            more: n_events as i64 >= batch,
        }))
    })
}

// ---- The outbox ---------------------------------------------------------------------------

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

// ---- The daily digest ---------------------------------------------------------------------

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

// ---- Deadline reminders -------------------------------------------------------------------

const OPEN: [TransferState; 3] = [TransferState::Transferred, TransferState::Accepted, TransferState::InProgress];

/// Open transfers due a reminder of `kind` on `today`, not yet reminded.
fn due_reminders(conn: &mut DbConnection, kind: &str, today: &str, limit: i64) -> QueryResult<Vec<TransferRow>> {
    let reminded = exists(
        transfer_reminders::table
            .filter(transfer_reminders::transfer_id.eq(transfers::id))
            .filter(transfer_reminders::kind.eq(kind.to_string())),
    );
    let open = transfers::table.filter(transfers::state.eq_any(OPEN.map(|s| s.as_str()))).filter(not(reminded));
    if kind == "overdue" {
        open.filter(transfers::deadline.lt(today.to_string()))
            .order(transfers::id)
            .limit(limit)
            .select(TransferRow::as_select())
            .load(conn)
    } else {
        open.filter(transfers::deadline.ge(today.to_string()))
            .filter(transfers::deadline.le(mail::deadline_soon_until(today)))
            .order(transfers::id)
            .limit(limit)
            .select(TransferRow::as_select())
            .load(conn)
    }
}

/// Appends `transfer.deadline_soon` (deadline within three days; to the receiver) and
/// `transfer.overdue` (deadline passed; to both parties) once per open transfer, marking each
/// so it is not repeated. Returns how many reminders were appended.
pub fn sweep_deadlines(conn: &mut DbConnection, today: &str, limit: i64) -> AppResult<usize> {
    const KINDS: [&str; 2] = ["deadline_soon", "overdue"];
    let mut any = false;
    for kind in KINDS {
        any |= !due_reminders(conn, kind, today, 1)?.is_empty();
    }
    if !any {
        return Ok(0);
    }
    // Read again under the log's lock: a concurrent sweep of another instance has either
    // committed its marks or waits for ours.
    write_tx(conn, |conn, log| {
        let mut n = 0;
        for kind in KINDS {
            for t in due_reminders(conn, kind, today, limit)? {
                let event_type =
                    if kind == "overdue" { EventType::TransferOverdue } else { EventType::TransferDeadlineSoon };
                let payload = json!({"transfer_id": t.id, "state": t.state, "deadline": t.deadline});
                let mut seq = log.event(event_type, Some(&t.record_id), Some(&t.to_agency_id), None, payload.clone());
                if kind == "overdue" {
                    seq = log.event(event_type, Some(&t.record_id), Some(&t.from_agency_id), None, payload);
                }
                diesel::insert_into(transfer_reminders::table)
                    .values((
                        transfer_reminders::transfer_id.eq(&t.id),
                        transfer_reminders::kind.eq(kind),
                        transfer_reminders::seq.eq(seq),
                        transfer_reminders::created_at.eq(log.at()),
                    ))
                    .execute(conn)?;
                log.audit(
                    &Actor::default(),
                    &format!("transfer.remind_{kind}"),
                    "transfer",
                    Some(&t.id),
                    None,
                    json!({"deadline": t.deadline}),
                );
                n += 1;
            }
        }
        Ok(n)
    })
}

/// Mails in the outbox by status (`pending`, `sent`, `failed`), for the operations dashboard.
pub fn outbox_counts(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64)>> {
    mail_outbox::table.group_by(mail_outbox::status).select((mail_outbox::status, diesel::dsl::count_star())).load(conn)
}
