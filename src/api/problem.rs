//! How an [`AppError`] is answered over HTTP: an RFC 9457 problem+json body, the status, and
//! the headers a client needs (`Retry-After`, `Allow`, `WWW-Authenticate`).

use actix_web::{http::StatusCode, HttpResponse, ResponseError};
use serde::Serialize;

use crate::error::{is_transient, AppError, FieldError, DB_UNAVAILABLE, RETRY_AFTER_SECS};

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        AppError::Internal(anyhow::anyhow!("blocking task failed: {e}"))
    }
}

/// The problem+json body (RFC 9457).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            AppError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            AppError::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::TooManyRequests(..) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(e) if is_transient(e) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let (slug, title) = self.slug_title();
        let (detail, errors) = match self {
            AppError::Validation(errs) => {
                let summary = errs
                    .iter()
                    .map(|e| if e.field.is_empty() { e.message.clone() } else { format!("{}:{}", e.field, e.message) })
                    .collect::<Vec<_>>()
                    .join(";");
                (summary, Some(errs.clone()))
            }
            AppError::Internal(e) if is_transient(e) => {
                tracing::warn!(error = %e, "数据库暂时不可用,已答复 503");
                (DB_UNAVAILABLE.to_string(), None)
            }
            AppError::Internal(e) => {
                tracing::error!(error = ?e, "internal error");
                ("服务器处理请求时出错,请稍后重试或联系平台管理员".to_string(), None)
            }
            other => (other.to_string(), None),
        };
        let mut resp = HttpResponse::build(status);
        if status == StatusCode::UNAUTHORIZED {
            resp.insert_header(("WWW-Authenticate", "Bearer"));
        }
        if let AppError::TooManyRequests(_, secs) = self {
            resp.insert_header(("Retry-After", secs.max(&1).to_string()));
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            resp.insert_header(("Retry-After", RETRY_AFTER_SECS.to_string()));
        }
        if let AppError::MethodNotAllowed { allow } = self {
            resp.insert_header(("Allow", allow.as_str()));
        }
        // A message may quote the input; a NUL in it is shown as the text `\u0000` (no text
        // the hub gives out holds a NUL, as none it takes does).
        let shown = |t: &str| t.replace('\0', "\\u0000");
        let errors = errors.map(|errs| {
            errs.iter().map(|e| FieldError { field: shown(&e.field), message: shown(&e.message) }).collect()
        });
        resp.content_type("application/problem+json").json(Problem {
            type_: format!("urn:guantong:problem:{slug}"),
            title: title.to_string(),
            status: status.as_u16(),
            detail: shown(&detail),
            errors,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::result::{DatabaseErrorKind, Error};

    fn db_error(kind: DatabaseErrorKind, message: &str) -> Error {
        Error::DatabaseError(kind, Box::new(message.to_string()))
    }

    #[test]
    fn database_faults_are_503_with_retry_after() {
        let faults = [
            db_error(DatabaseErrorKind::Unknown, "database is locked"),
            db_error(DatabaseErrorKind::Unknown, "attempt to write a readonly database"),
            db_error(DatabaseErrorKind::Unknown, "database or disk is full"),
            db_error(DatabaseErrorKind::Unknown, "disk I/O error"),
            db_error(DatabaseErrorKind::ClosedConnection, "anything"),
            db_error(
                DatabaseErrorKind::Unknown,
                "server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally",
            ),
            db_error(DatabaseErrorKind::Unknown, "terminating connection due to administrator command"),
            db_error(DatabaseErrorKind::Unknown, "FATAL:  the database system is shutting down"),
            db_error(DatabaseErrorKind::SerializationFailure, "could not serialize access due to concurrent update"),
            db_error(DatabaseErrorKind::Unknown, "canceling statement due to lock timeout"),
            db_error(DatabaseErrorKind::Unknown, "could not extend file \"base/1/2\": No space left on device"),
            Error::BrokenTransactionManager,
        ];
        for f in faults {
            let shown = f.to_string();
            let e = AppError::from(f);
            assert_eq!(e.status_code(), StatusCode::SERVICE_UNAVAILABLE, "{shown}");
            let resp = e.error_response();
            assert_eq!(resp.headers().get("Retry-After").unwrap(), &RETRY_AFTER_SECS.to_string(), "{shown}");
        }
        // Wrapped in an unexpected error (a context added on the way up): still 503.
        let wrapped = AppError::Internal(
            anyhow::Error::new(db_error(DatabaseErrorKind::Unknown, "database is locked")).context("store"),
        );
        assert_eq!(wrapped.status_code(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(wrapped.error_response().headers().contains_key("Retry-After"));
    }

    #[test]
    fn request_faults_and_bugs_are_not_503() {
        let not_transient = [
            (db_error(DatabaseErrorKind::UniqueViolation, "UNIQUE constraint failed"), StatusCode::CONFLICT),
            (db_error(DatabaseErrorKind::ForeignKeyViolation, "FOREIGN KEY"), StatusCode::UNPROCESSABLE_ENTITY),
            (Error::NotFound, StatusCode::NOT_FOUND),
            (db_error(DatabaseErrorKind::Unknown, "no such column: x"), StatusCode::INTERNAL_SERVER_ERROR),
        ];
        for (f, status) in not_transient {
            let shown = f.to_string();
            let e = AppError::from(f);
            assert_eq!(e.status_code(), status, "{shown}");
            assert!(!e.error_response().headers().contains_key("Retry-After"), "{shown}");
        }
        let bug = AppError::Internal(anyhow::anyhow!("a bug"));
        assert_eq!(bug.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
