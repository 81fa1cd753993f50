//! Bulk upsert of NDJSON lines by (owner agency, external_id). Each line goes through the
//! same create/update path as the single-record API (validation, agreements, events, audit,
//! inbox), a chunk of lines per transaction; a line the hub already has is `unchanged`.

use serde::{Deserialize, Serialize};

use crate::api::records::RecordInput;
use crate::db::DbConnection;
use crate::domain::record::RecordContent;
use crate::error::{AppError, AppResult, FieldError};
use crate::policy::Principal;
use crate::store::log::write_tx;
use crate::store::records::{self, UpdateOutcome, WriteContext};
use crate::store::{directory, idempotency};

/// Lines per transaction.
pub const CHUNK_LINES: usize = 1000;

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LineResult {
    /// 1-based line number in the request body.
    pub line: usize,
    /// `created`, `updated`, `unchanged` or `rejected`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i32>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct Summary {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub rejected: usize,
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
    let parsed = match crate::api::extract::parse_json::<RecordInput>(raw) {
        Ok(input)
            if input
                .external_id
                .as_deref()
                .is_some_and(|e| !e.trim().is_empty()) =>
        {
            Ok(input.into())
        }
        Ok(_) => Err(vec![FieldError::new(
            "external_id",
            "批量导入的每一行须有 external_id(本单位系统中的编号)",
        )]),
        Err(AppError::Validation(errs)) => Err(errs),
        Err(e) => Err(vec![FieldError::new("", e.to_string())]),
    };
    Line { number, parsed }
}

fn rejected(line: usize, external_id: Option<String>, errors: Vec<FieldError>) -> LineResult {
    LineResult {
        line,
        status: "rejected".into(),
        external_id,
        id: None,
        version: None,
        errors,
    }
}

fn summarise(results: &[LineResult]) -> Summary {
    let mut s = Summary::default();
    for r in results {
        match r.status.as_str() {
            "created" => s.created += 1,
            "updated" => s.updated += 1,
            "unchanged" => s.unchanged += 1,
            _ => s.rejected += 1,
        }
    }
    s
}

/// Imports a batch for the principal's agency.
pub fn push(
    conn: &mut DbConnection,
    p: &Principal,
    body: &[u8],
    key: Option<&str>,
) -> AppResult<BatchOutcome> {
    let request_hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(body));
    if let Some(k) = key {
        if let Some(stored) = idempotency::lookup(conn, &p.agency_id, k, &request_hash)? {
            let results: Vec<LineResult> = stored
                .response
                .lines()
                .filter_map(|l| serde_json::from_str(l).ok())
                .collect();
            return Ok(BatchOutcome {
                summary: summarise(&results),
                ndjson: stored.response,
                replayed: true,
            });
        }
    }
    let lines: Vec<Line> = body
        .split(|b| *b == b'\n')
        .enumerate()
        .filter(|(_, raw)| !raw.iter().all(u8::is_ascii_whitespace))
        .map(|(i, raw)| parse_line(i + 1, raw))
        .collect();
    let mut results = Vec::with_capacity(lines.len());
    for chunk in lines.chunks(CHUNK_LINES) {
        results.extend(write_tx(conn, |conn, log| {
            let ctx = WriteContext::load(conn)?;
            let viewer = directory::viewer(conn, &p.agency_id)?;
            let ext_ids: Vec<String> = chunk
                .iter()
                .filter_map(|l| l.parsed.as_ref().ok())
                .filter_map(|c| c.external_id.clone())
                .collect();
            let mut existing = records::by_external_ids(conn, &p.agency_id, &ext_ids)?;
            let mut out = Vec::with_capacity(chunk.len());
            for line in chunk {
                let content = match &line.parsed {
                    Ok(c) => c.clone(),
                    Err(errs) => {
                        out.push(rejected(line.number, None, errs.clone()));
                        continue;
                    }
                };
                let ext = content.external_id.clone();
                let outcome = match existing.get(ext.as_deref().unwrap_or_default()) {
                    Some(id) => {
                        records::update(conn, log, &ctx, p, &viewer, &id.clone(), None, |c| {
                            *c = content
                        })
                        .map(|o| match o {
                            UpdateOutcome::Updated(s) => ("updated", s),
                            UpdateOutcome::Unchanged(s) => ("unchanged", s),
                        })
                    }
                    None => records::create(conn, log, &ctx, p, content).map(|s| ("created", s)),
                };
                match outcome {
                    Ok((status, s)) => {
                        if let Some(e) = &ext {
                            existing.insert(e.clone(), s.row.id.clone());
                        }
                        out.push(LineResult {
                            line: line.number,
                            status: status.into(),
                            external_id: ext,
                            id: Some(s.row.id),
                            version: Some(s.row.version),
                            errors: vec![],
                        });
                    }
                    Err(AppError::Validation(errs)) => out.push(rejected(line.number, ext, errs)),
                    Err(AppError::Conflict(m) | AppError::Forbidden(m) | AppError::NotFound(m)) => {
                        out.push(rejected(line.number, ext, vec![FieldError::new("", m)]))
                    }
                    Err(e) => return Err(e),
                }
            }
            Ok(out)
        })?);
    }
    let mut ndjson = String::with_capacity(results.len() * 96);
    for r in &results {
        ndjson.push_str(&serde_json::to_string(r).map_err(anyhow::Error::from)?);
        ndjson.push('\n');
    }
    if let Some(k) = key {
        write_tx(conn, |conn, log| {
            Ok(idempotency::save(
                conn,
                &p.agency_id,
                k,
                &request_hash,
                200,
                &ndjson,
                log.at(),
            )?)
        })?;
    }
    Ok(BatchOutcome {
        summary: summarise(&results),
        ndjson,
        replayed: false,
    })
}
