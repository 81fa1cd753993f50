//! Reading a public form's `multipart/form-data` body within fixed bounds: at most
//! `MAX_FILES` non-empty files of at most `MAX_FILE_BYTES` each, text fields of at most
//! `MAX_TEXT_BYTES`, `MAX_PARTS` parts in all. Reading stops at the first bound broken (the
//! rest of the body is not read), so no body costs more than the bounds.

use std::collections::HashMap;

use actix_web::http::header::CONTENT_LENGTH;
use actix_web::{web, HttpRequest};
use futures_util::StreamExt;

use crate::domain::public_report::attachments::{MAX_FILES, MAX_FILE_BYTES};

/// Largest text field, in bytes (a report's 5,000 characters are at most 20,000 bytes).
const MAX_TEXT_BYTES: usize = 64 * 1024;
/// Most parts in one body.
const MAX_PARTS: usize = 16;
/// Largest body: every file at its largest and every text field at its largest.
pub const MAX_BODY_BYTES: usize = MAX_FILES * MAX_FILE_BYTES + MAX_PARTS * MAX_TEXT_BYTES;

/// Why a body was not read to its end.
#[derive(Debug, PartialEq, Eq)]
pub enum Unread {
    /// Too large: a file, a field, the file count or the whole body (413).
    TooLarge(String),
    /// Not a multipart form, or broken (400).
    Malformed,
}

/// A public form as read.
#[derive(Debug, Default)]
pub struct FormBody {
    pub fields: HashMap<String, String>,
    pub files: Vec<Vec<u8>>,
}

impl FormBody {
    pub fn text(&self, name: &str) -> String {
        self.fields.get(name).cloned().unwrap_or_default()
    }
}

/// Reads the body of a public form.
pub async fn read(req: &HttpRequest, payload: web::Payload) -> Result<FormBody, Unread> {
    let declared =
        req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(too_large());
    }
    let mut form = actix_multipart::Multipart::new(req.headers(), payload);
    let mut body = FormBody::default();
    let mut parts = 0;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|_| Unread::Malformed)?;
        parts += 1;
        if parts > MAX_PARTS {
            return Err(Unread::TooLarge("表单内容过多".into()));
        }
        let name = field.name().unwrap_or_default().to_string();
        let is_file = field.content_disposition().and_then(|d| d.get_filename()).is_some();
        let max = if is_file { MAX_FILE_BYTES } else { MAX_TEXT_BYTES };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| Unread::Malformed)?;
            if bytes.len() + chunk.len() > max {
                return Err(if is_file {
                    Unread::TooLarge(format!("单个文件不能超过 {} MB", MAX_FILE_BYTES / (1024 * 1024)))
                } else {
                    Unread::TooLarge("填写的内容过长".into())
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        if is_file {
            // A file input left empty still sends a part, with no content.
            if bytes.is_empty() {
                continue;
            }
            if body.files.len() == MAX_FILES {
                return Err(Unread::TooLarge(format!("最多上传 {MAX_FILES} 个文件")));
            }
            body.files.push(bytes);
        } else {
            let text = String::from_utf8(bytes).map_err(|_| Unread::Malformed)?;
            body.fields.insert(name, text);
        }
    }
    Ok(body)
}

fn too_large() -> Unread {
    Unread::TooLarge(format!("提交的内容过大:最多 {MAX_FILES} 个文件,每个不超过 {} MB", MAX_FILE_BYTES / (1024 * 1024)))
}
