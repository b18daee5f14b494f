//! RFC 3339 UTC timestamps and calendar dates, in the one form entries use.

use std::time::{SystemTime, UNIX_EPOCH};

/// `YYYY-MM-DDTHH:MM:SSZ` for the current time (UTC, whole seconds).
pub fn now_rfc3339() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format_unix(secs)
}

/// `YYYY-MM-DDTHH:MM:SSZ` for seconds since the Unix epoch.
pub fn format_unix(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// True for exactly `YYYY-MM-DDTHH:MM:SSZ` naming a real UTC instant (no leap seconds, no offset,
/// no fraction): one spelling per instant, so canonical bytes stay canonical.
pub fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 20
        && s.is_ascii()
        && is_date(&s[..10])
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'Z'
        && two(&b[11..13]).is_some_and(|h| h < 24)
        && two(&b[14..16]).is_some_and(|m| m < 60)
        && two(&b[17..19]).is_some_and(|s| s < 60)
}

/// True for exactly `YYYY-MM-DD` naming a real day of the proleptic Gregorian calendar.
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let (Some(y), Some(m), Some(d)) = (digits(&b[..4]), two(&b[5..7]), two(&b[8..10])) else {
        return false;
    };
    (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m)
}

fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

fn two(b: &[u8]) -> Option<u32> {
    digits(b)
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

// Howard Hinnant's days-to-civil algorithm (public domain description), days since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_unix(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_unix(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_unix(1_737_936_000), "2025-01-27T00:00:00Z");
        assert!(is_timestamp(&now_rfc3339()));
    }

    #[test]
    fn validates() {
        assert!(is_timestamp("2025-01-27T12:34:56Z"));
        for bad in [
            "2025-01-27T12:34:56+00:00",
            "2025-01-27T12:34:56.1Z",
            "2025-01-27 12:34:56Z",
            "2025-02-29T00:00:00Z",
            "2025-01-27T24:00:00Z",
            "2025-01-27T12:60:00Z",
            "2025-1-27T12:34:56Z",
            "",
        ] {
            assert!(!is_timestamp(bad), "{bad}");
        }
        assert!(is_date("2024-02-29"));
        assert!(!is_date("2023-02-29"));
        assert!(!is_date("2023-13-01"));
        assert!(!is_date("2023-00-01"));
        assert!(!is_date("2023-01-00"));
        assert!(!is_date("2023-01-1x"));
    }
}
