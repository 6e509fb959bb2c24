//! RFC 3339 instants, for `after`/`before` conditions and `--now`.
//!
//! `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, with `t`/`z` or a space
//! accepted as RFC 3339 §5.6 allows. A leap second (`:60`) counts as the
//! last millisecond of its minute. Fractions are rounded up to a whole
//! millisecond, because conditions compare `now >= instant` and
//! `now < instant` with an integer `now`.

fn digits(b: &[u8], at: usize, n: usize) -> Option<i64> {
    let mut v: i64 = 0;
    for i in at..at + n {
        let d = *b.get(i)?;
        if !d.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(d - b'0');
    }
    Some(v)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Milliseconds since the Unix epoch; `None` if `s` is not an RFC 3339 instant.
#[must_use]
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let (year, month, day) = (digits(b, 0, 4)?, digits(b, 5, 2)?, digits(b, 8, 2)?);
    if b.get(4) != Some(&b'-')
        || b.get(7) != Some(&b'-')
        || !matches!(b.get(10), Some(b'T' | b't' | b' '))
    {
        return None;
    }
    let (hour, minute, second) = (digits(b, 11, 2)?, digits(b, 14, 2)?, digits(b, 17, 2)?);
    if b.get(13) != Some(&b':') || b.get(16) != Some(&b':') {
        return None;
    }
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut at = 19;
    let mut extra_ms: i64 = 0;
    if b.get(at) == Some(&b'.') {
        at += 1;
        let start = at;
        let mut ms: i64 = 0;
        let mut rest_nonzero = false;
        while let Some(d) = b.get(at).filter(|d| d.is_ascii_digit()) {
            let i = at - start;
            if i < 3 {
                ms = ms * 10 + i64::from(d - b'0');
            } else if *d != b'0' {
                rest_nonzero = true;
            }
            at += 1;
        }
        let n = at - start;
        if n == 0 {
            return None;
        }
        for _ in n..3 {
            ms *= 10;
        }
        extra_ms = ms + i64::from(rest_nonzero);
    }
    let offset_min = match b.get(at) {
        Some(b'Z' | b'z') => {
            at += 1;
            0
        }
        Some(sign @ (b'+' | b'-')) => {
            let (oh, om) = (digits(b, at + 1, 2)?, digits(b, at + 4, 2)?);
            if b.get(at + 3) != Some(&b':') || oh > 23 || om > 59 {
                return None;
            }
            at += 6;
            if *sign == b'+' {
                oh * 60 + om
            } else {
                -(oh * 60 + om)
            }
        }
        _ => return None,
    };
    if at != b.len() {
        return None;
    }
    let (second, extra_ms) = if second == 60 {
        (59, 999)
    } else {
        (second, extra_ms)
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_min * 60;
    Some(secs * 1000 + extra_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339("2023-11-26T00:00:00Z"),
            Some(1_700_956_800_000)
        );
        assert_eq!(
            parse_rfc3339("2023-11-26T01:00:00+01:00"),
            Some(1_700_956_800_000)
        );
        assert_eq!(
            parse_rfc3339("2023-11-25t19:00:00-05:00"),
            Some(1_700_956_800_000)
        );
        assert_eq!(
            parse_rfc3339("2023-11-26 00:00:00z"),
            Some(1_700_956_800_000)
        );
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00.5Z"), Some(500));
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00.123Z"), Some(123));
        assert_eq!(
            parse_rfc3339("1970-01-01T00:00:00.0001Z"),
            Some(1),
            "fractions round up"
        );
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00.1230000Z"), Some(123));
        assert_eq!(parse_rfc3339("1969-12-31T23:59:59Z"), Some(-1000));
        assert_eq!(
            parse_rfc3339("2024-02-29T00:00:00Z"),
            Some(1_709_164_800_000)
        );
        assert_eq!(
            parse_rfc3339("2016-12-31T23:59:60Z"),
            Some(1_483_228_799_999)
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
    fn not_instants() {
        for bad in [
            "",
            "2023-11-26",
            "2023-11-26T00:00:00",
            "2023-02-29T00:00:00Z",
            "2023-13-01T00:00:00Z",
            "2023-00-01T00:00:00Z",
            "2023-11-26T24:00:00Z",
            "2023-11-26T00:60:00Z",
            "2023-11-26T00:00:61Z",
            "2023-11-26T00:00:00.Z",
            "2023-11-26T00:00:00+1:00",
            "2023-11-26T00:00:00+24:00",
            "2023-11-26T00:00:00Z ",
            "yesterday",
            "2023-11-26X00:00:00Z",
            "+2023-11-26T00:00:00Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad:?}");
        }
    }
}
