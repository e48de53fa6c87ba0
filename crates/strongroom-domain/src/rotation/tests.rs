use super::civil::{Civil, to_days};
use super::*;

/// 2026-`m`-`d` `h`:`min` UTC.
fn at(m: u32, d: u32, h: i64, min: i64) -> Timestamp {
    let days = to_days(Civil {
        year: 2026,
        month: m,
        day: d,
    });
    Timestamp(days * DAY_MS + h * HOUR_MS + min * 60_000)
}

fn rules(days: Option<i64>, expr: Option<&str>, duration: Option<&str>) -> RotationRules {
    RotationRules::new(days, expr.map(Into::into), duration.map(Into::into)).expect("valid rules")
}

fn err(days: Option<i64>, expr: Option<&str>, duration: Option<&str>) -> Error {
    RotationRules::new(days, expr.map(Into::into), duration.map(Into::into))
        .expect_err("invalid rules")
}

#[test]
fn rate_four_hours_opens_four_hours_after_the_last_rotations_hour_for_one_hour() {
    let r = rules(None, Some("rate(4 hours)"), None);
    let w = r.next_window(at(3, 10, 10, 20)).expect("window");
    assert_eq!(w.start, at(3, 10, 14, 0));
    assert_eq!(w.end, at(3, 10, 15, 0));
    // a 2h Duration lengthens it
    let r = rules(None, Some("rate(4 hours)"), Some("2h"));
    assert_eq!(
        r.next_window(at(3, 10, 22, 5)).expect("window"),
        Window {
            start: at(3, 11, 2, 0),
            end: at(3, 11, 4, 0)
        }
    );
}

#[test]
fn cron_on_the_first_and_fifteenth_at_16_utc_until_the_end_of_the_day() {
    let r = rules(None, Some("cron(0 16 1,15 * ? *)"), None);
    let w = r.next_window(at(3, 2, 9, 0)).expect("window");
    assert_eq!(w.start, at(3, 15, 16, 0));
    assert_eq!(
        w.end,
        at(3, 16, 0, 0),
        "a daily schedule's window ends with the day"
    );
    // strictly after: a rotation at 16:00 on the 15th waits for April 1st
    assert_eq!(
        r.next_window(at(3, 15, 16, 0)).expect("window").start,
        at(4, 1, 16, 0)
    );
    // across the year end
    assert_eq!(
        r.next_window(at(12, 20, 0, 0)).expect("window").start,
        Timestamp(
            to_days(Civil {
                year: 2027,
                month: 1,
                day: 1
            }) * DAY_MS
                + 16 * HOUR_MS
        )
    );
    let r = rules(None, Some("cron(0 16 1,15 * ? *)"), Some("3h"));
    assert_eq!(
        r.next_window(at(3, 2, 9, 0)).expect("w").end,
        at(3, 15, 19, 0)
    );
}

#[test]
fn automatically_after_days_opens_at_midnight_n_days_after_the_last_rotation() {
    let r = rules(Some(30), None, None);
    let w = r.next_window(at(1, 10, 13, 45)).expect("window");
    assert_eq!(w.start, at(2, 9, 0, 0));
    assert_eq!(w.end, at(2, 10, 0, 0));
    let r = rules(Some(1), None, Some("4h"));
    let w = r.next_window(at(1, 10, 13, 45)).expect("window");
    assert_eq!((w.start, w.end), (at(1, 11, 0, 0), at(1, 11, 4, 0)));
    // rate(N days) is the same schedule
    assert_eq!(
        rules(None, Some("rate(30 days)"), None).next_window(at(1, 10, 13, 45)),
        rules(Some(30), None, None).next_window(at(1, 10, 13, 45))
    );
}

#[test]
fn a_missed_window_moves_to_the_next_one_to_open() {
    let r = rules(Some(7), None, Some("2h"));
    // within today's window
    assert_eq!(
        r.window_at_or_after(at(5, 5, 1, 0)).expect("w").start,
        at(5, 5, 0, 0)
    );
    // past it: tomorrow's
    assert_eq!(
        r.window_at_or_after(at(5, 5, 3, 0)).expect("w").start,
        at(5, 6, 0, 0)
    );
    let c = rules(None, Some("cron(0 16 1,15 * ? *)"), Some("2h"));
    assert_eq!(
        c.window_at_or_after(at(5, 15, 17, 0)).expect("w").start,
        at(5, 15, 16, 0)
    );
    assert_eq!(
        c.window_at_or_after(at(5, 15, 18, 0)).expect("w").start,
        at(6, 1, 16, 0)
    );
}

#[test]
fn scheduled_due_only_inside_the_window() {
    let r = rules(None, Some("rate(4 hours)"), None);
    let mut rot = Rotation {
        enabled: true,
        lambda_arn: Some("arn:aws:lambda:us-east-1:123456789012:function:f".into()),
        rules: Some(r),
        last_rotated: Some(at(3, 10, 10, 20)),
        next_rotation: None,
        run: None,
    };
    rot.reschedule(at(3, 10, 10, 30));
    assert_eq!(rot.next_rotation, Some(at(3, 10, 14, 0)));
    assert_eq!(rot.scheduled_due(at(3, 10, 13, 59)), Ok(false));
    assert_eq!(rot.scheduled_due(at(3, 10, 14, 30)), Ok(true));
    assert_eq!(
        rot.scheduled_due(at(3, 10, 16, 30)),
        Err(Some(at(3, 10, 16, 0)))
    );
    rot.enabled = false;
    assert_eq!(rot.scheduled_due(at(3, 10, 14, 30)), Ok(false));
}

