//! What a record write is checked against: the hub's directory, groups, categories,
//! objects and sharing agreements (`WriteContext`, loaded once per transaction), and the
//! check that normalises a record's content or names every field that breaks a rule.

use std::collections::{BTreeSet, HashMap, HashSet};

use diesel::prelude::*;

use crate::db::schema::{agencies, sharing_groups};
use crate::db::DbConnection;
use crate::domain::record::{validate_content, Distribution, DistributionLevel, RecordContent};
use crate::error::{AppError, AppResult, FieldError};
use crate::policy::agreements::{self, Agreement, Party};
use crate::policy::{self, DirectoryEntry};
use crate::service::subscriptions::Rule;
use crate::service::{inbox, objects, subscriptions};
use crate::store::records::StoredRecord;
use crate::store::{catalog, directory};

/// What a write transaction needs to know about the hub, loaded once per transaction.
pub struct WriteContext {
    pub directory: Vec<DirectoryEntry>,
    agency_kinds: HashMap<String, String>,
    group_ids: HashSet<String>,
    agreements: Vec<Agreement>,
    subscriptions: Vec<Rule>,
    categories: HashMap<String, String>,
}

impl WriteContext {
    pub fn load(conn: &mut DbConnection) -> QueryResult<WriteContext> {
        let kinds: Vec<(String, String)> = agencies::table.select((agencies::id, agencies::kind)).load(conn)?;
        let mut categories = HashMap::new();
        for c in catalog::list(conn)? {
            categories.insert(c.code.clone(), c.name.clone());
            categories.insert(c.name.clone(), c.name);
        }
        Ok(WriteContext {
            directory: directory::load(conn)?,
            agency_kinds: kinds.into_iter().collect(),
            group_ids: sharing_groups::table.select(sharing_groups::id).load::<String>(conn)?.into_iter().collect(),
            agreements: crate::service::agreements::all_rules(conn)?,
            subscriptions: subscriptions::all_rules(conn)?,
            categories,
        })
    }

    fn party(&self, id: &str) -> Option<Party> {
        self.agency_kinds.get(id).map(|k| Party { id: id.to_string(), kind: k.clone() })
    }

    /// The agencies a distribution reaches, for the agreement check.
    fn recipients_of(&self, owner: &str, d: &Distribution) -> Vec<Party> {
        let ids: Vec<&String> = match d.level {
            DistributionLevel::Own => vec![],
            DistributionLevel::Agencies => d.agencies.iter().collect(),
            DistributionLevel::Group => self
                .directory
                .iter()
                .filter(|e| d.group.as_ref().is_some_and(|g| e.group_ids.contains(g)))
                .map(|e| &e.agency_id)
                .collect(),
            DistributionLevel::All => self.directory.iter().filter(|e| e.agency_active).map(|e| &e.agency_id).collect(),
        };
        ids.into_iter().filter(|id| *id != owner).filter_map(|id| self.party(id)).collect()
    }

    /// Subscription matches for `s` among `agencies` (who can read it), as inbox rows.
    pub(super) fn inbox_items(&self, s: &StoredRecord, agencies: &[String], seq: i64) -> Vec<inbox::NewItem> {
        inbox::matches(&self.subscriptions, s, agencies, seq)
    }

    /// Rule 4 for a transfer: the receiver gets the whole clue, protected fields included.
    pub fn check_transfer(&self, owner: &str, kind: &str, to: &str) -> Vec<FieldError> {
        match (self.party(owner), self.party(to)) {
            (Some(src), Some(dst)) => {
                agreements::check(&self.agreements, &src, kind, std::slice::from_ref(&dst), std::slice::from_ref(&dst))
            }
            _ => vec![FieldError::new("to_agency_id", "成员单位不存在")],
        }
    }

    /// Rule 4 for sharing a record with `to` outside its distribution (deliberation
    /// participants): only as far as the owner's sharing agreements allow; errors name
    /// `field`.
    pub fn check_shared_with(&self, owner: &str, kind: &str, to: &[String], field: &str) -> Vec<FieldError> {
        let Some(src) = self.party(owner) else { return vec![] };
        let parties: Vec<Party> = to.iter().filter_map(|a| self.party(a)).collect();
        agreements::check(&self.agreements, &src, kind, &parties, &[])
            .into_iter()
            .map(|e| FieldError::new(field, e.message))
            .collect()
    }

    /// Whether `id` is an active member agency.
    pub fn is_active_agency(&self, id: &str) -> bool {
        self.directory.iter().any(|e| e.agency_id == id && e.agency_active)
    }

