//! Entitlement: who may see and do what. This module is the one place a reviewer reads to
//! know who sees what (DESIGN.md, "Permission rules"); handlers and stores ask it, never
//! decide themselves.
//!
//! Rules, as implemented here:
//! 1. `admin` administers and reads no content: content capabilities need a content role.
//! 2. A record an agency is not entitled to is 404 for it (callers map `false` to 404).
//! 3. A transfer or deliberation grants the receiving agency full access (`record_grants`).
//! 4. Sharing agreements bound what an owner may distribute (`agreements::check`).
//! 5. Entitlement has two forms that must agree: `can_read` for one record and
//!    `entitled_sql` for lists and feeds; `tests/policy_equivalence.rs` checks them together.
//! 6. Access changes propagate: `audience` gives who can read a record, so stores can emit
//!    tombstones to those who lost it.
//! 7. Protected fields: `may_see_protected`; reads of them are audited by the caller.

pub mod agreements;
pub mod membership;
pub mod objects;
pub mod webhook_targets;

use std::collections::HashSet;

use diesel::dsl::sql;
use diesel::expression::BoxableExpression;
use diesel::sql_types::{Bool, Text};

use crate::db::MultiBackend;
use crate::domain::record::{DistributionLevel, Sensitivity};
use crate::domain::Role;
use crate::error::AppError;

/// Who is calling: a logged-in user or an agency system's API key.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: Option<String>,
    pub api_key_id: Option<String>,
    pub username: String,
    pub agency_id: String,
    pub roles: Vec<Role>,
}

impl Principal {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
    /// The id written as author or actor: the user, or `apikey:<id>` for a system.
    pub fn actor_id(&self) -> String {
        match (&self.user_id, &self.api_key_id) {
            (Some(u), _) => u.clone(),
            (None, Some(k)) => format!("apikey:{k}"),
            _ => "system".into(),
        }
    }
}

const CONTENT_READ_ROLES: [Role; 4] = [Role::AgencyAdmin, Role::Liaison, Role::Reviewer, Role::Viewer];
const CONTENT_WRITE_ROLES: [Role; 2] = [Role::AgencyAdmin, Role::Liaison];

/// Hub administration (agencies, users, groups, agreements): the `admin` role only.
pub fn require_admin(p: &Principal) -> Result<(), AppError> {
    if p.has(Role::Admin) {
        Ok(())
    } else {
        Err(AppError::Forbidden("此操作需要平台管理员权限".into()))
    }
}

/// Reading content needs a content role; `admin` alone is not one (rule 1).
pub fn require_content_reader(p: &Principal) -> Result<(), AppError> {
    if CONTENT_READ_ROLES.iter().any(|r| p.has(*r)) {
        Ok(())
    } else {
        Err(AppError::Forbidden("平台管理员只负责管理,不能查阅成员单位的业务信息".into()))
    }
}

/// Publishing and changing content, subscriptions and inbox state.
pub fn require_content_writer(p: &Principal) -> Result<(), AppError> {
    if CONTENT_WRITE_ROLES.iter().any(|r| p.has(*r)) {
        Ok(())
    } else {
        Err(AppError::Forbidden("需要联络员或单位管理员权限".into()))
    }
}

/// Managing an agency's API keys: the hub admin, or that agency's own admin.
pub fn require_agency_manager(p: &Principal, agency_id: &str) -> Result<(), AppError> {
    if p.has(Role::Admin) || (p.has(Role::AgencyAdmin) && p.agency_id == agency_id) {
        Ok(())
    } else {
        Err(AppError::Forbidden("只有平台管理员或本单位管理员可以管理该单位的接入密钥".into()))
    }
}

/// Managing webhook endpoints (and reading their delivery logs): an agency's own admin, for
/// its own agency only. Not the hub admin: an endpoint receives the agency's content, and
/// the hub admin never routes content anywhere (rule 1).
pub fn require_webhook_manager(p: &Principal) -> Result<&str, AppError> {
    if p.has(Role::AgencyAdmin) {
        Ok(&p.agency_id)
    } else if p.has(Role::Admin) {
        Err(AppError::Forbidden("回调地址接收成员单位的业务信息,只能由该单位的管理员设置;平台管理员不能设置".into()))
    } else {
        Err(AppError::Forbidden("只有本单位管理员可以管理回调地址".into()))
    }
}

