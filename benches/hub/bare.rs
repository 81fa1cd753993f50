//! The bare baseline of a list or feed page (issue 12, target 6): the entitled SQL the policy
//! writes (`policy::entitled_sql`), with the agency written in, run as one statement on a raw
//! connection of the database's own driver — no pool, no hub code, no feed index — and read
//! to the last column. The hub's page is held to within 2× of it.

use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use diesel::sql_types::{BigInt, Text};
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl, SqliteConnection};

use super::PAGE;

/// A raw connection beside the hub's pool.
pub enum Raw {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

/// What a page shows of each item, read in full.
#[derive(QueryableByName)]
struct Item {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = BigInt)]
    seq: i64,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Text)]
    body: String,
    #[diesel(sql_type = Text)]
    attributes: String,
}

impl Raw {
    pub fn open(url: &str) -> Result<Raw> {
        Ok(if url.starts_with("postgres") {
            Raw::Pg(PgConnection::establish(url).context("raw PostgreSQL connection")?)
        } else {
            let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
            Raw::Sqlite(SqliteConnection::establish(path).context("raw SQLite connection")?)
        })
    }

    /// Runs `sql` and reads every row; the time taken and the rows' sequence numbers.
    pub fn timed(&mut self, sql: &str) -> Result<(Duration, Vec<i64>)> {
        let t = Instant::now();
        let items: Vec<Item> = match self {
            Raw::Sqlite(c) => diesel::sql_query(sql).load(c)?,
            Raw::Pg(c) => diesel::sql_query(sql).load(c)?,
        };
        let d = t.elapsed();
        let read = items.iter().map(|i| i.id.len() + i.title.len() + i.body.len() + i.attributes.len()).sum::<usize>();
        if read == 0 && !items.is_empty() {
            bail!("bare query read empty rows");
        }
        Ok((d, items.into_iter().map(|i| i.seq).collect()))
    }
}

/// `s` as an SQL string literal.
fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// `policy::entitled_sql` for `agency` (an active one), its binds written in.
fn entitled(agency: &str) -> String {
    let a = literal(agency);
    format!(
        "(records.withdrawn_at IS NULL AND (records.owner_agency_id = {a} OR records.distribution_level = 'all' \
         OR (records.distribution_level = 'agencies' AND EXISTS (SELECT 1 FROM record_recipients rr \
         WHERE rr.record_id = records.id AND rr.agency_id = {a})) OR (records.distribution_level = 'group' AND \
         records.group_id IN (SELECT gm.group_id FROM group_members gm WHERE gm.agency_id = {a})) OR EXISTS \
         (SELECT 1 FROM record_grants g WHERE g.record_id = records.id AND g.agency_id = {a})))"
    )
}

/// A list page: the agency's entitled records, newest change first, before the cursor.
pub fn list(agency: &str, kind: Option<&str>, before_seq: Option<i64>) -> String {
    let mut sql = format!(
        "SELECT records.id, records.seq, records.title, records.body, records.attributes FROM records WHERE {}",
        entitled(agency)
    );
    if let Some(k) = kind {
        sql.push_str(&format!(" AND records.kind = {}", literal(k)));
    }
    if let Some(b) = before_seq {
        sql.push_str(&format!(" AND records.seq < {b}"));
    }
    sql.push_str(&format!(" ORDER BY records.seq DESC LIMIT {PAGE}"));
    sql
}

/// A feed page: the record events after `after` of the records the agency may read, with
/// the record each is about.
pub fn feed(agency: &str, after: i64) -> String {
    format!(
        "SELECT records.id, events.seq, records.title, records.body, records.attributes FROM events \
         JOIN records ON records.id = events.record_id \
         WHERE events.seq > {after} AND events.target_agency_id IS NULL AND {} \
         ORDER BY events.seq LIMIT {}",
        entitled(agency),
        PAGE + 1
    )
}
