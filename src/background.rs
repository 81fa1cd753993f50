//! The server's background loops (delivery, database maintenance) and how they stop: one
//! `Background` per server hands each loop a `LoopGuard` when it starts and carries the stop
//! request. A loop looks at the request between its steps only (never inside a transaction:
//! the outbox, the cursors and the leases are rows, so what a loop has not done yet waits in
//! the database for the next start or another instance), ends, and drops its guard; whoever
//! stops the server waits, bounded, for the count of running loops to reach zero.
//!
//! Loops are Tokio tasks (awaiting `stopping`) or plain threads (sleeping with `sleep`).

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::watch;

/// The stop switch of one server's background loops and the count of those still running.
#[derive(Clone, Default)]
pub struct Background(Arc<Inner>);

#[derive(Default)]
struct Inner {
    /// Set once, by `stop`; threads wait on it through `wake`.
    stopped: Mutex<bool>,
    wake: Condvar,
    /// The same flag for tasks.
    stopped_tx: watch::Sender<bool>,
    /// Loops started and not yet ended.
    running: watch::Sender<usize>,
}

/// Held by a loop while it runs; dropping it counts the loop as ended.
#[must_use = "the loop counts as ended when its guard is dropped"]
pub struct LoopGuard(Background);

impl Drop for LoopGuard {
    fn drop(&mut self) {
        self.0 .0.running.send_modify(|n| *n = n.saturating_sub(1));
    }
}

/// Asks the loops to stop when it is dropped (a server future dropped before it finished).
pub struct StopOnDrop(Background);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.stop();
    }
}

impl Background {
    pub fn new() -> Background {
        Background::default()
    }

    /// Counts a loop as running until the returned guard is dropped. Taken before the loop is
    /// spawned, so that a stop right after the start still waits for it.
    pub fn enter(&self) -> LoopGuard {
        self.0.running.send_modify(|n| *n += 1);
        LoopGuard(self.clone())
    }

    /// Asks every loop to end after its current step (idempotent).
    pub fn stop(&self) {
        let mut stopped = self.0.stopped.lock().unwrap_or_else(PoisonError::into_inner);
        *stopped = true;
        self.0.wake.notify_all();
        self.0.stopped_tx.send_replace(true);
    }

    /// A guard that calls `stop` when dropped.
    pub fn stop_on_drop(&self) -> StopOnDrop {
        StopOnDrop(self.clone())
    }

    /// Whether a stop was asked for.
    pub fn is_stopping(&self) -> bool {
        *self.0.stopped_tx.borrow()
    }

    /// Resolves once a stop is asked for (at once if it already was).
    pub async fn stopping(&self) {
        let mut rx = self.0.stopped_tx.subscribe();
        let _ = rx.wait_for(|stopped| *stopped).await;
    }

    /// For loops on threads: sleeps for `d`, or less if a stop is asked for meanwhile;
    /// returns whether one was.
    pub fn sleep(&self, d: Duration) -> bool {
        let stopped = self.0.stopped.lock().unwrap_or_else(PoisonError::into_inner);
        let (stopped, _) =
            self.0.wake.wait_timeout_while(stopped, d, |stopped| !*stopped).unwrap_or_else(PoisonError::into_inner);
        *stopped
    }

    /// How many loops are running.
    pub fn running(&self) -> usize {
        *self.0.running.borrow()
    }

    /// Waits until no loop runs, for at most `within`; returns whether none does.
    pub async fn ended(&self, within: Duration) -> bool {
        let mut rx = self.0.running.subscribe();
        let ended = tokio::time::timeout(within, rx.wait_for(|n| *n == 0)).await;
        ended.is_ok()
    }

    /// `stop`, then `ended(within)`.
    pub async fn stop_and_wait(&self, within: Duration) -> bool {
        self.stop();
        self.ended(within).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sleeping_thread_wakes_at_the_stop_and_the_count_reaches_zero() {
        let bg = Background::new();
        let (guard, b) = (bg.enter(), bg.clone());
        let thread = std::thread::spawn(move || {
            let _guard = guard;
            while !b.sleep(Duration::from_secs(60)) {}
        });
        assert_eq!(bg.running(), 1);
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        assert!(!rt.block_on(bg.ended(Duration::from_millis(50))), "the loop runs until stopped");
        assert!(rt.block_on(bg.stop_and_wait(Duration::from_secs(10))), "the loop ended at the stop");
        assert_eq!(bg.running(), 0);
        assert!(bg.is_stopping() && bg.sleep(Duration::from_secs(60)));
        rt.block_on(bg.stopping());
        thread.join().unwrap();
    }
}
