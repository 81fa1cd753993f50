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
//!    `entitled_sql` for lists and feeds; `tests/api/policy_equivalence.rs` checks them together.
//! 6. Access changes propagate: `audience` gives who can read a record, so stores can emit
//!    tombstones to those who lost it.
//! 7. Protected fields: `may_see_protected`; reads of them are audited by the caller.
//!
//! Submodules by subject: `roles` (what each role may do at all), `records` (entitlement and
//! disclosure of one record, lists, search), `history` (past versions), `transfers` (who sees
//! and moves a transfer), `deliberation` (who convenes, who sees), `similarity` (what a
//! similar clue may reveal), `mail` (who is mailed, what a mail may name), `agreements`
//! (rule 4), `credentials` (passwords and keys), `membership`, `objects`, `webhook_targets`,
//! `inspection` (rounds), `talent` (the talent pool's personal data), `public_reports`
//! (码上巡察: channels, reports, and what of a reporter may leave the hub).
//! Each has table-driven unit tests beside it.

pub mod agreements;
pub mod audit_linkage;
pub mod common_problems;
pub mod credentials;
pub mod membership;
pub mod objects;
pub mod public_reports;
pub mod webhook_targets;

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

/// Changing or withdrawing a record: its owner only (an agency that merely reads it gets
/// 403; one that may not read it never gets this far: 404).
pub fn require_owner(viewer: &Viewer, r: &AccessFacts) -> Result<(), AppError> {
    if r.owner_agency_id == viewer.agency_id {
        Ok(())
    } else {
        Err(AppError::Forbidden("只有发布单位可以修改或撤回此信息".into()))
    }
}

// ---- By subject ------------------------------------------------------------------------

pub mod deliberation;
pub mod direct_supervision;
pub mod evaluation;
pub mod history;
pub mod info_requests;
pub mod inspection;
pub mod mail;
pub mod records;
pub mod rectification;
pub mod roles;
pub mod similarity;
pub mod talent;
pub mod transfers;

pub use deliberation::*;
pub use mail::*;
pub use records::*;
pub use roles::*;
pub use transfers::*;
