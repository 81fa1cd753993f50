//! 协作意见 (sharing agreements): which kind of record may go from whom to whom, and a new
//! one (`AgreementDraft`, as the API parses it). The API neither ends nor revokes an
//! agreement, so neither does this page.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::units::kind_label;
use super::{admin_nav, done_notice, invalid};
use crate::api::extract::run;
use crate::api::page::window;
use crate::api::state::AppState;
use crate::domain::agency::AgencyKind;
use crate::domain::agreement::AgreementDraft;
use crate::domain::record::RecordKind;
use crate::domain::FieldError;
use crate::service::agreements::AgreementView;
use crate::service::{self};
use crate::web::form::{form_result, Errors};
use crate::web::session::{check_csrf, SignedIn};
use crate::web::{chinese_date, page_with, see_other, Nav, WebError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(agreements).service(create_agreement);
}

/// An agreement as a line of the list, in words.
pub struct AgreementLine {
    pub name: String,
    pub source: String,
    pub record_kind: String,
    pub recipients: String,
    pub protected_fields: bool,
    pub created: String,
}

fn line(a: AgreementView, names: &HashMap<String, String>) -> AgreementLine {
    let name = |id: &String| names.get(id).cloned().unwrap_or_else(|| id.clone());
    let kinds = |k: &String| format!("全部{}", kind_label(k));
    let source = match (&a.source_agency_id, &a.source_kind) {
        (Some(id), _) => name(id),
        (None, Some(k)) => kinds(k),
        (None, None) => String::new(),
    };
    let recipients: Vec<String> =
        a.recipient_agency_ids.iter().map(name).chain(a.recipient_kinds.iter().map(kinds)).collect();
    AgreementLine {
        name: a.name,
        source,
        record_kind: RecordKind::parse(&a.record_kind).map(|k| k.label().to_string()).unwrap_or(a.record_kind),
        recipients: recipients.join("、"),
        protected_fields: a.protected_fields,
        created: chinese_date(&a.created_at),
    }
}

/// The new agreement's form as sent (values kept when it is shown again).
#[derive(Default)]
pub struct AgreementForm {
    name: String,
    source_agency_id: String,
    source_kind: String,
    record_kind: String,
    recipient_agency_ids: Vec<String>,
    recipient_kinds: Vec<String>,
    protected_fields: bool,
}

impl AgreementForm {
    /// The form's fields from a urlencoded body (the recipients are repeated fields); the
    /// CSRF token separately.
    fn read(body: &[u8]) -> (AgreementForm, String) {
        let (mut f, mut csrf) = (AgreementForm::default(), String::new());
        for (k, v) in url::form_urlencoded::parse(body) {
            let v = v.into_owned();
            match k.as_ref() {
                "csrf" => csrf = v,
                "name" => f.name = v,
                "source_agency_id" => f.source_agency_id = v,
                "source_kind" => f.source_kind = v,
                "record_kind" => f.record_kind = v,
                "recipient_agency_ids" => f.recipient_agency_ids.push(v),
                "recipient_kinds" => f.recipient_kinds.push(v),
                "protected_fields" => f.protected_fields = v == "true",
                _ => {}
            }
        }
        (f, csrf)
    }

    pub fn has_unit(&self, id: &str) -> bool {
        self.recipient_agency_ids.iter().any(|a| a == id)
    }

    pub fn has_kind(&self, kind: &str) -> bool {
        self.recipient_kinds.iter().any(|k| k == kind)
    }

