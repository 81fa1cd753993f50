//! The one error type of the hub and its RFC 9457 problem+json rendering. Domain and store
//! functions return `AppError`; diesel's errors map here (not found → 404, unique → 409),
//! everything unexpected becomes a logged 500 with a generic message.

use actix_web::{http::StatusCode, HttpResponse, ResponseError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("请求数据校验失败")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("该接口不支持此请求方法,可用方法:{allow}")]
    MethodNotAllowed { allow: String },
    #[error("{0}")]
    PreconditionFailed(String),
    #[error("{0}")]
    PreconditionRequired(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    Unavailable(String),
    /// Too many attempts (login throttle): retry after this many seconds.
    #[error("{0}")]
    TooManyRequests(String, i64),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        AppError::Validation(vec![FieldError::new(field, message)])
    }
    pub fn record_not_found() -> Self {
        AppError::NotFound("信息不存在或无权查阅".into())
    }
    fn slug_title(&self) -> (&'static str, &'static str) {
        match self {
            AppError::Validation(_) => ("validation", "请求数据校验失败"),
            AppError::BadRequest(_) => ("bad-request", "请求格式错误"),
            AppError::Unauthorized(_) => ("unauthorized", "未认证或认证已失效"),
            AppError::Forbidden(_) => ("forbidden", "无权执行此操作"),
            AppError::NotFound(_) => ("not-found", "资源不存在"),
            AppError::Conflict(_) => ("conflict", "与现有数据冲突"),
            AppError::MethodNotAllowed { .. } => ("method-not-allowed", "请求方法不受支持"),
            AppError::PreconditionFailed(_) => ("stale-version", "版本已变更"),
            AppError::PreconditionRequired(_) => ("precondition-required", "缺少必需的请求条件"),
            AppError::PayloadTooLarge(_) => ("payload-too-large", "请求体过大"),
            AppError::UnsupportedMediaType(_) => ("unsupported-media-type", "不支持的内容类型"),
            AppError::Unavailable(_) => ("unavailable", "服务暂不可用"),
            AppError::TooManyRequests(..) => ("too-many-requests", "尝试过于频繁"),
            AppError::Internal(e) if is_transient(e) => ("unavailable", "服务暂不可用"),
            AppError::Internal(_) => ("internal", "服务器内部错误"),
        }
    }
}

/// How long a client is asked to wait after a 503 before retrying.
pub const RETRY_AFTER_SECS: u32 = 2;

/// The message of a 503 caused by the database.
const DB_UNAVAILABLE: &str = "数据库暂时繁忙或不可用,请稍后重试(创建类请求请带相同的 Idempotency-Key 重试)";

/// What a database error message says when the database is busy, unreachable, restarting,
/// read-only or full: a state of the server, not of the request, that passes (or that an
/// operator fixes) — answered 503 with `Retry-After`, never 500. Lower-case fragments of
/// SQLite's and libpq's/PostgreSQL's messages.
const TRANSIENT_DB_MESSAGES: &[&str] = &[
    // SQLite: SQLITE_BUSY / SQLITE_LOCKED, SQLITE_READONLY, SQLITE_FULL, SQLITE_IOERR, SQLITE_CANTOPEN
    "database is locked",
    "database table is locked",
    "database schema is locked",
    "attempt to write a readonly database",
    "database or disk is full",
    "disk i/o error",
    "unable to open database file",
    // PostgreSQL and libpq: a lost or refused connection, a restart, a shutdown, recovery
    "server closed the connection unexpectedly",
    "terminating connection",
    "no connection to the server",
    "connection to server",
    "could not connect to server",
    "could not receive data from server",
    "could not send data to server",
    "connection refused",
    "connection reset",
    "broken pipe",
    "ssl connection has been closed unexpectedly",
    "the database system is shutting down",
    "the database system is starting up",
    "the database system is in recovery mode",
    "the database system is not yet accepting connections",
    "sorry, too many clients already",
    "cannot execute", // … in a read-only transaction (a standby after failover)
    // PostgreSQL contention: serialization failures, deadlocks, lock and statement timeouts
    "could not serialize access",
    "deadlock detected",
    "canceling statement due to lock timeout",
    "canceling statement due to statement timeout",
    "could not obtain lock",
    // PostgreSQL out of space
    "no space left on device",
    "could not extend file",
];

/// Whether a database error is the database's passing state rather than the request's fault.
pub fn is_transient_db_error(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::SerializationFailure, _) => true,
        Error::DatabaseError(_, info) => is_transient_db_message(info.message()),
        Error::BrokenTransactionManager => true,
        Error::RollbackErrorOnCommit { rollback_error, commit_error } => {
            is_transient_db_error(rollback_error) || is_transient_db_error(commit_error)
        }
        _ => false,
    }
}

pub fn is_transient_db_message(message: &str) -> bool {
    let m = message.to_lowercase();
    TRANSIENT_DB_MESSAGES.iter().any(|t| m.contains(t))
}

/// Whether an unexpected error is, somewhere in its chain, a transient database error.
fn is_transient(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<diesel::result::Error>().is_some_and(is_transient_db_error)
            || c.downcast_ref::<r2d2::Error>().is_some()
            || c.downcast_ref::<diesel::ConnectionError>().is_some()
    })
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        if is_transient_db_error(&e) {
            tracing::warn!(error = %e, "数据库暂时不可用,已答复 503");
            return AppError::Unavailable(DB_UNAVAILABLE.into());
        }
        match e {
            Error::NotFound => AppError::NotFound("资源不存在".into()),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => AppError::Conflict("与已有数据重复".into()),
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
                AppError::validation("", "引用的数据不存在")
            }
            other => AppError::Internal(anyhow::Error::new(other).context("database error")),
        }
    }
}

impl From<r2d2::Error> for AppError {
    fn from(e: r2d2::Error) -> Self {
        tracing::warn!(error = %e, "数据库连接池暂无可用连接,已答复 503");
        AppError::Unavailable(DB_UNAVAILABLE.into())
    }
}

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
