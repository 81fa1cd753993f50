//! Page sizes and cursor shapes: the same for the REST API and for the sync client, which
//! pages through it.

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;
/// A position cursor: `s` and up to 18 digits (always fits an i64); empty = first page.
pub const SEQ_CURSOR_PATTERN: &str = "^(s[0-9]{1,18})?$";
/// An id cursor: `i` and an id; empty = first page.
pub const ID_CURSOR_PATTERN: &str = "^(i[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$";
