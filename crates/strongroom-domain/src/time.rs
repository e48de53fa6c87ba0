//! Time as a plain value: callers pass `now` in, nothing here reads a clock.

/// Milliseconds since the Unix epoch (UTC).
///
/// AWS reports dates as epoch seconds with a millisecond fraction, and two quick
/// updates must give strictly increasing `LastChangedDate`s, so milliseconds is
/// the resolution we keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

const MILLIS_PER_DAY: i64 = 86_400_000;

impl Timestamp {
    pub fn from_millis(ms: i64) -> Self {
        Timestamp(ms)
    }

    pub fn millis(self) -> i64 {
        self.0
    }

    /// Midnight UTC of the same day. AWS keeps `LastAccessedDate` at day
    /// granularity, which also means a read only writes once a day.
    pub fn truncate_to_day(self) -> Self {
        Timestamp(self.0.div_euclid(MILLIS_PER_DAY) * MILLIS_PER_DAY)
    }

    pub fn plus_days(self, days: i64) -> Self {
        Timestamp(self.0.saturating_add(days.saturating_mul(MILLIS_PER_DAY)))
    }

    /// A time strictly after `previous`, used for `LastChangedDate` so that two
    /// changes within the same millisecond still order.
    pub fn strictly_after(self, previous: Timestamp) -> Self {
        if self > previous {
            self
        } else {
            Timestamp(previous.0 + 1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_truncation() {
        assert_eq!(
            Timestamp(86_400_000 + 5).truncate_to_day(),
            Timestamp(86_400_000)
        );
        assert_eq!(Timestamp(5).truncate_to_day(), Timestamp(0));
    }

    #[test]
    fn strictly_after_orders_equal_times() {
        assert_eq!(Timestamp(10).strictly_after(Timestamp(10)), Timestamp(11));
        assert_eq!(Timestamp(12).strictly_after(Timestamp(10)), Timestamp(12));
    }
}
