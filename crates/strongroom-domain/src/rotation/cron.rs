//! AWS's six-field cron (`cron(Minutes Hours Day-of-month Month Day-of-week
//! Year)`, UTC), as EventBridge and Secrets Manager read it: `*`, `?`,
//! lists, ranges, `/` steps, month and weekday names (weekdays 1–7 are
//! SUN–SAT), `L` (last day of the month, or with a weekday the last such
//! weekday) and `#` (the n-th weekday of the month). `W` (nearest weekday)
//! is refused. Exactly one of day-of-month and day-of-week must be `?`.
//!
//! Written here rather than taken from a crate: the cron crates read the
//! Unix or Quartz dialects, whose weekday numbering and `?` rules differ.

use super::civil::{Civil, days_in_month, from_days, to_days, weekday};
use crate::Timestamp;

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// Years beyond which no match is looked for (EventBridge's range ends at 2199).
const LAST_YEAR: i64 = 2199;

/// The day-of-month field.
#[derive(Debug, Clone, PartialEq, Eq)]
enum DayOfMonth {
    Any,
    Days(Vec<bool>),
    Last,
}

/// The day-of-week field (0 = Sunday internally).
#[derive(Debug, Clone, PartialEq, Eq)]
enum DayOfWeek {
    Any,
    Days(Vec<bool>),
    /// `5L`: the last Thursday of the month.
    Last(u32),
    /// `2#1`: the first Monday of the month.
    Nth(u32, u32),
}

/// A parsed cron expression (the part inside `cron(...)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    minutes: Vec<bool>,
    hours: Vec<bool>,
    dom: DayOfMonth,
    months: Vec<bool>,
    dow: DayOfWeek,
    /// `None`: every year.
    years: Option<(Vec<bool>, i64)>,
}

impl Cron {
    /// Parses the six fields; the error says what is wrong, for the message.
    pub fn parse(text: &str) -> Result<Cron, String> {
        let fields: Vec<&str> = text.split_whitespace().collect();
        if fields.len() != 6 {
            return Err(format!(
                "a cron expression has six fields (minutes hours day-of-month month day-of-week year), not {}",
                fields.len()
            ));
        }
        let minutes = set(fields[0], 0, 59, &[], "minutes")?;
        let hours = set(fields[1], 0, 23, &[], "hours")?;
        let months = set(fields[3], 1, 12, &MONTHS, "month")?;
        let (dom_text, dow_text) = (fields[2], fields[4]);
        if (dom_text == "?") == (dow_text == "?") {
            return Err(
                "exactly one of the day-of-month and day-of-week fields must be ?".to_owned(),
            );
        }
        let dom = match dom_text {
            "?" => DayOfMonth::Any,
            "L" => DayOfMonth::Last,
            t if t.contains('W') => {
                return Err("the W (nearest weekday) form is not supported".to_owned());
            }
            t => DayOfMonth::Days(set(t, 1, 31, &[], "day-of-month")?),
        };
        let dow = match dow_text {
            "?" => DayOfWeek::Any,
            "L" => DayOfWeek::Days(one(6, 7)),
            t if t.ends_with('L') => DayOfWeek::Last(weekday_value(&t[..t.len() - 1])?),
            t if t.contains('#') => {
                let (day, nth) = t.split_once('#').unwrap_or((t, ""));
                let nth: u32 = nth
                    .parse()
                    .ok()
                    .filter(|n| (1..=5).contains(n))
                    .ok_or_else(|| format!("{t}: the n of day#n must be 1 to 5"))?;
                DayOfWeek::Nth(weekday_value(day)?, nth)
            }
            t => {
                let days = set(t, 1, 7, &WEEKDAYS, "day-of-week")?;
                // 1..=7 → 0..=6 (Sunday first)
                DayOfWeek::Days(days[1..].to_vec())
            }
        };
        let years = match fields[5] {
            "*" => None,
            t => {
                let first = 1970;
                let years = set(t, first, LAST_YEAR as u32, &[], "year")?;
                Some((years, i64::from(first)))
            }
        };
        Ok(Cron {
            minutes,
            hours,
            dom,
            months,
            dow,
            years,
        })
    }

    /// Minutes of the day (sorted) at which the expression fires on a day it matches.
    pub fn times_of_day(&self) -> Vec<u32> {
        let mut out = Vec::new();
        for (h, _) in self.hours.iter().enumerate().filter(|(_, on)| **on) {
            for (m, _) in self.minutes.iter().enumerate().filter(|(_, on)| **on) {
                out.push(h as u32 * 60 + m as u32);
            }
        }
        out
    }

