//! Login throttle counters (`login_throttle`), shared by every instance through the
//! database. Each attempt is counted *before* its password is verified, in a short
//! transaction of its own that never touches the event log's head row: concurrent guesses
//! serialise on the counter row, so a burst gets no more tries than the budget, and a failed
//! login never waits for SQLite's write lock behind other writers. A success gives its reservation back.

use diesel::prelude::*;

use crate::db::schema::login_throttle as lt;
use crate::db::DbConnection;
use crate::domain::format_time;
use crate::policy::credentials::Backoff;

/// What reserving an attempt found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reservation {
    /// Go ahead. `locked_now` names the keys this attempt locked (for the audit log), with
    /// their failure counts.
    Granted { locked_now: Vec<(String, i64)> },
    /// A key is locked: retry after this many seconds.
    Locked { retry_after_secs: i64 },
}

fn secs_until(until: &str, now: chrono::DateTime<chrono::Utc>) -> i64 {
    chrono::DateTime::parse_from_rfc3339(until)
        .map(|t| (t.with_timezone(&chrono::Utc) - now).num_milliseconds())
        .map(|ms| (ms + 999) / 1000)
        .unwrap_or(1)
        .max(1)
}

/// Counts one attempt against each `(key, backoff)`; refuses it while any key is locked.
/// An attempt that reaches a key's budget locks the key for the attempts after it.
pub fn reserve(conn: &mut DbConnection, keys: &[(String, Backoff)], window_secs: i64) -> QueryResult<Reservation> {
    let now = chrono::Utc::now();
    let at = format_time(now);
    let quiet_since = format_time(now - chrono::Duration::seconds(window_secs.max(1)));
    // Under attack most attempts meet a lock: refuse those with a read, no write.
    let names: Vec<&String> = keys.iter().map(|(k, _)| k).collect();
    let locked: Option<String> = lt::table
        .filter(lt::throttle_key.eq_any(names))
        .filter(lt::locked_until.gt(&at))
        .select(diesel::dsl::max(lt::locked_until))
        .first::<Option<String>>(conn)?;
    if let Some(until) = locked {
        return Ok(Reservation::Locked { retry_after_secs: secs_until(&until, now) });
    }
    conn.transaction(|conn| {
        let mut counts = Vec::new();
        for (key, _) in keys {
            // A key quiet for a whole window (and not locked) starts over.
            diesel::update(lt::table.find(key))
                .filter(lt::last_failure_at.lt(&quiet_since))
                .filter(lt::locked_until.is_null().or(lt::locked_until.le(&at)))
                .set(lt::failures.eq(0))
                .execute(conn)?;
            // The increment takes the row lock (PostgreSQL) or the write lock (SQLite):
            // concurrent attempts on one key are counted one after the other.
            let n = diesel::update(lt::table.find(key))
                .set((lt::failures.eq(lt::failures + 1), lt::last_failure_at.eq(&at)))
                .execute(conn)?;
            if n == 0 && !insert_first(conn, key, &at)? {
                // Another instance created it meanwhile: count on its row.
                diesel::update(lt::table.find(key))
                    .set((lt::failures.eq(lt::failures + 1), lt::last_failure_at.eq(&at)))
                    .execute(conn)?;
            }
            let (failures, locked_until): (i32, Option<String>) =
                lt::table.find(key).select((lt::failures, lt::locked_until)).first(conn)?;
            counts.push((key, failures as i64, locked_until));
        }
        let locked = counts.iter().filter_map(|(_, _, u)| u.as_deref()).filter(|u| *u > at.as_str()).max();
        if let Some(until) = locked {
            // Refused attempts are not counted: a locked key's back-off grows only with
            // attempts that were actually tried.
            for (key, _) in keys {
                diesel::update(lt::table.find(key)).set(lt::failures.eq(lt::failures - 1)).execute(conn)?;
            }
            return Ok(Reservation::Locked { retry_after_secs: secs_until(until, now) });
        }
        let mut locked_now = Vec::new();
        for ((key, failures, _), (_, backoff)) in counts.iter().zip(keys) {
            if let Some(secs) = backoff.lock_secs(*failures) {
                let until = format_time(now + chrono::Duration::seconds(secs));
                diesel::update(lt::table.find(*key)).set(lt::locked_until.eq(until)).execute(conn)?;
                locked_now.push((key.to_string(), *failures));
            }
        }
        Ok(Reservation::Granted { locked_now })
    })
}