#[test]
fn cron_syntax() {
    let fires = |expr: &str, after: Timestamp| {
        Cron::parse(expr)
            .expect("parses")
            .next_after(after)
            .expect("fires")
    };
    // 2026-03-01 is a Sunday
    assert_eq!(fires("0 8 ? * MON *", at(3, 1, 0, 0)), at(3, 2, 8, 0));
    assert_eq!(fires("0 8 ? * 2 *", at(3, 1, 0, 0)), at(3, 2, 8, 0));
    assert_eq!(fires("0 0 ? * SUN#1 *", at(3, 2, 0, 0)), at(4, 5, 0, 0));
    assert_eq!(fires("0 16 L * ? *", at(2, 3, 0, 0)), at(2, 28, 16, 0));
    assert_eq!(fires("0 10 ? * 6L *", at(3, 1, 0, 0)), at(3, 27, 10, 0));
    assert_eq!(fires("0 8/8 * * ? *", at(3, 1, 9, 0)), at(3, 1, 16, 0));
    assert!(fires("30 2 1 JAN-MAR ? 2027", at(3, 1, 0, 0)) > at(12, 31, 0, 0));
    assert_eq!(
        fires("0 1 ? FEB,MAY,AUG,NOV TUE#2 *", at(3, 1, 0, 0)),
        at(5, 12, 1, 0)
    );
    for bad in [
        "0 16 1 * * *",   // neither day field is ?
        "0 16 ? * ? *",   // both are
        "0 16 15W * ? *", // W is not supported
        "0 24 1 * ? *",   // hour out of range
        "0 16 1 * ? ",    // five fields
        "0 16 1 13 ? *",  // month out of range
        "0 16 ? * 2#6 *", // no sixth Monday
        "0 16 5-1 * ? *", // backwards range
        "0 16 1/0 * ? *", // zero step
    ] {
        assert!(Cron::parse(bad).is_err(), "{bad}");
    }
    assert_eq!(
        Cron::parse("0 0 1 1 ? 1999")
            .expect("parses")
            .next_after(at(1, 1, 0, 0)),
        None
    );
}

#[test]
fn rules_are_checked_as_rotate_secret_does() {
    assert_eq!(
        err(Some(3), Some("rate(4 hours)"), None),
        Error::RotationFrequencyAndSchedule
    );
    assert_eq!(
        Error::RotationFrequencyAndSchedule.to_string(),
        "You cannot specify both rotation frequency and schedule expression together."
    );
    assert_eq!(err(Some(0), None, None), Error::RotationDaysOutOfRange);
    assert_eq!(err(Some(1001), None, None), Error::RotationDaysOutOfRange);
    assert_eq!(err(None, None, Some("2h")), Error::NoRotationSchedule);
    assert_eq!(
        err(None, Some("rate(3 hours)"), None),
        Error::RotationTooFrequent
    );
    assert_eq!(
        err(None, Some("cron(0 */2 * * ? *)"), None),
        Error::RotationTooFrequent
    );
    assert_eq!(
        err(None, Some("cron(0,30 8 * * ? *)"), None),
        Error::RotationTooFrequent
    );
    assert!(matches!(
        err(None, Some("rate(4 minutes)"), None),
        Error::InvalidScheduleExpression { .. }
    ));
    assert!(matches!(
        err(None, Some("at(2026-01-01T00:00:00)"), None),
        Error::InvalidScheduleExpression { .. }
    ));
    assert_eq!(
        err(Some(1), None, Some("0h")),
        Error::InvalidRotationDuration("0h".into())
    );
    assert_eq!(
        err(Some(1), None, Some("3")),
        Error::InvalidRotationDuration("3".into())
    );
    // windows that run into the next day or window
    assert_eq!(
        err(None, Some("rate(4 hours)"), Some("5h")),
        Error::RotationWindowTooLong("5h".into())
    );
    assert_eq!(
        err(None, Some("cron(0 22 * * ? *)"), Some("3h")),
        Error::RotationWindowTooLong("3h".into())
    );
    assert_eq!(
        err(None, Some("cron(0 4,8 * * ? *)"), Some("5h")),
        Error::RotationWindowTooLong("5h".into())
    );
    for kind in [
        Error::RotationFrequencyAndSchedule,
        Error::RotationTooFrequent,
        Error::RotationWindowTooLong("5h".into()),
    ] {
        assert_eq!(kind.kind(), crate::ErrorKind::InvalidParameter);
    }
    // the given members are kept as given
    let r = rules(None, Some("cron(0 16 1,15 * ? *)"), Some("3h"));
    assert_eq!(
        r.schedule_expression.as_deref(),
        Some("cron(0 16 1,15 * ? *)")
    );
    assert_eq!(r.duration.as_deref(), Some("3h"));
    assert_eq!(r.automatically_after_days, None);
}
