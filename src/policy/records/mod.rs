//! Entitlement to one record and what of it a reader gets: the Rust check (`can_read`), the
//! SQL filter (`entitled_sql`), disclosure by read mode, and what text search may look into.

use std::collections::HashSet;

use diesel::dsl::sql;
use diesel::expression::BoxableExpression;
use diesel::sql_types::{Bool, Text};

use crate::db::MultiBackend;
use crate::domain::record::{DistributionLevel, Sensitivity};
use crate::error::AppError;

/// What a reader is shown instead of a restricted record's title when its content is
/// withheld (no purpose stated): the title is content too.
pub const WITHHELD_TITLE: &str = "受限信息";

/// Why an agency holds a grant on a record (`record_grants.reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GrantReason {
    /// The receiver of a live transfer: full access, protected fields included (rule 3).
    Transfer,
    /// A deliberation participant: read access; protected fields only by field grant.
    Deliberation,
}

impl GrantReason {
    /// The reason as stored; anything else is unknown (an error where it is read).
    pub fn parse(s: &str) -> Option<GrantReason> {
        match s {
            "transfer" => Some(GrantReason::Transfer),
            "deliberation" => Some(GrantReason::Deliberation),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            GrantReason::Transfer => "transfer",
            GrantReason::Deliberation => "deliberation",
        }
    }
    pub fn full_access(self) -> bool {
        self == GrantReason::Transfer
    }
}

/// The reading agency, as entitlement needs it.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub agency_id: String,
    /// Active and able to receive records: false for a deactivated unit and for the hub
    /// (operator) agency, which receives none (`credentials::receives_records`).
    pub agency_active: bool,
    /// Sharing groups the agency is a member of.
    pub group_ids: HashSet<String>,
}

/// What entitlement looks at on one record.
#[derive(Debug, Clone, Default)]
pub struct AccessFacts {
    pub owner_agency_id: String,
    pub level: Option<DistributionLevel>,
    pub group_id: Option<String>,
    pub recipients: Vec<String>,
    /// Agencies holding a full-access grant: the receivers of live transfers (rule 3).
    pub grants: Vec<String>,
    /// Agencies holding a read grant: deliberation participants (protected fields only by
    /// an explicit field grant of the owner).
    pub read_grants: Vec<String>,
    /// Agencies granted the protected fields.
    pub field_grants: Vec<String>,
    pub sensitivity: Option<Sensitivity>,
    pub withdrawn: bool,
    /// A report made through a public channel (码上巡察, `public_reports`): its reporter's
    /// identity is disclosed only in a single read, and only its channel changes it.
    pub from_public_channel: bool,
}

/// Rule 5, Rust form: may `viewer` read the record?
pub fn can_read(viewer: &Viewer, r: &AccessFacts) -> bool {
    if r.withdrawn {
        return false;
    }
    if r.owner_agency_id == viewer.agency_id {
        return true;
    }
    if !viewer.agency_active {
        return false;
    }
    let by_distribution = match r.level {
        Some(DistributionLevel::All) => true,
        Some(DistributionLevel::Agencies) => r.recipients.contains(&viewer.agency_id),
        Some(DistributionLevel::Group) => r.group_id.as_ref().is_some_and(|g| viewer.group_ids.contains(g)),
        Some(DistributionLevel::Own) | None => false,
    };
    by_distribution || r.grants.contains(&viewer.agency_id) || r.read_grants.contains(&viewer.agency_id)
}

/// May `viewer` (already entitled) see the record's protected fields? The owner and
/// agencies with a field grant or a full-access (transfer) grant may; deliberation
/// participants and everyone else see them redacted.
pub fn may_see_protected(viewer: &Viewer, r: &AccessFacts) -> bool {
    r.owner_agency_id == viewer.agency_id
        || r.field_grants.contains(&viewer.agency_id)
        || r.grants.contains(&viewer.agency_id)
}

/// Reading a restricted record's content needs a stated purpose (sent as `X-Access-Purpose`).
pub fn needs_purpose(r: &AccessFacts) -> bool {
    r.sensitivity == Some(Sensitivity::Restricted)
}