/// A successful login: the username's count starts over; each address key gets this
/// attempt's reservation back (and its lock lifted if that takes it under budget).
pub fn succeeded(conn: &mut DbConnection, user_key: &str, address_keys: &[(String, Backoff)]) -> QueryResult<()> {
    diesel::delete(lt::table.find(user_key)).execute(conn)?;
    for (key, backoff) in address_keys {
        diesel::update(lt::table.find(key))
            .filter(lt::failures.gt(0))
            .set(lt::failures.eq(lt::failures - 1))
            .execute(conn)?;
        let failures: Option<i32> = lt::table.find(key).select(lt::failures).first(conn).optional()?;
        if failures.is_some_and(|f| backoff.lock_secs(f as i64).is_none()) {
            diesel::update(lt::table.find(key)).set(lt::locked_until.eq(None::<String>)).execute(conn)?;
        }
    }
    Ok(())
}

/// The username's failures since its last success (for the login's audit entry).
pub fn failures(conn: &mut DbConnection, key: &str) -> QueryResult<i64> {
    let n: Option<i32> = lt::table.find(key).select(lt::failures).first(conn).optional()?;
    Ok(n.unwrap_or(0) as i64)
}

/// Takes one use of a budget of `limit` uses per fixed window of `window_secs` (identity-number
/// lookups), counted in the same table as logins under the caller's `key` (prefix it, e.g.
/// `lookup:`), so every instance of the hub shares it. `Err(secs)` until the window ends
/// when the budget is spent. The row's `last_failure_at` holds the start of its window.
pub fn take_budget(conn: &mut DbConnection, key: &str, limit: u32, window_secs: i64) -> QueryResult<Result<(), i64>> {
    let now = chrono::Utc::now();
    let at = format_time(now);
    let window = chrono::Duration::seconds(window_secs.max(1));
    let window_over = format_time(now - window);
    conn.transaction(|conn| {
        // A window that has run out starts over with this use.
        diesel::update(lt::table.find(key))
            .filter(lt::last_failure_at.le(&window_over))
            .set((lt::failures.eq(0), lt::last_failure_at.eq(&at)))
            .execute(conn)?;
        let taken = diesel::update(lt::table.find(key))
            .filter(lt::failures.lt(limit.min(i32::MAX as u32) as i32))
            .set(lt::failures.eq(lt::failures + 1))
            .execute(conn)?;
        if taken == 1 {
            return Ok(Ok(()));
        }
        let started: Option<String> = lt::table.find(key).select(lt::last_failure_at).first(conn).optional()?;
        match started {
            Some(started) => {
                let ends = chrono::DateTime::parse_from_rfc3339(&started)
                    .map(|t| format_time(t.with_timezone(&chrono::Utc) + window))
                    .unwrap_or_else(|_| at.clone());
                Ok(Err(secs_until(&ends, now)))
            }
            None if limit == 0 => Ok(Err(window_secs.max(1))),
            None if insert_first(conn, key, &at)? => Ok(Ok(())),
            None => {
                // Another instance created it meanwhile: take the use from its row.
                let n = diesel::update(lt::table.find(key))
                    .filter(lt::failures.lt(limit as i32))
                    .set(lt::failures.eq(lt::failures + 1))
                    .execute(conn)?;
                Ok(if n == 1 { Ok(()) } else { Err(window_secs.max(1)) })
            }
        }
    })
}

/// Creates `key`'s row with its first count; `false` when another instance created it
/// meanwhile (then the caller counts on that row). In a savepoint: on PostgreSQL a failed
/// statement would otherwise abort the whole transaction.
fn insert_first(conn: &mut DbConnection, key: &str, at: &str) -> QueryResult<bool> {
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(lt::table)
            .values((
                lt::throttle_key.eq(key),
                lt::failures.eq(1),
                lt::last_failure_at.eq(at),
                lt::locked_until.eq(None::<String>),
            ))
            .execute(conn)
    });
    match inserted {
        Ok(_) => Ok(true),
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e),
    }
}
