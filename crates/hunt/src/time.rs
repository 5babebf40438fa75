//! Record times as logs write them: epoch seconds (`1709294400.123456`) and
//! ISO 8601 with any offset (`2024-03-01T12:00:00.123456+0100`,
//! `...+01:00`, `...Z`), to [`Instant`] in UTC.

use vigil_pattern::time::{days_from_civil, valid_civil};
use vigil_pattern::Instant;

/// Epoch seconds, with an optional fraction (Zeek's `ts`).
pub fn epoch(s: &str) -> Option<Instant> {
    epoch_bytes(s.as_bytes())
}

/// [`epoch`] of the bytes of a JSON number or string.
pub fn epoch_bytes(b: &[u8]) -> Option<Instant> {
    // Zeek's form, ten digits, a dot and six: one pass, no checks twice.
    if let [i @ .., b'.', f0, f1, f2, f3, f4, f5] = b {
        if i.len() == 10 {
            let mut secs = 0i64;
            for &c in i {
                if !c.is_ascii_digit() {
                    return epoch_any(b);
                }
                secs = secs * 10 + i64::from(c - b'0');
            }
            let mut micros = 0u32;
            for &c in [f0, f1, f2, f3, f4, f5] {
                if !c.is_ascii_digit() {
                    return epoch_any(b);
                }
                micros = micros * 10 + u32::from(c - b'0');
            }
            return Some(Instant {
                secs,
                nanos: micros * 1000,
            });
        }
    }
    epoch_any(b)
}

fn epoch_any(b: &[u8]) -> Option<Instant> {
    let (neg, digits) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, b),
    };
    let dot = digits
        .iter()
        .position(|&c| c == b'.')
        .unwrap_or(digits.len());
    let (int, frac) = (&digits[..dot], digits.get(dot + 1..).unwrap_or_default());
    if int.is_empty() || int.len() > 12 || !int.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if dot < digits.len() && frac.is_empty() {
        return None;
    }
    if !frac.iter().all(u8::is_ascii_digit) {
        // Exponent forms (1.7e9) are rare in logs; take them through f64.
        let f: f64 = std::str::from_utf8(b).ok()?.parse().ok()?;
        return f
            .is_finite()
            .then(|| Instant { secs: 0, nanos: 0 }.add_seconds(f));
    }
    let secs = int.iter().fold(0i64, |n, &c| n * 10 + i64::from(c - b'0'));
    let mut nanos = 0u32;
    for i in 0..9 {
        nanos = nanos * 10 + frac.get(i).map_or(0, |c| u32::from(c - b'0'));
    }
    Some(if neg {
        Instant { secs: 0, nanos: 0 }.add_seconds(-(secs as f64 + f64::from(nanos) / 1e9))
    } else {
        Instant { secs, nanos }
    })
}

/// ISO 8601 / RFC 3339: `YYYY-MM-DD[T ]HH:MM:SS[.f+](Z|±HH[:]MM|±HH)`. A
/// time without an offset is taken as UTC.
pub fn iso(s: &str) -> Option<Instant> {
    let b = s.as_bytes();
    if b.len() < 19 {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let d = b.get(r)?;
        d.iter()
            .all(u8::is_ascii_digit)
            .then(|| d.iter().fold(0u32, |n, &c| n * 10 + u32::from(c - b'0')))
    };
    if b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !valid_civil(y, mo, d, h, mi, sec) {
        return None;
    }
    let mut i = 19;
    let mut nanos = 0u32;
    if b.get(i) == Some(&b'.') || b.get(i) == Some(&b',') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            if i - start < 9 {
                nanos = nanos * 10 + u32::from(b[i] - b'0');
            }
            i += 1;
        }
        let n = i - start;
        if n == 0 {
            return None;
        }
        for _ in n..9 {
            nanos *= 10;
        }
    }
    let offset = match &b[i..] {
        [] | [b'Z' | b'z'] => 0i64,
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let digits: Vec<u8> = rest.iter().copied().filter(|&c| c != b':').collect();
            if !digits.iter().all(u8::is_ascii_digit) || !matches!(digits.len(), 2 | 4) {
                return None;
            }
            if rest.len() == 5 && rest[2] != b':' {
                return None;
            }
            let v = |d: &[u8]| i64::from(d[0] - b'0') * 10 + i64::from(d[1] - b'0');
            let mins = v(&digits[..2]) * 60
                + if digits.len() == 4 {
                    v(&digits[2..])
                } else {
                    0
                };
            if *sign == b'-' {
                -mins * 60
            } else {
                mins * 60
            }
        }
        _ => return None,
    };
    let days = days_from_civil(i64::from(y), mo, d);
    let secs = days * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(sec) - offset;
    Some(Instant { secs, nanos })
}

/// Either form: epoch seconds if it looks like a number, else ISO 8601.
pub fn any(s: &str) -> Option<Instant> {
    if s.len() >= 19 && s.as_bytes()[4] == b'-' {
        iso(s)
    } else {
        epoch(s)
    }
}

/// Microseconds since the epoch.
pub fn micros(t: Instant) -> i64 {
    t.secs * 1_000_000 + i64::from(t.nanos / 1000)
}

/// The instant of microseconds since the epoch.
pub fn from_micros(us: i64) -> Instant {
    Instant {
        secs: us.div_euclid(1_000_000),
        nanos: (us.rem_euclid(1_000_000) * 1000) as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_seconds() {
        let t = epoch("1709294400.123456").unwrap();
        assert_eq!((t.secs, t.nanos), (1_709_294_400, 123_456_000));
        assert_eq!(epoch("1709294400").unwrap().secs, 1_709_294_400);
        assert_eq!(epoch("1.7e9").unwrap().secs, 1_700_000_000);
        for bad in ["", ".", "1.", "abc", "1709294400x"] {
            assert_eq!(epoch(bad), None, "{bad}");
        }
    }

    #[test]
    fn iso_with_offsets() {
        let z = iso("2024-03-01T12:00:00Z").unwrap();
        assert_eq!(z.to_string(), "2024-03-01T12:00:00Z");
        assert_eq!(iso("2024-03-01T13:00:00+0100").unwrap(), z);
        assert_eq!(iso("2024-03-01T13:30:00+01:30").unwrap(), z);
        assert_eq!(iso("2024-03-01T11:00:00-01").unwrap(), z);
        assert_eq!(iso("2024-03-01 12:00:00").unwrap(), z);
        let f = iso("2024-03-01T12:00:00.123456+0000").unwrap();
        assert_eq!(f.nanos, 123_456_000);
        for bad in [
            "2024-02-30T00:00:00Z",
            "2024-03-01T12:00:00+1",
            "2024-03-01T12:00:00.Z",
            "2024-03-01",
        ] {
            assert_eq!(iso(bad), None, "{bad}");
        }
    }
}
