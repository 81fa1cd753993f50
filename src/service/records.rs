//! Records (信息): publish, read, list and search, update with versioning, withdraw, history,
//! and the propagation of access changes (rule 6) to feeds and inboxes.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::db::schema::{
    agencies, record_field_grants, record_grants, record_objects, record_recipients, record_versions, records,
    sharing_groups,
};
use crate::db::DbConnection;
use crate::domain::event::EventType;
use crate::domain::record::{
    validate_content, Distribution, DistributionLevel, RecordContent, RecordKind, Sensitivity,
};
use crate::domain::{from_stored, new_id};
use crate::error::{AppError, AppResult, FieldError};
use crate::policy::agreements::{self, Agreement, Party};
use crate::policy::{self, AccessFacts, DirectoryEntry, Disclosure, GrantReason, Principal, ReadMode, Viewer};
use crate::service::subscriptions::Rule;
use crate::service::{inbox, objects, subscriptions};
use crate::store::log::{Actor, Log};
use crate::store::{catalog, directory, json_list, to_json, INSERT_CHUNK};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = records, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct RecordRow {
    pub id: String,
    pub owner_agency_id: String,
    pub author_id: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub category: Option<String>,
    pub tags: String,
    pub attributes: String,
    pub distribution_level: String,
    pub group_id: Option<String>,
    pub sensitivity: String,
    pub protected: String,
    pub external_id: Option<String>,
    pub version: i32,
    pub content_hash: String,
    pub seq: i64,
    pub created_at: String,
    pub updated_at: String,
    pub withdrawn_at: Option<String>,
}

/// A record with its link rows.
#[derive(Debug, Clone)]
pub struct StoredRecord {
    pub row: RecordRow,
    /// The row's stored enums, parsed when it was read (an unknown value is an error).
    pub kind: RecordKind,
    pub level: DistributionLevel,
    pub sensitivity: Sensitivity,
    pub recipients: Vec<String>,
    pub object_ids: Vec<String>,
    pub field_grants: Vec<String>,
    /// Access grants by transfer or deliberation (`record_grants`), one per agency and reason.
    pub grants: Vec<RecordGrant>,
}

/// An agency's grant on a record, and why (transfer: full access; deliberation: read).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RecordGrant {
    pub agency_id: String,
    pub reason: GrantReason,
}

impl StoredRecord {
    /// A record read from its row (links added by the caller); fails on a stored enum value
    /// the hub does not write, never defaulting to a weaker one.
    pub fn from_row(row: RecordRow) -> QueryResult<StoredRecord> {
        let stored = crate::store::unknown_stored;
        Ok(StoredRecord {
            kind: from_stored("信息类别", &row.kind, RecordKind::parse).map_err(stored)?,
            level: from_stored("分发范围", &row.distribution_level, DistributionLevel::parse).map_err(stored)?,
            sensitivity: from_stored("敏感级别", &row.sensitivity, Sensitivity::parse).map_err(stored)?,
            row,
            recipients: vec![],
            object_ids: vec![],
            field_grants: vec![],
            grants: vec![],
        })
    }

    pub fn facts(&self) -> AccessFacts {
        AccessFacts {
            owner_agency_id: self.row.owner_agency_id.clone(),
            level: Some(self.level),
            group_id: self.row.group_id.clone(),
            recipients: self.recipients.clone(),
            grants: self.grants.iter().filter(|g| g.reason.full_access()).map(|g| g.agency_id.clone()).collect(),
            read_grants: self.grants.iter().filter(|g| !g.reason.full_access()).map(|g| g.agency_id.clone()).collect(),
            field_grants: self.field_grants.clone(),
            sensitivity: Some(self.sensitivity),
            withdrawn: self.row.withdrawn_at.is_some(),
        }
    }

    pub fn distribution(&self) -> Distribution {
        Distribution { level: self.level, agencies: self.recipients.clone(), group: self.row.group_id.clone() }
    }

