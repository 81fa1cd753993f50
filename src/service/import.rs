//! Bulk upsert of NDJSON lines by (owner agency, external_id). Each line goes through the
//! same checks and write path as the single-record API (validation, agreements, events,
//! audit, inbox), a chunk of lines per transaction: new records are written together, a
//! line the hub already has is `unchanged` without a write, changed ones are updated.

use std::collections::{HashMap, HashSet};

use crate::contract::record::RecordInput;
use crate::contract::sync::{LineResult, Summary};
use crate::db::DbConnection;
use crate::domain::record::RecordContent;
use crate::error::{AppError, AppResult, FieldError};
use crate::policy::Principal;
use crate::service::records::{self, UpdateOutcome, WriteContext};
use crate::store::log::write_tx;
use crate::store::records::StoredRecord;
use crate::store::{directory, idempotency};

/// Lines per transaction. On SQLite each holds the database's write lock, so a chunk is kept
/// small enough to commit in tens of milliseconds and other writers never wait behind a whole
/// bulk batch (500-line chunks held it up to 230 ms under the load bench, BENCHMARKS.md). On
/// PostgreSQL writers run side by side and a chunk only holds back the feed's visible head
/// while it runs; the same size keeps that in tens of milliseconds. A batch is upserted by
/// external id, so a retry after a failure between chunks finds the committed lines
/// `unchanged`.
pub const TX_LINES: usize = 100;

/// The result of a write attempt: a line-level refusal, or an error that aborts the batch.
fn line_result(line: usize, ext: Option<String>, status: &str, r: AppResult<StoredRecord>) -> AppResult<LineResult> {
    match r {
        Ok(s) => Ok(LineResult::ok(line, status, ext, s.row.id, s.row.version)),
        Err(AppError::Validation(errs)) => Ok(LineResult::rejected(line, ext, errs)),
        Err(AppError::Conflict(m) | AppError::Forbidden(m) | AppError::NotFound(m)) => {
            Ok(LineResult::rejected(line, ext, vec![FieldError::new("", m)]))
        }
        Err(e) => Err(e),
    }
}

pub struct BatchOutcome {
    pub ndjson: String,
    pub summary: Summary,
    pub replayed: bool,
}

struct Line {
    number: usize,
    parsed: Result<RecordContent, Vec<FieldError>>,
}

fn parse_line(number: usize, raw: &[u8]) -> Line {
    let parsed = match crate::json::parse::<RecordInput>(raw) {
        Ok(input) if input.external_id.as_deref().is_some_and(|e| !e.trim().is_empty()) => Ok(input.into()),
        Ok(_) => Err(vec![FieldError::new("external_id", "批量导入的每一行须有 external_id(本单位系统中的编号)")]),
        Err(AppError::Validation(errs)) => Err(errs),
        Err(e) => Err(vec![FieldError::new("", e.to_string())]),
    };
    Line { number, parsed }
}

fn summarise(results: &[LineResult]) -> Summary {
    let mut s = Summary::default();
    for r in results {
        s.count(&r.status);
    }
    s
}

