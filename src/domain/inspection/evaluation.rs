//! Quantified evaluation of rectification (巡察整改量化检查评估, seed 003 小店): the eight checks
//! (八查), their weights, the agencies' scores, and how a unit's score and rank follow — the
//! pure part. A unit's score is the weighted average over the checks of the mean of the
//! evaluating agencies' scores; it is computed exactly in integers and shown in hundredths,
//! and units with the same score in hundredths share a rank (1, 2, 2, 4).

use std::collections::BTreeMap;

use crate::domain::FieldError;
use crate::wire_enum;

wire_enum!(
    /// The eight checks (八查) of a rectification evaluation, in the seed's order.
    Check {
        Leadership = "leadership" / "主要领导是否真重视",
        MeetingRecords = "meeting_records" / "会议记录",
        Ledger = "ledger" / "整改台账",
        Accountability = "accountability" / "责任追究",
        Evidence = "evidence" / "佐证材料和实地情况",
        Mechanisms = "mechanisms" / "长效机制",
        Innovation = "innovation" / "创新工作",
        Satisfaction = "satisfaction" / "群众满意度",
    }
);

wire_enum!(
    /// Where an evaluation stands: the agencies score (`open`), then the office fixes the
    /// ranks and writes the results to the units' records (`finalised`, final).
    EvaluationState {
        Open = "open" / "评分中",
        Finalised = "finalised" / "已确定",
    }
);

/// The largest weight of one check.
pub const MAX_WEIGHT: i64 = 100;
/// Scores are 0–`MAX_SCORE`.
pub const MAX_SCORE: i64 = 100;
/// The longest note with a score.
pub const MAX_NOTE_CHARS: usize = 500;

/// The weight of each check (non-negative integers, not all zero). A check of weight 0 does
/// not count and need not be scored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Weights(BTreeMap<Check, i64>);

impl Weights {
    /// Every check weighs the same (the default).
    pub fn equal() -> Weights {
        Weights(Check::ALL.iter().map(|c| (*c, 1)).collect())
    }

    /// Parses the weights as given (check code → weight): all eight checks, each 0–100, not
    /// all zero; every bad entry is a field error `weights.<code>`.
    pub fn parse(input: &BTreeMap<String, i64>) -> Result<Weights, Vec<FieldError>> {
        let mut errs = Vec::new();
        let mut out = BTreeMap::new();
        for (k, w) in input {
            match Check::parse(k) {
                None => errs.push(FieldError::new(
                    format!("weights.{k}"),
                    format!("未知的检查项“{k}”,可选:{}", Check::expected()),
                )),
                Some(_) if !(0..=MAX_WEIGHT).contains(w) => {
                    errs.push(FieldError::new(format!("weights.{k}"), format!("权重须为 0–{MAX_WEIGHT} 的整数")))
                }
                Some(c) => {
                    out.insert(c, *w);
                }
            }
        }
        for c in Check::ALL {
            if !input.contains_key(c.as_str()) {
                errs.push(FieldError::new(format!("weights.{}", c.as_str()), format!("缺少“{}”的权重", c.label())));
            }
        }
        if errs.is_empty() && out.values().sum::<i64>() == 0 {
            errs.push(FieldError::new("weights", "权重之和须大于 0"));
        }
        if errs.is_empty() {
            Ok(Weights(out))
        } else {
            Err(errs)
        }
    }

    /// The weights as stored (JSON text), read back; anything else is `None`.
    pub fn from_stored(s: &str) -> Option<Weights> {
        let m: BTreeMap<String, i64> = serde_json::from_str(s).ok()?;
        Weights::parse(&m).ok()
    }

    pub fn to_stored(&self) -> String {
        let m: BTreeMap<&str, i64> = self.0.iter().map(|(c, w)| (c.as_str(), *w)).collect();
        serde_json::to_string(&m).unwrap_or_default()
    }

    pub fn of(&self, c: Check) -> i64 {
        self.0.get(&c).copied().unwrap_or(0)
    }

    pub fn total(&self) -> i64 {
        self.0.values().sum()
    }

    /// The checks that count (weight above 0), in order.
    pub fn weighted(&self) -> Vec<Check> {
        Check::ALL.iter().copied().filter(|c| self.of(*c) > 0).collect()
    }
}