    pub fn protected_map(&self) -> BTreeMap<String, String> {
        serde_json::from_str(&self.row.protected).unwrap_or_default()
    }

    pub fn content(&self) -> RecordContent {
        RecordContent {
            kind: self.kind,
            title: self.row.title.clone(),
            body: self.row.body.clone(),
            category: self.row.category.clone(),
            object_ids: self.object_ids.clone(),
            tags: json_list(&self.row.tags),
            attributes: serde_json::from_str(&self.row.attributes).unwrap_or_default(),
            distribution: self.distribution(),
            sensitivity: self.sensitivity,
            protected: self.protected_map(),
            field_grants: self.field_grants.clone(),
            external_id: self.row.external_id.clone(),
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

/// Builds the view of a record under the policy's disclosure `d`.
pub fn present(s: &StoredRecord, d: Disclosure) -> RecordView {
    let protected = s.protected_map();
    let mut distribution = s.distribution();
    if !d.recipients {
        distribution.agencies.clear();
    }
    RecordView {
        id: s.row.id.clone(),
        kind: s.kind,
        // A restricted record's title is content too: a neutral placeholder when withheld.
        title: if d.content { s.row.title.clone() } else { policy::WITHHELD_TITLE.to_string() },
        body: d.content.then(|| s.row.body.clone()),
        category: s.row.category.clone(),
        object_ids: s.object_ids.clone(),
        tags: json_list(&s.row.tags),
        attributes: d.content.then(|| serde_json::from_str(&s.row.attributes).unwrap_or(json!({}))),
        distribution,
        sensitivity: s.sensitivity,
        redacted: !protected.is_empty() && !d.protected,
        protected_fields: protected.keys().cloned().collect(),
        protected: d.protected.then_some(protected),
        content_withheld: !d.content,
        external_id: s.row.external_id.clone(),
        version: s.row.version,
        owner_agency_id: s.row.owner_agency_id.clone(),
        author_id: s.row.author_id.clone(),
        created_at: s.row.created_at.clone(),
        updated_at: s.row.updated_at.clone(),
    }
}

/// Loads records with their link rows, keyed by id.
pub fn load_many(conn: &mut DbConnection, ids: &[String]) -> QueryResult<HashMap<String, StoredRecord>> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let rows: Vec<RecordRow> =
            records::table.filter(records::id.eq_any(chunk)).select(RecordRow::as_select()).load(conn)?;
        let mut by_id: HashMap<String, StoredRecord> = rows
            .into_iter()
            .map(|row| Ok((row.id.clone(), StoredRecord::from_row(row)?)))
            .collect::<QueryResult<_>>()?;
        let pairs: Vec<(String, String)> = record_recipients::table
            .filter(record_recipients::record_id.eq_any(chunk))
            .select((record_recipients::record_id, record_recipients::agency_id))
            .load(conn)?;
        for (r, a) in pairs {
            if let Some(s) = by_id.get_mut(&r) {
                s.recipients.push(a);
            }
        }
        let pairs: Vec<(String, String)> = record_objects::table
            .filter(record_objects::record_id.eq_any(chunk))
            .select((record_objects::record_id, record_objects::object_id))
            .load(conn)?;
        for (r, o) in pairs {
            if let Some(s) = by_id.get_mut(&r) {
                s.object_ids.push(o);
            }
        }
        let pairs: Vec<(String, String)> = record_field_grants::table
            .filter(record_field_grants::record_id.eq_any(chunk))
            .select((record_field_grants::record_id, record_field_grants::agency_id))
            .load(conn)?;
        for (r, a) in pairs {
            if let Some(s) = by_id.get_mut(&r) {
                s.field_grants.push(a);
            }
        }
        let triples: Vec<(String, String, String)> = record_grants::table
            .filter(record_grants::record_id.eq_any(chunk))
            .select((record_grants::record_id, record_grants::agency_id, record_grants::reason))
            .load(conn)?;
        for (r, a, reason) in triples {
            if let Some(s) = by_id.get_mut(&r) {
                let reason =
                    from_stored("授权原因", &reason, GrantReason::parse).map_err(crate::store::unknown_stored)?;
                let g = RecordGrant { agency_id: a, reason };
                if !s.grants.contains(&g) {
                    s.grants.push(g);
                }
            }
        }
        for s in by_id.values_mut() {
            s.recipients.sort();
            s.object_ids.sort();
            s.field_grants.sort();
            s.grants.sort();
        }
        out.extend(by_id);
    }
    Ok(out)
}

pub fn load(conn: &mut DbConnection, id: &str) -> QueryResult<Option<StoredRecord>> {
    Ok(load_many(conn, &[id.to_string()])?.remove(id))
}

/// Loads records in the order of `ids` (missing ones skipped).
pub fn load_ordered(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<StoredRecord>> {
    let mut map = load_many(conn, ids)?;
    Ok(ids.iter().filter_map(|id| map.remove(id)).collect())
}

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
    fn inbox_items(&self, s: &StoredRecord, agencies: &[String], seq: i64) -> Vec<inbox::NewItem> {
        inbox::matches(&self.subscriptions, s, agencies, seq)
    }

    /// Rule 4 for a transfer: the receiver gets the whole clue, protected fields included.
    pub fn check_transfer(&self, owner: &str, kind: &str, to: &str) -> Vec<FieldError> {
        match (self.party(owner), self.party(to)) {
            (Some(src), Some(dst)) => {
                agreements::check(&self.agreements, &src, kind, std::slice::from_ref(&dst), &[dst.clone()])
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

    fn has_subscriptions(&self) -> bool {
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

/// A stable digest of a (normalised) record's content, so a re-sent identical record
/// changes nothing.
pub fn content_hash(c: &RecordContent) -> String {
    crate::auth::digest(&snapshot(c))
}

/// The content as JSON: what history keeps of a superseded version.
fn snapshot(c: &RecordContent) -> String {
    json!({
        "kind": c.kind, "title": c.title, "body": c.body, "category": c.category,
        "object_ids": c.object_ids, "tags": c.tags, "attributes": c.attributes,
        "distribution": c.distribution, "sensitivity": c.sensitivity, "protected": c.protected,
        "field_grants": c.field_grants, "external_id": c.external_id,
    })
    .to_string()
}

fn row_from(
    id: &str,
    owner: &str,
    author: &str,
    c: &RecordContent,
    version: i32,
    seq: i64,
    created_at: &str,
    now: &str,
) -> RecordRow {
    RecordRow {
        id: id.to_string(),
        owner_agency_id: owner.to_string(),
        author_id: author.to_string(),
        kind: c.kind.as_str().to_string(),
        title: c.title.clone(),
        body: c.body.clone(),
        category: c.category.clone(),
        tags: to_json(&c.tags),
        attributes: Value::Object(c.attributes.clone()).to_string(),
        distribution_level: c.distribution.level.as_str().to_string(),
        group_id: c.distribution.group.clone(),
        sensitivity: c.sensitivity.as_str().to_string(),
        protected: to_json(&c.protected),
        external_id: c.external_id.clone(),
        version,
        content_hash: content_hash(c),
        seq,
        created_at: created_at.to_string(),
        updated_at: now.to_string(),
        withdrawn_at: None,
    }
}

/// The link rows of records about to be written, collected for multi-row inserts.
#[derive(Default)]
struct Links {
    recipients: Vec<(String, String)>,
    objects: Vec<(String, String)>,
    field_grants: Vec<(String, String)>,
}

impl Links {
    fn add(&mut self, id: &str, c: &RecordContent) {
        let pairs = |v: &[String]| v.iter().map(|x| (id.to_string(), x.clone())).collect::<Vec<_>>();
        self.recipients.extend(pairs(&c.distribution.agencies));
        self.objects.extend(pairs(&c.object_ids));
        self.field_grants.extend(pairs(&c.field_grants));
    }

    fn insert(&self, conn: &mut DbConnection) -> QueryResult<()> {
        for chunk in self.recipients.chunks(INSERT_CHUNK) {
            let rows: Vec<_> = chunk
                .iter()
                .map(|(r, a)| (record_recipients::record_id.eq(r), record_recipients::agency_id.eq(a)))
                .collect();
            crate::insert_batch!(conn, record_recipients::table, &rows)?;
        }
        for chunk in self.objects.chunks(INSERT_CHUNK) {
            let rows: Vec<_> =
                chunk.iter().map(|(r, o)| (record_objects::record_id.eq(r), record_objects::object_id.eq(o))).collect();
            crate::insert_batch!(conn, record_objects::table, &rows)?;
        }
        for chunk in self.field_grants.chunks(INSERT_CHUNK) {
            let rows: Vec<_> = chunk
                .iter()
                .map(|(r, a)| (record_field_grants::record_id.eq(r), record_field_grants::agency_id.eq(a)))
                .collect();
            crate::insert_batch!(conn, record_field_grants::table, &rows)?;
        }
        Ok(())
    }
}

fn delete_links(conn: &mut DbConnection, id: &str) -> QueryResult<()> {
    diesel::delete(record_recipients::table.filter(record_recipients::record_id.eq(id))).execute(conn)?;
    diesel::delete(record_objects::table.filter(record_objects::record_id.eq(id))).execute(conn)?;
    diesel::delete(record_field_grants::table.filter(record_field_grants::record_id.eq(id))).execute(conn)?;
    Ok(())
}

#[derive(Insertable)]
#[diesel(table_name = record_versions, treat_none_as_default_value = false)]
struct VersionRow {
    record_id: String,
    version: i32,
    seq: i64,
    action: String,
    actor_id: String,
    at: String,
    /// The content of this version once it is superseded; `None` while it is the current
    /// content (which the record row holds), so a publish writes its text only once.
    snapshot: Option<String>,
}

fn version_row(s: &StoredRecord, action: &str, actor: &str, at: &str) -> VersionRow {
    VersionRow {
        record_id: s.row.id.clone(),
        version: s.row.version,
        seq: s.row.seq,
        action: action.into(),
        actor_id: actor.into(),
        at: at.into(),
        snapshot: None,
    }
}

/// Keeps the content of the version being superseded in its history row.
fn supersede(conn: &mut DbConnection, before: &StoredRecord) -> QueryResult<()> {
    diesel::update(record_versions::table.find((&before.row.id, before.row.version)))
        .set(record_versions::snapshot.eq(Some(snapshot(&before.content()))))
        .execute(conn)
        .map(|_| ())
}

fn audit_detail(s: &StoredRecord) -> Value {
    json!({"kind": s.row.kind, "version": s.row.version, "distribution": s.row.distribution_level, "sensitivity": s.row.sensitivity, "external_id": s.row.external_id})
}

/// Publishes new records owned by the principal's agency: each is checked on its own and
/// gets its own result, in order; the valid ones are written together (multi-row inserts)
/// with their events, audit entries, history rows and inbox items.
pub fn create_many(
    conn: &mut DbConnection,
    log: &mut Log,
    ctx: &WriteContext,
    p: &Principal,
    contents: Vec<RecordContent>,
) -> AppResult<Vec<AppResult<StoredRecord>>> {
    let owner = p.agency_id.as_str();
    let actor = p.actor_id();
    let known = known_objects(conn, contents.iter())?;
    let ext_ids: Vec<String> = contents.iter().filter_map(|c| c.external_id.clone()).collect();
    let mut taken: HashSet<String> = by_external_ids(conn, owner, &ext_ids)?.into_keys().collect();
    let (mut out, mut rows, mut versions, mut items, mut links) =
        (Vec::with_capacity(contents.len()), Vec::new(), Vec::new(), Vec::new(), Links::default());
    for mut c in contents {
        if let Err(e) = check_content(ctx, &known, owner, &mut c) {
            out.push(Err(e));
            continue;
        }
        if let Some(ext) = &c.external_id {
            if !taken.insert(ext.clone()) {
                out.push(Err(AppError::Conflict(format!("外部编号 {ext} 已被本单位的其他信息使用"))));
                continue;
            }
        }
        let id = new_id();
        let seq = log.event(EventType::RecordCreated, Some(&id), None, Some(owner), json!({"version": 1}));
        let now = log.at().to_string();
        links.add(&id, &c);
        let stored = StoredRecord {
            row: row_from(&id, owner, &actor, &c, 1, seq, &now, &now),
            kind: c.kind,
            level: c.distribution.level,
            sensitivity: c.sensitivity,
            recipients: c.distribution.agencies,
            object_ids: c.object_ids,
            field_grants: c.field_grants,
            grants: vec![],
        };
        versions.push(version_row(&stored, "create", &actor, &now));
        log.audit(&Actor::from(p), "record.create", "record", Some(&id), None, audit_detail(&stored));
        if ctx.has_subscriptions() {
            items.extend(ctx.inbox_items(&stored, &policy::audience(&ctx.directory, &stored.facts()), seq));
        }
        rows.push(stored.row.clone());
        out.push(Ok(stored));
    }
    for chunk in rows.chunks(INSERT_CHUNK) {
        crate::insert_batch!(conn, records::table, chunk)?;
    }
    links.insert(conn)?;
    for chunk in versions.chunks(INSERT_CHUNK) {
        crate::insert_batch!(conn, record_versions::table, chunk)?;
    }
    inbox::insert(conn, &items, log.at())?;
    // Duplicate handling is checked by the caller after commit, outside the write lock
    // (`similar::flag_after_commit`).
    Ok(out)
}

/// Publishes one new record owned by the principal's agency.
pub fn create(
    conn: &mut DbConnection,
    log: &mut Log,
    ctx: &WriteContext,
    p: &Principal,
    c: RecordContent,
) -> AppResult<StoredRecord> {
    create_many(conn, log, ctx, p, vec![c])?.pop().expect("one result per record")
}

/// Loads a record the principal's agency owns, for a change: 404 if it may not even read
/// it, 403 if it reads it but is not the owner, 412 if `if_match` is stale.
fn load_owned(conn: &mut DbConnection, viewer: &Viewer, id: &str, if_match: Option<i32>) -> AppResult<StoredRecord> {
    let s = load(conn, id)?.ok_or_else(AppError::record_not_found)?;
    if !policy::can_read(viewer, &s.facts()) {
        return Err(AppError::record_not_found());
    }
    policy::require_owner(viewer, &s.facts())?;
    check_version(&s, if_match)?;
    Ok(s)
}

/// 412 if `if_match` names another version than the stored one.
fn check_version(s: &StoredRecord, if_match: Option<i32>) -> AppResult<()> {
    match if_match {
        Some(v) if v != s.row.version => Err(AppError::PreconditionFailed(format!(
            "信息已被修改(当前版本 {},请求版本 {v}),请刷新后重试",
            s.row.version
        ))),
        _ => Ok(()),
    }
}

/// Emits tombstones to agencies in `before` but not in `after` (rule 6).
fn tombstones(
    log: &mut Log,
    record_id: &str,
    actor_agency: &str,
    event_type: EventType,
    before: &[String],
    after: &[String],
) {
    for a in before.iter().filter(|a| !after.contains(a)) {
        log.event(event_type, Some(record_id), Some(a), Some(actor_agency), json!({}));
    }
}

pub enum UpdateOutcome {
    Updated(StoredRecord),
    Unchanged(StoredRecord),
}

/// Replaces a record's content (the owner only), with access propagation: tombstones for
/// the agencies that lose it, inbox delivery for those that gain it.
#[allow(clippy::too_many_arguments)]
pub fn update(
    conn: &mut DbConnection,
    log: &mut Log,
    ctx: &WriteContext,
    p: &Principal,
    viewer: &Viewer,
    id: &str,
    if_match: Option<i32>,
    patch: impl FnOnce(&mut RecordContent),
) -> AppResult<UpdateOutcome> {
    // The new content is checked before the version: an invalid change is 422 whatever
    // version it names, a valid one against a stale version 412.
    let before = load_owned(conn, viewer, id, None)?;
    let mut c = before.content();
    patch(&mut c);
    let known = known_objects(conn, std::iter::once(&c))?;
    check_content(ctx, &known, &p.agency_id, &mut c)?;
    check_version(&before, if_match)?;
    if content_hash(&c) == before.row.content_hash {
        return Ok(UpdateOutcome::Unchanged(before));
    }
    if let Some(ext) = c.external_id.as_ref().filter(|e| before.row.external_id.as_ref() != Some(*e)) {
        if !by_external_ids(conn, &p.agency_id, std::slice::from_ref(ext))?.is_empty() {
            return Err(AppError::Conflict(format!("外部编号 {ext} 已被本单位的其他信息使用")));
        }
    }
    let audience_before = policy::audience(&ctx.directory, &before.facts());
    let version = before.row.version + 1;
    let seq = log.event(EventType::RecordUpdated, Some(id), None, Some(&p.agency_id), json!({"version": version}));
    let now = log.at().to_string();
    let row = row_from(
        id,
        &before.row.owner_agency_id,
        &before.row.author_id,
        &c,
        version,
        seq,
        &before.row.created_at,
        &now,
    );
    diesel::update(records::table.find(id)).set(&row).execute(conn)?;
    delete_links(conn, id)?;
    let mut links = Links::default();
    links.add(id, &c);
    links.insert(conn)?;
    let after = StoredRecord {
        row,
        kind: c.kind,
        level: c.distribution.level,
        sensitivity: c.sensitivity,
        recipients: c.distribution.agencies,
        object_ids: c.object_ids,
        field_grants: c.field_grants,
        grants: before.grants.clone(),
    };
    let audience_after = policy::audience(&ctx.directory, &after.facts());
    tombstones(log, id, &p.agency_id, EventType::RecordRevoked, &audience_before, &audience_after);
    supersede(conn, &before)?;
    diesel::insert_into(record_versions::table)
        .values(version_row(&after, "update", &p.actor_id(), &now))
        .execute(conn)?;
    log.audit(&Actor::from(p), "record.update", "record", Some(id), None, audit_detail(&after));
    let gained: Vec<String> = audience_after.iter().filter(|a| !audience_before.contains(a)).cloned().collect();
    inbox::insert_unseen(conn, ctx.inbox_items(&after, &gained, seq), log.at())?;
    Ok(UpdateOutcome::Updated(after))
}

/// Withdraws a record (the owner only): a tombstone for every agency that had it.
pub fn withdraw(
    conn: &mut DbConnection,
    log: &mut Log,
    ctx: &WriteContext,
    p: &Principal,
    viewer: &Viewer,
    id: &str,
    if_match: Option<i32>,
) -> AppResult<()> {
    let before = load_owned(conn, viewer, id, if_match)?;
    let audience = policy::audience(&ctx.directory, &before.facts());
    tombstones(log, id, &p.agency_id, EventType::RecordWithdrawn, &audience, &[]);
    let seq = log.last_seq();
    let version = before.row.version + 1;
    diesel::update(records::table.find(id))
        .set((
            records::withdrawn_at.eq(log.at()),
            records::version.eq(version),
            records::seq.eq(seq),
            records::updated_at.eq(log.at()),
        ))
        .execute(conn)?;
    let mut after = before.clone();
    after.row.version = version;
    after.row.seq = seq;
    supersede(conn, &before)?;
    let mut withdrawn = version_row(&after, "withdraw", &p.actor_id(), log.at());
    withdrawn.snapshot = Some(snapshot(&before.content()));
    diesel::insert_into(record_versions::table).values(withdrawn).execute(conn)?;
    log.audit(&Actor::from(p), "record.withdraw", "record", Some(id), None, audit_detail(&after));
    Ok(())
}

/// Rule 6 for sharing-group membership: after `agency_id` joined or left `group_id`, the
/// group's records it gained are shared to it (feed event and subscriptions), and those it
/// lost are tombstoned.
pub fn propagate_membership(
    conn: &mut DbConnection,
    log: &mut Log,
    actor_agency: &str,
    group_id: &str,
    agency_id: &str,
    before: &[DirectoryEntry],
    after: &[DirectoryEntry],
    rules: &[Rule],
) -> AppResult<(usize, usize)> {
    let find = |d: &[DirectoryEntry]| d.iter().find(|e| e.agency_id == agency_id).cloned();
    let (Some(v_before), Some(v_after)) = (find(before), find(after)) else {
        return Ok((0, 0));
    };
    let ids: Vec<String> = records::table
        .filter(records::distribution_level.eq(DistributionLevel::Group.as_str()))
        .filter(records::group_id.eq(group_id))
        .filter(records::withdrawn_at.is_null())
        .order(records::seq)
        .select(records::id)
        .load(conn)?;
    let (mut shared, mut revoked) = (0, 0);
    for chunk in ids.chunks(500) {
        for s in load_ordered(conn, chunk)? {
            let facts = s.facts();
            match (policy::can_read(&v_before, &facts), policy::can_read(&v_after, &facts)) {
                (false, true) => {
                    let seq = log.event(
                        EventType::RecordShared,
                        Some(&s.row.id),
                        Some(agency_id),
                        Some(actor_agency),
                        json!({"group_id": group_id}),
                    );
                    let items = inbox::matches(rules, &s, &[agency_id.to_string()], seq);
                    inbox::insert_unseen(conn, items, log.at())?;
                    shared += 1;
                }
                (true, false) => {
                    log.event(
                        EventType::RecordRevoked,
                        Some(&s.row.id),
                        Some(agency_id),
                        Some(actor_agency),
                        json!({"group_id": group_id}),
                    );
                    revoked += 1;
                }
                _ => {}
            }
        }
    }
    Ok((shared, revoked))
}

/// Filters for listing and searching records.
#[derive(Debug, Default, Clone)]
pub struct RecordQuery {
    pub kind: Option<RecordKind>,
    pub q: Option<String>,
    pub object_id: Option<String>,
    pub category: Option<String>,
    pub tag: Option<String>,
    pub source_agency_id: Option<String>,
    pub sensitivity: Option<Sensitivity>,
    pub before_seq: Option<i64>,
    pub limit: i64,
    /// The caller's stated purpose (`X-Access-Purpose`): without one, text search never
    /// looks into restricted records.
    pub purpose: Option<String>,
}

/// The page of records `viewer` is entitled to that match `f`, newest change first. The
/// entitlement is part of the SQL (rule 5: lists never load-then-filter).
pub fn list(conn: &mut DbConnection, viewer: &Viewer, f: &RecordQuery) -> QueryResult<Vec<StoredRecord>> {
    let mut q = records::table.select(records::id).filter(policy::entitled_sql(viewer)).into_boxed();
    if let Some(k) = f.kind {
        q = q.filter(records::kind.eq(k.as_str()));
    }
    if let Some(text) = &f.q {
        // Lower-cased title and body, matched as a substring (SQLite and PostgreSQL both
        // lower-case ASCII only, and Chinese has no case); restricted text only with a purpose.
        q = q.filter(policy::text_search_sql(crate::domain::text::like_contains(text), f.purpose.as_deref()));
    }
    if let Some(o) = &f.object_id {
        q = q.filter(records::id.eq_any(
            record_objects::table.filter(record_objects::object_id.eq(o.clone())).select(record_objects::record_id),
        ));
    }
    if let Some(c) = &f.category {
        q = q.filter(records::category.eq(c.clone()));
    }
    if let Some(t) = &f.tag {
        q = q.filter(records::tags.like(crate::domain::text::like_contains(&to_json(t))).escape('\\'));
    }
    if let Some(a) = &f.source_agency_id {
        q = q.filter(records::owner_agency_id.eq(a.clone()));
    }
    if let Some(s) = f.sensitivity {
        q = q.filter(records::sensitivity.eq(s.as_str()));
    }
    if let Some(b) = f.before_seq {
        q = q.filter(records::seq.lt(b));
    }
    let ids: Vec<String> = q.order(records::seq.desc()).limit(f.limit).load(conn)?;
    load_ordered(conn, &ids)
}

/// One entitled record, or 404.
pub fn get_entitled(conn: &mut DbConnection, viewer: &Viewer, id: &str) -> AppResult<StoredRecord> {
    let s = load(conn, id)?.ok_or_else(AppError::record_not_found)?;
    if !policy::can_read(viewer, &s.facts()) {
        return Err(AppError::record_not_found());
    }
    Ok(s)
}

/// Reads one record for `viewer`, auditing the read where the policy says so.
pub fn read(
    conn: &mut DbConnection,
    p: &Principal,
    viewer: &Viewer,
    id: &str,
    purpose: Option<&str>,
) -> AppResult<RecordView> {
    let s = get_entitled(conn, viewer, id)?;
    let facts = s.facts();
    let d = policy::disclosure(viewer, &facts, ReadMode::Single { purpose })?;
    let view = present(&s, d);
    if policy::disclosure_is_audited(&facts, d, !view.protected_fields.is_empty()) {
        crate::store::log::write_tx(conn, |_, log| {
            log.audit(
                &Actor::from(p),
                "record.read",
                "record",
                Some(id),
                purpose,
                json!({"protected_disclosed": d.protected, "sensitivity": s.row.sensitivity}),
            );
            Ok(())
        })?;
    }
    Ok(view)
}

/// Views of listed records (lists, search, inbox) under the policy's listing disclosure:
/// without a purpose a restricted record shows neither title nor content; with one it does,
/// and every restricted record so disclosed is written to the audit log (one entry per page).
pub fn present_listing<'a>(
    conn: &mut DbConnection,
    p: &Principal,
    viewer: &Viewer,
    rows: impl IntoIterator<Item = &'a StoredRecord>,
    purpose: Option<&str>,
) -> AppResult<Vec<RecordView>> {
    let mut out = Vec::new();
    let mut audited = Vec::new();
    for s in rows {
        let facts = s.facts();
        let d = policy::disclosure(viewer, &facts, ReadMode::Listing { purpose })?;
        if policy::disclosure_is_audited(&facts, d, false) {
            audited.push(s.row.id.clone());
        }
        out.push(present(s, d));
    }
    if !audited.is_empty() {
        crate::store::log::write_tx(conn, |_, log| {
            log.audit(&Actor::from(p), "record.list", "record", None, purpose, json!({"record_ids": audited}));
            Ok(())
        })?;
    }
    Ok(out)
}

/// What the hub holds under an external id.
#[derive(Debug, Clone)]
pub struct Existing {
    pub id: String,
    pub version: i32,
    pub content_hash: String,
    pub withdrawn: bool,
}

/// The owner's records by external id (for upserts), keyed by external id.
pub fn by_external_ids(conn: &mut DbConnection, owner: &str, ext: &[String]) -> QueryResult<HashMap<String, Existing>> {
    let mut out = HashMap::new();
    for chunk in ext.chunks(500) {
        let rows: Vec<(String, Option<String>, i32, String, Option<String>)> = records::table
            .filter(records::owner_agency_id.eq(owner))
            .filter(records::external_id.eq_any(chunk))
            .select((records::id, records::external_id, records::version, records::content_hash, records::withdrawn_at))
            .load(conn)?;
        out.extend(rows.into_iter().filter_map(|(id, e, version, content_hash, w)| {
            e.map(|e| (e, Existing { id, version, content_hash, withdrawn: w.is_some() }))
        }));
    }
    Ok(out)
}