    /// True when it fires at more than one hour of a day.
    pub fn is_hourly(&self) -> bool {
        self.hours.iter().filter(|h| **h).count() > 1
    }

    fn matches_day(&self, c: Civil) -> bool {
        if let Some((years, first)) = &self.years {
            let Some(on) = usize::try_from(c.year - first)
                .ok()
                .and_then(|i| years.get(i))
            else {
                return false;
            };
            if !on {
                return false;
            }
        }
        if !self.months[c.month as usize] {
            return false;
        }
        let last = days_in_month(c.year, c.month);
        let wd = weekday(to_days(c));
        let dom_ok = match &self.dom {
            DayOfMonth::Any => true,
            DayOfMonth::Last => c.day == last,
            DayOfMonth::Days(d) => d[c.day as usize],
        };
        let dow_ok = match &self.dow {
            DayOfWeek::Any => true,
            DayOfWeek::Days(d) => d[wd as usize],
            DayOfWeek::Last(w) => wd == *w && c.day + 7 > last,
            DayOfWeek::Nth(w, n) => wd == *w && (c.day - 1) / 7 + 1 == *n,
        };
        dom_ok && dow_ok
    }

    /// The first time the expression fires strictly after `after`, if any
    /// before the end of year 2199.
    pub fn next_after(&self, after: Timestamp) -> Option<Timestamp> {
        const MINUTE: i64 = 60_000;
        let times = self.times_of_day();
        // the next whole minute after `after`
        let start = (after.0.div_euclid(MINUTE) + 1) * MINUTE;
        let mut day = start.div_euclid(super::civil::DAY_MS);
        let mut from_minute = (start.rem_euclid(super::civil::DAY_MS) / MINUTE) as u32;
        loop {
            let c = from_days(day);
            if c.year > LAST_YEAR {
                return None;
            }
            if self.matches_day(c)
                && let Some(t) = times.iter().find(|t| **t >= from_minute)
            {
                return Some(Timestamp(
                    day * super::civil::DAY_MS + i64::from(*t) * MINUTE,
                ));
            }
            day += 1;
            from_minute = 0;
        }
    }
}

fn one(index: usize, len: usize) -> Vec<bool> {
    let mut v = vec![false; len];
    v[index] = true;
    v
}

/// A weekday for `L` and `#` forms: 1–7 or SUN–SAT, as 0 (Sunday) to 6.
fn weekday_value(text: &str) -> Result<u32, String> {
    value(text, 1, 7, &WEEKDAYS, "day-of-week").map(|d| d - 1)
}

/// One value of a field: a number within `min..=max`, or a name (the
/// names stand for `min`, `min + 1`, …).
fn value(text: &str, min: u32, max: u32, names: &[&str], field: &str) -> Result<u32, String> {
    if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(text)) {
        return Ok(min + i as u32);
    }
    match text.parse::<u32>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("{text} is not a valid {field} value ({min}-{max})")),
    }
}

/// A field of lists, ranges and steps, as a membership table indexed by
/// value (`len = max + 1`, or `max - min + 1` for years).
fn set(text: &str, min: u32, max: u32, names: &[&str], field: &str) -> Result<Vec<bool>, String> {
    // Years are kept relative to `min`, the rest by value.
    let offset = if min >= 1970 { min } else { 0 };
    let mut out = vec![false; (max - offset + 1) as usize];
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => {
                let step: u32 = s.parse().ok().filter(|s| *s >= 1).ok_or_else(|| {
                    format!("{part}: the step of a {field} field must be a positive number")
                })?;
                (r, step)
            }
            None => (part, 1),
        };
        let has_step = part.contains('/');
        let (from, to) = match range {
            "*" => (min, max),
            r => match r.split_once('-') {
                Some((a, b)) => {
                    let (a, b) = (
                        value(a, min, max, names, field)?,
                        value(b, min, max, names, field)?,
                    );
                    if a > b {
                        return Err(format!("{r}: a {field} range must go upwards"));
                    }
                    (a, b)
                }
                // `a/n` runs from a to the end of the field
                None => {
                    let a = value(r, min, max, names, field)?;
                    (a, if has_step { max } else { a })
                }
            },
        };
        let mut v = from;
        while v <= to {
            out[(v - offset) as usize] = true;
            v += step;
        }
    }
    Ok(out)
}