/// `n / d` in hundredths, rounded half up (`d` > 0, `n` ≥ 0).
fn centi(n: i128, d: i128) -> i64 {
    ((200 * n + d) / (2 * d)) as i64
}

/// The mean of the agencies' scores on one check, in hundredths (`None` without scores).
pub fn mean_centi(scores: &[i64]) -> Option<i64> {
    (!scores.is_empty()).then(|| centi(scores.iter().map(|s| *s as i128).sum(), scores.len() as i128))
}

fn gcd(a: i128, b: i128) -> i128 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// A unit's score in hundredths: Σ weight × mean over the weighted checks, divided by the sum
/// of the weights, computed exactly and rounded half up once. `None` while a weighted check
/// has no score yet (the score is not complete).
pub fn unit_score_centi(weights: &Weights, scores: &BTreeMap<Check, Vec<i64>>) -> Option<i64> {
    let counted = weights.weighted();
    // A common denominator of the means: the lcm of the numbers of scores.
    let mut lcm: i128 = 1;
    for c in &counted {
        let n = scores.get(c).map_or(0, |s| s.len()) as i128;
        if n == 0 {
            return None;
        }
        lcm = lcm / gcd(lcm, n) * n;
    }
    let num: i128 = counted
        .iter()
        .map(|c| {
            let s = &scores[c];
            weights.of(*c) as i128 * s.iter().map(|v| *v as i128).sum::<i128>() * (lcm / s.len() as i128)
        })
        .sum();
    Some(centi(num, lcm * weights.total() as i128))
}

/// Ranks by score, highest first (standard competition ranking): equal scores share a rank
/// and the next rank skips (1, 2, 2, 4). Units without a score get no rank. Returns the rank
/// of each input, in input order.
pub fn ranks(scores: &[Option<i64>]) -> Vec<Option<u32>> {
    scores.iter().map(|s| s.map(|s| 1 + scores.iter().filter(|o| o.is_some_and(|o| o > s)).count() as u32)).collect()
}

/// One agency's score on one check of a unit, as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreEntry {
    pub check: Check,
    pub score: i64,
    pub note: String,
}

/// Checks an agency's scores for a unit, given by check code (score, note): at least one,
/// known checks, scores 0–100, notes up to `MAX_NOTE_CHARS`; every error at once, named
/// `scores.<code>` / `scores.<code>.score` / `scores.<code>.note`. In the checks' order.
pub fn check_scores(entries: &BTreeMap<String, (i64, String)>) -> Result<Vec<ScoreEntry>, Vec<FieldError>> {
    let mut errs = Vec::new();
    let mut out: Vec<ScoreEntry> = Vec::new();
    if entries.is_empty() {
        errs.push(FieldError::new("scores", "请至少给出一项评分"));
    }
    for (code, (score, note)) in entries {
        let c = Check::parse(code);
        if c.is_none() {
            errs.push(FieldError::new(
                format!("scores.{code}"),
                format!("未知的检查项“{code}”,可选:{}", Check::expected()),
            ));
        }
        if !(0..=MAX_SCORE).contains(score) {
            errs.push(FieldError::new(format!("scores.{code}.score"), format!("评分须为 0–{MAX_SCORE} 的整数")));
        }
        if note.chars().count() > MAX_NOTE_CHARS {
            errs.push(FieldError::new(format!("scores.{code}.note"), format!("说明不超过 {MAX_NOTE_CHARS} 个字符")));
        }
        if let Some(c) = c {
            out.push(ScoreEntry { check: c, score: *score, note: note.trim().to_string() });
        }
    }
    out.sort_by_key(|e| e.check);
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(errs)
    }
}

