//! 工作台: what needs the officer's unit now (`service::workbench`).

use actix_web::{get, web, HttpResponse};
use askama::Template;

use crate::api::extract::run;
use crate::api::state::AppState;
use crate::service::inbox::InboxItem;
use crate::service::transfers::TransferView;
use crate::service::workbench::{self as work, AssignmentDue};
use crate::web::session::SignedIn;
use crate::web::{chinese_date, page, Nav, WebError};

/// A transfer as a line of the workbench.
pub struct TransferLine {
    /// The transfer (its page: `/transfers/{id}`).
    pub id: String,
    pub title: String,
    pub from: String,
    pub deadline: String,
    pub overdue: bool,
    pub state: String,
}

impl From<TransferView> for TransferLine {
    fn from(t: TransferView) -> Self {
        TransferLine {
            deadline: chinese_date(&t.deadline),
            id: t.id,
            title: t.record_title,
            from: t.from_agency_name,
            overdue: t.overdue,
            state: t.state_label,
        }
    }
}

/// An inbox item as a line of the workbench.
pub struct InboxLine {
    pub record_id: String,
    pub title: String,
    pub why: String,
    pub at: String,
}

impl From<InboxItem> for InboxLine {
    fn from(i: InboxItem) -> Self {
        let why = i.note.clone().unwrap_or_else(|| reason_label(&i.reason).to_string());
        InboxLine { record_id: i.record.id, title: i.record.title, why, at: chinese_date(&i.created_at) }
    }
}

fn reason_label(reason: &str) -> &'static str {
    match reason {
        "subscription" => "订阅命中",
        crate::service::inbox::DUPLICATE => "可能重复办理",
        r if r.starts_with("transfer") => "线索移交",
        r if r.starts_with("deliberation") || r.starts_with("assignment") => "会商",
        _ => "新信息",
    }
}

pub struct AssignmentLine {
    pub deliberation_id: String,
    pub deliberation_title: String,
    pub task: String,
    pub deadline: String,
    pub overdue: bool,
    pub urge_count: i32,
}

impl From<AssignmentDue> for AssignmentLine {
    fn from(a: AssignmentDue) -> Self {
        AssignmentLine {
            deadline: chinese_date(&a.deadline),
            deliberation_id: a.deliberation_id,
            deliberation_title: a.deliberation_title,
            task: a.task,
            overdue: a.overdue,
            urge_count: a.urge_count,
        }
    }
}

#[derive(Template)]
#[template(path = "workbench.html", config = "src/web/askama.toml")]
struct WorkbenchPage {
    nav: Nav,
    awaiting: Vec<TransferLine>,
    due_soon: Vec<TransferLine>,
    inbox: Vec<InboxLine>,
    duplicates: Vec<InboxLine>,
    assignments: Vec<AssignmentLine>,
    due_soon_days: i64,
    /// The signed-in account holds no content role (the hub's administrators): no records
    /// to work on.
    admin_only: bool,
}

#[get("/")]
pub async fn workbench(state: web::Data<AppState>, SignedIn(s): SignedIn) -> Result<HttpResponse, WebError> {
    let nav = Nav::of(&s, "workbench");
    if nav.inspected {
        // An inspected unit's account has one piece of work: its own rectification.
        return Ok(crate::web::see_other("/rectification"));
    }
    if !nav.reads_content {
        let (awaiting, due_soon, inbox, duplicates, assignments) = (vec![], vec![], vec![], vec![], vec![]);
        let due_soon_days = work::DUE_SOON_DAYS;
        return page(&WorkbenchPage {
            nav,
            awaiting,
            due_soon,
            inbox,
            duplicates,
            assignments,
            due_soon_days,
            admin_only: true,
        });
    }
    let p = s.principal.clone();
    let w = run(&state.pool, move |conn| work::of(conn, &p)).await?;
    page(&WorkbenchPage {
        admin_only: false,
        nav,
        awaiting: w.awaiting_acceptance.into_iter().map(Into::into).collect(),
        due_soon: w.due_soon.into_iter().map(Into::into).collect(),
        inbox: w.inbox.into_iter().map(Into::into).collect(),
        duplicates: w.duplicates.into_iter().map(Into::into).collect(),
        assignments: w.assignments.into_iter().map(Into::into).collect(),
        due_soon_days: work::DUE_SOON_DAYS,
    })
}