/// Rule 5, SQL form: a filter over `records` (by that name) equal to `can_read`. It is a
/// literal so it can be used in any query that has `records` in scope (lists, joins, feeds).
pub fn entitled_sql<QS: 'static>(viewer: &Viewer) -> Box<dyn BoxableExpression<QS, MultiBackend, SqlType = Bool>> {
    let a = viewer.agency_id.clone();
    if !viewer.agency_active {
        return Box::new(
            sql::<Bool>("(records.withdrawn_at IS NULL AND records.owner_agency_id = ").bind::<Text, _>(a).sql(")"),
        );
    }
    Box::new(
        sql::<Bool>("(records.withdrawn_at IS NULL AND (records.owner_agency_id = ")
            .bind::<Text, _>(a.clone())
            .sql(
                " OR records.distribution_level = 'all' \
                 OR (records.distribution_level = 'agencies' AND EXISTS (SELECT 1 FROM record_recipients rr \
                     WHERE rr.record_id = records.id AND rr.agency_id = ",
            )
            .bind::<Text, _>(a.clone())
            .sql(
                ")) OR (records.distribution_level = 'group' AND records.group_id IN (SELECT gm.group_id \
                 FROM group_members gm WHERE gm.agency_id = ",
            )
            .bind::<Text, _>(a.clone())
            .sql(")) OR EXISTS (SELECT 1 FROM record_grants g WHERE g.record_id = records.id AND g.agency_id = ")
            .bind::<Text, _>(a)
            .sql(")))"),
    )
}

/// The feed index (`feed_keys`), record side: the keys a record's untargeted events are
/// filed under: its owner, listed recipients and grantees (by agency id), its group
/// (`g:<id>`) and everyone (`*`). Sound when every reader `can_read` admits holds one of
/// these among its `viewer_feed_keys` (checked in `tests/api/policy_equivalence.rs`); the
/// keys only narrow a search, `entitled_sql` still decides.
pub fn record_feed_keys(r: &AccessFacts) -> Vec<String> {
    let mut keys = vec![agency_feed_key(&r.owner_agency_id)];
    match r.level {
        Some(DistributionLevel::All) => keys.push("*".into()),
        Some(DistributionLevel::Agencies) => keys.extend(r.recipients.iter().map(|a| agency_feed_key(a))),
        Some(DistributionLevel::Group) => keys.extend(r.group_id.iter().map(|g| format!("g:{g}"))),
        Some(DistributionLevel::Own) | None => {}
    }
    keys.extend(r.grants.iter().chain(&r.read_grants).map(|a| agency_feed_key(a)));
    keys.sort();
    keys.dedup();
    keys
}

/// The feed index key of one agency: what it reads as owner, listed recipient or grantee.
pub fn agency_feed_key(agency_id: &str) -> String {
    agency_id.to_string()
}

/// The feed index (`feed_keys`), reader side: the keys `viewer` reads. An inactive agency
/// reads only its own records (`can_read`), so only its own key.
pub fn viewer_feed_keys(viewer: &Viewer) -> Vec<String> {
    let mut keys = vec![agency_feed_key(&viewer.agency_id)];
    if viewer.agency_active {
        keys.push("*".into());
        keys.extend(viewer.group_ids.iter().map(|g| format!("g:{g}")));
    }
    keys.sort();
    keys
}

/// The member directory: every agency as a potential reader (its active flag and groups).
pub type DirectoryEntry = Viewer;

/// Rule 6: every agency that can read the record now (sorted, for stable tombstone order).
pub fn audience(directory: &[DirectoryEntry], r: &AccessFacts) -> Vec<String> {
    let mut out: Vec<String> = directory.iter().filter(|d| can_read(d, r)).map(|d| d.agency_id.clone()).collect();
    out.sort();
    out
}

