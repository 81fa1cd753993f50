//! Entitlement: who may see and do what. This module is the one place a reviewer reads to
//! know who sees what (DESIGN.md, "Permission rules"); handlers and stores ask it, never
//! decide themselves.
//!
//! Rules, as implemented here:
//! 1. `admin` administers and reads no content: content capabilities need a content role.
//! 2. A record an agency is not entitled to is 404 for it (callers map `false` to 404).
//! 3. A transfer grants the receiving agency full access; a deliberation grants its
//!    participants read access without protected fields (`record_grants`, by reason).
//! 4. Sharing agreements bound what an owner may distribute (`agreements::check`).
//! 5. Entitlement has two forms that must agree: `can_read` for one record and
//!    `entitled_sql` for lists and feeds; `tests/policy_equivalence.rs` checks them together.
//! 6. Access changes propagate: `audience` gives who can read a record, so stores can emit
//!    tombstones to those who lost it.
//! 7. Protected fields: `may_see_protected`; reads of them are audited by the caller.
//!
//! Submodules by subject: `records` (entitlement and disclosure of one record, lists, search),
//! `history` (past versions), `deliberation` (who convenes, who sees), `similarity` (what a
//! similar clue may reveal), `agreements` (rule 4).

pub mod agreements;
pub mod credentials;
pub mod membership;
pub mod objects;
pub mod webhook_targets;

use diesel::expression::BoxableExpression;
use diesel::sql_types::Bool;

use crate::db::MultiBackend;
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

/// Managing an agency's users (listing them): the hub admin, or that agency's own admin.
/// Credentials themselves (keys, passwords) are decided in `credentials`.
pub fn require_agency_manager(p: &Principal, agency_id: &str) -> Result<(), AppError> {
    if p.has(Role::Admin) || (p.has(Role::AgencyAdmin) && p.agency_id == agency_id) {
        Ok(())
    } else {
        Err(AppError::Forbidden("只有平台管理员或本单位管理员可以管理该单位的用户".into()))
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

// ---- Clue transfers (rule 3) -------------------------------------

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

// ---- By subject ------------------------------------------------------------------------

pub mod deliberation;
pub mod history;
pub mod records;
pub mod similarity;

pub use deliberation::*;
pub use records::*;
