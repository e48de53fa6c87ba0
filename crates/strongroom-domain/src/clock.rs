//! Where the use cases (Secrets Manager's and IAM's) get "now" from. The
//! rules themselves take `now` as a value; [`SystemClock`], the one reader
//! of the outside world here, is wired in only by the server, and tests use
//! [`ManualClock`].

use crate::Timestamp;
use std::sync::atomic::{AtomicI64, Ordering};

/// A time source.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> Timestamp;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        Timestamp(ms)
    }
}

/// A clock that only moves when told to: for tests.
#[derive(Debug, Default)]
pub struct ManualClock {
    millis: AtomicI64,
}

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: Timestamp) -> ManualClock {
        ManualClock {
            millis: AtomicI64::new(start.0),
        }
    }

    /// Moves the clock forward by `ms` milliseconds.
    pub fn advance(&self, ms: i64) {
        self.millis.fetch_add(ms, Ordering::SeqCst);
    }

    /// Puts the clock at `to`.
    pub fn set(&self, to: Timestamp) {
        self.millis.store(to.0, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.millis.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manual_clock_moves_only_when_told() {
        let c = ManualClock::new(Timestamp(5));
        assert_eq!(c.now(), Timestamp(5));
        c.advance(10);
        assert_eq!(c.now(), Timestamp(15));
        c.set(Timestamp(1));
        assert_eq!(c.now(), Timestamp(1));
        assert!(SystemClock.now().0 > 1_700_000_000_000);
    }
}
