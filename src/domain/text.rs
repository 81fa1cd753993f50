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

/// True when lower-casing the searched text cannot change whether it contains `q`: every
/// character of `q` is one no lower-casing produces from another (ASCII other than letters,
/// CJK ideographs and punctuation, full-width punctuation and digits). The search then skips
/// `lower()` over each record's text, which on PostgreSQL costs as much as reading the row.
pub fn lowercasing_cannot_matter(q: &str) -> bool {
    q.chars().all(|c| {
        (c.is_ascii() && !c.is_ascii_alphabetic())
            || matches!(c, '\u{3000}'..='\u{303F}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{FF01}'..='\u{FF20}')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercasing_matters_for_letters_of_any_script() {
        for q in ["房屋征收补偿款", "违规发放,2024年", "巡察(第3轮)", "50%_"] {
            assert!(lowercasing_cannot_matter(q), "{q}");
        }
        // Letters, and marks that lower-casing may produce (İ becomes i + U+0307).
        for q in ["abc", "房屋a", "ä", "\u{307}", "ｚ", "σ", "Ω"] {
            assert!(!lowercasing_cannot_matter(q), "{q}");
        }
        // Every character taken as uncased is one lower-casing neither changes nor produces.
        let produced: std::collections::BTreeSet<char> = (0..=0x10FFFFu32)
            .filter_map(char::from_u32)
            .flat_map(|u| {
                let l: Vec<char> = u.to_lowercase().collect();
                if l == [u] {
                    vec![]
                } else {
                    l
                }
            })
            .collect();
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32).filter(|c| lowercasing_cannot_matter(&c.to_string())) {
            assert!(c.to_lowercase().eq([c]) && !produced.contains(&c), "{c:?}");
        }
    }

    #[test]
    fn patterns_escape_wildcards() {
        assert_eq!(like_contains("违规发放"), "%违规发放%");
        assert_eq!(like_contains("50%_a\\"), "%50\\%\\_a\\\\%");
        assert_eq!(normalize_query("  ABC "), Some("abc".into()));
        assert_eq!(normalize_query("   "), None);
    }
}
