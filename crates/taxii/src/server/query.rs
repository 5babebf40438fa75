//! TAXII URL parameters (§3.4, §3.5): `added_after`, `limit`, `next` and the
//! `match[...]` filters, each checked (a bad one is a 400 naming it), and the
//! text forms of dates, versions and page tokens.

use super::error::TaxiiError;
use super::{DEFAULT_PAGE, MAX_PAGE};
use vigil_stix::Timestamp;
use vigil_store::{CollectionQuery, VersionMatch};

/// Which parameters an endpoint takes.
pub struct Allowed {
    ids: bool,
    types: bool,
    versions: bool,
}

/// `objects` and `manifest`: every filter.
pub const OBJECTS: Allowed = Allowed {
    ids: true,
    types: true,
    versions: true,
};
/// One object: no `match[id]`/`match[type]` (the id is in the path).
pub const OBJECT: Allowed = Allowed {
    ids: false,
    types: false,
    versions: true,
};
/// An object's versions: no version filter either.
pub const VERSIONS: Allowed = Allowed {
    ids: false,
    types: false,
    versions: false,
};

/// The parsed parameters of a request.
#[derive(Debug, Default)]
pub struct Filters {
    pub added_after_us: Option<i64>,
    pub limit: usize,
    pub after_seq: i64,
    pub ids: Vec<String>,
    pub types: Vec<String>,
    pub versions: Vec<VersionMatch>,
    pub spec_versions: Vec<String>,
    paged: bool,
}

fn list(v: &str) -> impl Iterator<Item = &str> {
    v.split(',').map(str::trim).filter(|s| !s.is_empty())
}

impl Filters {
    /// Reads the parameters; unknown `match[...]` fields and malformed values are 400s.
    pub fn parse(params: &[(String, String)], allowed: Allowed) -> Result<Filters, TaxiiError> {
        let mut f = Filters {
            limit: DEFAULT_PAGE,
            ..Filters::default()
        };
        for (k, v) in params {
            match k.as_str() {
                "added_after" => {
                    let t = Timestamp::parse(v)
                        .map_err(|e| TaxiiError::bad_request(format!("added_after: {e}")))?;
                    f.added_after_us = Some(t.unix_micros());
                    f.paged = true;
                }
                "limit" => {
                    let n: usize = v.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                        TaxiiError::bad_request(format!(
                            "limit: '{v}' is not a positive whole number"
                        ))
                    })?;
                    f.limit = n.min(MAX_PAGE);
                }
                "next" => {
                    f.after_seq = parse_token(v)?;
                    f.paged = true;
                }
                "match[id]" if allowed.ids => f.ids.extend(list(v).map(str::to_string)),
                "match[type]" if allowed.types => f.types.extend(list(v).map(str::to_string)),
                "match[version]" if allowed.versions => {
                    for item in list(v) {
                        f.versions.push(match item {
                            "last" => VersionMatch::Last,
                            "first" => VersionMatch::First,
                            "all" => VersionMatch::All,
                            t => VersionMatch::At(
                                Timestamp::parse(t)
                                    .map_err(|e| {
                                        TaxiiError::bad_request(format!(
                                            "match[version]: expected first, last, all or a timestamp: {e}"
                                        ))
                                    })?
                                    .instant_key(),
                            ),
                        });
                    }
                }
                "match[spec_version]" => {
                    for s in list(v) {
                        if !matches!(s, "2.0" | "2.1") {
                            return Err(TaxiiError::bad_request(format!(
                                "match[spec_version]: '{s}' is not a STIX version (2.0 or 2.1)"
                            )));
                        }
                        f.spec_versions.push(s.to_string());
                    }
                }
                other if other.starts_with("match[") => {
                    return Err(TaxiiError::bad_request(format!(
                        "{other}: this endpoint does not filter on it"
                    )))
                }
                // Other parameters are not TAXII's; ignore them.
                _ => {}
            }
        }
        Ok(f)
    }

    /// Whether this is the first page of an unfiltered-by-time request (an empty
    /// answer then means "no such object", a 404).
    pub fn is_unpaged(&self) -> bool {
        !self.paged
    }

    /// The store query for collection `coll`.
    pub fn query(&self, coll: &str, max_scan: usize) -> CollectionQuery {
        CollectionQuery {
            collection: coll.to_string(),
            after_seq: self.after_seq,
            added_after_us: self.added_after_us,
            ids: self.ids.clone(),
            types: self.types.clone(),
            versions: self.versions.clone(),
            spec_versions: self.spec_versions.clone(),
            limit: self.limit,
            max_scan,
        }
    }
}

/// The `next` token continuing after entry `seq`.
pub fn next_token(seq: i64) -> String {
    format!("v1.{seq}")
}

fn parse_token(t: &str) -> Result<i64, TaxiiError> {
    t.strip_prefix("v1.")
        .and_then(|n| n.parse::<i64>().ok())
        .filter(|n| *n >= 0)
        .ok_or_else(|| {
            TaxiiError::bad_request(format!(
                "next: '{t}' is not a page token of this server; use the 'next' of the previous page"
            ))
        })
}

/// A `date_added` (microseconds since the epoch) as TAXII writes timestamps.
pub fn date_text(us: i64) -> String {
    Timestamp::from_unix_micros(us).to_string()
}

/// A version's instant key (`YYYY-MM-DDTHH:MM:SS.fffffffff`) as a STIX
/// timestamp: at least millisecond precision, trailing zeros beyond it dropped.
pub fn key_text(key: &str) -> String {
    match key.split_once('.') {
        Some((secs, frac)) => {
            let mut f = frac.trim_end_matches('0').to_string();
            while f.len() < 3 {
                f.push('0');
            }
            format!("{secs}.{f}Z")
        }
        None => format!("{key}Z"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn parameters() {
        let f = Filters::parse(
            &p(&[
                ("added_after", "2020-01-01T00:00:00.5Z"),
                ("limit", "5000"),
                ("match[type]", "indicator,malware"),
                ("match[version]", "first,2021-01-01T00:00:00Z"),
                ("next", "v1.42"),
            ]),
            OBJECTS,
        )
        .unwrap();
        assert_eq!(f.added_after_us, Some(1_577_836_800_500_000));
        assert_eq!(f.limit, MAX_PAGE);
        assert_eq!(f.types, ["indicator", "malware"]);
        assert_eq!(f.versions[0], VersionMatch::First);
        assert_eq!(f.after_seq, 42);
        for bad in [
            ("limit", "0"),
            ("limit", "x"),
            ("next", "42"),
            ("next", "v1.-3"),
            ("added_after", "yesterday"),
            ("match[version]", "newest"),
            ("match[spec_version]", "3.0"),
            ("match[colour]", "red"),
        ] {
            let e = Filters::parse(&p(&[bad]), OBJECTS).unwrap_err();
            assert_eq!(e.status.as_u16(), 400, "{bad:?}");
        }
        assert!(Filters::parse(&p(&[("match[id]", "x")]), OBJECT).is_err());
    }

    #[test]
    fn texts() {
        assert_eq!(
            key_text("2016-04-06T20:03:00.000000000"),
            "2016-04-06T20:03:00.000Z"
        );
        assert_eq!(
            key_text("2016-04-06T20:03:00.123456700"),
            "2016-04-06T20:03:00.1234567Z"
        );
        assert_eq!(
            date_text(1_577_836_800_500_000),
            "2020-01-01T00:00:00.500000Z"
        );
        assert_eq!(parse_token(&next_token(7)).unwrap(), 7);
    }
}
