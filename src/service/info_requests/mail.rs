//! The mails of information requests, planned by the mail dispatcher from the events: a
//! request arrived or was reminded (to the target, while it still stands: a target that has
//! answered every subject meanwhile is not reminded), a target answered (to the asker). What
//! a mail says is `domain::mail::RequestNotice`: title, kind, deadline, units and a link.

use diesel::prelude::*;
use serde_json::Value;

use crate::db::DbConnection;
use crate::domain::event::EventType;
use crate::domain::inspection::requests::RequestState;
use crate::domain::mail::{Notice, RequestMail, RequestNotice};
use crate::error::AppResult;
use crate::store::log::EventRow;

use super::{agency_names, answered_counts, subject_ids, target_rows, RequestRow};

/// The agency an `info_request.*` event's mail goes to and what it says (`None`: no mail).
pub fn notice(
    conn: &mut DbConnection,
    ev: &EventRow,
    payload: &Value,
    public_url: &str,
) -> AppResult<Option<(String, Notice)>> {
    let (Some(to), Some(id)) = (ev.target_agency_id.as_deref(), payload["info_request_id"].as_str()) else {
        return Ok(None);
    };
    let r: Option<RequestRow> =
        crate::db::schema::info_requests::table.find(id).select(RequestRow::as_select()).first(conn).optional()?;
    let Some(r) = r else { return Ok(None) };
    let is_target = target_rows(conn, id)?.iter().any(|t| t.agency_id == to);
    let kind = EventType::from_stored(&ev.event_type).map_err(anyhow::Error::from)?;
    let mail = match kind {
        EventType::InfoRequestCreated if is_target => RequestMail::Received,
        EventType::InfoRequestReminder if is_target => {
            let open = r.state().map_err(anyhow::Error::from)? == RequestState::Open;
            let answered = answered_counts(conn, id)?.get(to).copied().unwrap_or(0);
            if !open || answered as usize >= subject_ids(conn, id)?.len() {
                return Ok(None);
            }
            RequestMail::Reminder { overdue: r.deadline < crate::domain::clock::today() }
        }
        EventType::InfoRequestAnswered if to == r.asker_agency_id => {
            let by = ev.actor_agency_id.clone().unwrap_or_default();
            let by_agency = agency_names(conn, &[by.as_str()])?.remove(&by).unwrap_or_default();
            RequestMail::Answered { by_agency, complete: payload["complete"].as_bool().unwrap_or(false) }
        }
        _ => return Ok(None),
    };
    let asker = agency_names(conn, &[r.asker_agency_id.as_str()])?.remove(&r.asker_agency_id).unwrap_or_default();
    let notice = RequestNotice {
        mail,
        kind: r.kind().map_err(anyhow::Error::from)?.label().to_string(),
        title: r.title,
        deadline: r.deadline,
        asker_agency: asker,
        link: format!("{}/info-requests/{}", public_url.trim_end_matches('/'), r.id),
    };
    Ok(Some((to.to_string(), Notice::InfoRequest(notice))))
}
