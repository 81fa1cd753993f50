//! Form posts with repeated fields (checkboxes, multiple selects), read from the raw body,
//! and the field errors a form shows again next to its fields.

use crate::domain::FieldError;
use crate::error::AppError;
use crate::web::WebError;

/// A posted form's fields in order, repeated names kept.
pub struct Fields(Vec<(String, String)>);

impl Fields {
    pub fn parse(body: &[u8]) -> Fields {
        Fields(url::form_urlencoded::parse(body).into_owned().collect())
    }

    /// The first value of `name` ("" when absent).
    pub fn one(&self, name: &str) -> String {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    /// Every non-empty value of `name`.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(k, v)| k == name && !v.trim().is_empty()).map(|(_, v)| v.trim().to_string()).collect()
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

/// The field errors of a form shown again (empty when it is shown fresh).
#[derive(Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    /// The message for `field` (or one of its items, `field[2]`).
    pub fn get(&self, field: &str) -> Option<String> {
        let msgs: Vec<&str> = self
            .0
            .iter()
            .filter(|e| e.field == field || e.field.strip_prefix(field).is_some_and(|r| r.starts_with('[')))
            .map(|e| e.message.as_str())
            .collect();
        (!msgs.is_empty()).then(|| msgs.join(";"))
    }

    /// Errors that name no field shown on the form (`known`): shown above it.
    pub fn other(&self, known: &[&str]) -> Option<String> {
        let msgs: Vec<&str> = self
            .0
            .iter()
            .filter(|e| {
                !known.iter().any(|k| e.field == *k || e.field.strip_prefix(k).is_some_and(|r| r.starts_with('[')))
            })
            .map(|e| e.message.as_str())
            .collect();
        (!msgs.is_empty()).then(|| msgs.join(";"))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The field errors of a refused change, or the error page for any other refusal.
pub fn field_errors(e: AppError) -> Result<Errors, WebError> {
    match e {
        AppError::Validation(errs) => Ok(Errors(errs)),
        e => Err(e.into()),
    }
}
