//! The time slices of the 办结率 chart: the months of the chosen period (a year when it spans
//! more than twelve months), each clipped to the period. Without a period: the last twelve
//! months up to today.

use chrono::{Datelike, NaiveDate};

/// One slice: its label, a short label for the axis, and its first and last day.
#[derive(Debug, PartialEq)]
pub struct Slice {
    pub label: String,
    pub short: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// At most this many years are drawn (the latest ones).
const MAX_YEARS: i32 = 20;

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn month_index(d: NaiveDate) -> i32 {
    d.year() * 12 + d.month0() as i32
}

fn month_start(index: i32) -> NaiveDate {
    ymd(index.div_euclid(12), index.rem_euclid(12) as u32 + 1, 1)
}

/// The slices of `[from, to]` (either end open; `today` closes an open end).
pub fn slices(from: Option<NaiveDate>, to: Option<NaiveDate>, today: NaiveDate) -> Vec<Slice> {
    let end = to.unwrap_or_else(|| from.map_or(today, |f| f.max(today)));
    let start = from.unwrap_or_else(|| month_start(month_index(end) - 11));
    if start > end {
        return Vec::new();
    }
    let months = month_index(end) - month_index(start) + 1;
    let mut out = Vec::new();
    if months <= 12 {
        for i in month_index(start)..=month_index(end) {
            let first = month_start(i);
            let last = month_start(i + 1).pred_opt().unwrap_or(first);
            let short = if i == month_index(start) || first.month() == 1 {
                format!("{}月\n{}年", first.month(), first.year())
            } else {
                format!("{}月", first.month())
            };
            out.push(Slice {
                label: format!("{}年{}月", first.year(), first.month()),
                short,
                from: first.max(start),
                to: last.min(end),
            });
        }
    } else {
        for y in (start.year().max(end.year() - MAX_YEARS + 1))..=end.year() {
            out.push(Slice {
                label: format!("{y}年"),
                short: format!("{y}年"),
                from: ymd(y, 1, 1).max(start),
                to: ymd(y, 12, 31).min(end),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_last_twelve_months_by_default() {
        let s = slices(None, None, d("2026-11-26"));
        assert_eq!(s.len(), 12);
        assert_eq!((s[0].label.as_str(), s[0].from, s[0].to), ("2025年12月", d("2025-12-01"), d("2025-12-31")));
        assert_eq!(s[0].short, "12月\n2025年");
        assert_eq!(s[1].short, "1月\n2026年");
        assert_eq!(s[2].short, "2月");
        assert_eq!((s[11].from, s[11].to), (d("2026-11-01"), d("2026-11-26")));
    }

    #[test]
    fn a_period_is_cut_into_its_months_or_years() {
        let s = slices(Some(d("2026-01-15")), Some(d("2026-03-10")), d("2026-11-26"));
        let ranges: Vec<_> = s.iter().map(|s| (s.from, s.to)).collect();
        assert_eq!(
            ranges,
            vec![
                (d("2026-01-15"), d("2026-01-31")),
                (d("2026-02-01"), d("2026-02-28")),
                (d("2026-03-01"), d("2026-03-10"))
            ]
        );
        let s = slices(Some(d("2024-06-01")), Some(d("2026-02-01")), d("2026-11-26"));
        let labels: Vec<_> = s.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, vec!["2024年", "2025年", "2026年"]);
        assert_eq!((s[0].from, s[2].to), (d("2024-06-01"), d("2026-02-01")));
        assert_eq!(slices(Some(d("1900-01-01")), None, d("2026-11-26")).len(), MAX_YEARS as usize);
        assert_eq!(slices(Some(d("2027-05-01")), None, d("2026-11-26")).len(), 1);
    }
}