    /// The API's draft; a kind the form does not offer is a field error of its own.
    fn draft(&self) -> Result<AgreementDraft, Vec<FieldError>> {
        let mut errs = Vec::new();
        let source_kind = Some(self.source_kind.as_str()).filter(|k| !k.is_empty()).map(AgencyKind::parse);
        if source_kind == Some(None) {
            errs.push(FieldError::new("source_kind", "来源单位类别无效"));
        }
        let record_kind = RecordKind::parse(&self.record_kind);
        if record_kind.is_none() {
            errs.push(FieldError::new("record_kind", "请选择信息类别"));
        }
        let mut recipient_kinds = Vec::new();
        for k in &self.recipient_kinds {
            match AgencyKind::parse(k) {
                Some(k) => recipient_kinds.push(k),
                None => errs.push(FieldError::new("recipient_kinds", "接收单位类别无效")),
            }
        }
        let parsed = AgreementDraft::parse(
            &self.name,
            Some(self.source_agency_id.as_str()).filter(|s| !s.is_empty()),
            source_kind.flatten(),
            record_kind.unwrap_or(RecordKind::Clue),
            &self.recipient_agency_ids,
            recipient_kinds,
            self.protected_fields,
        );
        match parsed {
            Ok(d) if errs.is_empty() => Ok(d),
            Ok(_) => Err(errs),
            Err(mut e) => {
                e.extend(errs);
                Err(e)
            }
        }
    }
}

#[derive(Template)]
#[template(path = "admin_agreements.html", config = "src/web/askama.toml")]
struct AgreementsPage {
    nav: Nav,
    notice: Option<&'static str>,
    items: Vec<AgreementLine>,
    next: Option<String>,
    f: AgreementForm,
    errors: Errors,
    others: Vec<String>,
    units: Vec<(String, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    record_kinds: Vec<(&'static str, &'static str)>,
}

async fn show(
    state: &AppState,
    nav: Nav,
    cursor: Option<String>,
    status: StatusCode,
    notice: Option<&'static str>,
    f: AgreementForm,
    errors: Errors,
) -> Result<HttpResponse, WebError> {
    let w = window(cursor.as_deref(), Some(20))?;
    let (found, units) =
        run(&state.pool, move |conn| Ok((service::agreements::page(conn, &w)?, service::agencies::list(conn)?)))
            .await?;
    let names: HashMap<String, String> = units.iter().map(|u| (u.id.clone(), u.name.clone())).collect();
    let items = found.items.into_iter().map(|a| line(a, &names)).collect();
    let next = found.next_cursor.map(|c| format!("/admin/agreements?cursor={c}"));
    let fields = ["name", "source_agency_id", "source_kind", "record_kind", "recipient_agency_ids", "recipient_kinds"];
    let others = errors.others(&fields);
    let units = units
        .into_iter()
        .filter(|u| crate::policy::credentials::receives_records(&u.kind))
        .map(|u| (u.id, format!("{}({})", u.name, u.code)))
        .collect();
    let kinds = AgencyKind::ALL.iter().filter(|k| **k != AgencyKind::Hub).map(|k| (k.as_str(), k.label())).collect();
    let record_kinds = RecordKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect();
    page_with(status, &AgreementsPage { nav, notice, items, next, f, errors, others, units, kinds, record_kinds })
}

#[derive(Deserialize)]
struct Params {
    cursor: Option<String>,
    done: Option<String>,
}

/// The agreements in the order they were made, 20 a page, and the form for a new one.
#[get("/admin/agreements")]
async fn agreements(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    q: web::Query<Params>,
) -> Result<HttpResponse, WebError> {
    let nav = admin_nav(&s)?;
    let q = q.into_inner();
    let notice = done_notice(q.done.as_deref());
    show(&state, nav, q.cursor, StatusCode::OK, notice, AgreementForm::default(), Errors::default()).await
}

#[post("/admin/agreements")]
async fn create_agreement(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let (f, csrf) = AgreementForm::read(&body);
    check_csrf(&s.csrf_token, &csrf)?;
    let nav = admin_nav(&s)?;
    let d = match f.draft() {
        Ok(d) => d,
        Err(e) => {
            let (status, errors) = invalid(e);
            return show(&state, nav, None, status, None, f, errors).await;
        }
    };
    let p = s.principal.clone();
    match form_result(run(&state.pool, move |conn| service::agreements::create(conn, &p, d)).await)? {
        Ok(_) => Ok(see_other("/admin/agreements?done=agreement")),
        Err((status, errors)) => show(&state, nav, None, status, None, f, errors).await,
    }
}
