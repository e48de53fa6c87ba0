//! AWS Signature Version 4: parsing, verifying and (for our own clients and
//! the load generator) producing signatures.
//!
//! Architecture Invariant: verification takes `now` as a parameter and never
//! reads a clock; signature comparison is constant-time; no error message
//! carries a signature, a secret key or the `Authorization` header.

mod canonical;
mod error;
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzz;
mod parse;
mod sign;
mod verify;

pub use canonical::PayloadHasher;
pub use error::AuthError;
pub use parse::{AuthSource, ParsedAuth, parse_auth};
pub use sign::{SignInput, sign_headers};
pub use verify::{SigningKeyCache, check_before_body, verify_signature, verify_signature_hashed};

/// `YYYYMMDD'T'HHMMSS'Z'`, the basic ISO 8601 form SigV4 uses.
pub const AMZ_DATE_FORMAT: &str = "%Y%m%dT%H%M%SZ";

/// Formats a Unix time in milliseconds as an `X-Amz-Date` value.
pub fn format_amz_date(unix_millis: i64) -> String {
    let ts = jiff::Timestamp::from_millisecond(unix_millis).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    ts.strftime(AMZ_DATE_FORMAT).to_string()
}

/// Parses an `X-Amz-Date` value (`YYYYMMDDTHHMMSSZ`) into Unix milliseconds.
/// Hand-rolled: it runs on every request and a general parser is slower.
pub fn parse_amz_date(value: &str) -> Option<i64> {
    let b = value.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i32> {
        b[r].iter().try_fold(0i32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + i32::from(c - b'0'))
        })
    };
    let date =
        jiff::civil::Date::new(num(0..4)? as i16, num(4..6)? as i8, num(6..8)? as i8).ok()?;
    let time = jiff::civil::Time::new(num(9..11)? as i8, num(11..13)? as i8, num(13..15)? as i8, 0)
        .ok()?;
    let ts = date
        .to_datetime(time)
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .ok()?
        .timestamp();
    Some(ts.as_millisecond())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amz_dates_round_trip() {
        assert_eq!(format_amz_date(0), "19700101T000000Z");
        assert_eq!(parse_amz_date("20150830T123600Z"), Some(1_440_938_160_000));
        assert_eq!(format_amz_date(1_440_938_160_000), "20150830T123600Z");
        assert_eq!(parse_amz_date("2015-08-30"), None);
    }
}
