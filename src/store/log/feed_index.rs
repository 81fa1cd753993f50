//! The feed index (`feed_keys`): untargeted record events filed under the keys of their
//! readers (`policy::record_feed_keys`), so a feed page reads a few keys in sequence order
//! instead of walking the whole log. Which keys a record and a reader have is policy; this
//! module only stores and reads them. The index narrows, it never decides: a candidate is
//! shown only if the entitlement filter admits it.

use std::collections::BTreeSet;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::db::schema::feed_keys;
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

/// Where a scan reads: the events filed under a key, or those aimed at one agency.
enum Source<'a> {
    Key(&'a str),
    Target(&'a str),
}

#[derive(QueryableByName)]
struct ScanRow {
    #[diesel(sql_type = BigInt)]
    part: i64,
    #[diesel(sql_type = BigInt)]
    seq: i64,
}

/// At most `want` event numbers from each source in `stretch`, in the scan's direction: one
/// statement of one index range scan per source (`UNION ALL` of limited subqueries), so a
/// viewer with several keys costs one round trip a batch, not one a key.
fn scan(conn: &mut DbConnection, sources: &[Source], stretch: Stretch, want: i64) -> QueryResult<Vec<Vec<i64>>> {
    let pg = matches!(conn, DbConnection::Pg(_));
    let mut n = 0;
    let mut param = || {
        n += 1;
        if pg {
            format!("${n}")
        } else {
            "?".to_string()
        }
    };
    let parts: Vec<String> = sources
        .iter()
        .enumerate()
        .map(|(i, source)| {
            let (table, column) = match source {
                Source::Key(_) => ("feed_keys", "key"),
                Source::Target(_) => ("events", "target_agency_id"),
            };
            let by = format!("{column} = {}", param());
            let range = match stretch {
                Stretch::After { .. } => format!("seq > {} AND seq <= {} ORDER BY seq", param(), param()),
                Stretch::Before(_) => format!("seq < {} ORDER BY seq DESC", param()),
            };
            format!("SELECT CAST({i} AS BIGINT) AS part, seq FROM (SELECT seq FROM {table} WHERE {by} AND {range} LIMIT {}) AS p{i}", param())
        })
        .collect();
    let sql = parts.join(" UNION ALL ");
    macro_rules! run {
        ($backend:ty, $c:expr) => {{
            let mut q = diesel::sql_query(sql).into_boxed::<$backend>();
            for source in sources {
                let (Source::Key(v) | Source::Target(v)) = source;
                q = q.bind::<Text, _>(v.to_string());
                q = match stretch {
                    Stretch::After { after, upto } => q.bind::<BigInt, _>(after).bind::<BigInt, _>(upto),
                    Stretch::Before(before) => q.bind::<BigInt, _>(before),
                };
                q = q.bind::<BigInt, _>(want);
            }
            q.load::<ScanRow>($c)?
        }};
    }
    let rows = match conn {
        DbConnection::Pg(c) => run!(diesel::pg::Pg, c),
        DbConnection::Sqlite(c) => run!(diesel::sqlite::Sqlite, c),
    };
    let mut scans = vec![Vec::new(); sources.len()];
    for row in rows {
        if let Some(s) = usize::try_from(row.part).ok().and_then(|i| scans.get_mut(i)) {
            s.push(row.seq);
        }
    }
    Ok(scans)
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
    let sources: Vec<Source> =
        std::iter::once(Source::Target(agency_id)).chain(keys.iter().map(|k| Source::Key(k))).collect();
    Ok(merge(scan(conn, &sources, stretch, want)?, stretch, want))
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
    if keys.is_empty() {
        return Ok((Vec::new(), false));
    }
    let stretch = Stretch::Before(before);
    let sources: Vec<Source> = keys.iter().map(|k| Source::Key(k)).collect();
    Ok(merge(scan(conn, &sources, stretch, want)?, stretch, want))
}
