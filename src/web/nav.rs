//! What every signed-in page shows around its content: who is signed in, and the sections
//! the user's roles open (a section a role may not use is not offered).

use crate::service::web_sessions::WebSession;

pub struct Nav {
    pub username: String,
    /// The CSRF token for the forms of the page (logout included).
    pub csrf: String,
    /// The section the page belongs to (highlighted).
    pub here: &'static str,
    pub reads_content: bool,
}

impl Nav {
    pub fn of(s: &WebSession, here: &'static str) -> Nav {
        let p = &s.principal;
        Nav {
            username: p.username.clone(),
            csrf: s.csrf_token.clone(),
            here,
            reads_content: crate::policy::require_content_reader(p).is_ok(),
        }
    }
}
