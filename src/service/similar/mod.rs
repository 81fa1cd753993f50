//! Possible duplicate handling (重复办理): clues on the same supervision objects with similar
//! text, held by other agencies. Candidates come from the object index (a clue's objects
//! have tens of clues, not a million), then are scored by `domain::similarity`.

use std::collections::{BTreeSet, HashMap, HashSet};

use diesel::prelude::*;
use serde_json::json;

use crate::db::schema::{agencies, duplicate_flags, record_objects, records, transfers};
use crate::db::DbConnection;
use crate::domain::event::EventType;
use crate::domain::new_id;
use crate::domain::similarity::{longest_common_run, score, shingles, FLAG_THRESHOLD};
use crate::domain::transfer::TransferState;
use crate::error::AppResult;
use crate::service::inbox;
use crate::store::log::{Actor, Log};
use crate::store::records::StoredRecord;

/// At most this many clues per object are compared (the most recent).
const MAX_CANDIDATES: i64 = 5_000;

#[derive(Debug, Clone)]
pub struct Match {
    pub other_id: String,
    pub score: f64,
    pub shared_text: String,
    pub object_id: String,
}

/// Clues (not withdrawn) sharing a supervision object with `r`, scored; those at or above
/// the flag threshold, best first.
pub fn find(conn: &mut DbConnection, r: &StoredRecord) -> QueryResult<Vec<Match>> {
    Ok(find_many(conn, &[r])?.pop().unwrap_or_default())
}

/// `find` for several clues at once (a bulk import chunk): one query for the links of all
/// their objects and one for the candidate texts, each shingled once.
pub fn find_many(conn: &mut DbConnection, rs: &[&StoredRecord]) -> QueryResult<Vec<Vec<Match>>> {
    let objects: Vec<String> =
        rs.iter().flat_map(|r| r.object_ids.iter().cloned()).collect::<BTreeSet<_>>().into_iter().collect();
    if objects.is_empty() {
        return Ok(rs.iter().map(|_| vec![]).collect());
    }
    // Index-driven in two steps (the objects' links, then those records), so the planner
    // never walks all records in sequence order looking for the few on these objects.
    let mut on_object: HashMap<String, Vec<String>> = HashMap::new();
    for chunk in objects.chunks(500) {
        let pairs: Vec<(String, String)> = record_objects::table
            .filter(record_objects::object_id.eq_any(chunk))
            .limit(MAX_CANDIDATES * rs.len() as i64)
            .select((record_objects::record_id, record_objects::object_id))
            .load(conn)?;
        for (rid, oid) in pairs {
            on_object.entry(oid).or_default().push(rid);
        }
    }
    let linked: Vec<String> = on_object.values().flatten().cloned().collect::<BTreeSet<_>>().into_iter().collect();
    // First which of them are live clues (by primary key only: with a `kind` filter SQLite
    // would pick the kind index and walk every clue), then only their texts.
    let mut ids = Vec::new();
    for chunk in linked.chunks(500) {
        let rows: Vec<(String, String, Option<String>)> = records::table
            .filter(records::id.eq_any(chunk))
            .select((records::id, records::kind, records::withdrawn_at))
            .load(conn)?;
        ids.extend(rows.into_iter().filter(|r| r.1 == "clue" && r.2.is_none()).map(|r| r.0));
    }
    let mut candidates: HashMap<String, (String, HashSet<(char, char)>)> = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(String, String, String)> = records::table
            .filter(records::id.eq_any(chunk))
            .select((records::id, records::title, records::body))
            .load(conn)?;
        for (id, title, body) in rows {
            let text = format!("{title}\n{body}");
            let sh = shingles(&text);
            candidates.insert(id, (text, sh));
        }
    }
    Ok(rs
        .iter()
        .map(|r| {
            let mine_text = format!("{}\n{}", r.row.title, r.row.body);
            let mine = shingles(&mine_text);
            let mut seen = HashSet::new();
            let mut out: Vec<Match> = r
                .object_ids
                .iter()
                .flat_map(|o| on_object.get(o).into_iter().flatten().map(move |rid| (o, rid)))
                .filter(|(_, rid)| **rid != r.row.id && seen.insert((*rid).clone()))
                .filter_map(|(o, rid)| {
                    let (text, sh) = candidates.get(rid)?;
                    let s = score(&mine, sh);
                    (s >= FLAG_THRESHOLD).then(|| Match {
                        object_id: o.clone(),
                        other_id: rid.clone(),
                        score: (s * 1000.0).round() / 1000.0,
                        shared_text: longest_common_run(&mine_text, text),
                    })
                })
                .collect();
            out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.other_id.cmp(&b.other_id)));
            out
        })
        .collect())
}

