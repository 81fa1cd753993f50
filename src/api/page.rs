//! Cursor pagination: `?cursor=…&limit=…` in, `next_cursor` out. Clients pass cursors back
//! unchanged; their shape is in the OpenAPI document (a pattern), so that every cursor the
//! pattern allows is one the server accepts (`s<position>` or `i<id>`).

use crate::error::{AppError, AppResult};

pub use crate::contract::page::*;

/// `?cursor=&limit=` of a list without filters.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct PageParams {
    #[param(schema_with = crate::contract::id_cursor_param)]
    pub cursor: Option<String>,
    #[param(schema_with = crate::contract::limit_param)]
    pub limit: Option<i64>,
}

impl PageParams {
    pub fn window(&self) -> AppResult<Window> {
        window(self.cursor.as_deref(), self.limit)
    }
}

/// The window of a list in key order: `cursor` is a key cursor (empty for the first page).
pub fn key_window(cursor: Option<&str>, limit_param: Option<i64>) -> AppResult<Window> {
    let after = match cursor.filter(|c| !c.is_empty()) {
        Some(c) => Some(decode_key(c).ok_or_else(bad_cursor)?),
        None => None,
    };
    Ok(Window { after, limit: limit(limit_param)? })
}

/// `?cursor=&limit=` of a list in key order without filters.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct KeyPageParams {
    #[param(schema_with = crate::contract::key_cursor_param)]
    pub cursor: Option<String>,
    #[param(schema_with = crate::contract::limit_param)]
    pub limit: Option<i64>,
}

/// The window a request's `cursor` (an id cursor, empty for the first page) and `limit` ask for.
pub fn window(cursor: Option<&str>, limit_param: Option<i64>) -> AppResult<Window> {
    let after = match cursor.filter(|c| !c.is_empty()) {
        Some(c) => Some(decode_id(c)?),
        None => None,
    };
    Ok(Window { after, limit: limit(limit_param)? })
}

/// The response schema of a page of `$item`s (`{items, next_cursor}`).
#[macro_export]
macro_rules! page_schema {
    ($name:ident, $item:ty) => {
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            pub items: Vec<$item>,
            pub next_cursor: Option<String>,
        }
        impl From<$crate::contract::page::Page<$item>> for $name {
            fn from(p: $crate::contract::page::Page<$item>) -> Self {
                $name { items: p.items, next_cursor: p.next_cursor }
            }
        }
    };
}

fn bad_cursor() -> AppError {
    AppError::bad_cursor()
}

pub use crate::contract::page::{encode, encode_id, next};

pub fn decode(cursor: Option<&str>) -> AppResult<Option<i64>> {
    let Some(c) = cursor.filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let digits = c.strip_prefix('s').ok_or_else(bad_cursor)?;
    if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad_cursor());
    }
    digits.parse::<i64>().map(Some).map_err(|_| bad_cursor())
}

pub fn decode_id(cursor: &str) -> AppResult<String> {
    cursor.strip_prefix('i').filter(|id| crate::domain::is_id(id)).map(str::to_string).ok_or_else(bad_cursor)
}

pub fn limit(l: Option<i64>) -> AppResult<i64> {
    match l {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(AppError::validation("limit", format!("每页条数须在 1 到 {MAX_LIMIT} 之间"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        assert_eq!(decode(Some(&encode(42))).unwrap(), Some(42));
        assert!(decode(Some("!!")).is_err());
        assert!(decode(Some("eHl6")).is_err());
        assert!(decode(Some("s-1")).is_err());
        assert!(decode(Some("s")).is_err());
        assert!(decode(Some("s1234567890123456789")).is_err());
        assert_eq!(decode(Some("s123456789012345678")).unwrap(), Some(123456789012345678));
        let id = crate::domain::new_id();
        assert_eq!(decode_id(&encode_id(&id)).unwrap(), id);
        assert!(decode_id("i{00000000-0000-0000-0000-000000000000}").is_err());
        assert!(decode_id(&id).is_err());
        assert_eq!(decode(None).unwrap(), None);
        assert!(limit(Some(0)).is_err());
        assert!(limit(Some(501)).is_err());
    }
}
