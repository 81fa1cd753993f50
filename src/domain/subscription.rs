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

/// A new subscription, checked: a name, known record kinds, well-formed ids, and at most
/// 200 criteria in all (categories are resolved against the taxonomy by the service).
#[derive(Debug, Clone)]
pub struct SubscriptionDraft {
    pub name: String,
    pub criteria: Criteria,
}

impl SubscriptionDraft {
    pub fn parse(name: &str, criteria: Criteria) -> Result<SubscriptionDraft, Vec<crate::domain::FieldError>> {
        use crate::domain::record::RecordKind;
        use crate::domain::FieldError;
        let mut errs = Vec::new();
        crate::domain::agency::validate_name("name", name, &mut errs);
        for (i, k) in criteria.kinds.iter().enumerate() {
            if RecordKind::parse(k).is_none() {
                errs.push(FieldError::new(
                    format!("kinds[{i}]"),
                    format!("信息类别无效,可选:{}", RecordKind::expected()),
                ));
            }
        }
        for (f, list) in [("object_ids", &criteria.object_ids), ("source_agency_ids", &criteria.source_agency_ids)] {
            for (i, id) in list.iter().enumerate() {
                if !crate::domain::is_id(id) {
                    errs.push(FieldError::new(format!("{f}[{i}]"), "编号格式无效"));
                }
            }
        }
        let c = &criteria;
        if c.kinds.len() + c.categories.len() + c.object_ids.len() + c.source_agency_ids.len() + c.tags.len() > 200 {
            errs.push(FieldError::new("", "订阅条件合计不超过 200 项"));
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        Ok(SubscriptionDraft { name: name.trim().to_string(), criteria })
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
