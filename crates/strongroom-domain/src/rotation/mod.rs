//! Rotation: a secret's rotation configuration and state, the rules of
//! RotationRules (AutomaticallyAfterDays, ScheduleExpression, Duration) and
//! the pure schedule evaluator: from the rules and the last rotation, when
//! the next rotation window opens and closes.
//!
//! The windows follow RotationRulesType's documentation: a `rate()` in days
//! (and AutomaticallyAfterDays) opens its window at midnight UTC, N days
//! after the day of the last rotation, and closes it at the end of that day;
//! a schedule in hours closes its window after one hour; `Duration` (`Nh`)
//! sets the length, and a window may not run into the next UTC day or the
//! next window. `rate(N hours)` opens N hours after the hour of the last
//! rotation (the documentation leaves its alignment open).

mod civil;
pub mod cron;

use crate::{Error, Timestamp};
use civil::{DAY_MS, HOUR_MS};
pub use cron::Cron;

/// The most frequent schedule AWS allows: every four hours.
pub const MIN_INTERVAL_HOURS: u32 = 4;

/// When rotations happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    /// `AutomaticallyAfterDays`, or `rate(N days)`.
    Days(u32),
    /// `rate(N hours)`.
    Hours(u32),
    /// `cron(...)`.
    Cron(Box<Cron>),
}

/// A rotation window: rotation may run at any time in `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: Timestamp,
    pub end: Timestamp,
}

impl Window {
    pub fn contains(&self, t: Timestamp) -> bool {
        self.start <= t && t < self.end
    }
}

/// RotationRules as given (echoed by DescribeSecret) and as parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationRules {
    pub automatically_after_days: Option<i64>,
    pub schedule_expression: Option<String>,
    pub duration: Option<String>,
    schedule: Schedule,
    /// The window length `Duration` sets, in milliseconds.
    window_ms: Option<i64>,
}

impl RotationRules {
    /// Checks the rules as RotateSecret does and parses them.
    pub fn new(
        automatically_after_days: Option<i64>,
        schedule_expression: Option<String>,
        duration: Option<String>,
    ) -> Result<RotationRules, Error> {
        let schedule = match (automatically_after_days, &schedule_expression) {
            (Some(_), Some(_)) => return Err(Error::RotationFrequencyAndSchedule),
            (None, None) => return Err(Error::NoRotationSchedule),
            (Some(days), None) => match u32::try_from(days) {
                Ok(d) if (1..=1000).contains(&d) => Schedule::Days(d),
                _ => return Err(Error::RotationDaysOutOfRange),
            },
            (None, Some(expr)) => parse_schedule(expr)?,
        };
        let window_ms = match &duration {
            None => None,
            Some(d) => Some(parse_duration(d)?),
        };
        let rules = RotationRules {
            automatically_after_days,
            schedule_expression,
            duration,
            schedule,
            window_ms,
        };
        rules.check_window()?;
        Ok(rules)
    }

    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    /// A window may not run into the next UTC day or the next window.
    fn check_window(&self) -> Result<(), Error> {
        let Some(len) = self.window_ms else {
            return Ok(());
        };
        let fits = match &self.schedule {
            Schedule::Days(_) => len <= DAY_MS,
            Schedule::Hours(n) => len <= i64::from(*n) * HOUR_MS,
            Schedule::Cron(c) => {
                let times = c.times_of_day();
                let day_ok = times.iter().all(|t| i64::from(*t) * 60_000 + len <= DAY_MS);
                let gaps_ok = times
                    .windows(2)
                    .all(|w| i64::from(w[1] - w[0]) * 60_000 >= len);
                day_ok && gaps_ok
            }
        };
        if fits {
            Ok(())
        } else {
            Err(Error::RotationWindowTooLong(
                self.duration.clone().unwrap_or_default(),
            ))
        }
    }

    /// The window that opens at `start` (a time the schedule opens one).
    pub fn window_at(&self, start: Timestamp) -> Window {
        let default = match &self.schedule {
            Schedule::Hours(_) => HOUR_MS,
            Schedule::Cron(c) if c.is_hourly() => HOUR_MS,
            // Schedules in days: until the end of the UTC day.
            Schedule::Days(_) | Schedule::Cron(_) => {
                (start.0.div_euclid(DAY_MS) + 1) * DAY_MS - start.0
            }
        };
        let len = self.window_ms.unwrap_or(default);
        Window {
            start,
            end: Timestamp(start.0.saturating_add(len)),
        }
    }

    /// The first window after the rotation at `last`: NextRotationDate is
    /// its start. `None` when a cron expression never fires again.
    pub fn next_window(&self, last: Timestamp) -> Option<Window> {
        let start = match &self.schedule {
            Schedule::Days(n) => Timestamp((last.0.div_euclid(DAY_MS) + i64::from(*n)) * DAY_MS),
            Schedule::Hours(n) => Timestamp((last.0.div_euclid(HOUR_MS) + i64::from(*n)) * HOUR_MS),
            Schedule::Cron(c) => c.next_after(last)?,
        };
        Some(self.window_at(start))
    }

