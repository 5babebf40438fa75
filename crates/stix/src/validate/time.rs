//! Timestamp checks for validation (STIX 2.1 §2.16 "Timestamp"):
//! RFC 3339 in UTC, `YYYY-MM-DDTHH:MM:SS[.s+]Z`, with real calendar dates.
//!
//! This is the one timestamp parser: it borrows, because validation runs on every
//! property of every imported object and must not allocate on the happy path;
//! [`crate::Timestamp::parse`] builds an owned timestamp from it.

use std::cmp::Ordering;

/// A parsed timestamp that borrows its fractional digits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ts<'a> {
    /// Year, month, day, hour, minute, second.
    fields: [u16; 6],
    /// Fractional-second digits as written (may be empty).
    pub frac: &'a str,
}

impl Ts<'_> {
    /// Year, month, day, hour, minute, second.
    pub fn fields(&self) -> [u16; 6] {
        self.fields
    }

    /// Number of fractional-second digits as written.
    pub fn precision(&self) -> usize {
        self.frac.len()
    }
}

impl PartialEq for Ts<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Ts<'_> {}

impl PartialOrd for Ts<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ts<'_> {
    /// Orders by instant: `.5Z` and `.500Z` are equal.
    fn cmp(&self, other: &Self) -> Ordering {
        self.fields.cmp(&other.fields).then_with(|| {
            let (a, b) = (self.frac.as_bytes(), other.frac.as_bytes());
            for i in 0..a.len().max(b.len()) {
                let x = a.get(i).copied().unwrap_or(b'0');
                let y = b.get(i).copied().unwrap_or(b'0');
                match x.cmp(&y) {
                    Ordering::Equal => continue,
                    o => return o,
                }
            }
            Ordering::Equal
        })
    }
}

/// Why a string is not a STIX timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TsError {
    /// Not of the form `YYYY-MM-DDTHH:MM:SS[.s+]Z`.
    Format,
    /// Well-formed but not a real date or time of day (e.g. February 30).
    Calendar(&'static str),
}

impl TsError {
    /// A message fragment saying what is wrong.
    pub fn explain(self) -> &'static str {
        match self {
            TsError::Format => "expected the RFC 3339 UTC form YYYY-MM-DDTHH:MM:SS[.s+]Z",
            TsError::Calendar(why) => why,
        }
    }
}

/// Parses a STIX timestamp without allocating.
pub(crate) fn parse(s: &str) -> Result<Ts<'_>, TsError> {
    let b = s.as_bytes();
    if b.len() < 20 || b[b.len() - 1] != b'Z' {
        return Err(TsError::Format);
    }
    let num = |from: usize, len: usize| -> Option<u16> {
        let mut v = 0u16;
        for &c in b.get(from..from + len)? {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + u16::from(c - b'0');
        }
        Some(v)
    };
    let seps = b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[13] == b':' && b[16] == b':';
    let (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(sec)) = (
        num(0, 4),
        num(5, 2),
        num(8, 2),
        num(11, 2),
        num(14, 2),
        num(17, 2),
    ) else {
        return Err(TsError::Format);
    };
    if !seps {
        return Err(TsError::Format);
    }
    let frac = match &s[19..s.len() - 1] {
        "" => "",
        rest => match rest.strip_prefix('.') {
            Some(digits) if !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit()) => {
                digits
            }
            _ => return Err(TsError::Format),
        },
    };
    if !(1..=12).contains(&mo) {
        return Err(TsError::Calendar("the month must be 01 to 12"));
    }
    if d == 0 || mo > 12 || d > u16::from(crate::timestamp::days_in_month(y, mo as u8)) {
        return Err(TsError::Calendar("the day does not exist in that month"));
    }
    if h > 23 || mi > 59 {
        return Err(TsError::Calendar("the time of day is out of range"));
    }
    // RFC 3339 §5.7: a leap second (60) can only be the last second of a UTC day.
    if sec > 60 || (sec == 60 && (h != 23 || mi != 59)) {
        return Err(TsError::Calendar(
            "the seconds are out of range (60 only as a leap second at 23:59)",
        ));
    }
    Ok(Ts {
        fields: [y, mo, d, h, mi, sec],
        frac,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_orders_by_instant() {
        let a = parse("2016-01-01T00:00:00.5Z").unwrap();
        let b = parse("2016-01-01T00:00:00.500Z").unwrap();
        let c = parse("2016-01-01T00:00:00.50001Z").unwrap();
        let d = parse("2016-01-01T00:00:00Z").unwrap();
        assert_eq!(a, b);
        assert!(b < c);
        assert!(d < a);
        assert_eq!(a.precision(), 1);
        assert_eq!(d.precision(), 0);
        assert!(parse("2016-12-31T23:59:60.000Z").is_ok());
    }

    #[test]
    fn rejects_bad_forms_and_dates() {
        for bad in [
            "2016-01-01",
            "2016-01-01T00:00:00",
            "2016-01-01T00:00:00.Z",
            "2016-01-01T00:00:00+00:00",
            "2016-01-01 00:00:00Z",
            "2016-1-01T00:00:00.000Z",
            "2016-01-01T00:00:00.12aZ",
        ] {
            assert_eq!(parse(bad).unwrap_err(), TsError::Format, "{bad}");
        }
        for bad in [
            "2016-02-30T00:00:00Z",
            "2015-02-29T00:00:00Z",
            "2016-13-01T00:00:00Z",
            "2016-01-01T24:00:00Z",
        ] {
            assert!(matches!(parse(bad), Err(TsError::Calendar(_))), "{bad}");
        }
        assert!(matches!(
            parse("2016-01-01T12:00:60Z"),
            Err(TsError::Calendar(_))
        ));
        assert!(parse("2016-02-29T00:00:00Z").is_ok());
    }
}
