//! A record as it travels on the wire: the body of `POST /records` and each line of a sync
//! batch (the REST API and the batch import share it), and the view a reader gets (API,
//! feed, webhooks).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::record::{Distribution, RecordContent, RecordKind, Sensitivity};

fn default_sensitivity() -> Sensitivity {
    Sensitivity::General
}

/// A record as its owner writes it (POST /records, and each line of a sync batch).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct RecordInput {
    pub kind: RecordKind,
    #[schema(schema_with = crate::contract::record_title)]
    pub title: String,
    #[serde(default)]
    #[schema(schema_with = crate::contract::record_body)]
    pub body: String,
    /// A category name (e.g. 廉洁纪律) or code.
    pub category: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::contract::id_list)]
    pub object_ids: Vec<String>,
    #[serde(default)]
    #[schema(schema_with = crate::contract::record_tags)]
    pub tags: Vec<String>,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub attributes: serde_json::Map<String, serde_json::Value>,
    #[serde(default = "Distribution::own", deserialize_with = "crate::wire::object")]
    #[schema(schema_with = crate::contract::distribution_input)]
    pub distribution: Distribution,
    #[serde(default = "default_sensitivity")]
    pub sensitivity: Sensitivity,
    /// Protected fields (reporter identity and contact, identity numbers …).
    #[serde(default)]
    #[schema(schema_with = crate::contract::protected_fields)]
    pub protected: BTreeMap<String, String>,
    /// Agencies that may see the protected fields.
    #[serde(default)]
    #[schema(schema_with = crate::contract::id_list)]
    pub field_grants: Vec<String>,
    /// The record's id in the agency's own system; unique per agency.
    #[schema(schema_with = crate::contract::external_id)]
    pub external_id: Option<String>,
}

impl From<RecordInput> for RecordContent {
    fn from(i: RecordInput) -> Self {
        RecordContent {
            kind: i.kind,
            title: i.title,
            body: i.body,
            category: i.category.filter(|c| !c.trim().is_empty()),
            object_ids: i.object_ids,
            tags: i.tags,
            attributes: i.attributes,
            distribution: i.distribution,
            sensitivity: i.sensitivity,
            protected: i.protected,
            field_grants: i.field_grants,
            external_id: i.external_id,
        }
    }
}

/// A record as a reader sees it, after the policy's disclosure decision.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RecordView {
    pub id: String,
    pub kind: RecordKind,
    /// The title, or the placeholder "受限信息" when `content_withheld`.
    pub title: String,
    /// Absent when `content_withheld` (restricted record read without a purpose).
    pub body: Option<String>,
    pub category: Option<String>,
    pub object_ids: Vec<String>,
    pub tags: Vec<String>,
    #[schema(value_type = Option<Object>)]
    pub attributes: Option<Value>,
    pub distribution: Distribution,
    pub sensitivity: Sensitivity,
    /// Protected field values, or null when redacted for this reader.
    pub protected: Option<BTreeMap<String, String>>,
    /// The names of the protected fields (always shown, so readers know what exists).
    pub protected_fields: Vec<String>,
    pub redacted: bool,
    pub content_withheld: bool,
    pub external_id: Option<String>,
    pub version: i32,
    pub owner_agency_id: String,
    pub author_id: String,
    pub created_at: String,
    pub updated_at: String,
}
