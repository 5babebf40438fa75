//! Instants: STIX timestamps (`YYYY-MM-DDTHH:MM:SS[.s+]Z`, RFC 3339 in UTC)
//! as seconds and nanoseconds since the Unix epoch, compared as instants
//! (`...:00Z` equals `...:00.000Z`).

use std::fmt;

/// A point in time, to the nanosecond (finer digits are cut off).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant {
    /// Seconds since 1970-01-01T00:00:00Z (negative before).
    pub secs: i64,
    /// Nanoseconds within the second.
    pub nanos: u32,
}

impl Instant {
    /// Parses `YYYY-MM-DDTHH:MM:SS[.s+]Z` (upper-case `T` and `Z`, as the
    /// OASIS matcher requires) with a real calendar date (leap second 60
    /// allowed, counted as the next second's start). `None` when it is not of
    /// that form.
    pub fn parse(s: &str) -> Option<Instant> {
        let b = s.as_bytes();
        if b.len() < 20 || b[b.len() - 1] != b'Z' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            let d = &b[r];
            d.iter()
                .all(u8::is_ascii_digit)
                .then(|| d.iter().fold(0u32, |n, &c| n * 10 + u32::from(c - b'0')))
        };
        let seps = b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[13] == b':' && b[16] == b':';
        if !seps {
            return None;
        }
        let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
        let frac = &b[19..b.len() - 1];
        let nanos = match frac {
            [] => 0,
            [b'.', digits @ ..] if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) => {
                let mut n = 0u32;
                for i in 0..9 {
                    n = n * 10 + digits.get(i).map_or(0, |c| u32::from(c - b'0'));
                }
                n
            }
            _ => return None,
        };
        if !valid_civil(y, mo, d, h, mi, sec) {
            return None;
        }
        let days = days_from_civil(i64::from(y), mo, d);
        let secs = days * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(sec);
        Some(Instant { secs, nanos })
    }

    /// This instant moved by `seconds` (may be fractional or negative).
    pub fn add_seconds(self, seconds: f64) -> Instant {
        let total = self.secs as f64 + f64::from(self.nanos) / 1e9 + seconds;
        let secs = total.floor();
        Instant {
            secs: secs as i64,
            nanos: (((total - secs) * 1e9).round() as u32).min(999_999_999),
        }
    }

    /// Seconds from `earlier` to `self` (negative if `self` is earlier).
    pub fn seconds_since(self, earlier: Instant) -> f64 {
        (self.secs - earlier.secs) as f64 + (f64::from(self.nanos) - f64::from(earlier.nanos)) / 1e9
    }
}

impl fmt::Display for Instant {
    /// `YYYY-MM-DDTHH:MM:SS[.fff...]Z`, with as many fraction digits as needed (none for whole seconds).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.secs.div_euclid(86_400);
        let rem = self.secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
            rem / 3600,
            rem / 60 % 60,
            rem % 60
        )?;
        if self.nanos != 0 {
            let frac = format!("{:09}", self.nanos);
            write!(f, ".{}", frac.trim_end_matches('0'))?;
        }
        f.write_str("Z")
    }
}

/// Whether `y` is a leap year of the Gregorian calendar.
pub fn is_leap(y: u32) -> bool {
    (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400)
}

/// Days in month `m` (1..=12) of year `y`; 0 for a month out of range.
/// Whether a calendar date and time of day exist (a leap second allowed).
pub fn valid_civil(y: u32, mo: u32, d: u32, h: u32, mi: u32, sec: u32) -> bool {
    (1..=12).contains(&mo)
        && d != 0
        && d <= days_in_month(y, mo)
        && h <= 23
        && mi <= 59
        && sec <= 60
}

pub fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date (year, month, day) of a day number since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::Instant;

    #[test]
    fn parses_and_prints_instants() {
        let a = Instant::parse("2016-01-01T00:00:00Z").unwrap();
        let b = Instant::parse("2016-01-01T00:00:00.000Z").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.secs, 1_451_606_400);
        assert_eq!(a.to_string(), "2016-01-01T00:00:00Z");
        let c = Instant::parse("2024-02-29T23:59:59.123456789123Z").unwrap();
        assert_eq!(c.to_string(), "2024-02-29T23:59:59.123456789Z");
        assert!(Instant::parse("2023-02-29T00:00:00Z").is_none());
        assert!(Instant::parse("2016-01-01 00:00:00Z").is_none());
        assert!(Instant::parse("2016-01-01t00:00:00Z").is_none());
        assert!(Instant::parse("2016-01-01T00:00:00z").is_none());
        assert!(Instant::parse("1969-12-31T23:59:59Z").unwrap().secs == -1);
        assert_eq!(a.add_seconds(1.5).to_string(), "2016-01-01T00:00:01.5Z");
        assert_eq!(a.add_seconds(1.5).seconds_since(a), 1.5);
    }
}
