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
            AppError::Internal(_) => ("internal", "服务器内部错误"),
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
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
        tracing::error!(error = %e, "database pool unavailable");
        AppError::Unavailable("数据库连接暂不可用,请稍后重试".into())
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
        if let AppError::MethodNotAllowed { allow } = self {
            resp.insert_header(("Allow", allow.as_str()));
        }
        resp.content_type("application/problem+json").json(Problem {
            type_: format!("urn:guantong:problem:{slug}"),
            title: title.to_string(),
            status: status.as_u16(),
            detail,
            errors,
        })
    }
}
