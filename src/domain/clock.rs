//! The hub's calendar. Dates are canonical `YYYY-MM-DD`; "today", deadlines, overdue,
//! reminders and the digest day are days in the hub's time zone (`time_zone`, an IANA name,
//! default Asia/Shanghai), not UTC: from 16:00 to 24:00 UTC it is already tomorrow in China.
//! Timestamps stay RFC 3339 UTC.
//!
//! The clock is installed once per process from the settings (`Application::build`).
//! `clock_offset_secs` shifts "now" for the calendar only, so tests can stand in any hour
//! of the day without waiting for the wall clock.

use std::sync::RwLock;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

pub const DEFAULT_TIME_ZONE: &str = "Asia/Shanghai";

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HubClock {
    pub tz: Tz,
    /// Added to the wall clock (tests only; 0 in production).
    pub offset_secs: i64,
}

impl Default for HubClock {
    fn default() -> Self {
        HubClock { tz: chrono_tz::Asia::Shanghai, offset_secs: 0 }
    }
}

static CLOCK: RwLock<Option<HubClock>> = RwLock::new(None);

/// Parses the `time_zone` setting.
pub fn parse_time_zone(name: &str) -> Result<Tz, String> {
    name.trim().parse::<Tz>().map_err(|_| format!("time_zone 须为 IANA 时区名(如 Asia/Shanghai),收到“{name}”"))
}

/// Makes `c` the process's clock.
pub fn install(c: HubClock) {
    *CLOCK.write().unwrap_or_else(|e| e.into_inner()) = Some(c);
}

/// The process's clock (Asia/Shanghai, no offset, until one is installed).
pub fn current() -> HubClock {
    CLOCK.read().unwrap_or_else(|e| e.into_inner()).unwrap_or_default()
}

impl HubClock {
    /// "Now" as the calendar sees it.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::seconds(self.offset_secs)
    }

    /// The local date at `t` in the hub's time zone.
    pub fn date_at(&self, t: DateTime<Utc>) -> NaiveDate {
        t.with_timezone(&self.tz).date_naive()
    }

    /// Today in the hub's time zone, `YYYY-MM-DD`.
    pub fn today(&self) -> String {
        format_date(self.date_at(self.now()))
    }

    /// The UTC instant at which local day `d` begins (midnight in the hub's time zone; the
    /// first valid instant where a DST change skips midnight).
    pub fn day_start_utc(&self, d: NaiveDate) -> DateTime<Utc> {
        use chrono::TimeZone;
        let midnight = d.and_hms_opt(0, 0, 0).unwrap_or_default();
        match self.tz.from_local_datetime(&midnight) {
            chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
            chrono::LocalResult::None => self
                .tz
                .from_local_datetime(&(midnight + Duration::hours(1)))
                .earliest()
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_else(|| midnight.and_utc()),
        }
    }
}

/// Today in the hub's time zone, `YYYY-MM-DD`.
pub fn today() -> String {
    current().today()
}

pub fn format_date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A canonical `YYYY-MM-DD` date, or `None` ("2027-1-5", "2027-01-05T00:00", "2027-02-30"
/// are not dates here: dates are compared as text, so only one spelling may exist).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() });
    if !shape {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// The RFC 3339 UTC bounds of a period of local days `[from, to]` (either end open), for
/// comparison with stored timestamps: `created_at >= start` and `created_at < end`.
pub fn period_bounds(from: Option<NaiveDate>, to: Option<NaiveDate>) -> (Option<String>, Option<String>) {
    let c = current();
    let start = from.map(|d| crate::domain::format_time(c.day_start_utc(d)));
    let end = to.and_then(|d| d.succ_opt()).map(|d| crate::domain::format_time(c.day_start_utc(d)));
    (start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_canonical_dates_are_dates() {
        let table = [
            ("2027-01-05", true),
            ("2027-1-5", false),
            ("2027-01-5", false),
            ("27-01-05", false),
            ("2027/01/05", false),
            ("2027-02-30", false),
            ("2028-02-29", true),
            ("2027-01-05T00:00:00Z", false),
            (" 2027-01-05", false),
            ("２０２７-01-05", false),
            ("", false),
        ];
        for (s, ok) in table {
            assert_eq!(parse_date(s).is_some(), ok, "{s:?}");
        }
    }

    #[test]
    fn today_is_the_hub_time_zone_day() {
        let shanghai = HubClock::default();
        let utc = HubClock { tz: chrono_tz::UTC, offset_secs: 0 };
        // 17:30 UTC on the 26th is 01:30 on the 27th in Shanghai.
        let t = DateTime::parse_from_rfc3339("2026-11-26T17:30:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(format_date(shanghai.date_at(t)), "2026-11-27");
        assert_eq!(format_date(utc.date_at(t)), "2026-11-26");
        let early = DateTime::parse_from_rfc3339("2026-11-26T15:59:59Z").unwrap().with_timezone(&Utc);
        assert_eq!(format_date(shanghai.date_at(early)), "2026-11-26");
    }

    #[test]
    fn a_local_day_starts_at_local_midnight() {
        let c = HubClock::default();
        let d = parse_date("2026-11-27").unwrap();
        assert_eq!(crate::domain::format_time(c.day_start_utc(d)), "2026-11-26T16:00:00.000000Z");
        assert!(parse_time_zone("Asia/Shanghai").is_ok());
        assert!(parse_time_zone("Mars/Olympus").is_err());
    }

    #[test]
    fn the_offset_moves_today() {
        let shifted = HubClock { tz: chrono_tz::UTC, offset_secs: 2 * 86_400 };
        let real = HubClock { tz: chrono_tz::UTC, offset_secs: 0 };
        let (a, b) = (parse_date(&shifted.today()).unwrap(), parse_date(&real.today()).unwrap());
        // Two days apart (three if midnight passes between the two reads).
        assert!((a - b).num_days() >= 2, "{a} vs {b}");
    }
}
