//! Mail planning: which events become which mails to whom (the policy decides who may be
//! told what; a restricted or unreadable record is named by no title), and the outbox rows.

use super::*;
use crate::db::schema::{agencies, events, inbox_items, mail_digest_items, mail_outbox, transfers, users};
use crate::db::DbConnection;
use crate::domain::event::EventType;
use crate::domain::mail::{self, MailMode, Notice, Party, Rendered};
use crate::domain::{new_id, now, Role};
use crate::error::{AppError, AppResult};
use crate::policy::{self, Viewer};
use crate::service::transfers::TransferRow;
use crate::store::cursors::{self, Job};
use crate::store::log::EventRow;
use crate::store::records::StoredRecord;
use crate::store::{directory, INSERT_CHUNK};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

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
pub(super) struct Planned {
    user_id: String,
    recipient: String,
    mode: MailMode,
    seq: i64,
    record_id: Option<String>,
    notice: Notice,
}

/// A reader of mail: a user of an agency.
#[derive(Debug, Clone)]
pub(super) struct Recipient {
    id: String,
    email: String,
    roles: Vec<Role>,
}

/// Lookups shared by the events of one round.
#[derive(Default)]
pub(super) struct Lookups {
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
pub(super) fn readable(
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
pub(super) fn transfer_notice(
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
pub(super) fn plan(
    conn: &mut DbConnection,
    cursor: i64,
    batch: i64,
    public_url: &str,
) -> AppResult<(Vec<Planned>, i64, usize)> {
    let head = crate::store::log::head_seq(conn)?;
    let evs: Vec<EventRow> = events::table
        .filter(events::seq.gt(cursor))
        .filter(events::seq.le(head))
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
        } else if kind.as_str().starts_with("info_request.") {
            if let Some((agency, notice)) = crate::service::info_requests::mail::notice(conn, ev, &payload, public_url)?
            {
                add(conn, &mut look, &agency, ev.seq, None, notice)?;
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
pub(super) fn outbox_row(
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
/// (else nothing is written and `None` returned). `public_url` starts the links in mails.
pub fn dispatch(
    conn: &mut DbConnection,
    owner: &str,
    cursor: i64,
    batch: i64,
    public_url: &str,
) -> AppResult<Option<Dispatched>> {
    let (planned, next, n_events) = plan(conn, cursor, batch, public_url)?;
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
        // Moves on (if `owner` still holds the job) and gives the lease back.
        if next > cursor && !cursors::advance(conn, Job::Mail, owner, next)? {
            return Ok(None);
        }
        cursors::release(conn, Job::Mail, owner)?;
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
