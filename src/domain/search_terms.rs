//! The search index's terms: every pair of adjacent characters (bigram) of a record's
//! lower-cased `title + ' ' + body`, in order. A query of two or more characters is the
//! phrase of its own bigrams, so it matches exactly the texts that contain it as a substring
//! — the semantics of `?q=` (`text::like_contains`) — and two-character Chinese terms (违纪,
//! 津贴) are single index terms. A one-character query is a prefix over the bigrams: the text
//! ends with a sentinel character, so every character of it starts a bigram.
//!
//! Both backends take the same terms: SQLite's FTS5 (`ascii` tokenizer: a term is a run of
//! non-separator characters, so ASCII punctuation and spaces are mapped out of ASCII first)
//! and PostgreSQL's `tsvector` (lexemes and positions given literally, no parser involved).

/// Characters a PostgreSQL `tsvector` can give positions to; a text beyond them (or with a
/// bigram repeated more than `PG_MAX_POSITIONS` times) is not indexed there and is searched by
/// substring instead (`Terms::fits_tsvector`).
pub const PG_MAX_POSITION: usize = 16_383;
pub const PG_MAX_POSITIONS: usize = 256;

/// Ends every text, so its last character starts a bigram too.
const END: char = '\u{F00FF}';

/// A character as the index sees it: ASCII letters and digits stay, every other ASCII
/// character (space, punctuation, controls) moves to a private-use plane so that the
/// tokenizer does not split on it; everything else stays.
fn fold(c: char) -> char {
    if c.is_ascii() && !c.is_ascii_alphanumeric() {
        char::from_u32(0xF0000 + c as u32).unwrap_or(c)
    } else {
        c
    }
}

fn folded(text: &str) -> Vec<char> {
    text.to_lowercase().chars().map(fold).collect()
}

/// The bigrams of a record's searchable text, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms(Vec<String>);

impl Terms {
    /// The terms of `title + ' ' + body` (what `?q=` matches, lower-cased).
    pub fn of_record(title: &str, body: &str) -> Terms {
        let mut chars = folded(&format!("{title} {body}"));
        chars.push(END);
        Terms(chars.windows(2).map(|w| w.iter().collect()).collect())
    }

    /// The FTS5 document: the terms separated by spaces.
    pub fn fts5_document(&self) -> String {
        self.0.join(" ")
    }

    /// Whether PostgreSQL's `tsvector` holds every position of these terms.
    pub fn fits_tsvector(&self) -> bool {
        if self.0.len() > PG_MAX_POSITION {
            return false;
        }
        let mut counts = std::collections::HashMap::<&str, usize>::new();
        self.0.iter().all(|t| {
            let n = counts.entry(t).or_default();
            *n += 1;
            *n <= PG_MAX_POSITIONS
        })
    }

    /// The `tsvector` literal (`'ab':1,7 'bc':2 …`), or `None` where it cannot hold every
    /// position (`fits_tsvector`).
    pub fn tsvector_literal(&self) -> Option<String> {
        if !self.fits_tsvector() {
            return None;
        }
        let mut positions = std::collections::BTreeMap::<&str, Vec<usize>>::new();
        for (i, t) in self.0.iter().enumerate() {
            positions.entry(t).or_default().push(i + 1);
        }
        let mut out = String::with_capacity(self.0.len() * 10);
        for (t, ps) in positions {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push('\'');
            out.push_str(t);
            out.push_str("':");
            let ps: Vec<String> = ps.iter().map(usize::to_string).collect();
            out.push_str(&ps.join(","));
        }
        Some(out)
    }
}

/// A normalised query (`text::normalize_query`) as an index query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchQuery {
    /// Two or more characters: these bigrams, adjacent and in order.
    Phrase(Vec<String>),
    /// One character: any bigram that starts with it.
    Prefix(char),
}

impl SearchQuery {
    pub fn parse(q: &str) -> Option<SearchQuery> {
        let chars = folded(q);
        match chars.len() {
            0 => None,
            1 => Some(SearchQuery::Prefix(chars[0])),
            _ => Some(SearchQuery::Phrase(chars.windows(2).map(|w| w.iter().collect()).collect())),
        }
    }

