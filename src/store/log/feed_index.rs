//! The feed index (`feed_keys`): untargeted record events filed under the keys of their
//! readers (`policy::record_feed_keys`), so a feed page reads a few keys in sequence order
//! instead of walking the whole log. Which keys a record and a reader have is policy; this
//! module only stores and reads them. The index narrows, it never decides: a candidate is
//! shown only if the entitlement filter admits it.

use std::collections::BTreeSet;

use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::db::schema::{events, feed_keys};
use crate::db::DbConnection;

/// Files rows `(key, seq)` (new events: no row can exist yet).
pub fn insert(conn: &mut DbConnection, rows: &[(String, i64)]) -> QueryResult<()> {
    for chunk in rows.chunks(super::super::INSERT_CHUNK) {
        let values: Vec<_> = chunk.iter().map(|(k, s)| (feed_keys::key.eq(k), feed_keys::seq.eq(*s))).collect();
        crate::insert_batch!(conn, feed_keys::table, &values)?;
    }
    Ok(())
}

/// Files every committed untargeted event of `record_id` under `keys` as well (a reader
/// gained: a wider distribution, a grant). Rows already there stay.
pub fn refile_record(conn: &mut DbConnection, record_id: &str, keys: &[String]) -> QueryResult<()> {
    let sql = match conn {
        DbConnection::Sqlite(_) => {
            "INSERT INTO feed_keys (key, seq) SELECT ?, seq FROM events \
             WHERE record_id = ? AND target_agency_id IS NULL ON CONFLICT DO NOTHING"
        }
        DbConnection::Pg(_) => {
            "INSERT INTO feed_keys (key, seq) SELECT $1, seq FROM events \
             WHERE record_id = $2 AND target_agency_id IS NULL ON CONFLICT DO NOTHING"
        }
    };
    for key in keys {
        diesel::sql_query(sql).bind::<Text, _>(key).bind::<Text, _>(record_id).execute(conn)?;
    }
    Ok(())
}

/// Which stretch of the log a scan reads: forwards through `(after, upto]`, or backwards
/// from just below `before`.
#[derive(Clone, Copy)]
enum Stretch {
    After { after: i64, upto: i64 },
    Before(i64),
}

/// At most `want` event numbers filed under `key` in `stretch`, in the scan's direction.
fn scan_key(conn: &mut DbConnection, key: &str, stretch: Stretch, want: i64) -> QueryResult<Vec<i64>> {
    let q = feed_keys::table.filter(feed_keys::key.eq(key)).select(feed_keys::seq).limit(want).into_boxed();
    match stretch {
        Stretch::After { after, upto } => {
            q.filter(feed_keys::seq.gt(after)).filter(feed_keys::seq.le(upto)).order(feed_keys::seq).load(conn)
        }
        Stretch::Before(before) => q.filter(feed_keys::seq.lt(before)).order(feed_keys::seq.desc()).load(conn),
    }
}

/// Merges scans of at most `want` numbers each into the first `want` in the scans'
/// direction, and whether more may follow (a full scan may have stopped short).
fn merge(scans: Vec<Vec<i64>>, stretch: Stretch, want: i64) -> (Vec<i64>, bool) {
    let full = scans.iter().any(|s| s.len() as i64 >= want);
    let found: BTreeSet<i64> = scans.into_iter().flatten().collect();
    let more = full || found.len() as i64 > want;
    let ordered: Vec<i64> = match stretch {
        Stretch::After { .. } => found.into_iter().take(want as usize).collect(),
        Stretch::Before(_) => found.into_iter().rev().take(want as usize).collect(),
    };
    (ordered, more)
}

/// The first `want` event numbers in `(after, upto]` filed under any of `keys` or aimed at
/// `agency_id`, in order, and whether more may follow them.
pub fn candidates(
    conn: &mut DbConnection,
    agency_id: &str,
    keys: &[String],
    after: i64,
    upto: i64,
    want: i64,
) -> QueryResult<(Vec<i64>, bool)> {
    let stretch = Stretch::After { after, upto };
    let mut scans = vec![events::table
        .filter(events::target_agency_id.eq(agency_id))
        .filter(events::seq.gt(after))
        .filter(events::seq.le(upto))
        .order(events::seq)
        .limit(want)
        .select(events::seq)
        .load(conn)?];
    for key in keys {
        scans.push(scan_key(conn, key, stretch, want)?);
    }
    Ok(merge(scans, stretch, want))
}

/// The last `want` event numbers below `before` filed under any of `keys`, newest first,
/// and whether more may precede them (lists walk records by their latest change, which is
/// always a filed event: `store::records::list`).
pub fn latest_before(
    conn: &mut DbConnection,
    keys: &[String],
    before: i64,
    want: i64,
) -> QueryResult<(Vec<i64>, bool)> {
    let stretch = Stretch::Before(before);
    let scans = keys.iter().map(|k| scan_key(conn, k, stretch, want)).collect::<QueryResult<Vec<_>>>()?;
    Ok(merge(scans, stretch, want))
}
