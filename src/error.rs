//! The one error type of the hub (rendered as RFC 9457 problem+json by `api::problem`). Domain and store
//! functions return `AppError`; diesel's errors map here (not found → 404, unique → 409),
//! everything unexpected becomes a logged 500 with a generic message.

pub use crate::domain::FieldError;

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
    /// A cursor the server did not give out (or whose item is gone).
    pub fn bad_cursor() -> Self {
        AppError::BadRequest("分页游标无效:请使用上一页返回的 next_cursor".into())
    }
    pub fn record_not_found() -> Self {
        AppError::NotFound("信息不存在或无权查阅".into())
    }
    pub(crate) fn slug_title(&self) -> (&'static str, &'static str) {
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
pub(crate) const DB_UNAVAILABLE: &str = "数据库暂时繁忙或不可用,请稍后重试(创建类请求请带相同的 Idempotency-Key 重试)";

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
pub(crate) fn is_transient(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<diesel::result::Error>().is_some_and(is_transient_db_error)
            || c.downcast_ref::<r2d2::Error>().is_some()
            || c.downcast_ref::<diesel::ConnectionError>().is_some()
    })
}

/// A draft that did not parse: every field error at once (422).
impl From<Vec<FieldError>> for AppError {
    fn from(errors: Vec<FieldError>) -> Self {
        AppError::Validation(errors)
    }
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