/// The agencies handling each record: its owner and the receivers of its transfers that
/// were not returned.
pub fn holders(conn: &mut DbConnection, ids: &[String]) -> QueryResult<HashMap<String, BTreeSet<String>>> {
    let mut out: HashMap<String, BTreeSet<String>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let owners: Vec<(String, String)> = records::table
            .filter(records::id.eq_any(chunk))
            .select((records::id, records::owner_agency_id))
            .load(conn)?;
        for (r, a) in owners {
            out.entry(r).or_default().insert(a);
        }
        let receivers: Vec<(String, String)> = transfers::table
            .filter(transfers::record_id.eq_any(chunk))
            .filter(transfers::state.ne(TransferState::Returned.as_str()))
            .select((transfers::record_id, transfers::to_agency_id))
            .load(conn)?;
        for (r, a) in receivers {
            out.entry(r).or_default().insert(a);
        }
    }
    Ok(out)
}

pub fn agency_names(conn: &mut DbConnection, ids: &BTreeSet<String>) -> QueryResult<Vec<String>> {
    let ids: Vec<&String> = ids.iter().collect();
    let mut names: Vec<(String, String)> =
        agencies::table.filter(agencies::id.eq_any(ids)).select((agencies::id, agencies::name)).load(conn)?;
    names.sort();
    Ok(names.into_iter().map(|(_, n)| n).collect())
}

/// The clues among `record_ids` (new or transferred, committed) that are similar to clues
/// on the same objects, with their matches. Reads and scores only (outside any lock).
fn similar_pairs(conn: &mut DbConnection, record_ids: &[String]) -> AppResult<Vec<(String, Vec<Match>)>> {
    let loaded = crate::store::records::load_many(conn, record_ids)?;
    let clues: Vec<&StoredRecord> = record_ids
        .iter()
        .filter_map(|id| loaded.get(id))
        .filter(|r| r.row.kind == "clue" && r.row.withdrawn_at.is_none() && !r.object_ids.is_empty())
        .collect();
    if clues.is_empty() {
        return Ok(vec![]);
    }
    Ok(clues.iter().map(|r| r.row.id.clone()).zip(find_many(conn, &clues)?).filter(|(_, m)| !m.is_empty()).collect())
}