    pub(super) fn has_subscriptions(&self) -> bool {
        !self.subscriptions.is_empty()
    }
}

/// Which of the objects named by `contents` exist (one query for a whole batch).
pub fn known_objects<'a>(
    conn: &mut DbConnection,
    contents: impl Iterator<Item = &'a RecordContent>,
) -> QueryResult<HashSet<String>> {
    let ids: Vec<String> =
        contents.flat_map(|c| c.object_ids.iter().cloned()).collect::<BTreeSet<_>>().into_iter().collect();
    let mut found = HashSet::new();
    for chunk in ids.chunks(500) {
        found.extend(objects::existing(conn, chunk)?);
    }
    Ok(found)
}

/// Checks a record's content against the hub: the shape rules, then the categories,
/// objects, agencies and groups it names, then the sharing agreements. Normalises it
/// (category by its Chinese name; tags, objects and agencies sorted and unique), so equal
/// content has an equal hash.
pub fn check_content(
    ctx: &WriteContext,
    known_objects: &HashSet<String>,
    owner: &str,
    c: &mut RecordContent,
) -> AppResult<()> {
    let mut errs = validate_content(c);
    if let Some(cat) = &c.category {
        match ctx.categories.get(cat.trim()) {
            Some(name) => c.category = Some(name.clone()),
            None => errs.push(FieldError::new("category", format!("问题类别“{cat}”不存在"))),
        }
    }
    fn sorted_unique(v: &[String]) -> Vec<String> {
        v.iter().cloned().collect::<BTreeSet<_>>().into_iter().collect()
    }
    c.tags = sorted_unique(&c.tags.iter().map(|t| t.trim().to_string()).collect::<Vec<_>>());
    c.object_ids = sorted_unique(&c.object_ids);
    c.distribution.agencies = sorted_unique(&c.distribution.agencies);
    c.field_grants = sorted_unique(&c.field_grants);
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    for (i, o) in c.object_ids.iter().enumerate() {
        if !known_objects.contains(o) {
            errs.push(FieldError::new(format!("object_ids[{i}]"), "监督对象不存在"));
        }
    }
    for (i, a) in c.distribution.agencies.iter().enumerate() {
        match ctx.party(a) {
            None => errs.push(FieldError::new(format!("distribution.agencies[{i}]"), "成员单位不存在")),
            Some(p) if !policy::credentials::receives_records(&p.kind) => errs.push(FieldError::new(
                format!("distribution.agencies[{i}]"),
                policy::credentials::HUB_RECEIVES_NOTHING,
            )),
            Some(_) => {}
        }
    }
    if c.distribution.group.as_ref().is_some_and(|g| !ctx.group_ids.contains(g)) {
        errs.push(FieldError::new("distribution.group", "共享组不存在"));
    }
    for (i, a) in c.field_grants.iter().enumerate() {
        match ctx.party(a) {
            None => errs.push(FieldError::new(format!("field_grants[{i}]"), "成员单位不存在")),
            Some(p) if !policy::credentials::receives_records(&p.kind) => {
                errs.push(FieldError::new(format!("field_grants[{i}]"), policy::credentials::HUB_RECEIVES_NOTHING))
            }
            Some(_) => {}
        }
    }
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    let source = ctx.party(owner).ok_or_else(|| AppError::Unauthorized("所属单位不存在".into()))?;
    if !agreements::binds(&ctx.agreements, &source, c.kind.as_str()) {
        return Ok(());
    }
    let recipients = ctx.recipients_of(owner, &c.distribution);
    let grants: Vec<Party> = c.field_grants.iter().filter_map(|a| ctx.party(a)).collect();
    let errs = agreements::check(&ctx.agreements, &source, c.kind.as_str(), &recipients, &grants);
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    Ok(())
}

// ---- For the distribution picker of the web client (`forms::distribution_targets`) -------

impl WriteContext {
    /// Rule 4 alone, for a distribution and field grants the owner considers: whether the
    /// sharing agreements let `owner` send a record of `kind` there (the same check
    /// `check_content` makes, on the same resolution of the distribution to recipients).
    pub fn agreements_allow(&self, owner: &str, kind: &str, d: &Distribution, field_grants: &[String]) -> bool {
        let Some(source) = self.party(owner) else { return false };
        let recipients = self.recipients_of(owner, d);
        let grants: Vec<Party> = field_grants.iter().filter_map(|a| self.party(a)).collect();
        agreements::check(&self.agreements, &source, kind, &recipients, &grants).is_empty()
    }
}
