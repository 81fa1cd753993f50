//! Event numbering on PostgreSQL, where writers run side by side.
//!
//! A writer takes its numbers from the `event_seq` sequence as it appends events, so numbers
//! are handed out in the order events are written — after the row locks that order dependent
//! writes, hence a change made after another committed gets the higher number. Commits may
//! still finish out of number order, so a reader must not pass a number some writer in
//! flight may still commit. Each writer therefore first takes a shared advisory lock keyed
//! by its floor (one above the sequence's value when it starts: every number it takes is at
//! least that), held until it commits or rolls back. The visible head is the highest number
//! below every floor in flight: readers of the feed, webhooks, mail and the after-commit
//! jobs read up to it and no further, and nothing can commit behind them.
//!
//! Advisory locks vanish with a crashed session, so a dead writer never holds the head back.
//! The hub takes no other advisory lock with a single 64-bit key (those show `objsubid = 1`).

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable};

use crate::db::DbConnection;

#[derive(QueryableByName)]
struct Value {
    #[diesel(sql_type = BigInt)]
    v: i64,
}

#[derive(QueryableByName)]
struct Last {
    #[diesel(sql_type = BigInt)]
    last_value: i64,
    #[diesel(sql_type = Bool)]
    is_called: bool,
}

#[derive(QueryableByName)]
struct Floor {
    #[diesel(sql_type = Nullable<BigInt>)]
    floor: Option<i64>,
}

/// Registers a starting writer: takes its floor lock and returns the floor (one statement,
/// so the sequence is read before the lock is visible; numbers taken later are above it).
pub fn enter(conn: &mut DbConnection) -> QueryResult<i64> {
    let floor: Value = diesel::sql_query(
        "SELECT f AS v FROM (SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END AS f \
         FROM event_seq) s, LATERAL pg_advisory_xact_lock_shared(s.f) AS l",
    )
    .get_result(conn)?;
    Ok(floor.v)
}

/// The next event number.
pub fn next(conn: &mut DbConnection) -> QueryResult<i64> {
    Ok(diesel::sql_query("SELECT nextval('event_seq') AS v").get_result::<Value>(conn)?.v)
}

/// `n` event numbers at once, ascending (for a bulk write; others may take numbers between).
pub fn take(conn: &mut DbConnection, n: usize) -> QueryResult<Vec<i64>> {
    let mut v: Vec<i64> = diesel::sql_query("SELECT nextval('event_seq') AS v FROM generate_series(1, $1)")
        .bind::<BigInt, _>(n as i64)
        .load::<Value>(conn)?
        .into_iter()
        .map(|r| r.v)
        .collect();
    v.sort_unstable();
    Ok(v)
}

/// The visible head: every event numbered up to it has committed or never will. The
/// sequence is read first, the floors in flight second: a writer not yet registered when
/// they are read takes only numbers above the value read.
pub fn visible_head(conn: &mut DbConnection) -> QueryResult<i64> {
    let last: Last = diesel::sql_query("SELECT last_value, is_called FROM event_seq").get_result(conn)?;
    let handed_out = if last.is_called { last.last_value } else { last.last_value - 1 };
    let oldest: Floor = diesel::sql_query(
        "SELECT min((classid::bigint << 32) | objid::bigint) AS floor FROM pg_locks \
         WHERE locktype = 'advisory' AND objsubid = 1 \
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .get_result(conn)?;
    Ok(match oldest.floor {
        Some(floor) => handed_out.min(floor - 1),
        None => handed_out,
    })
}