/// Imports one chunk of lines in one transaction.
fn import_chunk(conn: &mut DbConnection, p: &Principal, chunk: &[Line]) -> AppResult<Vec<LineResult>> {
    write_tx(conn, |conn, log| {
        crate::store::records::serialise_upserts(conn, &p.agency_id)?;
        let ctx = WriteContext::load(conn)?;
        let parsed = || chunk.iter().filter_map(|l| l.parsed.as_ref().ok());
        let known = records::known_objects(conn, parsed())?;
        let ext_ids: Vec<String> = parsed().filter_map(|c| c.external_id.clone()).collect();
        let existing = crate::store::records::by_external_ids(conn, &p.agency_id, &ext_ids)?;
        let mut out: Vec<Option<LineResult>> = vec![None; chunk.len()];
        // First occurrences of new external ids are created together; lines for records the
        // hub has (or that an earlier line of this chunk creates) are updated in order.
        let (mut creates, mut updates, mut fresh) = (Vec::new(), Vec::new(), HashSet::new());
        for (i, line) in chunk.iter().enumerate() {
            let mut c = match &line.parsed {
                Ok(c) => c.clone(),
                Err(errs) => {
                    out[i] = Some(LineResult::rejected(line.number, None, errs.clone()));
                    continue;
                }
            };
            let ext = c.external_id.clone();
            if let Err(e) = records::check_content(&ctx, &known, &p.agency_id, &mut c) {
                out[i] = Some(line_result(line.number, ext, "", Err(e))?);
                continue;
            }
            let key = ext.clone().unwrap_or_default();
            match existing.get(&key) {
                Some(e) if e.withdrawn => {
                    out[i] = Some(LineResult::rejected(
                        line.number,
                        ext,
                        vec![FieldError::new("external_id", "该外部编号对应的信息已撤回")],
                    ));
                }
                Some(e) if e.content_hash == crate::store::records::content_hash(&c) => {
                    out[i] = Some(LineResult::ok(line.number, "unchanged", ext, e.id.clone(), e.version));
                }
                Some(_) => updates.push((i, c)),
                None if fresh.insert(key) => creates.push((i, c)),
                None => updates.push((i, c)),
            }
        }
        let (at, contents): (Vec<usize>, Vec<RecordContent>) = creates.into_iter().unzip();
        let mut ids: HashMap<String, String> = existing.into_iter().map(|(e, x)| (e, x.id)).collect();
        let checked = contents.into_iter().map(Ok).collect();
        for (i, r) in at.into_iter().zip(records::write_new(conn, log, &ctx, p, checked)?) {
            let ext = chunk[i].parsed.as_ref().ok().and_then(|c| c.external_id.clone());
            if let (Ok(s), Some(e)) = (&r, &ext) {
                ids.insert(e.clone(), s.row.id.clone());
            }
            out[i] = Some(line_result(chunk[i].number, ext, "created", r)?);
        }
        if !updates.is_empty() {
            let viewer = directory::viewer(conn, &p.agency_id)?;
            for (i, c) in updates {
                let ext = c.external_id.clone();
                let Some(id) = ext.as_ref().and_then(|e| ids.get(e)).cloned() else {
                    // Its creating line was rejected.
                    out[i] = Some(LineResult::rejected(
                        chunk[i].number,
                        ext,
                        vec![FieldError::new("external_id", "同批中新建此编号的行未被接受")],
                    ));
                    continue;
                };
                let r = records::update(conn, log, &ctx, p, &viewer, &id, None, |x| *x = c);
                out[i] = Some(match r {
                    Ok(UpdateOutcome::Updated(s)) => line_result(chunk[i].number, ext, "updated", Ok(s))?,
                    Ok(UpdateOutcome::Unchanged(s)) => line_result(chunk[i].number, ext, "unchanged", Ok(s))?,
                    Err(e) => line_result(chunk[i].number, ext, "", Err(e))?,
                });
            }
        }
        Ok(out.into_iter().map(|r| r.expect("every line has a result")).collect())
    })
}

/// Imports a batch for the principal's agency.
pub fn push(conn: &mut DbConnection, p: &Principal, body: &[u8], key: Option<&str>) -> AppResult<BatchOutcome> {
    let request_hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(body));
    let replay = |conn: &mut DbConnection, k: &str| -> AppResult<Option<BatchOutcome>> {
        Ok(idempotency::lookup(conn, &p.agency_id, k, &request_hash)?.map(|stored| {
            let results: Vec<LineResult> =
                stored.response.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
            BatchOutcome { summary: summarise(&results), ndjson: stored.response, replayed: true }
        }))
    };
    if let Some(out) = key.map(|k| replay(conn, k)).transpose()?.flatten() {
        return Ok(out);
    }
    let lines: Vec<Line> = body
        .split(|b| *b == b'\n')
        .enumerate()
        .filter(|(_, raw)| !raw.iter().all(u8::is_ascii_whitespace))
        .map(|(i, raw)| parse_line(i + 1, raw))
        .collect();
    let mut results = Vec::with_capacity(lines.len());
    for chunk in lines.chunks(TX_LINES) {
        // Duplicate handling and the search index follow the event log after commit
        // (`service::similar::step`, `service::search_index::step`), not the import.
        results.extend(import_chunk(conn, p, chunk)?);
    }
    let mut ndjson = String::with_capacity(results.len() * 96);
    for r in &results {
        ndjson.push_str(&serde_json::to_string(r).map_err(anyhow::Error::from)?);
        ndjson.push('\n');
    }
    if let Some(k) = key {
        let saved = write_tx(conn, |conn, log| {
            Ok(idempotency::save(conn, &p.agency_id, k, &request_hash, 200, &ndjson, log.at())?)
        });
        match saved {
            Ok(()) => {}
            // The same batch with the same key, sent again while this one ran (a sync job
            // re-run after a kill or a timeout), finished first: its answer is the batch's.
            Err(AppError::Conflict(_)) => {
                if let Some(out) = replay(conn, k)? {
                    return Ok(out);
                }
            }
            Err(e) => return Err(e),
        }
    }
    let summary = summarise(&results);
    if summary.created + summary.updated >= BULK_LOAD_ROWS {
        crate::db::refresh_stats_after_bulk_load(conn);
    }
    Ok(BatchOutcome { summary, ndjson, replayed: false })
}

/// Rows a batch must write to count as a bulk load (see `db::refresh_stats_after_bulk_load`).
const BULK_LOAD_ROWS: usize = 1000;
