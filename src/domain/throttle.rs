//! A fixed-window counter per key (a principal), for lookups that must not be repeated
//! fast enough to guess: at most `limit` per `window`, then wait until the window ends.

use std::collections::HashMap;
use std::time::{Duration, Instant};

#[derive(Debug, Default)]
pub struct Windows {
    seen: HashMap<String, (Instant, u32)>,
}

impl Windows {
    /// Counts one attempt of `key` at `now`: `Ok`, or `Err(wait)` until the window ends.
    pub fn take(&mut self, key: &str, limit: u32, window: Duration, now: Instant) -> Result<(), Duration> {
        if self.seen.len() > 10_000 {
            // Forget ended windows so the map stays small.
            self.seen.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = self.seen.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        if entry.1 >= limit {
            return Err(window.saturating_sub(now.duration_since(entry.0)).max(Duration::from_secs(1)));
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_holds_per_key_and_window() {
        let (mut w, t0, win) = (Windows::default(), Instant::now(), Duration::from_secs(60));
        for _ in 0..3 {
            assert!(w.take("u1", 3, win, t0).is_ok());
        }
        let wait = w.take("u1", 3, win, t0 + Duration::from_secs(10)).unwrap_err();
        assert_eq!(wait, Duration::from_secs(50));
        assert!(w.take("u2", 3, win, t0).is_ok(), "another principal has its own budget");
        assert!(w.take("u1", 3, win, t0 + Duration::from_secs(60)).is_ok(), "a new window");
    }
}