fn flag_matches(conn: &mut DbConnection, log: &mut Log, record_id: &str, matches: Vec<Match>) -> AppResult<usize> {
    let mut ids: Vec<String> = matches.iter().map(|m| m.other_id.clone()).collect();
    ids.push(record_id.to_string());
    let held = holders(conn, &ids)?;
    let mine = held.get(record_id).cloned().unwrap_or_default();
    // Pairs already flagged, in either direction.
    let already: HashSet<String> = duplicate_flags::table
        .filter(duplicate_flags::record_id.eq(record_id))
        .select(duplicate_flags::other_record_id)
        .load::<String>(conn)?
        .into_iter()
        .chain(
            duplicate_flags::table
                .filter(duplicate_flags::other_record_id.eq(record_id))
                .select(duplicate_flags::record_id)
                .load::<String>(conn)?,
        )
        .collect();
    // The flag event is the clue's news: filed under the clue's readers.
    let keys = crate::store::records::load(conn, record_id)?
        .map(|s| crate::policy::record_feed_keys(&s.facts()))
        .unwrap_or_default();
    let mut flagged = 0;
    for m in matches {
        let theirs = held.get(&m.other_id).cloned().unwrap_or_default();
        // Flag where the two clues are not handled by the very same agencies (and once per pair).
        if theirs == mine || already.contains(&m.other_id) {
            continue;
        }
        let flag_id = new_id();
        diesel::insert_into(duplicate_flags::table)
            .values((
                duplicate_flags::id.eq(&flag_id),
                duplicate_flags::record_id.eq(record_id),
                duplicate_flags::other_record_id.eq(&m.other_id),
                duplicate_flags::score.eq(m.score),
                duplicate_flags::shared_text.eq(&m.shared_text),
                duplicate_flags::object_id.eq(&m.object_id),
                duplicate_flags::created_at.eq(log.at()),
            ))
            .execute(conn)?;
        let seq =
            log.event(conn, EventType::ClueDuplicateFlagged, Some(record_id), None, None, json!({"flag_id": flag_id}))?;
        log.file(seq, keys.clone());
        // Each agency is told, on the clue it holds, which other agencies handle the similar
        // one; both sides of each such disclosure are audited (as for `/similar`).
        for a in &mine {
            let note = duplicate_note(conn, &theirs, a)?;
            inbox::notify(conn, a, record_id, inbox::DUPLICATE, Some(&flag_id), &note, seq, log.at())?;
            audit_disclosure(log, &flag_id, a, record_id, &m.other_id, &theirs);
        }
        for a in theirs.iter().filter(|a| !mine.contains(*a)) {
            let note = duplicate_note(conn, &mine, a)?;
            inbox::notify(conn, a, &m.other_id, inbox::DUPLICATE, Some(&flag_id), &note, seq, log.at())?;
            audit_disclosure(log, &flag_id, a, &m.other_id, record_id, &mine);
        }
        flagged += 1;
    }
    Ok(flagged)
}

/// Audits a duplicate flag's disclosure: `told` (on its clue `told_on`) learnt which other
/// agencies handle the clue `other`; each of them learns, in its own audit log, that it was
/// named.
fn audit_disclosure(log: &mut Log, flag_id: &str, told: &str, told_on: &str, other: &str, handlers: &BTreeSet<String>) {
    let named: Vec<&String> = handlers.iter().filter(|h| *h != told).collect();
    if named.is_empty() {
        return;
    }
    let system = |agency: &str| Actor { user_id: Some("system:duplicates".into()), agency_id: Some(agency.into()) };
    let detail = json!({"flag_id": flag_id, "other_record_id": other, "handled_by": named});
    log.audit(&system(told), "duplicate.disclosed", "record", Some(told_on), None, detail);
    for h in named {
        let detail = json!({"flag_id": flag_id, "to_agency_id": told});
        log.audit(&system(h), "duplicate.disclosed_to", "record", Some(other), None, detail);
    }
}

/// What an agency is told: the other agencies handling the similar clue, or that it handles
/// one itself.
fn duplicate_note(conn: &mut DbConnection, handlers: &BTreeSet<String>, notified: &str) -> QueryResult<String> {
    let others: BTreeSet<String> = handlers.iter().filter(|a| *a != notified).cloned().collect();
    Ok(if others.is_empty() {
        "可能重复办理:本单位已在办理涉及同一监督对象的相似线索,请统筹办理".to_string()
    } else {
        format!(
            "可能重复办理:{} 正在办理涉及同一监督对象的相似线索,请加强沟通",
            agency_names(conn, &others)?.join("、")
        )
    })
}

mod job;
mod view;

pub use job::{step, Step};
pub use view::{for_viewer, SimilarClue};
