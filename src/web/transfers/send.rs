//! 移交: the transfer form of a clue (`POST /api/v1/records/{id}/transfers`), offered to
//! its owner unit's officers, listing only the units it may go to.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::record_id;
use crate::api::extract::run;
use crate::api::state::AppState;
use crate::domain::transfer::NewTransfer;
use crate::error::{AppError, FieldError};
use crate::service::transfers::TransferOptions;
use crate::service::{self};
use crate::web::form::Errors;
use crate::web::session::{check_csrf, SignedIn};
use crate::web::{page_with, see_other, Nav, WebError};

#[derive(Template)]
#[template(path = "transfer_new.html", config = "src/web/askama.toml")]
struct TransferForm {
    nav: Nav,
    record_id: String,
    title: String,
    receivers: Vec<(String, String)>,
    values: FormValues,
    errors: Errors,
}

impl TransferForm {
    fn error(&self, field: &str) -> Option<String> {
        self.errors.get(field)
    }
}

#[derive(Default, Deserialize)]
pub struct FormValues {
    #[serde(default)]
    to_agency_id: String,
    #[serde(default)]
    suggestion: String,
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    round: String,
}

#[derive(Deserialize)]
pub struct SendForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    values: FormValues,
}

fn render(
    s: &crate::service::web_sessions::WebSession,
    id: String,
    o: TransferOptions,
    values: FormValues,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Result<HttpResponse, WebError> {
    let form = TransferForm {
        nav: Nav::of(s, "records"),
        record_id: id,
        title: o.record_title,
        receivers: o.receivers,
        values,
        errors: Errors::from(errors),
    };
    page_with(status, &form)
}

#[get("/records/{id}/transfer")]
pub async fn transfer_form(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let id = record_id(&id)?;
    let (p, shown) = (s.principal.clone(), id.to_string());
    let o = run(&state.pool, move |conn| service::transfers::options(conn, &p, &id)).await?;
    render(&s, shown, o, FormValues::default(), vec![], StatusCode::OK)
}

#[post("/records/{id}/transfer")]
pub async fn send_transfer(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    id: web::Path<String>,
    f: web::Form<SendForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&s.csrf_token, &f.csrf)?;
    let id = record_id(&id)?;
    let values = f.into_inner().values;
    let n = NewTransfer {
        to_agency_id: values.to_agency_id.trim().to_string(),
        suggestion: values.suggestion.clone(),
        deadline: values.deadline.trim().to_string(),
        round: Some(values.round.trim().to_string()).filter(|r| !r.is_empty()),
    };
    let (p, shown) = (s.principal.clone(), id.to_string());
    let sent = run(&state.pool, move |conn| {
        let sent = service::transfers::send(conn, &p, &id, n, None);
        match sent {
            Ok(t) => Ok(Ok(t.id)),
            Err(e @ (AppError::Validation(_) | AppError::Conflict(_))) => {
                Ok(Err((e, service::transfers::options(conn, &p, &id)?)))
            }
            Err(e) => Err(e),
        }
    })
    .await?;
    match sent {
        Ok(tid) => Ok(see_other(&format!("/transfers/{tid}"))),
        Err((AppError::Validation(errs), o)) => render(&s, shown, o, values, errs, StatusCode::UNPROCESSABLE_ENTITY),
        // Already transferred to that unit: said next to the receiving unit.
        Err((e, o)) => {
            let errs = vec![FieldError::new("to_agency_id", e.to_string())];
            render(&s, shown, o, values, errs, StatusCode::CONFLICT)
        }
    }
}
