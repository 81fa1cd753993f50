//! Page sizes and cursor shapes: the same for the REST API and for the sync client, which
//! pages through it.

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;
/// A position cursor: `s` and up to 18 digits (always fits an i64); empty = first page.
pub const SEQ_CURSOR_PATTERN: &str = "^(s[0-9]{1,18})?$";
/// An id cursor: `i` and an id; empty = first page.
pub const ID_CURSOR_PATTERN: &str = "^(i[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$";

/// A key cursor: `k` and the hex of the sort key of the last item shown (lists in name or
/// code order); any such cursor is meaningful (the page starts after that key); empty = first page.
/// No byte of the key is NUL (no stored text holds one, and PostgreSQL refuses it).
pub const KEY_CURSOR_PATTERN: &str = "^(k([1-9a-fA-F][0-9a-fA-F]|0[1-9a-fA-F]){1,400})?$";

/// The position cursor after `position`.
pub fn encode(position: i64) -> String {
    format!("s{position}")
}

/// The position cursor for the next page: present only when the page was full.
pub fn next(count: usize, limit: i64, last_position: Option<i64>) -> Option<String> {
    if count as i64 == limit {
        last_position.map(encode)
    } else {
        None
    }
}

/// The id cursor after the item with id `id`.
pub fn encode_id(id: &str) -> String {
    format!("i{id}")
}

/// The key cursor after `key`.
pub fn encode_key(key: &str) -> String {
    format!("k{}", hex::encode(key))
}

/// The key a key cursor names (`None`: not a key cursor, or one naming a NUL byte).
pub fn decode_key(cursor: &str) -> Option<String> {
    let hex = cursor.strip_prefix('k').filter(|h| !h.is_empty() && h.len() <= 800)?;
    let bytes = hex::decode(hex).ok().filter(|b| !b.contains(&0))?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// Where a page of a list starts and how long it is: after the item with id `after` (in the
/// list's order), at most `limit` items.
#[derive(Debug, Clone, Default)]
pub struct Window {
    /// The id (or, for lists in key order, the key) of the last item of the previous page.
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

    /// As `of`, for a list in the order of a unique key: the cursor names the last item's key.
    pub fn by_key(items: Vec<T>, w: &Window, key: impl Fn(&T) -> &str) -> Page<T> {
        let next_cursor = if items.len() as i64 == w.limit { items.last().map(|i| encode_key(key(i))) } else { None };
        Page { items, next_cursor }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_cursors_round_trip_and_refuse_what_the_pattern_refuses() {
        for key in ["jiwei", "四方会审组", "a b"] {
            assert_eq!(decode_key(&encode_key(key)).as_deref(), Some(key));
        }
        let pattern = regex::Regex::new(KEY_CURSOR_PATTERN).unwrap();
        for bad in ["k", "k0", "k00", "k6100", "x61", "k6g"] {
            assert_eq!(decode_key(bad), None, "{bad}");
            assert!(!pattern.is_match(bad), "{bad}");
        }
        for good in ["k61", "kE6B5", "k0A"] {
            assert!(decode_key(good).is_some(), "{good}");
            assert!(pattern.is_match(good), "{good}");
        }
    }
}
