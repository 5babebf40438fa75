//! Times given on the command line (`--since`): one grammar for every command.

use anyhow::Result;
use vigil_stix::Timestamp;

/// A STIX timestamp, a date (`YYYY-MM-DD`, midnight UTC), an ISO 8601 time
/// with an offset, or a duration back from now (`90d`, `12h`, `30m`, `45s`).
pub fn parse_since(s: &str) -> Result<Timestamp> {
    let t = s.trim();
    if let Some(unit) = t.chars().last().filter(|c| "dhms".contains(*c)) {
        if let Ok(n) = t[..t.len() - 1].parse::<i64>() {
            let secs = n.saturating_mul(match unit {
                'd' => 86_400,
                'h' => 3600,
                'm' => 60,
                _ => 1,
            });
            let us = Timestamp::unix_micros_now().saturating_sub(secs.saturating_mul(1_000_000));
            return Ok(Timestamp::from_unix_micros(us));
        }
    }
    if let Ok(ts) = Timestamp::parse_instant(t) {
        return Ok(ts);
    }
    match vigil_hunt::time::iso(t) {
        Some(i) => Ok(Timestamp::from_unix_micros(
            i.secs.saturating_mul(1_000_000) + i64::from(i.nanos / 1000),
        )),
        None => anyhow::bail!(
            "{s:?} is not a time: give a STIX timestamp, a date (YYYY-MM-DD) or a duration (90d, 12h)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_of_since() {
        assert_eq!(
            parse_since("2024-03-01").unwrap().instant_key(),
            Timestamp::parse("2024-03-01T00:00:00Z")
                .unwrap()
                .instant_key()
        );
        assert_eq!(
            parse_since("2024-03-01T13:00:00+01:00")
                .unwrap()
                .instant_key(),
            Timestamp::parse("2024-03-01T12:00:00Z")
                .unwrap()
                .instant_key()
        );
        let day = parse_since("1d").unwrap().unix_micros();
        let now = Timestamp::unix_micros_now();
        assert!((now - day - 86_400_000_000).abs() < 60_000_000);
        assert!(parse_since("yesterday").is_err());
    }
}
