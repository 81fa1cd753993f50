//! The wire contract of bulk sync, shared by the server's batch import (`service::import`)
//! and the sync client (`guantong sync`): chunk sizes and the per-line results.

use serde::{Deserialize, Serialize};

use crate::domain::FieldError;

/// Lines per request the sync client sends (its default `chunk_lines`).
pub const CHUNK_LINES: usize = 5000;

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LineResult {
    /// 1-based line number in the request body.
    pub line: usize,
    /// `created`, `updated`, `unchanged` or `rejected`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i32>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub errors: Vec<FieldError>,
}

impl LineResult {
    pub fn ok(line: usize, status: &str, ext: Option<String>, id: String, version: i32) -> LineResult {
        LineResult {
            line,
            status: status.into(),
            external_id: ext,
            id: Some(id),
            version: Some(version),
            errors: vec![],
        }
    }

    pub fn rejected(line: usize, external_id: Option<String>, errors: Vec<FieldError>) -> LineResult {
        LineResult { line, status: "rejected".into(), external_id, id: None, version: None, errors }
    }
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Summary {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub rejected: usize,
}

impl Summary {
    /// Counts one line's result.
    pub fn count(&mut self, status: &str) {
        match status {
            "created" => self.created += 1,
            "updated" => self.updated += 1,
            "unchanged" => self.unchanged += 1,
            _ => self.rejected += 1,
        }
    }

    pub fn add(&mut self, other: &Summary) {
        self.created += other.created;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.rejected += other.rejected;
    }

    /// Lines answered.
    pub fn lines(&self) -> usize {
        self.created + self.updated + self.unchanged + self.rejected
    }
}
