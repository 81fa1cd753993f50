//! Post-inspection direct supervision (巡后直督, seed 000 漯河): a campaign of about a month after
//! the feedback that counts the problems rectified and the transferred clues concluded within
//! its window — the pure part: the campaign as drafted, when a clue counts as concluded, and
//! how a rate is shown (whole percent, rounded half up).

use chrono::NaiveDate;

use crate::domain::clock::parse_date;
use crate::domain::transfer::TransferState;
use crate::domain::FieldError;

use super::check_name;

/// The longest window of a campaign (a campaign is "about a month"; a year is the outer bound).
pub const MAX_WINDOW_DAYS: i64 = 366;

/// A campaign as the inspection office drafts it: every field error at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignDraft {
    pub name: String,
    pub window_start: String,
    pub window_end: String,
}

impl CampaignDraft {
    pub fn parse(name: &str, window_start: &str, window_end: &str) -> Result<CampaignDraft, Vec<FieldError>> {
        let mut errs = Vec::new();
        check_name("name", name, &mut errs);
        let start = date("window_start", window_start, &mut errs);
        let end = date("window_end", window_end, &mut errs);
        if let (Some(s), Some(e)) = (start, end) {
            if e < s {
                errs.push(FieldError::new("window_end", "结束日期不能早于开始日期"));
            } else if (e - s).num_days() + 1 > MAX_WINDOW_DAYS {
                errs.push(FieldError::new("window_end", format!("督查期最长 {MAX_WINDOW_DAYS} 天")));
            }
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        Ok(CampaignDraft {
            name: name.trim().to_string(),
            window_start: window_start.to_string(),
            window_end: window_end.to_string(),
        })
    }
}

fn date(field: &str, v: &str, errs: &mut Vec<FieldError>) -> Option<NaiveDate> {
    let d = parse_date(v);
    if d.is_none() {
        errs.push(FieldError::new(field, "日期格式须为 YYYY-MM-DD"));
    }
    d
}

/// A clue's transfers (state, time concluded) → whether the clue was transferred at all (a
/// transfer that is not returned), and when it counts as concluded: when every such transfer
/// is concluded (办结, or closed after feedback), at the last conclusion.
pub fn clue_progress(transfers: &[(TransferState, Option<String>)]) -> (bool, Option<String>) {
    let live: Vec<&(TransferState, Option<String>)> =
        transfers.iter().filter(|(s, _)| *s != TransferState::Returned).collect();
    if live.is_empty() {
        return (false, None);
    }
    let done = live.iter().all(|(s, at)| matches!(s, TransferState::Concluded | TransferState::Closed) && at.is_some());
    let at = if done { live.iter().filter_map(|(_, at)| at.clone()).max() } else { None };
    (true, at)
}

/// Is the time `at` (RFC 3339 UTC text) inside the window given as its UTC bounds
/// (`clock::period_bounds`: from the start of the first day to the start of the day after)?
pub fn in_window(at: &str, bounds: &(Option<String>, Option<String>)) -> bool {
    bounds.0.as_deref().is_none_or(|s| at >= s) && bounds.1.as_deref().is_none_or(|e| at < e)
}

/// `n` of `d` as a whole percent, rounded half up (67.5 % → 68 %); `None` when `d` is 0.
pub fn percent(n: i64, d: i64) -> Option<i64> {
    (d > 0).then(|| (200 * n + d) / (2 * d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_campaign_draft_reports_every_field_error() {
        let e = CampaignDraft::parse(" ", "2026-1-1", "2026-02-30").unwrap_err();
        let fields: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "window_start", "window_end"]);
        let e = CampaignDraft::parse("直督", "2026-07-01", "2026-06-30").unwrap_err();
        assert_eq!(e[0].field, "window_end");
        let e = CampaignDraft::parse("直督", "2026-01-01", "2027-01-02").unwrap_err();
        assert_eq!(e[0].field, "window_end");
        let ok = CampaignDraft::parse(" 第八轮巡后直督 ", "2026-06-01", "2026-06-30").unwrap();
        assert_eq!(ok.name, "第八轮巡后直督");
        assert!(CampaignDraft::parse("一天", "2026-06-01", "2026-06-01").is_ok());
    }

    #[test]
    fn a_clue_is_concluded_when_every_live_transfer_is() {
        use TransferState::*;
        let at = |s: &str| Some(s.to_string());
        assert_eq!(clue_progress(&[]), (false, None));
        assert_eq!(clue_progress(&[(Returned, None)]), (false, None), "returned: not transferred");
        assert_eq!(clue_progress(&[(InProgress, None)]), (true, None));
        assert_eq!(
            clue_progress(&[(Concluded, at("2026-06-02T01:00:00.000000Z"))]),
            (true, at("2026-06-02T01:00:00.000000Z"))
        );
        assert_eq!(
            clue_progress(&[
                (Closed, at("2026-06-05T01:00:00.000000Z")),
                (Concluded, at("2026-06-02T01:00:00.000000Z"))
            ]),
            (true, at("2026-06-05T01:00:00.000000Z")),
            "the last conclusion"
        );
        assert_eq!(clue_progress(&[(Concluded, at("2026-06-02T01:00:00.000000Z")), (Accepted, None)]), (true, None));
        assert_eq!(
            clue_progress(&[(Concluded, at("2026-06-02T01:00:00.000000Z")), (Returned, None)]),
            (true, at("2026-06-02T01:00:00.000000Z")),
            "a returned transfer does not hold the clue open"
        );
    }

    #[test]
    fn a_window_holds_its_first_and_last_local_days() {
        // 2026-06-01 .. 2026-06-30 in Shanghai: 2026-05-31T16:00Z .. 2026-06-30T16:00Z.
        let b = (Some("2026-05-31T16:00:00.000000Z".to_string()), Some("2026-06-30T16:00:00.000000Z".to_string()));
        assert!(!in_window("2026-05-31T15:59:59.999999Z", &b));
        assert!(in_window("2026-05-31T16:00:00.000000Z", &b));
        assert!(in_window("2026-06-30T15:59:59.999999Z", &b));
        assert!(!in_window("2026-06-30T16:00:00.000000Z", &b));
    }

    #[test]
    fn rates_are_whole_percents_rounded_half_up() {
        // The seed's figures (漯河): 804 of 1,183 problems, 220 of 344 clues.
        assert_eq!(percent(804, 1183), Some(68));
        assert_eq!(percent(220, 344), Some(64));
        assert_eq!(percent(1, 8), Some(13), "12.5 % → 13 %");
        assert_eq!(percent(1, 3), Some(33));
        assert_eq!(percent(0, 5), Some(0));
        assert_eq!(percent(5, 5), Some(100));
        assert_eq!(percent(0, 0), None);
    }
}
