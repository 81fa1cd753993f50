//! 审计日志: the whole log for the hub admin, newest first, with the API's filters (action,
//! object) and its cursor — the entries exactly as `GET /api/v1/audit` gives them to the
//! admin, in words: never a record's title or text (the log holds none, and the page joins
//! nothing that does). The hash chain can be verified from here (`service::audit::verify`).

use std::collections::HashMap;

use actix_web::{get, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::admin_nav;
use super::audit_words::{action_label, detail_text, resource_label, when, ACTIONS};
use crate::api::extract::run;
use crate::api::page;
use crate::api::state::AppState;
use crate::domain::clock;
use crate::policy;
use crate::service::audit::{AuditEntry, AuditQuery, Verification};
use crate::service::{self};
use crate::web::session::SignedIn;
use crate::web::{page, Nav, WebError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(audit);
}

/// An entry as a line of the log.
pub struct EntryLine {
    pub seq: i64,
    pub at: String,
    pub action: String,
    pub actor: String,
    pub unit: String,
    pub resource: String,
    pub resource_id: String,
    pub purpose: Option<String>,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "admin_audit.html", config = "src/web/askama.toml")]
struct AuditPage {
    nav: Nav,
    action: String,
    resource_id: String,
    unit: String,
    from: String,
    to: String,
    /// Dates that are not dates (the filter left out).
    date_error: Option<&'static str>,
    actions: &'static [(&'static str, &'static str)],
    units: Vec<(String, String)>,
    items: Vec<EntryLine>,
    next: Option<String>,
    /// After 校验: whether the chain is intact, and the sentence saying so.
    verified: Option<(bool, String)>,
}

#[derive(Deserialize)]
struct AuditParams {
    action: Option<String>,
    resource_id: Option<String>,
    unit: Option<String>,
    from: Option<String>,
    to: Option<String>,
    cursor: Option<String>,
    verify: Option<String>,
}

/// The audit log, 50 entries a page; `verify=1` also walks the whole hash chain.
#[get("/admin/audit")]
async fn audit(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    params: web::Query<AuditParams>,
) -> Result<HttpResponse, WebError> {
    let nav = admin_nav(&s)?;
    let scope = policy::audit_scope(&s.principal)?;
    let AuditParams { action, resource_id, unit, from, to, cursor, verify } = params.into_inner();
    let given = |v: Option<String>| v.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let (action, resource_id, unit) = (given(action), given(resource_id), given(unit));
    let (from, to) = (given(from), given(to));
    // A day in the hub's time zone, from its first instant (`to`: up to the next day's).
    let day = |d: &Option<String>, after: i64| {
        d.as_deref().map(|d| {
            let c = clock::current();
            clock::parse_date(d)
                .map(|d| crate::domain::format_time(c.day_start_utc(d + chrono::Days::new(after as u64))))
        })
    };
    let (since, until) = (day(&from, 0), day(&to, 1));
    let date_error = [&since, &until]
        .iter()
        .any(|d| matches!(d, Some(None)))
        .then_some("日期须为 年-月-日 格式,如 2026-11-26;该条件未生效。");
    let f = AuditQuery {
        action: action.clone(),
        resource_id: resource_id.clone(),
        actor_agency_id: unit.clone(),
        since: since.flatten(),
        until: until.flatten(),
        before_seq: page::decode(cursor.as_deref())?,
        limit: 50,
    };
    let verify = verify.as_deref() == Some("1");
    let (entries, users, units, verification) = run(&state.pool, move |conn| {
        let entries: Vec<AuditEntry> = service::audit::list(conn, &scope, &f)?;
        let users = service::users::usernames_of(conn, entries.iter().filter_map(|e| e.actor_user_id.as_ref()))?;
        let units = service::agencies::list(conn)?.into_iter().map(|a| (a.id, a.name)).collect::<HashMap<_, _>>();
        let verification = if verify { Some(service::audit::verify(conn)?) } else { None };
        Ok((entries, users, units, verification))
    })
    .await?;
    let next = page::next(entries.len(), 50, entries.last().map(|e| e.seq)).map(|c| {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in
            [("action", &action), ("resource_id", &resource_id), ("unit", &unit), ("from", &from), ("to", &to)]
        {
            if let Some(v) = v {
                q.append_pair(k, v);
            }
        }
        format!("/admin/audit?{}", q.append_pair("cursor", &c).finish())
    });
    let items = entries
        .into_iter()
        .map(|e| EntryLine {
            seq: e.seq,
            at: when(&e.at),
            action: action_label(&e.action),
            actor: e
                .actor_user_id
                .as_ref()
                .map(|u| users.get(u).cloned().unwrap_or_else(|| u.clone()))
                .unwrap_or_else(|| "系统".into()),
            unit: e
                .actor_agency_id
                .as_ref()
                .map(|a| units.get(a).cloned().unwrap_or_else(|| a.clone()))
                .unwrap_or_default(),
            resource: resource_label(&e.resource_type).to_string(),
            resource_id: e.resource_id.unwrap_or_default(),
            purpose: e.purpose,
            detail: detail_text(&e.detail, &units),
        })
        .collect();
    let verified = verification.map(|v| match v {
        Verification::Intact { entries } => (true, format!("哈希链完整:共 {entries} 条审计记录,未发现删除或篡改。")),
        Verification::Broken(b) => (false, format!("哈希链校验未通过:{b}。请立即联系运维人员保全数据库并调查。")),
    });
    let mut unit_options: Vec<(String, String)> = units.into_iter().collect();
    unit_options.sort_by(|a, b| a.1.cmp(&b.1));
    page(&AuditPage {
        nav,
        action: action.unwrap_or_default(),
        resource_id: resource_id.unwrap_or_default(),
        unit: unit.unwrap_or_default(),
        from: from.unwrap_or_default(),
        to: to.unwrap_or_default(),
        date_error,
        actions: ACTIONS,
        units: unit_options,
        items,
        next,
        verified,
    })
}
