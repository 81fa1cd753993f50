//! The publish/edit form's values as posted and as shown again, the API's record body built
//! from them (parsed by the same `crate::json::parse` into `RecordInput`), the field errors
//! by the place they are shown, and the distribution picker's choices.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use crate::contract::record::{RecordInput, RecordView};
use crate::domain::record::RecordKind;
use crate::error::{AppError, FieldError};
use crate::service::records::DistributionTargets;

/// A form post as its (name, value) pairs, repeated names kept (checkboxes).
pub type Pairs = Vec<(String, String)>;

/// The first value posted under `name` ("" when absent).
pub fn first<'a>(pairs: &'a Pairs, name: &str) -> &'a str {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or_default()
}

fn all(pairs: &Pairs, name: &str) -> Vec<String> {
    pairs.iter().filter(|(k, v)| k == name && !v.is_empty()).map(|(_, v)| v.clone()).collect()
}

/// The protected fields the form offers by name (the common ones of a petition or clue).
pub const REPORTER_NAME: &str = "reporter_name";
pub const REPORTER_CONTACT: &str = "reporter_contact";
/// Free rows for other protected fields, besides those a record already has.
const EXTRA_ROWS: usize = 2;

/// What the form shows in its fields.
#[derive(Debug, Clone, Default)]
pub struct Values {
    pub kind: String,
    pub title: String,
    pub body: String,
    pub category: String,
    pub sensitivity: String,
    pub tags: String,
    /// Objects chosen (checkboxes), and more typed in by id.
    pub objects: Vec<String>,
    pub more_objects: String,
    pub level: String,
    pub agencies: Vec<String>,
    pub group: String,
    pub reporter_name: String,
    pub reporter_contact: String,
    /// Other protected fields as (name, value) rows.
    pub extra: Vec<(String, String)>,
    pub grants: Vec<String>,
    pub external_id: String,
}

fn padded(mut rows: Vec<(String, String)>) -> Vec<(String, String)> {
    rows.extend(std::iter::repeat_n((String::new(), String::new()), EXTRA_ROWS));
    rows
}

/// Items typed into one field: separated by commas, 、, semicolons or new lines.
fn items(s: &str, spaces_too: bool) -> Vec<String> {
    s.split(|c: char| {
        matches!(c, ',' | '\u{FF0C}' | '、' | ';' | '\u{FF1B}' | '\n' | '\r') || (spaces_too && c.is_whitespace())
    })
    .map(str::trim)
    .filter(|t| !t.is_empty())
    .map(String::from)
    .collect()
}

impl Values {
    /// An empty form (of `kind`, about `object`, when the link says so).
    pub fn new(kind: Option<&str>, object: Option<String>) -> Values {
        let kind = kind.filter(|k| RecordKind::parse(k).is_some()).unwrap_or(RecordKind::Clue.as_str());
        Values {
            kind: kind.to_string(),
            sensitivity: "general".into(),
            level: "own".into(),
            objects: object.into_iter().collect(),
            extra: padded(vec![]),
            ..Values::default()
        }
    }

    /// The form filled with a record as its owner sees it, with its protected-field grants.
    pub fn of_record(r: &RecordView, grants: Vec<String>) -> Values {
        let mut protected = r.protected.clone().unwrap_or_default();
        let reporter_name = protected.remove(REPORTER_NAME).unwrap_or_default();
        let reporter_contact = protected.remove(REPORTER_CONTACT).unwrap_or_default();
        Values {
            kind: r.kind.as_str().into(),
            title: r.title.clone(),
            body: r.body.clone().unwrap_or_default(),
            category: r.category.clone().unwrap_or_default(),
            sensitivity: r.sensitivity.as_str().into(),
            tags: r.tags.join("、"),
            objects: r.object_ids.clone(),
            more_objects: String::new(),
            level: r.distribution.level.as_str().into(),
            agencies: r.distribution.agencies.clone(),
            group: r.distribution.group.clone().unwrap_or_default(),
            reporter_name,
            reporter_contact,
            extra: padded(protected.into_iter().collect()),
            grants,
            external_id: r.external_id.clone().unwrap_or_default(),
        }
    }

