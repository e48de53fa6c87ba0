//! Requests refused at authentication are recorded without holding their
//! answer, and a flood of them is summarised: per source address, error
//! code and service, the first few in each window are recorded one by one,
//! the rest only counted, and one summary record per key carries the count
//! when the window ends. The number of keys is bounded too (beyond it,
//! addresses share one key), so no unauthenticated client can make the
//! server write, or remember, without bound.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};

/// What failures are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FloodKey {
    /// `None` for the shared key of addresses beyond [`FloodLimits::max_keys`]
    /// (or a request whose peer address is unknown).
    pub source_ip: Option<IpAddr>,
    pub error_code: &'static str,
    /// CloudTrail's `eventSource` of the service the request was for.
    pub event_source: &'static str,
}

/// How much a window lets through.
#[derive(Debug, Clone, Copy)]
pub struct FloodLimits {
    /// Window length, in milliseconds.
    pub window_ms: i64,
    /// Failures recorded one by one per key and window.
    pub per_key: u32,
    /// Keys remembered per window.
    pub max_keys: usize,
}

impl Default for FloodLimits {
    fn default() -> Self {
        FloodLimits {
            window_ms: 60_000,
            per_key: 10,
            max_keys: 4096,
        }
    }
}

/// The failures of one key that were counted but not recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub key: FloodKey,
    pub suppressed: u64,
    /// The window, in milliseconds since the epoch.
    pub window_start_ms: i64,
    pub window_end_ms: i64,
}

/// The gate's decision for one failure.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Admission {
    /// Whether to record this failure on its own.
    pub record: bool,
    /// Summaries of the window that just ended, to record now.
    pub summaries: Vec<Summary>,
}

pub struct FloodGate {
    limits: FloodLimits,
    window: Mutex<Window>,
}

#[derive(Default)]
struct Window {
    start_ms: i64,
    /// Per key: failures seen in this window.
    seen: HashMap<FloodKey, u64>,
}

impl FloodGate {
    pub fn new(limits: FloodLimits) -> FloodGate {
        FloodGate {
            limits,
            window: Mutex::default(),
        }
    }

    /// Decides for one failure at `now_ms`.
    pub fn admit(&self, key: FloodKey, now_ms: i64) -> Admission {
        let mut window = self.window.lock().unwrap_or_else(PoisonError::into_inner);
        let summaries = self.roll(&mut window, now_ms);
        let key = if window.seen.len() >= self.limits.max_keys && !window.seen.contains_key(&key) {
            FloodKey {
                source_ip: None,
                ..key
            }
        } else {
            key
        };
        let seen = window.seen.entry(key).or_insert(0);
        *seen += 1;
        Admission {
            record: *seen <= u64::from(self.limits.per_key),
            summaries,
        }
    }

    /// Ends the window if it is over: for a periodic job, so that a flood
    /// that stopped is still summarised.
    pub fn flush(&self, now_ms: i64) -> Vec<Summary> {
        let mut window = self.window.lock().unwrap_or_else(PoisonError::into_inner);
        self.roll(&mut window, now_ms)
    }

    fn roll(&self, window: &mut Window, now_ms: i64) -> Vec<Summary> {
        if now_ms - window.start_ms < self.limits.window_ms {
            return Vec::new();
        }
        let start = window.start_ms;
        let per_key = u64::from(self.limits.per_key);
        let summaries = window
            .seen
            .drain()
            .filter(|(_, seen)| *seen > per_key)
            .map(|(key, seen)| Summary {
                key,
                suppressed: seen - per_key,
                window_start_ms: start,
                window_end_ms: now_ms,
            })
            .collect();
        window.start_ms = now_ms;
        summaries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(ip: &str) -> FloodKey {
        FloodKey {
            source_ip: Some(ip.parse().unwrap()),
            error_code: "InvalidSignatureException",
            event_source: "secretsmanager.amazonaws.com",
        }
    }

    #[test]
    fn a_flood_is_recorded_a_few_times_then_summarised() {
        let gate = FloodGate::new(FloodLimits {
            window_ms: 1000,
            per_key: 3,
            max_keys: 10,
        });
        let recorded = (0..100)
            .filter(|i| {
                let a = gate.admit(key("10.0.0.1"), 1000 + i);
                assert!(a.summaries.is_empty());
                a.record
            })
            .count();
        assert_eq!(recorded, 3);
        // Another address is not held back by the first one's flood.
        assert!(gate.admit(key("10.0.0.2"), 1500).record);
        let summaries = gate.flush(2000);
        assert_eq!(
            summaries,
            vec![Summary {
                key: key("10.0.0.1"),
                suppressed: 97,
                window_start_ms: 1000,
                window_end_ms: 2000,
            }]
        );
        // A new window records again.
        assert!(gate.admit(key("10.0.0.1"), 2001).record);
        assert!(gate.flush(2500).is_empty());
    }

    #[test]
    fn keys_are_bounded() {
        let gate = FloodGate::new(FloodLimits {
            window_ms: 1000,
            per_key: 1,
            max_keys: 2,
        });
        assert!(gate.admit(key("10.0.0.1"), 0).record);
        assert!(gate.admit(key("10.0.0.2"), 0).record);
        // Beyond two keys, every other address shares one.
        assert!(gate.admit(key("10.0.0.3"), 0).record);
        assert!(!gate.admit(key("10.0.0.4"), 0).record);
        let summaries = gate.flush(1000);
        assert_eq!(summaries.len(), 1);
        assert_eq!(summaries[0].key.source_ip, None);
        assert_eq!(summaries[0].suppressed, 1);
    }
}
