//! Similar clues as one agency may see them (`GET /records/{id}/similar`).

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::json;

use crate::db::DbConnection;
use crate::error::AppResult;

use super::{agency_names, find, holders};

/// A similar clue as one agency may see it: in full where it may read the clue, otherwise
/// only that a related clue on the same object is handled, and by whom.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SimilarClue {
    /// Whether the caller may read the similar clue (then its details are given).
    pub entitled: bool,
    pub record_id: Option<String>,
    pub title: Option<String>,
    pub score: Option<f64>,
    /// Why it matched: the shared supervision object, and the longest shared text.
    pub reason: String,
    /// The supervision object (of the caller's clue) both concern.
    pub object_id: String,
    /// The agencies handling the similar clue.
    pub handled_by: Vec<String>,
}

/// The similar clues of record `id` as the caller may see them (`policy::similarity`): a
/// clue it may read with the shared text; of any other only that a related clue on the same object
/// exists and who handles it. Without a purpose no restricted clue takes part. Restricted
/// disclosures and every handlers-only disclosure are audited (the latter for both sides).
pub fn for_viewer(
    conn: &mut DbConnection,
    p: &crate::policy::Principal,
    id: &crate::domain::ids::RecordId,
    purpose: Option<&str>,
    skip: usize,
    limit: usize,
) -> AppResult<(Vec<SimilarClue>, bool)> {
    use crate::policy::similarity::{similar_view, SimilarView};
    let viewer = &crate::store::directory::viewer(conn, &p.agency_id)?;
    let r = &crate::service::records::get_entitled(conn, viewer, id)?;
    crate::policy::similarity::require_may_compare(viewer, &r.facts(), purpose)?;
    let matches = find(conn, r)?;
    let ids: Vec<String> = matches.iter().map(|m| m.other_id.clone()).collect();
    let held = holders(conn, &ids)?;
    let others = crate::store::records::load_many(conn, &ids)?;
    let mut out = Vec::new();
    let mut restricted_read = Vec::new();
    let mut handlers_told: Vec<(String, BTreeSet<String>)> = Vec::new();
    // Only the page asked for is disclosed (and audited): the visible matches after `skip`.
    let (mut visible, mut more) = (0usize, false);
    for m in matches {
        let Some(other) = others.get(&m.other_id) else { continue };
        let handlers = held.get(&m.other_id).cloned().unwrap_or_default();
        let view = similar_view(viewer, &other.facts(), purpose);
        if view == SimilarView::Omitted {
            continue;
        }
        visible += 1;
        if visible <= skip {
            continue;
        }
        if out.len() == limit {
            more = true;
            break;
        }
        match view {
            SimilarView::Omitted => continue,
            SimilarView::Full { audited } => {
                if audited {
                    restricted_read.push(m.other_id.clone());
                }
                out.push(SimilarClue {
                    entitled: true,
                    record_id: Some(m.other_id.clone()),
                    title: Some(other.row.title.clone()),
                    score: Some(m.score),
                    reason: format!("涉及同一监督对象;文本相似度 {:.2};共同内容:“{}”", m.score, m.shared_text),
                    object_id: m.object_id,
                    handled_by: agency_names(conn, &handlers)?,
                });
            }
            SimilarView::HandlersOnly => {
                let handled_by = agency_names(conn, &handlers)?;
                out.push(SimilarClue {
                    entitled: false,
                    record_id: None,
                    title: None,
                    score: None,
                    reason: format!("{} 正在办理涉及同一监督对象的相关线索", handled_by.join("、")),
                    object_id: m.object_id,
                    handled_by,
                });
                handlers_told.push((m.other_id.clone(), handlers));
            }
        }
    }
    if restricted_read.is_empty() && handlers_told.is_empty() {
        return Ok((out, more));
    }
    let me = crate::store::log::Actor::from(p);
    crate::store::log::write_tx(conn, |_, log| {
        if !restricted_read.is_empty() {
            log.audit(
                &me,
                "record.similar",
                "record",
                Some(&r.row.id),
                purpose,
                json!({"restricted_record_ids": restricted_read}),
            );
        }
        for (other_id, handlers) in &handlers_told {
            // The reader's side: it learnt who handles a clue it may not read.
            log.audit(
                &me,
                "similar.disclosed",
                "record",
                Some(&r.row.id),
                purpose,
                json!({"other_record_id": other_id, "handled_by": handlers}),
            );
            // The handlers' side: each learns, in its own audit log, that it was named.
            for a in handlers {
                log.audit(
                    &crate::store::log::Actor { user_id: Some("system:similarity".into()), agency_id: Some(a.clone()) },
                    "similar.disclosed_to",
                    "record",
                    Some(other_id),
                    None,
                    json!({"to_agency_id": viewer.agency_id}),
                );
            }
        }
        Ok(())
    })?;
    Ok((out, more))
}