    /// The values of a posted form.
    pub fn from_pairs(p: &Pairs) -> Values {
        let keys = p.iter().filter(|(k, _)| k == "pkey").map(|(_, v)| v.clone());
        let vals = p.iter().filter(|(k, _)| k == "pval").map(|(_, v)| v.clone());
        let extra: Vec<(String, String)> =
            keys.zip(vals).filter(|(k, v)| !k.trim().is_empty() || !v.trim().is_empty()).collect();
        Values {
            kind: first(p, "kind").into(),
            title: first(p, "title").into(),
            body: first(p, "body").into(),
            category: first(p, "category").into(),
            sensitivity: first(p, "sensitivity").into(),
            tags: first(p, "tags").into(),
            objects: all(p, "object"),
            more_objects: first(p, "more_objects").into(),
            level: first(p, "level").into(),
            agencies: all(p, "agency"),
            group: first(p, "group").into(),
            reporter_name: first(p, "reporter_name").into(),
            reporter_contact: first(p, "reporter_contact").into(),
            extra: padded(extra),
            grants: all(p, "grant"),
            external_id: first(p, "external_id").into(),
        }
    }

    /// The API's record body for these values (what `POST /api/v1/records` would be sent),
    /// or the errors of rows the body cannot say (a protected value without a name).
    pub fn to_json(&self) -> Result<Value, Vec<FieldError>> {
        let mut protected = Map::new();
        for (k, v) in [(REPORTER_NAME, &self.reporter_name), (REPORTER_CONTACT, &self.reporter_contact)] {
            if !v.trim().is_empty() {
                protected.insert(k.into(), json!(v.trim()));
            }
        }
        let mut errs = Vec::new();
        for (k, v) in self.extra.iter().filter(|(_, v)| !v.trim().is_empty()) {
            match k.trim() {
                "" => errs.push(FieldError::new("protected", "请填写受保护字段的名称")),
                k => drop(protected.insert(k.into(), json!(v.trim()))),
            }
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        let mut objects = self.objects.clone();
        objects.extend(items(&self.more_objects, true));
        let distribution = match self.level.as_str() {
            "agencies" => json!({"level": "agencies", "agencies": self.agencies}),
            "group" => json!({"level": "group", "group": Some(&self.group).filter(|g| !g.is_empty())}),
            level => json!({"level": level}),
        };
        let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        Ok(json!({
            "kind": self.kind, "title": self.title, "body": self.body, "category": text(&self.category),
            "object_ids": objects, "tags": items(&self.tags, false), "distribution": distribution,
            "sensitivity": self.sensitivity, "protected": protected, "field_grants": self.grants,
            "external_id": text(&self.external_id),
        }))
    }

    /// The values as the API's record body, parsed as the API parses it, with the body's
    /// text (for the idempotency digest).
    pub fn input(&self) -> Result<(RecordInput, String), AppError> {
        let body = self.to_json().map_err(AppError::Validation)?.to_string();
        Ok((crate::json::parse(body.as_bytes())?, body))
    }
}

/// Field errors by where the form shows them; those of no field are shown at the top.
#[derive(Debug, Default)]
pub struct Errors {
    by_slot: Vec<(&'static str, String)>,
    pub general: Vec<String>,
}

/// The place in the form of an API field (`distribution.agencies[0]` → the picker).
fn slot(field: &str) -> Option<&'static str> {
    Some(match field.split(['.', '[']).next().unwrap_or_default() {
        "kind" => "kind",
        "title" => "title",
        "body" => "body",
        "category" => "category",
        "sensitivity" => "sensitivity",
        "tags" => "tags",
        "object_ids" => "objects",
        "distribution" => "distribution",
        "protected" => "protected",
        "field_grants" => "field_grants",
        "external_id" => "external_id",
        _ => return None,
    })
}

impl Errors {
    /// The API's field errors, units named by name where the message lists their ids.
    pub fn of_fields(errs: Vec<FieldError>, names: &HashMap<String, String>) -> Errors {
        let mut out = Errors::default();
        for e in errs {
            let mut message = e.message;
            for (id, name) in names {
                if message.contains(id.as_str()) {
                    message = message.replace(id.as_str(), name);
                }
            }
            match slot(&e.field) {
                Some(s) => out.by_slot.push((s, message)),
                None => out.general.push(message),
            }
        }
        out
    }

