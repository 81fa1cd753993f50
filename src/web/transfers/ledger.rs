//! 移交台账: the unit's sent and received transfers (`GET /api/v1/transfers`), filtered and
//! paged, and the same selection exported as CSV or Excel (`GET /api/v1/transfers/export`).

use actix_web::http::StatusCode;
use actix_web::{get, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::TransferLine;
use crate::api::extract::run;
use crate::api::state::AppState;
use crate::api::transfers::{ledger_query, LedgerParams};
use crate::domain::transfer::TransferState;
use crate::error::{AppError, AppResult, FieldError};
use crate::service::transfers::{ExportFormat, LedgerQuery};
use crate::service::{self};
use crate::web::form::Errors;
use crate::web::session::SignedIn;
use crate::web::{page_with, Nav, WebError};

/// The ledger's filters as the page's form sends them (every field text, empty = all).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Filters {
    pub direction: Option<String>,
    pub state: Option<String>,
    pub overdue: Option<String>,
    pub round: Option<String>,
    pub category: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub cursor: Option<String>,
}

impl Filters {
    /// The filters as the API's query (its own parsing and checks), `limit` rows at most.
    fn query(&self, limit: i64) -> AppResult<LedgerQuery> {
        let mut errs = Vec::new();
        let overdue = match self.overdue.as_deref().unwrap_or("") {
            "" => None,
            "true" => Some(true),
            "false" => Some(false),
            _ => {
                errs.push(FieldError::new("overdue", "逾期筛选无效"));
                None
            }
        };
        let params = LedgerParams {
            direction: self.direction.clone(),
            state: self.state.clone(),
            overdue,
            round: self.round.clone(),
            category: self.category.clone(),
            object_id: None,
            from: self.from.clone(),
            to: self.to.clone(),
            cursor: self.cursor.clone(),
            limit: None,
            format: None,
        };
        match ledger_query(&params, limit) {
            Ok(q) if errs.is_empty() => Ok(q),
            Ok(_) => Err(AppError::Validation(errs)),
            Err(AppError::Validation(more)) => Err(AppError::Validation(errs.into_iter().chain(more).collect())),
            Err(e) => Err(e),
        }
    }

    /// The filters as a query string (without the cursor), for the next page and the exports.
    fn query_string(&self) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("direction", &self.direction),
            ("state", &self.state),
            ("overdue", &self.overdue),
            ("round", &self.round),
            ("category", &self.category),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                q.append_pair(k, v);
            }
        }
        q.finish()
    }

    fn value(v: &Option<String>) -> String {
        v.clone().unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "transfers.html", config = "src/web/askama.toml")]
struct LedgerPage {
    nav: Nav,
    direction: String,
    state: String,
    overdue: String,
    round: String,
    category: String,
    from: String,
    to: String,
    states: Vec<(&'static str, &'static str)>,
    items: Vec<TransferLine>,
    next: Option<String>,
    /// The filters as a query string, for the export links.
    query: String,
    errors: Errors,
}

impl LedgerPage {
    fn error(&self, field: &str) -> Option<String> {
        self.errors.get(field)
    }
}

/// Rows of the ledger per page.
const PAGE_ROWS: i64 = 20;

#[get("/transfers")]
pub async fn ledger(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    params: web::Query<Filters>,
) -> Result<HttpResponse, WebError> {
    let filters = params.into_inner();
    let p = s.principal.clone();
    let (items, next_cursor, errors) = match filters.query(PAGE_ROWS) {
        Ok(f) => {
            let page = run(&state.pool, move |conn| service::transfers::ledger_page(conn, &p, &f, None)).await?;
            (page.items, page.next_cursor, vec![])
        }
        Err(AppError::Validation(errs)) => (vec![], None, errs),
        Err(e) => return Err(e.into()),
    };
    let query = filters.query_string();
    let next = next_cursor.map(|c| {
        let mut q = url::form_urlencoded::Serializer::new(query.clone());
        q.append_pair("cursor", &c);
        format!("/transfers?{}", q.finish())
    });
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let me = s.principal.agency_id.clone();
    page_with(
        status,
        &LedgerPage {
            nav: Nav::of(&s, "transfers"),
            direction: Filters::value(&filters.direction),
            state: Filters::value(&filters.state),
            overdue: Filters::value(&filters.overdue),
            round: Filters::value(&filters.round),
            category: Filters::value(&filters.category),
            from: Filters::value(&filters.from),
            to: Filters::value(&filters.to),
            states: TransferState::ALL.iter().map(|s| (s.as_str(), s.label())).collect(),
            items: items.into_iter().map(|t| TransferLine::of(t, &me)).collect(),
            next,
            query,
            errors: Errors::from(errors),
        },
    )
}

async fn export(
    state: web::Data<AppState>,
    s: SignedIn,
    filters: Filters,
    format: ExportFormat,
) -> Result<HttpResponse, WebError> {
    let p = s.0.principal;
    // The file is built in memory: at most `ledger_export_max_rows`, else narrow the filters.
    let max = state.settings.ledger_export_max_rows.max(1);
    let f = Filters { cursor: None, ..filters }.query(max + 1)?;
    let bytes = run(&state.pool, move |conn| service::transfers::export(conn, &p, &f, max, format, None)).await?;
    Ok(crate::api::export::attachment(format, "问题线索管理台账", bytes))
}

#[get("/transfers/export.csv")]
pub async fn export_csv(
    state: web::Data<AppState>,
    s: SignedIn,
    params: web::Query<Filters>,
) -> Result<HttpResponse, WebError> {
    export(state, s, params.into_inner(), ExportFormat::Csv).await
}

#[get("/transfers/export.xlsx")]
pub async fn export_xlsx(
    state: web::Data<AppState>,
    s: SignedIn,
    params: web::Query<Filters>,
) -> Result<HttpResponse, WebError> {
    export(state, s, params.into_inner(), ExportFormat::Xlsx).await
}
