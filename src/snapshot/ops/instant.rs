//! RFC 3339 timestamps, for the `after` and `before` conditions and the
//! command line's `--now`.
//!
//! Accepted: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`, years
//! 0000–9999, with `t` for `T`, `z` for `Z`, or a single space in place of
//! `T` (RFC 3339 §5.6 allows these). The day is checked against the month
//! and leap years (proleptic Gregorian calendar); hours 0–23, minutes
//! 0–59, seconds 0–60; offsets up to ±23:59.
//!
//! The result is milliseconds since the Unix epoch, which conditions
//! compare with an integer `now` (`now >= instant`, `now < instant`), so:
//! - a fraction of any length is rounded **up** to a whole millisecond
//!   (`…:00.0001Z` is 1 ms after `…:00Z`): a clock that reads a whole
//!   millisecond has then passed the instant exactly when `now >= ms`;
//! - a leap second (`:60`, accepted on any minute) is the last millisecond
//!   of its minute (`23:59:60Z` and `23:59:60.5Z` are `23:59:59.999Z`),
//!   since Unix time has no room for it.
//!
//! That is for thresholds. The instant of an evaluation (the command
//! line's `--now`) is a clock reading: [`parse_rfc3339_floor`] rounds its
//! fraction **down**, so `…:59.9999Z` has not yet reached the next second.

/// The `n` ASCII digits at `at` as a number.
fn digits(b: &[u8], at: usize, n: usize) -> Option<i64> {
    b.get(at..at.checked_add(n)?)?
        .iter()
        .try_fold(0i64, |v, &d| {
            let d = char::from(d).to_digit(10)?;
            v.checked_mul(10)?.checked_add(i64::from(d))
        })
}

/// Whether byte `at` is `want`.
fn is(b: &[u8], at: usize, want: u8) -> bool {
    b.get(at) == Some(&want)
}

/// Whether `year` is a Gregorian leap year.
fn is_leap(year: i64) -> bool {
    (year.rem_euclid(4) == 0 && year.rem_euclid(100) != 0) || year.rem_euclid(400) == 0
}

/// Days in `month` (1–12) of `year`.
fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
// The caller passes years 0–9999, months 1–12 and days 1–31, so every
// intermediate value is below 4 × 10^6 in magnitude: no overflow.
#[allow(clippy::arithmetic_side_effects)]
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400; // 0..=399
    let month_from_march = (month + 9) % 12; // March = 0 … February = 11
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1; // 0..=365
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of a day counted from 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, the inverse of [`days_from_civil`]).
// Days are within ±4 × 10^9 (from milliseconds of an i64): no overflow.
#[allow(clippy::arithmetic_side_effects)]
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097; // 0..=146096
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Appends `n` with leading zeros up to `width` digits.
fn padded(out: &mut alloc::string::String, n: i64, width: usize) {
    let mut digits = alloc::string::String::new();
    crate::text::push_i64(&mut digits, n);
    for _ in digits.len()..width {
        out.push('0');
    }
    out.push_str(&digits);
}

/// An instant as RFC 3339 in UTC, `YYYY-MM-DDTHH:MM:SSZ`, with `.mmm`
/// only when the milliseconds are not zero; for messages about time
/// windows. Years outside 0000–9999 are written with as many digits as
/// they need.
#[must_use]
pub fn format_rfc3339(ms: i64) -> alloc::string::String {
    let (days, ms_of_day) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let (year, month, day) = civil_from_days(days);
    let mut out = alloc::string::String::with_capacity(24);
    padded(&mut out, year, 4);
    out.push('-');
    padded(&mut out, month, 2);
    out.push('-');
    padded(&mut out, day, 2);
    out.push('T');
    padded(&mut out, ms_of_day / 3_600_000, 2);
    out.push(':');
    padded(&mut out, ms_of_day / 60_000 % 60, 2);
    out.push(':');
    padded(&mut out, ms_of_day / 1000 % 60, 2);
    if ms_of_day % 1000 != 0 {
        out.push('.');
        padded(&mut out, ms_of_day % 1000, 3);
    }
    out.push('Z');
    out
}