/// How a record is being read, which decides what of it is disclosed.
#[derive(Debug, Clone, Copy)]
pub enum ReadMode<'a> {
    /// One record (GET /records/{id}, its history): protected fields where allowed;
    /// a restricted record needs a purpose.
    Single { purpose: Option<&'a str> },
    /// Lists, search and the inbox: never protected values; a restricted record's title and
    /// content only with a purpose (and then audited).
    Listing { purpose: Option<&'a str> },
    /// The change feed for sync jobs: like `Single`, but a restricted record without a
    /// purpose has its content withheld instead of failing the page.
    Feed { purpose: Option<&'a str> },
}

/// What of an entitled record a reader gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Disclosure {
    /// Title, body and attributes (a restricted record's title is content too).
    pub content: bool,
    /// Protected field values (when false they are redacted; names stay visible).
    pub protected: bool,
    /// The list of recipient agencies (the owner's business: only the owner sees it).
    pub recipients: bool,
}

impl Disclosure {
    /// Everything: what the owner gets back from its own writes.
    pub const OWNER: Disclosure = Disclosure { content: true, protected: true, recipients: true };
}

/// Decides disclosure for an entitled reader (call `can_read` first).
pub fn disclosure(viewer: &Viewer, r: &AccessFacts, mode: ReadMode<'_>) -> Result<Disclosure, AppError> {
    let restricted = needs_purpose(r);
    let protected = may_see_protected(viewer, r);
    let recipients = r.owner_agency_id == viewer.agency_id;
    match mode {
        ReadMode::Single { purpose } => {
            if restricted && purpose.is_none() {
                return Err(AppError::PreconditionRequired(
                    "查阅受限信息须说明用途:请在请求头 X-Access-Purpose 中填写查阅事由".into(),
                ));
            }
            Ok(Disclosure { content: true, protected, recipients })
        }
        ReadMode::Listing { purpose } => {
            Ok(Disclosure { content: !restricted || purpose.is_some(), protected: false, recipients })
        }
        ReadMode::Feed { purpose } => {
            let content = !restricted || purpose.is_some();
            // A feed page goes to machines (sync jobs, webhooks): never a reporter's identity.
            let protected = protected && content && !r.from_public_channel;
            Ok(Disclosure { content, protected, recipients })
        }
    }
}

/// Whether disclosing this record must be written to the audit log (rule 7): protected
/// values of a sensitive or restricted record, or any restricted content.
pub fn disclosure_is_audited(r: &AccessFacts, d: Disclosure, has_protected_values: bool) -> bool {
    let sensitive = matches!(r.sensitivity, Some(Sensitivity::Sensitive) | Some(Sensitivity::Restricted));
    (d.protected && sensitive && has_protected_values) || (d.content && needs_purpose(r))
}

/// What a party to a transfer gets of its clue's text in the ledger (list, one transfer,
/// export, step answers): the clue's title and the transfer's free text (suggestion, return
/// reason, summary, feedback) are content, so for a restricted clue they are shown only with a
/// stated purpose, like a listing (`ReadMode::Listing`); `audited` when such text is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransferText {
    pub shown: bool,
    pub audited: bool,
}

/// Decides `TransferText` for a caller already entitled to see the transfer.
pub fn transfer_text(sensitivity: Option<Sensitivity>, purpose: Option<&str>) -> TransferText {
    // An unknown sensitivity is taken as restricted: the text is never shown by mistake.
    let restricted = !matches!(sensitivity, Some(Sensitivity::General) | Some(Sensitivity::Sensitive));
    let shown = !restricted || purpose.is_some();
    TransferText { shown, audited: restricted && shown }
}

/// An inbox note on a record shown to this reader with its content withheld (restricted, no
/// purpose). The notes of transfer steps quote the sender's suggestion, the return reason,
/// the result summary and the feedback — content of the clue — so they go with it: the
/// reader learns only which step happened. Subscription and duplicate notes name agencies
/// only and stay.
pub fn inbox_note(reason: &str, note: Option<String>, content_withheld: bool) -> Option<String> {
    if !content_withheld || matches!(reason, "subscription" | "duplicate") {
        return note;
    }
    use crate::domain::event::EventType;
    use crate::domain::transfer::TransferState;
    let step = EventType::parse(reason).and_then(EventType::transfer_step);
    let step = step.map_or("办理动态", TransferState::label);
    Some(format!("{step}(内容受限,说明访问目的后可见)"))
}

/// Text search (`?q=`), SQL form: which records' title and body a search may look into.
/// Without a stated purpose a restricted record's text is never looked into (neither by the
/// search index nor by substring), so repeated searches cannot reveal it; with one it is, and
/// the caller audits every restricted hit it discloses.
pub fn text_searchable_sql<QS: 'static>(
    purpose: Option<&str>,
) -> Box<dyn BoxableExpression<QS, MultiBackend, SqlType = Bool>> {
    if purpose.is_some() {
        Box::new(sql::<Bool>("1 = 1"))
    } else {
        Box::new(sql::<Bool>("records.sensitivity <> 'restricted'"))
    }
}

/// Listing the grants made on a record (transfers, deliberations, field grants): its owner
/// only (a reader that is not the owner gets 403; one that may not read it, 404 before this).
pub fn require_grant_viewer(viewer: &Viewer, r: &AccessFacts) -> Result<(), AppError> {
    if r.owner_agency_id == viewer.agency_id {
        Ok(())
    } else {
        Err(AppError::Forbidden("只有发布单位可以查看此信息的授权情况".into()))
    }
}

#[cfg(test)]
mod tests;
