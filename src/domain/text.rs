//! Text search for Chinese: no whitespace tokenisation. A query matches a record whose
//! lower-cased title, body or tags contain it as a substring (so 违规发放 finds
//! 违规发放津补贴); `domain::search_terms` and `store::records::search` index it on both backends.

/// Normalises a search query; `None` when nothing searchable is left.
pub fn normalize_query(q: &str) -> Option<String> {
    let q = q.trim().to_lowercase();
    if q.is_empty() {
        None
    } else {
        Some(q)
    }
}

/// A LIKE pattern matching `q` anywhere, with `\` as the escape character.
pub fn like_contains(q: &str) -> String {
    let mut p = String::with_capacity(q.len() + 2);
    p.push('%');
    for ch in q.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_escape_wildcards() {
        assert_eq!(like_contains("违规发放"), "%违规发放%");
        assert_eq!(like_contains("50%_a\\"), "%50\\%\\_a\\\\%");
        assert_eq!(normalize_query("  ABC "), Some("abc".into()));
        assert_eq!(normalize_query("   "), None);
    }
}