/// Creating users: the hub admin for any agency; an agency's admin for its own agency,
/// without granting the hub `admin` role.
pub fn require_user_manager(p: &Principal, agency_id: &str, roles: &[Role]) -> Result<(), AppError> {
    if p.has(Role::Admin) {
        return Ok(());
    }
    require_agency_manager(p, agency_id)?;
    if roles.contains(&Role::Admin) {
        return Err(AppError::Forbidden("只有平台管理员可以授予平台管理员角色".into()));
    }
    Ok(())
}

/// Whose users a principal may list: everyone's (`None`) for the hub admin, its own
/// agency's for an agency admin.
pub fn user_list_scope(p: &Principal) -> Result<Option<String>, AppError> {
    if p.has(Role::Admin) {
        return Ok(None);
    }
    require_agency_manager(p, &p.agency_id)?;
    Ok(Some(p.agency_id.clone()))
}

/// Which part of the audit log a principal may list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditScope {
    All,
    Agency(String),
}

/// The hub admin reads the whole audit log (it holds no content); an agency's admin or
/// reviewer reads the entries of its own agency's actors.
pub fn audit_scope(p: &Principal) -> Result<AuditScope, AppError> {
    if p.has(Role::Admin) {
        Ok(AuditScope::All)
    } else if p.has(Role::AgencyAdmin) || p.has(Role::Reviewer) {
        Ok(AuditScope::Agency(p.agency_id.clone()))
    } else {
        Err(AppError::Forbidden("查阅审计日志需要平台管理员、单位管理员或审核员权限".into()))
    }
}

/// The reading agency, as entitlement needs it.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub agency_id: String,
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
    /// Agencies holding a full-access grant (transfer, deliberation).
    pub grants: Vec<String>,
    /// Agencies granted the protected fields.
    pub field_grants: Vec<String>,
    pub sensitivity: Option<Sensitivity>,
    pub withdrawn: bool,
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
        Some(DistributionLevel::Agencies) => r.recipients.iter().any(|a| *a == viewer.agency_id),
        Some(DistributionLevel::Group) => r.group_id.as_ref().is_some_and(|g| viewer.group_ids.contains(g)),
        Some(DistributionLevel::Own) | None => false,
    };
    by_distribution || r.grants.iter().any(|a| *a == viewer.agency_id)
}

/// May `viewer` (already entitled) see the record's protected fields? The owner and
/// agencies with a field grant or a full-access grant may; everyone else sees them redacted.
pub fn may_see_protected(viewer: &Viewer, r: &AccessFacts) -> bool {
    r.owner_agency_id == viewer.agency_id
        || r.field_grants.iter().any(|a| *a == viewer.agency_id)
        || r.grants.iter().any(|a| *a == viewer.agency_id)
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
    /// Lists, search and the inbox: never protected values; restricted content withheld.
    Listing,
    /// The change feed for sync jobs: like `Single`, but a restricted record without a
    /// purpose has its content withheld instead of failing the page.
    Feed { purpose: Option<&'a str> },
}

/// What of an entitled record a reader gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Disclosure {
    /// Body and attributes.
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
        ReadMode::Listing => Ok(Disclosure { content: !restricted, protected: false, recipients }),
        ReadMode::Feed { purpose } => {
            let content = !restricted || purpose.is_some();
            Ok(Disclosure { content, protected: protected && content, recipients })
        }
    }
}

/// Whether disclosing this record must be written to the audit log (rule 7): protected
/// values of a sensitive or restricted record, or any restricted content.
pub fn disclosure_is_audited(r: &AccessFacts, d: Disclosure, has_protected_values: bool) -> bool {
    let sensitive = matches!(r.sensitivity, Some(Sensitivity::Sensitive) | Some(Sensitivity::Restricted));
    (d.protected && sensitive && has_protected_values) || (d.content && needs_purpose(r))
}

// ---- Clue transfers (rule 3) and joint deliberation -------------------------------------

use crate::domain::transfer::{Side, TransferState};

/// A transfer is seen by its two parties only; a returned one by its sender only (it is
/// back with the sender, who may transfer again).
pub fn can_see_transfer(agency_id: &str, from: &str, to: &str, state: TransferState) -> bool {
    agency_id == from || (agency_id == to && state != TransferState::Returned)
}

/// The SQL form of `can_see_transfer`, over `transfers`.
pub fn transfer_visible_sql(
    agency_id: &str,
) -> Box<dyn BoxableExpression<crate::db::schema::transfers::table, MultiBackend, SqlType = Bool>> {
    use crate::db::schema::transfers::dsl as t;
    use diesel::prelude::*;
    Box::new(
        t::from_agency_id
            .eq(agency_id.to_string())
            .or(t::to_agency_id.eq(agency_id.to_string()).and(t::state.ne(TransferState::Returned.as_str()))),
    )
}