    /// The FTS5 `MATCH` expression. Terms hold no ASCII punctuation (`fold`), so a quoted
    /// phrase cannot be broken out of.
    pub fn fts5_match(&self) -> String {
        match self {
            SearchQuery::Phrase(grams) => format!("\"{}\"", grams.join(" ")),
            SearchQuery::Prefix(c) => format!("\"{c}\" *"),
        }
    }

    /// The `tsquery` literal: the phrase (`'ab' <-> 'bc'`) or the prefix (`'a':*`).
    pub fn tsquery_literal(&self) -> String {
        match self {
            SearchQuery::Phrase(grams) => grams.iter().map(|g| format!("'{g}'")).collect::<Vec<_>>().join(" <-> "),
            SearchQuery::Prefix(c) => format!("'{c}':*"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What the index answers, simulated: the query's bigrams appear adjacent in the text's.
    fn index_matches(terms: &Terms, q: &SearchQuery) -> bool {
        match q {
            SearchQuery::Phrase(g) => terms.0.windows(g.len()).any(|w| w == g.as_slice()),
            SearchQuery::Prefix(c) => terms.0.iter().any(|t| t.starts_with(*c)),
        }
    }

    #[test]
    fn two_character_chinese_terms_are_single_terms() {
        let t = Terms::of_record("违纪", "发放津贴");
        assert_eq!(SearchQuery::parse("津贴"), Some(SearchQuery::Phrase(vec!["津贴".into()])));
        assert!(index_matches(&t, &SearchQuery::parse("津贴").unwrap()));
        assert!(index_matches(&t, &SearchQuery::parse("违纪 发").unwrap()), "title and body are joined by a space");
        assert!(!index_matches(&t, &SearchQuery::parse("违发").unwrap()));
        assert!(index_matches(&t, &SearchQuery::parse("贴").unwrap()), "the last character starts a bigram");
        assert_eq!(SearchQuery::parse("纪律").unwrap().tsquery_literal(), "'纪律'");
        assert_eq!(SearchQuery::parse("违纪问题").unwrap().fts5_match(), "\"违纪 纪问 问题\"");
    }

    #[test]
    fn punctuation_cannot_break_out_of_the_phrase() {
        let raw = "a\" OR \"b'";
        let q = SearchQuery::parse(raw).unwrap();
        let m = q.fts5_match();
        assert_eq!(m.matches('"').count(), 2, "{m}");
        assert!(!q.tsquery_literal().trim_matches('\'').contains("\\"));
        assert_eq!(
            q.tsquery_literal().matches('\'').count(),
            2 * (raw.chars().count() - 1),
            "only the quotes around each term"
        );
    }

    #[test]
    fn the_tsvector_literal_groups_positions_and_refuses_what_it_cannot_hold() {
        let t = Terms::of_record("abab", "");
        assert_eq!(t.tsvector_literal().unwrap(), format!("'ab':1,3 'ba':2 'b{}':4 '{}{END}':5", fold(' '), fold(' ')));
        assert!(Terms::of_record("t", &"违".repeat(PG_MAX_POSITION)).tsvector_literal().is_none());
        assert!(Terms::of_record("t", &"违纪".repeat(300)).tsvector_literal().is_none());
        assert!(Terms::of_record("t", &"违纪".repeat(200)).tsvector_literal().is_some());
    }

    proptest! {
        /// The index's answer is exactly the substring semantics of `?q=` for every query.
        #[test]
        fn the_index_answers_exactly_the_substring_search(
            title in "[违纪津贴a-cA-C ,%_'\"]{0,12}",
            body in "[违纪津贴a-cA-C ,%_'\"]{0,30}",
            q in "[违纪津贴a-cA-C ,%_'\"]{1,4}",
        ) {
            let Some(norm) = crate::domain::text::normalize_query(&q) else { return Ok(()) };
            let haystack = format!("{title} {body}").to_lowercase();
            let query = SearchQuery::parse(&norm).unwrap();
            prop_assert_eq!(index_matches(&Terms::of_record(&title, &body), &query), haystack.contains(&norm));
        }
    }
}
