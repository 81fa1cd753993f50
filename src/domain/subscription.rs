//! Subscriptions: what an agency wants to hear of. A record matches when every non-empty
//! criterion matches (kinds, categories, objects, source agencies, tags: any of each list).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Criteria {
    #[serde(default)]
    pub kinds: Vec<String>,
    #[serde(default)]
    pub categories: Vec<String>,
    #[serde(default)]
    pub object_ids: Vec<String>,
    #[serde(default)]
    pub source_agency_ids: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// What of a record subscriptions look at.
pub struct RecordFacets<'a> {
    pub kind: &'a str,
    pub category: Option<&'a str>,
    pub object_ids: &'a [String],
    pub owner_agency_id: &'a str,
    pub tags: &'a [String],
}

impl Criteria {
    pub fn matches(&self, r: &RecordFacets<'_>) -> bool {
        fn any_or_empty(list: &[String], pred: impl Fn(&str) -> bool) -> bool {
            list.is_empty() || list.iter().any(|x| pred(x))
        }
        any_or_empty(&self.kinds, |k| k == r.kind)
            && any_or_empty(&self.categories, |c| Some(c) == r.category)
            && any_or_empty(&self.object_ids, |o| r.object_ids.iter().any(|x| x == o))
            && any_or_empty(&self.source_agency_ids, |a| a == r.owner_agency_id)
            && any_or_empty(&self.tags, |t| r.tags.iter().any(|x| x == t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_nonempty_criterion_must_match() {
        let objs = vec!["o1".to_string()];
        let tags = vec!["巡察移交".to_string()];
        let r = RecordFacets {
            kind: "clue",
            category: Some("廉洁纪律"),
            object_ids: &objs,
            owner_agency_id: "a1",
            tags: &tags,
        };
        assert!(Criteria::default().matches(&r));
        let c = Criteria { kinds: vec!["clue".into()], tags: vec!["巡察移交".into()], ..Default::default() };
        assert!(c.matches(&r));
        let c = Criteria { kinds: vec!["clue".into()], categories: vec!["工作纪律".into()], ..Default::default() };
        assert!(!c.matches(&r));
        let c = Criteria { source_agency_ids: vec!["a2".into()], ..Default::default() };
        assert!(!c.matches(&r));
        let c = Criteria { object_ids: vec!["o2".into(), "o1".into()], ..Default::default() };
        assert!(c.matches(&r));
    }
}
