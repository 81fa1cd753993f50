//! Email: users' preferences, and the tables the mail loops work on. The dispatcher reads the
//! event log after its position (the `mail` row of `job_cursors`, claimed with a lease) and turns each event into
//! mails — one `mail_outbox` row per recipient, or a digest item — in the same transaction as
//! the cursor advance. The sender claims due outbox rows with a lease. The deadline sweep
//! appends `transfer.deadline_soon` / `transfer.overdue` once per transfer; the daily digest
//! runs once per local day.

use std::collections::BTreeMap;

use diesel::prelude::*;
use serde_json::{json, Value};

use crate::db::schema::mail_preferences;
use crate::db::DbConnection;
use crate::domain::mail::{self, MailMode};
use crate::error::AppResult;
use crate::policy::Principal;
use crate::store::cursors::{self, Job};
use crate::store::log::{write_tx, Actor};

mod outbox;
mod plan;
mod reminders;

pub use outbox::*;
pub use plan::*;
pub use reminders::*;

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
    p: &Principal,
    user_id: &str,
    changes: &BTreeMap<String, MailMode>,
) -> AppResult<BTreeMap<String, MailMode>> {
    write_tx(conn, |conn, log| {
        let actor = &Actor::from(p);
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
    })
}

// ---- The dispatcher: events → outbox rows and digest items --------------------------------

/// Whether events wait after the dispatcher's position (a read, so idle wakes write nothing).
/// Its position and lease are the `mail` row of `store::cursors`.
pub fn has_new_events(conn: &mut DbConnection) -> QueryResult<bool> {
    Ok(crate::store::log::head_seq(conn)? > cursors::position(conn, Job::Mail)?)
}

// ---- The outbox ---------------------------------------------------------------------------

// ---- The daily digest ---------------------------------------------------------------------

// ---- Deadline reminders -------------------------------------------------------------------