/// Which side of a transfer the agency is on (`None`: neither).
pub fn transfer_side(agency_id: &str, from: &str, to: &str) -> Option<Side> {
    if agency_id == to {
        Some(Side::Receiver)
    } else if agency_id == from {
        Some(Side::Sender)
    } else {
        None
    }
}

/// Transferring a clue: its owner only (an agency that merely reads it gets 403; one that
/// may not read it never gets this far: 404).
pub fn require_may_transfer(viewer: &Viewer, r: &AccessFacts) -> Result<(), AppError> {
    if r.owner_agency_id == viewer.agency_id {
        Ok(())
    } else {
        Err(AppError::Forbidden("只有线索的发布单位可以移交此线索".into()))
    }
}

/// Whose clue statistics a principal may read: its own agency's by default; the hub admin
/// may read any agency's counts (counts only, no content) for the joint meeting's reports.
pub fn stats_scope(p: &Principal, requested: Option<&str>) -> Result<String, AppError> {
    match requested {
        None if p.has(Role::Admin) => {
            Err(AppError::validation("agency_id", "平台管理员须指定 agency_id,或使用按单位汇总的统计"))
        }
        None => {
            require_content_reader(p)?;
            Ok(p.agency_id.clone())
        }
        Some(a) if p.has(Role::Admin) || a == p.agency_id => Ok(a.to_string()),
        Some(_) => Err(AppError::Forbidden("只能查看本单位的线索统计".into())),
    }
}

/// Changing or withdrawing a record: its owner only (an agency that merely reads it gets
/// 403; one that may not read it never gets this far: 404).
pub fn require_owner(viewer: &Viewer, r: &AccessFacts) -> Result<(), AppError> {
    if r.owner_agency_id == viewer.agency_id {
        Ok(())
    } else {
        Err(AppError::Forbidden("只有发布单位可以修改或撤回此信息".into()))
    }
}

/// What only the convener of a deliberation does.
#[derive(Debug, Clone, Copy)]
pub enum ConveneAction {
    Conclude,
    Assign,
    Urge,
}

/// Concluding a deliberation, assigning tasks (交办) and urging them (督办): the convener only.
pub fn require_convener(agency_id: &str, convener: &str, action: ConveneAction) -> Result<(), AppError> {
    if agency_id == convener {
        return Ok(());
    }
    let what = match action {
        ConveneAction::Conclude => "形成会商结论",
        ConveneAction::Assign => "交办任务",
        ConveneAction::Urge => "督办",
    };
    Err(AppError::Forbidden(format!("只有发起单位可以{what}")))
}

/// Reporting an assignment done: the agency it was assigned to only.
pub fn require_assignee(agency_id: &str, assignee: &str) -> Result<(), AppError> {
    if agency_id == assignee {
        Ok(())
    } else {
        Err(AppError::Forbidden("只有承办单位可以报告办结".into()))
    }
}

/// A deliberation is seen by its convener and participants.
pub fn can_see_deliberation(agency_id: &str, convener: &str, participants: &[String]) -> bool {
    agency_id == convener || participants.iter().any(|a| a == agency_id)
}

// ---- Email to people -------------------------------------------------------------------

/// Who in an agency is mailed about an event: for a disabled webhook endpoint, the agency's
/// admins (they manage endpoints); for everything else, users with a content role (the hub
/// `admin` role reads no content, rule 1, so it gets no mail about content either).
pub fn receives_mail(roles: &[Role], mail_type: &str) -> bool {
    if mail_type == "webhook.disabled" {
        roles.contains(&Role::AgencyAdmin)
    } else {
        CONTENT_READ_ROLES.iter().any(|r| roles.contains(r))
    }
}

/// What a mail may say about a record the recipient agency can read: mails are built from
/// titles, categories, deadlines, unit names and outcomes only — never body, attributes or
/// protected fields. A restricted record's title and free text stay out too: its content is
/// read only with a stated purpose, which a mail cannot ask for.
pub fn mail_may_name_record(r: &AccessFacts) -> bool {
    !needs_purpose(r)
}

/// Mail preferences belong to a person: a logged-in user, not an agency system's API key.
pub fn require_user(p: &Principal) -> Result<&str, AppError> {
    p.user_id
        .as_deref()
        .ok_or_else(|| AppError::Forbidden("邮件设置属于个人用户;单位系统的接入密钥没有邮件设置".into()))
}