/// The fraction of a second starting at `at` (just after the `.`): its
/// value in milliseconds (rounded up if `up`, else down), and the index
/// just past it.
fn fraction(b: &[u8], at: usize, up: bool) -> Option<(i64, usize)> {
    let len = b
        .get(at..)?
        .iter()
        .take_while(|d| d.is_ascii_digit())
        .count();
    if len == 0 {
        return None;
    }
    let frac = b.get(at..at.checked_add(len)?)?;
    let mut ms: i64 = 0;
    for i in 0..3 {
        let d = frac
            .get(i)
            .map_or(Some(0), |&d| char::from(d).to_digit(10))?;
        ms = ms.checked_mul(10)?.checked_add(i64::from(d))?;
    }
    let below_ms = up && frac.iter().skip(3).any(|d| *d != b'0');
    Some((ms.checked_add(i64::from(below_ms))?, at.checked_add(len)?))
}

/// Parses an RFC 3339 timestamp into milliseconds since the Unix epoch
/// (negative before 1970), per the module documentation: fractions are
/// rounded up to a whole millisecond and a leap second is the last
/// millisecond of its minute. `None` if `s` is not such a timestamp.
#[must_use]
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    parse(s, true)
}

/// Like [`parse_rfc3339`], but a fraction is rounded **down** to a whole
/// millisecond: for an instant that is a clock reading (`--now`), which
/// has reached a threshold only once it is really there.
#[must_use]
pub fn parse_rfc3339_floor(s: &str) -> Option<i64> {
    parse(s, false)
}

