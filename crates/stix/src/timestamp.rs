//! STIX timestamps (STIX 2.1 §3.2): RFC 3339 in UTC, `YYYY-MM-DDTHH:MM:SS[.s+]Z`.
//!
//! Versions are compared as instants, so `...00.000Z` and `...00Z` are the same
//! version. [`Timestamp::instant_key`] gives a string whose byte order is the
//! order of instants; the store keys versions by it.

use std::fmt;

/// A parsed STIX timestamp, kept with the precision it was written in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timestamp {
    /// Year, 0..=9999.
    pub year: u16,
    /// Month, 1..=12.
    pub month: u8,
    /// Day of month, 1..=31 (checked against the month).
    pub day: u8,
    /// Hour, 0..=23.
    pub hour: u8,
    /// Minute, 0..=59.
    pub minute: u8,
    /// Second, 0..=60 (60 is a leap second, as RFC 3339 allows).
    pub second: u8,
    /// The fractional-second digits as written (may be empty).
    pub fraction: String,
}

/// Why a string is not a STIX timestamp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TimestampError(pub String);

/// Days in month `m` (1..=12) of year `y`; 0 for a month out of range.
pub(crate) fn days_in_month(y: u16, m: u8) -> u8 {
    vigil_pattern::time::days_in_month(u32::from(y), u32::from(m)) as u8
}

impl Timestamp {
    /// Parses a STIX timestamp. Only the `Z` (UTC) form is accepted, as STIX
    /// requires; dates must exist and a leap second (60) is accepted only at 23:59.
    pub fn parse(s: &str) -> Result<Timestamp, TimestampError> {
        let ts = crate::validate::time::parse(s).map_err(|e| {
            TimestampError(format!("'{s}' is not a STIX timestamp: {}", e.explain()))
        })?;
        let [year, month, day, hour, minute, second] = ts.fields();
        Ok(Timestamp {
            year,
            month: month as u8,
            day: day as u8,
            hour: hour as u8,
            minute: minute as u8,
            second: second as u8,
            fraction: ts.frac.to_string(),
        })
    }

    /// Parses a point in time as a person gives one: a STIX timestamp, or a
    /// date (`YYYY-MM-DD`) meaning its midnight UTC. For `--as-of` and `as_of=`.
    pub fn parse_instant(s: &str) -> Result<Timestamp, TimestampError> {
        if s.len() == 10 {
            Timestamp::parse(&format!("{s}T00:00:00Z"))
        } else {
            Timestamp::parse(s)
        }
    }

    /// Number of fractional-second digits as written.
    pub fn precision(&self) -> usize {
        self.fraction.len()
    }

    /// A key whose byte order is the order of instants; equal instants written with
    /// different precision (`.5Z`, `.500Z`) give the same key.
    pub fn instant_key(&self) -> String {
        fn two(out: &mut String, v: u8) {
            out.push(char::from(b'0' + v / 10 % 10));
            out.push(char::from(b'0' + v % 10));
        }
        let trimmed = self.fraction.trim_end_matches('0');
        let mut out = String::with_capacity(20 + 9.max(trimmed.len()));
        let y = self.year;
        for d in [y / 1000 % 10, y / 100 % 10, y / 10 % 10, y % 10] {
            out.push(char::from(b'0' + d as u8));
        }
        for (sep, v) in [
            ('-', self.month),
            ('-', self.day),
            ('T', self.hour),
            (':', self.minute),
            (':', self.second),
        ] {
            out.push(sep);
            two(&mut out, v);
        }
        out.push('.');
        out.push_str(trimmed);
        for _ in trimmed.len()..9 {
            out.push('0');
        }
        out
    }

    /// Seconds since the Unix epoch, ignoring the fraction (for coarse arithmetic).
    pub fn unix_seconds(&self) -> i64 {
        let days = vigil_pattern::time::days_from_civil(
            i64::from(self.year),
            u32::from(self.month),
            u32::from(self.day),
        );
        days * 86400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
    }

    /// The timestamp for a Unix time in milliseconds (three fraction digits).
    pub fn from_unix_millis(ms: i64) -> Timestamp {
        Timestamp::from_unix_parts(ms.div_euclid(1000), format!("{:03}", ms.rem_euclid(1000)))
    }