    /// An error of one place.
    pub fn one(slot: &'static str, message: String) -> Errors {
        Errors { by_slot: vec![(slot, message)], general: vec![] }
    }

    /// The messages for one place of the form, joined.
    pub fn of(&self, slot: &str) -> Option<String> {
        let m: Vec<&str> = self.by_slot.iter().filter(|(s, _)| *s == slot).map(|(_, m)| m.as_str()).collect();
        (!m.is_empty()).then(|| m.join(";"))
    }

    pub fn has(&self, slot: &str) -> bool {
        self.by_slot.iter().any(|(s, _)| *s == slot)
    }

    pub fn any(&self) -> bool {
        !self.by_slot.is_empty() || !self.general.is_empty()
    }
}

/// One choice of a picker: a unit, a group or an object.
#[derive(Debug, Clone)]
pub struct Choice {
    pub id: String,
    pub label: String,
    pub checked: bool,
    /// The record kinds it is limited to, or why it is listed although no longer offered.
    pub note: String,
}

/// The distribution picker: only what the agreements let this unit send, per record kind.
#[derive(Debug, Default)]
pub struct Picker {
    pub agencies: Vec<Choice>,
    pub groups: Vec<Choice>,
    /// `all` offered (with its note), or not.
    pub all: Option<String>,
    pub grants: Vec<Choice>,
}

const KEPT: &str = "现有范围(协作意见现不允许,保存时将被拒绝)";

/// "仅限…" when only some kinds may go there; nothing when every kind may.
fn kinds_note(kinds: &[RecordKind], fixed: Option<RecordKind>) -> String {
    if fixed.is_some() || kinds.len() == RecordKind::ALL.len() {
        return String::new();
    }
    format!("仅限:{}", kinds.iter().map(|k| k.label()).collect::<Vec<_>>().join("、"))
}

impl Picker {
    /// The choices for a record of `fixed` kind (edit), or of any kind (publish: each choice
    /// says which kinds it is limited to). Chosen ids no longer offered stay, marked.
    pub fn build(t: &DistributionTargets, fixed: Option<RecordKind>, v: &Values) -> Picker {
        let fits = |kinds: &[RecordKind]| fixed.is_none_or(|k| kinds.contains(&k));
        let units = |targets: &[crate::service::records::Target], chosen: &[String]| {
            let mut out: Vec<Choice> = targets
                .iter()
                .filter(|u| fits(&u.kinds))
                .map(|u| Choice {
                    id: u.id.clone(),
                    label: u.name.clone(),
                    checked: chosen.contains(&u.id),
                    note: kinds_note(&u.kinds, fixed),
                })
                .collect();
            let missing: Vec<&String> = chosen.iter().filter(|id| !out.iter().any(|c| &c.id == *id)).collect();
            for id in missing {
                let label = t.names.get(id).cloned().unwrap_or_else(|| id.clone());
                out.push(Choice { id: id.clone(), label, checked: true, note: KEPT.into() });
            }
            out
        };
        let mut groups: Vec<Choice> = t
            .groups
            .iter()
            .filter(|g| fits(&g.kinds))
            .map(|g| Choice {
                id: g.id.clone(),
                label: if g.member { format!("{}(本单位所在)", g.name) } else { g.name.clone() },
                checked: g.id == v.group,
                note: kinds_note(&g.kinds, fixed),
            })
            .collect();
        if v.level == "group" && !v.group.is_empty() && !groups.iter().any(|g| g.id == v.group) {
            groups.push(Choice {
                id: v.group.clone(), label: "现有共享组".into(), checked: true, note: KEPT.into()
            });
        }
        let all = if fits(&t.all) && !t.all.is_empty() {
            Some(kinds_note(&t.all, fixed))
        } else {
            (v.level == "all").then(|| KEPT.to_string())
        };
        Picker { agencies: units(&t.agencies, &v.agencies), groups, all, grants: units(&t.field_grants, &v.grants) }
    }
}
