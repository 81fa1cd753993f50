//! Cursor pagination: `?cursor=…&limit=…` in, `next_cursor` out. Cursors are opaque to
//! clients (base64 of the position) and checked on the way in.

use base64::Engine;

use crate::error::{AppError, AppResult};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;

pub fn encode(position: i64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("s{position}"))
}

pub fn decode(cursor: Option<&str>) -> AppResult<Option<i64>> {
    let Some(c) = cursor.filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let bad = || AppError::BadRequest("分页游标无效:请使用上一页返回的 next_cursor".into());
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(c).map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    text.strip_prefix('s').and_then(|n| n.parse::<i64>().ok()).map(Some).ok_or_else(bad)
}

pub fn limit(l: Option<i64>) -> AppResult<i64> {
    match l {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(AppError::validation("limit", format!("每页条数须在 1 到 {MAX_LIMIT} 之间"))),
    }
}

/// The cursor for the next page: present only when the page was full.
pub fn next(count: usize, limit: i64, last_position: Option<i64>) -> Option<String> {
    if count as i64 == limit {
        last_position.map(encode)
    } else {
        None
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
        assert_eq!(decode(None).unwrap(), None);
        assert!(limit(Some(0)).is_err());
        assert!(limit(Some(501)).is_err());
    }
}