/// Hundredths as text: 8725 → "87.25".
pub fn format_centi(v: i64) -> String {
    format!("{}.{:02}", v / 100, v % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weights(ws: [i64; 8]) -> Weights {
        let m: BTreeMap<String, i64> = Check::ALL.iter().zip(ws).map(|(c, w)| (c.as_str().to_string(), w)).collect();
        Weights::parse(&m).unwrap()
    }

    #[test]
    fn weights_name_all_eight_checks_non_negative_and_not_all_zero() {
        let mut m: BTreeMap<String, i64> = Check::ALL.iter().map(|c| (c.as_str().to_string(), 10)).collect();
        assert_eq!(Weights::parse(&m).unwrap().total(), 80);
        m.insert("ledger".into(), -1);
        m.insert("innovation".into(), 101);
        m.insert("bogus".into(), 5);
        m.remove("satisfaction");
        let e = Weights::parse(&m).unwrap_err();
        let fields: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["weights.bogus", "weights.innovation", "weights.ledger", "weights.satisfaction"]);
        let zero: BTreeMap<String, i64> = Check::ALL.iter().map(|c| (c.as_str().to_string(), 0)).collect();
        assert_eq!(Weights::parse(&zero).unwrap_err()[0].field, "weights");
        let w = weights([20, 10, 15, 15, 15, 10, 5, 10]);
        assert_eq!(Weights::from_stored(&w.to_stored()), Some(w));
        assert_eq!(Weights::from_stored("{}"), None);
    }

    #[test]
    fn a_score_is_the_weighted_average_of_the_check_means() {
        let w = weights([2, 1, 1, 0, 0, 0, 0, 0]);
        let mut s = BTreeMap::new();
        s.insert(Check::Leadership, vec![90, 80]); // mean 85
        s.insert(Check::MeetingRecords, vec![70]); // 70
        assert_eq!(unit_score_centi(&w, &s), None, "整改台账 is weighted and not yet scored");
        // 95.333…; (2×85 + 70 + 95.333…) / 4 = 83.8333… → 83.83
        s.insert(Check::Ledger, vec![100, 95, 91]);
        assert_eq!(unit_score_centi(&w, &s), Some(8383));
        // Rounded once, at the end, half up: (1 × 0.5 + 3 × 0) / 4 = 0.125 → 0.13.
        let mut t = BTreeMap::new();
        t.insert(Check::Leadership, vec![1, 0]);
        t.insert(Check::MeetingRecords, vec![0]);
        assert_eq!(unit_score_centi(&weights([1, 3, 0, 0, 0, 0, 0, 0]), &t), Some(13));
        // A check of weight 0 does not count, scored or not.
        s.insert(Check::Innovation, vec![0]);
        assert_eq!(unit_score_centi(&w, &s), Some(8383));
        // Means in hundredths, half up: 1/2 → 0.50; 1/3 → 0.33; 2/3 → 0.67.
        assert_eq!(mean_centi(&[1, 0]), Some(50));
        assert_eq!(mean_centi(&[1, 0, 0]), Some(33));
        assert_eq!(mean_centi(&[1, 1, 0]), Some(67));
        assert_eq!(mean_centi(&[]), None);
        assert_eq!(format_centi(8383), "83.83");
        assert_eq!(format_centi(10_000), "100.00");
        assert_eq!(format_centi(5), "0.05");
    }

    #[test]
    fn equal_scores_share_a_rank_and_the_next_rank_skips() {
        assert_eq!(
            ranks(&[Some(9000), Some(8500), Some(9000), Some(7000), None, Some(8500)]),
            [Some(1), Some(3), Some(1), Some(5), None, Some(3)]
        );
        assert_eq!(ranks(&[]), Vec::<Option<u32>>::new());
    }

    #[test]
    fn scores_are_checked_all_at_once() {
        let entries: BTreeMap<String, (i64, String)> = [
            ("leadership".to_string(), (101, String::new())),
            ("ledger".to_string(), (50, "x".repeat(501))),
            ("nope".to_string(), (-1, String::new())),
        ]
        .into();
        let e = check_scores(&entries).unwrap_err();
        let fields: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["scores.leadership.score", "scores.ledger.note", "scores.nope", "scores.nope.score"]);
        assert_eq!(check_scores(&BTreeMap::new()).unwrap_err()[0].field, "scores");
        let entries: BTreeMap<String, (i64, String)> =
            [("satisfaction".to_string(), (88, " 测评满意 ".into())), ("leadership".to_string(), (0, String::new()))]
                .into();
        let ok = check_scores(&entries).unwrap();
        assert_eq!(
            ok,
            [
                ScoreEntry { check: Check::Leadership, score: 0, note: String::new() },
                ScoreEntry { check: Check::Satisfaction, score: 88, note: "测评满意".into() }
            ]
        );
    }
}