/// [`parse_rfc3339`], the fraction rounded up if `up`, else down.
fn parse(s: &str, up: bool) -> Option<i64> {
    let b = s.as_bytes();
    if !(is(b, 4, b'-')
        && is(b, 7, b'-')
        && matches!(b.get(10), Some(b'T' | b't' | b' '))
        && is(b, 13, b':')
        && is(b, 16, b':'))
    {
        return None;
    }
    let (year, month, day) = (digits(b, 0, 4)?, digits(b, 5, 2)?, digits(b, 8, 2)?);
    let (hour, minute, second) = (digits(b, 11, 2)?, digits(b, 14, 2)?, digits(b, 17, 2)?);
    if !(1..=12).contains(&month)
        || !(1..=days_in_month(year, month)).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let (mut ms, at) = if is(b, 19, b'.') {
        fraction(b, 20, up)?
    } else {
        (0, 19)
    };
    let second = if second == 60 {
        ms = 999;
        59
    } else {
        second
    };
    let offset_minutes = match (b.get(at), b.get(at..)?.len()) {
        (Some(b'Z' | b'z'), 1) => 0,
        (Some(sign @ (b'+' | b'-')), 6) => {
            let hours = digits(b, at.checked_add(1)?, 2)?;
            let minutes = digits(b, at.checked_add(4)?, 2)?;
            if !is(b, at.checked_add(3)?, b':') || hours > 23 || minutes > 59 {
                return None;
            }
            let offset = hours.checked_mul(60)?.checked_add(minutes)?;
            if *sign == b'-' {
                offset.checked_neg()?
            } else {
                offset
            }
        }
        _ => return None,
    };
    let seconds = days_from_civil(year, month, day)
        .checked_mul(86_400)?
        .checked_add(hour.checked_mul(3_600)?)?
        .checked_add(minute.checked_mul(60)?)?
        .checked_add(second)?
        .checked_sub(offset_minutes.checked_mul(60)?)?;
    seconds.checked_mul(1_000)?.checked_add(ms)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    /// 2023-11-26T00:00:00Z.
    const NOV_26: i64 = 1_700_956_800_000;

    #[test]
    fn the_epoch_and_known_instants() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2023-11-26T00:00:00Z"), Some(NOV_26));
        assert_eq!(parse_rfc3339("2000-03-01T00:00:00Z"), Some(951_868_800_000));
        assert_eq!(
            parse_rfc3339("2038-01-19T03:14:08Z"),
            Some((1 << 31) * 1000)
        );
        assert_eq!(
            parse_rfc3339("0000-01-01T00:00:00Z"),
            Some(-62_167_219_200_000)
        );
        assert_eq!(
            parse_rfc3339("9999-12-31T23:59:59Z"),
            Some(253_402_300_799_000)
        );
    }

    #[test]
    fn instants_before_1970_are_negative() {
        assert_eq!(parse_rfc3339("1969-12-31T23:59:59Z"), Some(-1_000));
        assert_eq!(parse_rfc3339("1969-12-31T23:59:59.999Z"), Some(-1));
        assert_eq!(
            parse_rfc3339("1900-01-01T00:00:00Z"),
            Some(-2_208_988_800_000)
        );
        assert_eq!(
            parse_rfc3339("1600-02-29T12:00:00Z"),
            Some(-11_670_955_200_000)
        );
    }

    #[test]
    fn leap_days() {
        assert_eq!(
            parse_rfc3339("2024-02-29T00:00:00Z"),
            Some(1_709_164_800_000)
        );
        assert_eq!(parse_rfc3339("2000-02-29T00:00:00Z"), Some(951_782_400_000));
        assert_eq!(parse_rfc3339("2023-02-29T00:00:00Z"), None);
        assert_eq!(
            parse_rfc3339("1900-02-29T00:00:00Z"),
            None,
            "not a leap year"
        );
        assert_eq!(parse_rfc3339("2024-02-30T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("2024-04-31T00:00:00Z"), None);
        assert!(parse_rfc3339("2024-12-31T00:00:00Z").is_some());
    }

    #[test]
    fn offsets_and_spellings() {
        assert_eq!(parse_rfc3339("2023-11-26T01:00:00+01:00"), Some(NOV_26));
        assert_eq!(parse_rfc3339("2023-11-25T19:00:00-05:00"), Some(NOV_26));
        assert_eq!(parse_rfc3339("2023-11-26T05:30:00+05:30"), Some(NOV_26));
        assert_eq!(parse_rfc3339("2023-11-26T00:00:00-00:00"), Some(NOV_26));
        assert_eq!(parse_rfc3339("2023-11-26T23:59:00+23:59"), Some(NOV_26));
        assert_eq!(parse_rfc3339("2023-11-26t00:00:00z"), Some(NOV_26));
        assert_eq!(parse_rfc3339("2023-11-26 00:00:00Z"), Some(NOV_26));
    }

    #[test]
    fn fractions_round_up_to_the_millisecond() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00.5Z"), Some(500));
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00.12Z"), Some(120));
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00.123Z"), Some(123));
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00.1230000Z"), Some(123));
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00.0001Z"), Some(1));
        assert_eq!(
            parse_rfc3339("1970-01-01T00:00:00.123000000001Z"),
            Some(124)
        );
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00.9999Z"), Some(1_000));
        assert_eq!(parse_rfc3339("1969-12-31T23:59:59.0001Z"), Some(-999));
        assert_eq!(parse_rfc3339("2023-11-26T01:00:00.000+01:00"), Some(NOV_26));
    }

    #[test]
    fn the_floor_variant_rounds_fractions_down() {
        let floor = parse_rfc3339_floor;
        assert_eq!(floor("1970-01-01T00:00:00.0001Z"), Some(0));
        assert_eq!(floor("1970-01-01T00:00:00.123999Z"), Some(123));
        assert_eq!(floor("2023-11-25T23:59:59.9999Z"), Some(NOV_26 - 1));
        assert_eq!(floor("1969-12-31T23:59:59.9999Z"), Some(-1));
        assert_eq!(floor("1969-12-31T23:59:59.0001Z"), Some(-1_000));
        assert_eq!(floor("2016-12-31T23:59:60.5Z"), Some(1_483_228_799_999));
        assert_eq!(floor("2023-11-26T00:00:00Z"), Some(NOV_26));
        assert_eq!(floor("2023-11-26T00:00:00.Z"), None);
    }

    #[test]
    fn a_leap_second_is_the_last_millisecond_of_its_minute() {
        let last = parse_rfc3339("2016-12-31T23:59:59.999Z");
        assert_eq!(last, Some(1_483_228_799_999));
        assert_eq!(parse_rfc3339("2016-12-31T23:59:60Z"), last);
        assert_eq!(parse_rfc3339("2016-12-31T23:59:60.5Z"), last);
        assert_eq!(parse_rfc3339("2017-01-01T00:59:60+01:00"), last);
    }

    #[test]
    fn text_that_is_not_an_instant() {
        for bad in [
            "",
            "yesterday",
            "2023-11-26",
            "2023-11-26T00:00",
            "2023-11-26T00:00:00",
            "2023-11-26T00:00:00.",
            "2023-11-26T00:00:00.Z",
            "2023-11-26T00:00:00,5Z",
            "2023-13-01T00:00:00Z",
            "2023-00-01T00:00:00Z",
            "2023-01-00T00:00:00Z",
            "2023-01-32T00:00:00Z",
            "2023-11-26T24:00:00Z",
            "2023-11-26T00:60:00Z",
            "2023-11-26T00:00:61Z",
            "2023-11-26T00:00:00+1:00",
            "2023-11-26T00:00:00+01",
            "2023-11-26T00:00:00+0100",
            "2023-11-26T00:00:00+24:00",
            "2023-11-26T00:00:00+01:60",
            "2023-11-26T00:00:00Z ",
            " 2023-11-26T00:00:00Z",
            "2023-11-26T00:00:00ZZ",
            "2023-11-26T00:00:00+01:00Z",
            "2023-11-26X00:00:00Z",
            "2023-11-26  00:00:00Z",
            "2023-11-26T0:00:00Z",
            "+2023-11-26T00:00:00Z",
            "-2023-11-26T00:00:00Z",
            "12023-11-26T00:00:00Z",
            "2023/11/26T00:00:00Z",
            "2023-1a-26T00:00:00Z",
            "2023-11-26T00:00:00+-1:00",
            "2023-11-26T00:00:00.-1Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad:?}");
        }
    }

    /// Every day from 0000-01-01 to 9999-12-31 is one day after the one
    /// before (checks `days_from_civil` and the month lengths together).
    #[test]
    fn consecutive_days() {
        let mut previous = days_from_civil(0, 1, 1) - 1;
        for year in 0..=9999 {
            for month in 1..=12 {
                for day in 1..=days_in_month(year, month) {
                    let d = days_from_civil(year, month, day);
                    assert_eq!(d, previous + 1, "{year}-{month}-{day}");
                    previous = d;
                }
            }
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
    }

    /// Formatting inverts parsing, every 61st day over the whole range and at
    /// the edges of a day.
    #[test]
    fn formats_what_it_parses() {
        for days in (days_from_civil(0, 1, 1)..=days_from_civil(9999, 12, 31)).step_by(61) {
            for ms in [0, 1, 999, 1000, 43_199_999, 86_399_999] {
                let at = days * 86_400_000 + ms;
                let text = format_rfc3339(at);
                assert_eq!(parse_rfc3339(&text), Some(at), "{text}");
            }
        }
        assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(
            format_rfc3339(1_700_956_800_123),
            "2023-11-26T00:00:00.123Z"
        );
        assert_eq!(format_rfc3339(-1), "1969-12-31T23:59:59.999Z");
    }
}