    /// The timestamp for a Unix time in microseconds (six fraction digits).
    pub fn from_unix_micros(us: i64) -> Timestamp {
        Timestamp::from_unix_parts(
            us.div_euclid(1_000_000),
            format!("{:06}", us.rem_euclid(1_000_000)),
        )
    }

    fn from_unix_parts(secs: i64, fraction: String) -> Timestamp {
        let days = secs.div_euclid(86400);
        let sod = secs.rem_euclid(86400);
        let (y, m, d) = vigil_pattern::time::civil_from_days(days);
        Timestamp {
            year: y.clamp(0, 9999) as u16,
            month: m as u8,
            day: d as u8,
            hour: (sod / 3600) as u8,
            minute: (sod % 3600 / 60) as u8,
            second: (sod % 60) as u8,
            fraction,
        }
    }

    /// Microseconds since the Unix epoch (the fraction beyond them dropped).
    pub fn unix_micros(&self) -> i64 {
        let digits: String = self
            .fraction
            .chars()
            .chain(std::iter::repeat('0'))
            .take(6)
            .collect();
        self.unix_seconds() * 1_000_000 + digits.parse::<i64>().unwrap_or(0)
    }

    /// Microseconds since the Unix epoch, now.
    pub fn unix_micros_now() -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros() as i64)
            .unwrap_or(0)
    }

    /// The current time, to the microsecond.
    pub fn now_micros() -> Timestamp {
        Timestamp::from_unix_micros(Timestamp::unix_micros_now())
    }

    /// The current time, to the millisecond.
    pub fn now() -> Timestamp {
        Timestamp::from_unix_millis(Timestamp::unix_micros_now() / 1000)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )?;
        if !self.fraction.is_empty() {
            write!(f, ".{}", self.fraction)?;
        }
        f.write_str("Z")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precision_does_not_change_the_instant() {
        let a = Timestamp::parse("2017-01-01T00:00:00Z").unwrap();
        let b = Timestamp::parse("2017-01-01T00:00:00.000Z").unwrap();
        assert_eq!(a.instant_key(), b.instant_key());
        let c = Timestamp::parse("2017-01-01T00:00:00.1Z").unwrap();
        let d = Timestamp::parse("2017-01-01T00:00:00.10000000000Z").unwrap();
        assert_eq!(c.instant_key(), d.instant_key());
        assert!(b.instant_key() < c.instant_key());
    }

    #[test]
    fn key_order_is_instant_order_beyond_nanoseconds() {
        let a = Timestamp::parse("2017-01-01T00:00:00.123456788Z").unwrap();
        let b = Timestamp::parse("2017-01-01T00:00:00.1234567881Z").unwrap();
        let c = Timestamp::parse("2017-01-01T00:00:00.123456789Z").unwrap();
        assert!(a.instant_key() < b.instant_key());
        assert!(b.instant_key() < c.instant_key());
    }

    #[test]
    fn instants_as_people_give_them() {
        assert_eq!(
            Timestamp::parse_instant("2023-01-01").unwrap().to_string(),
            "2023-01-01T00:00:00Z"
        );
        assert!(Timestamp::parse_instant("2023-01-01T12:00:00.5Z").is_ok());
        assert!(Timestamp::parse_instant("2023-02-30").is_err());
        assert!(Timestamp::parse_instant("yesterday!").is_err());
        assert!(Timestamp::parse_instant("２０２3-01").is_err());
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "2017-01-01",
            "2017-01-01T00:00:00",
            "2017-01-01T00:00:00+00:00",
            "2017-13-01T00:00:00Z",
            "2017-02-29T00:00:00Z",
            "2017-01-01T24:00:00Z",
            "2017-01-01T00:00:00.Z",
            "2017-01-01 00:00:00Z",
            "2017-01-01T00:00:00.12aZ",
            "２017-01-01T00:00:00Z",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
        assert!(Timestamp::parse("2016-02-29T23:59:60.5Z").is_ok());
    }

    #[test]
    fn unix_round_trip() {
        let t = Timestamp::parse("2023-06-15T12:34:56.789Z").unwrap();
        let ms = t.unix_seconds() * 1000 + 789;
        assert_eq!(Timestamp::from_unix_millis(ms), t);
        assert_eq!(
            Timestamp::from_unix_millis(0).to_string(),
            "1970-01-01T00:00:00.000Z"
        );
    }
}
