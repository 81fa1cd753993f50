//! Page sizes and cursor shapes: the same for the REST API and for the sync client, which
//! pages through it.

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;
/// A position cursor: `s` and up to 18 digits (always fits an i64); empty = first page.
pub const SEQ_CURSOR_PATTERN: &str = "^(s[0-9]{1,18})?$";
/// An id cursor: `i` and an id; empty = first page.
pub const ID_CURSOR_PATTERN: &str = "^(i[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$";

/// Where a page of a list starts and how long it is: after the item with id `after` (in the
/// list's order), at most `limit` items.
#[derive(Debug, Clone, Default)]
pub struct Window {
    pub after: Option<String>,
    pub limit: i64,
}

/// A page of a list, as every list of the API answers it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// The page of `items` read for `w` (at most `w.limit`): the cursor for the next page
    /// names the last item's id, and is present only when the page is full.
    pub fn of(items: Vec<T>, w: &Window, id: impl Fn(&T) -> &str) -> Page<T> {
        let next_cursor =
            if items.len() as i64 == w.limit { items.last().map(|i| format!("i{}", id(i))) } else { None };
        Page { items, next_cursor }
    }
}
