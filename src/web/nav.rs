//! What every signed-in page shows around its content: who is signed in, and the sections
//! the user's roles open (a section a role may not use is not offered).

use crate::domain::Role;
use crate::service::web_sessions::WebSession;

pub struct Nav {
    pub username: String,
    /// The CSRF token for the forms of the page (logout included).
    pub csrf: String,
    /// The section the page belongs to (highlighted).
    pub here: &'static str,
    pub reads_content: bool,
    /// Publishing, transferring, subscribing: 联络员 and 单位管理员.
    pub writes_content: bool,
    /// 单位管理 (the unit's users, API keys, webhooks): 单位管理员.
    pub unit_admin: bool,
    /// 平台管理 (units, groups, agreements, audit): 平台管理员.
    pub platform_admin: bool,
    /// 本单位整改: an inspected unit's account (its own feedback, plan and ledger only).
    pub inspected: bool,
}

impl Nav {
    pub fn of(s: &WebSession, here: &'static str) -> Nav {
        let p = &s.principal;
        Nav {
            username: p.username.clone(),
            csrf: s.csrf_token.clone(),
            here,
            reads_content: crate::policy::require_content_reader(p).is_ok(),
            writes_content: crate::policy::require_content_writer(p).is_ok(),
            unit_admin: p.has(Role::AgencyAdmin),
            platform_admin: p.has(Role::Admin),
            inspected: p.has(Role::Inspected),
        }
    }
}
