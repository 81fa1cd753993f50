//! When to try a failed delivery again: exponential backoff with jitter, and when to give
//! up. Pure: the caller supplies the random draw, so schedules are testable.

use std::time::Duration;

/// Exponential backoff: attempt `n` (1-based) waits `min(cap, base · 2^(n-1))`, of which a
/// random half is jitter (so many receivers failing together do not retry in lock-step).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
    /// Failed attempts after which a delivery is given up (dead-lettered).
    pub max_attempts: u32,
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Try again after this long.
    RetryIn(Duration),
    /// The attempts are used up: give up on this delivery.
    GiveUp,
}

impl Backoff {
    /// From settings in milliseconds (a zero base or attempts count is taken as one; the cap
    /// is at least the base).
    pub fn from_millis(base_ms: u64, cap_ms: u64, max_attempts: u32) -> Backoff {
        let base = base_ms.max(1);
        Backoff {
            base: Duration::from_millis(base),
            cap: Duration::from_millis(cap_ms.max(base)),
            max_attempts: max_attempts.max(1),
        }
    }

    /// The ceiling of the wait after `attempts` failures (before jitter).
    pub fn ceiling(&self, attempts: u32) -> Duration {
        let doublings = attempts.saturating_sub(1).min(31);
        self.base.saturating_mul(1u32 << doublings).min(self.cap)
    }

    /// The decision after `attempts` failures; `unit` is a random draw in [0, 1).
    pub fn after_failure(&self, attempts: u32, unit: f64) -> AfterFailure {
        if attempts >= self.max_attempts {
            return AfterFailure::GiveUp;
        }
        let ceiling = self.ceiling(attempts);
        let unit = unit.clamp(0.0, 1.0);
        AfterFailure::RetryIn(ceiling / 2 + ceiling.mul_f64(unit / 2.0))
    }

    /// The longest a delivery can keep being retried before it is given up.
    pub fn longest_schedule(&self) -> Duration {
        (1..self.max_attempts).map(|n| self.ceiling(n)).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hub_default() -> Backoff {
        Backoff { base: Duration::from_secs(5), cap: Duration::from_secs(3600), max_attempts: 15 }
    }

    #[test]
    fn waits_double_up_to_the_cap_with_jitter_in_the_upper_half() {
        let b = hub_default();
        assert_eq!(b.ceiling(1), Duration::from_secs(5));
        assert_eq!(b.ceiling(2), Duration::from_secs(10));
        assert_eq!(b.ceiling(5), Duration::from_secs(80));
        assert_eq!(b.ceiling(14), Duration::from_secs(3600));
        assert_eq!(b.after_failure(3, 0.0), AfterFailure::RetryIn(Duration::from_secs(10)));
        assert_eq!(b.after_failure(3, 1.0), AfterFailure::RetryIn(Duration::from_secs(20)));
        match b.after_failure(3, 0.5) {
            AfterFailure::RetryIn(d) => assert!(d > Duration::from_secs(10) && d < Duration::from_secs(20)),
            other => panic!("expected a retry, got {other:?}"),
        }
    }

    #[test]
    fn gives_up_after_the_last_attempt_and_not_before() {
        let b = hub_default();
        assert!(matches!(b.after_failure(14, 0.3), AfterFailure::RetryIn(_)));
        assert_eq!(b.after_failure(15, 0.3), AfterFailure::GiveUp);
        assert_eq!(b.after_failure(99, 0.3), AfterFailure::GiveUp);
    }

    #[test]
    fn the_default_schedule_retries_for_hours() {
        let total = hub_default().longest_schedule();
        assert!(total >= Duration::from_secs(5 * 3600), "{total:?}");
        assert!(total <= Duration::from_secs(8 * 3600), "{total:?}");
    }

    #[test]
    fn huge_attempt_counts_do_not_overflow() {
        let b = hub_default();
        assert_eq!(b.ceiling(u32::MAX), Duration::from_secs(3600));
    }
}