    /// The window open at `t`, else the next one to open: where a rotation
    /// whose window was missed (the server was down) goes.
    pub fn window_at_or_after(&self, t: Timestamp) -> Option<Window> {
        match &self.schedule {
            Schedule::Days(_) => {
                let today = self.window_at(Timestamp(t.0.div_euclid(DAY_MS) * DAY_MS));
                Some(if t < today.end {
                    today
                } else {
                    self.window_at(Timestamp(today.start.0 + DAY_MS))
                })
            }
            Schedule::Hours(_) => {
                let this = self.window_at(Timestamp(t.0.div_euclid(HOUR_MS) * HOUR_MS));
                Some(if t < this.end {
                    this
                } else {
                    self.window_at(Timestamp(this.start.0 + HOUR_MS))
                })
            }
            Schedule::Cron(c) => {
                // No window is longer than a day.
                let mut start = c.next_after(Timestamp(t.0 - DAY_MS - 1))?;
                loop {
                    let w = self.window_at(start);
                    if t < w.end {
                        return Some(w);
                    }
                    start = c.next_after(start)?;
                }
            }
        }
    }
}

/// `rate(N hours|days)` or `cron(...)`.
fn parse_schedule(expr: &str) -> Result<Schedule, Error> {
    let invalid = |why: String| Error::InvalidScheduleExpression {
        expression: expr.to_owned(),
        why,
    };
    let inner = |prefix: &str| {
        expr.strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(')'))
    };
    if let Some(body) = inner("rate(") {
        let mut words = body.split_whitespace();
        let (Some(n), Some(unit), None) = (words.next(), words.next(), words.next()) else {
            return Err(invalid("a rate is rate(N hours) or rate(N days)".into()));
        };
        let n: u32 = n
            .parse()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| invalid(format!("{n} is not a positive whole number")))?;
        return match unit {
            "hour" | "hours" if n < MIN_INTERVAL_HOURS => Err(Error::RotationTooFrequent),
            "hour" | "hours" if n > 23 => Err(invalid(
                "a rate in hours takes 4 to 23 hours; use days beyond".into(),
            )),
            "hour" | "hours" => Ok(Schedule::Hours(n)),
            "day" | "days" if n > 1000 => {
                Err(invalid("a rate in days takes 1 to 1000 days".into()))
            }
            "day" | "days" => Ok(Schedule::Days(n)),
            other => Err(invalid(format!(
                "{other} is not a unit of a rotation rate (hours or days)"
            ))),
        };
    }
    if let Some(body) = inner("cron(") {
        let cron = Cron::parse(body).map_err(invalid)?;
        let times = cron.times_of_day();
        let too_often = times
            .windows(2)
            .any(|w| w[1] - w[0] < MIN_INTERVAL_HOURS * 60);
        if too_often {
            return Err(Error::RotationTooFrequent);
        }
        return Ok(Schedule::Cron(Box::new(cron)));
    }
    Err(invalid(
        "a schedule expression is rate(...) or cron(...)".into(),
    ))
}

/// `Nh`, 1 to 24 hours.
fn parse_duration(text: &str) -> Result<i64, Error> {
    text.strip_suffix('h')
        .and_then(|n| n.parse::<i64>().ok())
        .filter(|n| (1..=24).contains(n))
        .map(|n| n * HOUR_MS)
        .ok_or_else(|| Error::InvalidRotationDuration(text.to_owned()))
}

/// One rotation run: the version being rotated to and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationRun {
    /// The ClientRequestToken: the AWSPENDING version's id.
    pub token: String,
    /// Sent to the function as `RotationToken` (PutSecretValue's member).
    pub rotation_token: String,
    /// RotateImmediately=false: only testSecret runs, then AWSPENDING goes.
    pub test_only: bool,
    /// Attempts that failed so far.
    pub attempts: u32,
    /// No attempt before this time (the retry delay after a failure).
    pub not_before: Timestamp,
    /// Held by a node until this time; an expired claim (a node that
    /// stopped mid-rotation) may be taken over.
    pub claimed_until: Option<Timestamp>,
}

impl RotationRun {
    /// Free to be claimed at `now`.
    pub fn claimable(&self, now: Timestamp) -> bool {
        self.not_before <= now && self.claimed_until.is_none_or(|until| until <= now)
    }
}

/// A secret's rotation: present once RotateSecret configured it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    pub enabled: bool,
    pub lambda_arn: Option<String>,
    pub rules: Option<RotationRules>,
    pub last_rotated: Option<Timestamp>,
    /// Where the next window opens (kept, so a restart finds it).
    pub next_rotation: Option<Timestamp>,
    pub run: Option<RotationRun>,
}

impl Rotation {
    /// Recomputes NextRotationDate from the rules and the last rotation
    /// (or `now`, before the first).
    pub fn reschedule(&mut self, now: Timestamp) {
        self.next_rotation = match (&self.rules, self.enabled) {
            (Some(rules), true) => rules
                .next_window(self.last_rotated.unwrap_or(now))
                .map(|w| w.start),
            _ => None,
        };
    }

    /// A scheduled rotation is due at `now`: enabled, none running, inside
    /// its window. `Err(next)` when the window was missed: the next window
    /// to use instead (`None` when there is none).
    pub fn scheduled_due(&self, now: Timestamp) -> Result<bool, Option<Timestamp>> {
        let (Some(rules), Some(next)) = (&self.rules, self.next_rotation) else {
            return Ok(false);
        };
        if !self.enabled || self.run.is_some() || now < next {
            return Ok(false);
        }
        if rules.window_at(next).contains(now) {
            return Ok(true);
        }
        Err(rules.window_at_or_after(now).map(|w| w.start))
    }
}

#[cfg(test)]
mod tests;
