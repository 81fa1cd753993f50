//! What the web client's forms share: a posted body read as pairs (a field may repeat:
//! checkboxes, multiple selects), lists typed as text, and the errors a form shows again —
//! each next to its field, as the API reports them, and a notice for the form as a whole.

use actix_web::http::StatusCode;
use serde::Deserialize;

use crate::domain::FieldError;
use crate::error::AppError;
use crate::service::web_sessions::WebSession;
use crate::web::session::check_csrf;
use crate::web::WebError;

/// A posted form's fields in order, repeated names kept.
#[derive(Deserialize)]
#[serde(transparent)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    pub fn parse(body: &[u8]) -> Fields {
        Fields(url::form_urlencoded::parse(body).into_owned().collect())
    }

    /// The first value of `name` ("" when absent).
    pub fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or_default()
    }

    /// Every non-empty value of `name`, trimmed, in order.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(k, v)| k == name && !v.trim().is_empty()).map(|(_, v)| v.trim().to_string()).collect()
    }

    /// The post's CSRF token must be the session's (403 otherwise; nothing changes).
    pub fn check_csrf(&self, s: &WebSession) -> Result<(), WebError> {
        check_csrf(&s.csrf_token, self.get("csrf"))
    }
}

/// Splits what a person typed as a list ("a、b,c" or one a line) into its items.
pub fn split_list(v: &str) -> Vec<String> {
    v.split(['、', ',', ',', ';', ';', '\n', '\r'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// A form's errors: each field's messages (shown next to the field) and a notice for the
/// form as a whole (a conflict such as a code already taken).
#[derive(Default)]
pub struct Errors {
    fields: Vec<FieldError>,
    pub notice: Option<String>,
}

impl From<Vec<FieldError>> for Errors {
    fn from(fields: Vec<FieldError>) -> Errors {
        Errors { fields, notice: None }
    }
}

fn names(e: &FieldError, field: &str) -> bool {
    e.field == field || e.field.strip_prefix(field).is_some_and(|r| r.starts_with('['))
}

impl Errors {
    pub fn notice(message: String) -> Errors {
        Errors { fields: vec![], notice: Some(message) }
    }

    /// The messages for `field` (and its items, `field[0]` …), joined; `None` when it is fine.
    pub fn get(&self, field: &str) -> Option<String> {
        let hits: Vec<&str> = self.fields.iter().filter(|e| names(e, field)).map(|e| e.message.as_str()).collect();
        (!hits.is_empty()).then(|| hits.join(";"))
    }

    /// Messages of fields the form does not show (so none is lost), shown above it.
    pub fn others(&self, shown: &[&str]) -> Vec<String> {
        self.fields.iter().filter(|e| !shown.iter().any(|f| names(e, f))).map(|e| e.message.clone()).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.notice.is_none()
    }
}

/// The errors a refused form post shows in place: field errors (422), and a conflict (409)
/// on `conflict_field` or, without one, as the form's notice. Any other refusal is an error
/// page.
pub fn in_place(e: AppError, conflict_field: Option<&str>) -> Result<(StatusCode, Errors), WebError> {
    match (e, conflict_field) {
        (AppError::Validation(fields), _) => Ok((StatusCode::UNPROCESSABLE_ENTITY, Errors::from(fields))),
        (AppError::Conflict(m), Some(f)) => Ok((StatusCode::CONFLICT, Errors::from(vec![FieldError::new(f, m)]))),
        (AppError::Conflict(m), None) => Ok((StatusCode::CONFLICT, Errors::notice(m))),
        (e, _) => Err(e.into()),
    }
}

/// The field errors of a refused change (the form again, 422), or the error page for any
/// other refusal.
pub fn field_errors(e: AppError) -> Result<Errors, WebError> {
    match e {
        AppError::Validation(fields) => Ok(Errors::from(fields)),
        e => Err(e.into()),
    }
}

/// What a form post's service call came to: done, or the form again with its errors (422
/// for field errors, 409 for a conflict, as the form's notice); anything else is an error
/// page.
pub fn form_result<T>(r: Result<T, AppError>) -> Result<Result<T, (StatusCode, Errors)>, WebError> {
    match r {
        Ok(v) => Ok(Ok(v)),
        Err(e) => in_place(e, None).map(Err),
    }
}

/// One of a page's several forms shown again after a refused post: which form (a name the
/// page gives each form, e.g. `team` or `unit`), what was typed into it and its errors. The
/// page's other forms show empty.
#[derive(Default)]
pub struct Redo {
    pub form: &'static str,
    pub fields: Vec<(String, String)>,
    pub errors: Errors,
}

impl Redo {
    /// `form` shown again with what was posted (`f`) and its errors.
    pub fn of(form: &'static str, f: Fields, errors: Errors) -> Redo {
        Redo { form, fields: f.0.into_iter().filter(|(k, _)| k != "csrf").collect(), errors }
    }

    /// What was typed into `field` of `form` ("" for any other form or field).
    pub fn value(&self, form: &str, field: &str) -> &str {
        if self.form != form {
            return "";
        }
        self.fields.iter().find(|(k, _)| k == field).map(|(_, v)| v.as_str()).unwrap_or_default()
    }

    /// Whether `value` was among the values posted for `field` of `form` (checkboxes, selects).
    pub fn chose(&self, form: &str, field: &str, value: &str) -> bool {
        self.form == form && self.fields.iter().any(|(k, v)| k == field && v == value)
    }

    /// The error of `field` when `form` is the one shown again.
    pub fn err(&self, form: &str, field: &str) -> Option<String> {
        (self.form == form).then(|| self.errors.get(field)).flatten()
    }

    /// The errors of `form` not shown next to one of `shown` (the form's notice first).
    pub fn others(&self, form: &str, shown: &[&str]) -> Option<String> {
        if self.form != form {
            return None;
        }
        let mut all: Vec<String> = self.errors.notice.iter().cloned().collect();
        all.extend(self.errors.others(shown));
        (!all.is_empty()).then(|| all.join(";"))
    }

    /// The status of the page: 200, or 422/409 when a form is shown again.
    pub fn status(&self, refused: actix_web::http::StatusCode) -> actix_web::http::StatusCode {
        if self.errors.is_empty() {
            actix_web::http::StatusCode::OK
        } else {
            refused
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_find_their_field_and_its_items_and_keep_the_rest() {
        let e = Errors::from(vec![
            FieldError::new("roles[1]", "角色无效"),
            FieldError::new("roles", "至少选择一个角色"),
            FieldError::new("rolesx", "别的字段"),
            FieldError::new("token", "链接无效"),
        ]);
        assert_eq!(e.get("roles").as_deref(), Some("角色无效;至少选择一个角色"));
        assert_eq!(e.get("name"), None);
        assert_eq!(e.others(&["roles", "rolesx"]), vec!["链接无效".to_string()]);
        assert!(!e.is_empty() && Errors::default().is_empty() && !Errors::notice("已存在".into()).is_empty());
    }

    #[test]
    fn fields_keep_repeats_and_lists_split_on_chinese_and_western_marks() {
        let f = Fields::parse("csrf=t&role=liaison&role=+&role=viewer&name=%E5%BC%A0".as_bytes());
        assert_eq!((f.get("name"), f.get("none")), ("张", ""));
        assert_eq!(f.all("role"), vec!["liaison", "viewer"]);
        assert_eq!(split_list("津补贴、来信, 工程;\n"), vec!["津补贴", "来信", "工程"]);
    }

    #[test]
    fn a_redo_answers_for_its_own_form_only() {
        let f = Fields::parse("csrf=t&name=%E7%AC%AC%E4%B8%80%E7%BB%84&agency=a&agency=b".as_bytes());
        let r = Redo::of("team", f, Errors::from(vec![FieldError::new("name", "重名"), FieldError::new("x", "其他")]));
        assert_eq!((r.value("team", "name"), r.value("unit", "name"), r.value("team", "csrf")), ("第一组", "", ""));
        assert!(r.chose("team", "agency", "b") && !r.chose("unit", "agency", "b"));
        assert_eq!((r.err("team", "name").as_deref(), r.err("unit", "name")), (Some("重名"), None));
        assert_eq!(r.others("team", &["name"]).as_deref(), Some("其他"));
    }
}
