//! TAXII 2.1 media types and content negotiation (§1.6.8): 406 when the client
//! accepts nothing we can send, 415 when it sends what we cannot read.

use super::error::TaxiiError;
use axum::http::{header, HeaderMap};

/// The TAXII 2.1 media type.
pub const TAXII: &str = "application/taxii+json;version=2.1";
/// The STIX 2.1 media type (of objects, in manifests and collections).
pub const STIX: &str = "application/stix+json;version=2.1";

/// A media range of an `Accept` or `Content-Type` header, split into its type
/// and its `version` parameter (other parameters, such as `q`, ignored).
fn parse_range(range: &str) -> (String, Option<String>) {
    let mut parts = range.split(';');
    let essence = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    let mut version = None;
    for p in parts {
        if let Some((k, v)) = p.split_once('=') {
            if k.trim().eq_ignore_ascii_case("version") {
                version = Some(v.trim().trim_matches('"').to_string());
            }
        }
    }
    (essence, version)
}

/// Whether a range names `want` (`application/taxii+json` or
/// `application/stix+json`) at version 2.1 (or no version, meaning the latest).
fn names(range: &str, want: &str) -> bool {
    let (essence, version) = parse_range(range);
    let type_ok = essence == want || essence == "*/*" || essence == "application/*";
    let version_ok = version.as_deref().is_none_or(|v| v == "2.1");
    type_ok && version_ok
}

/// Checks `Accept`: the response will be TAXII JSON (or, where `stix_too`, the
/// client may ask for STIX JSON instead). Returns the content type to answer with.
pub fn negotiate(headers: &HeaderMap, stix_too: bool) -> Result<&'static str, TaxiiError> {
    let Some(accept) = headers.get(header::ACCEPT) else {
        return Err(TaxiiError::not_acceptable(
            "the request has no Accept header; TAXII 2.1 clients send Accept: application/taxii+json;version=2.1",
        ));
    };
    let accept = accept.to_str().unwrap_or("");
    for range in accept.split(',') {
        if names(range, "application/taxii+json") {
            return Ok(TAXII);
        }
        if stix_too && names(range, "application/stix+json") {
            return Ok(STIX);
        }
    }
    Err(TaxiiError::not_acceptable(format!(
        "cannot answer in any of the accepted media types ({accept}); this server sends {TAXII}"
    )))
}

/// Checks the `Content-Type` of a posted envelope.
pub fn check_content_type(headers: &HeaderMap) -> Result<(), TaxiiError> {
    let Some(ct) = headers.get(header::CONTENT_TYPE) else {
        return Err(TaxiiError::unsupported(format!(
            "the request has no Content-Type; post envelopes as {TAXII}"
        )));
    };
    let ct = ct.to_str().unwrap_or("");
    let (essence, version) = parse_range(ct);
    if essence == "application/taxii+json" && version.as_deref().is_none_or(|v| v == "2.1") {
        Ok(())
    } else {
        Err(TaxiiError::unsupported(format!(
            "cannot read Content-Type {ct}; post envelopes as {TAXII}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with(name: header::HeaderName, v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn accept_negotiation() {
        let ok = |v: &str, stix| negotiate(&with(header::ACCEPT, v), stix);
        assert_eq!(
            ok("application/taxii+json;version=2.1", false).unwrap(),
            TAXII
        );
        assert_eq!(ok("application/taxii+json", false).unwrap(), TAXII);
        assert_eq!(
            ok(
                "text/html, application/taxii+json; version=2.1; q=0.5",
                false
            )
            .unwrap(),
            TAXII
        );
        assert_eq!(ok("*/*", false).unwrap(), TAXII);
        assert_eq!(ok("application/stix+json;version=2.1", true).unwrap(), STIX);
        for bad in [
            "application/taxii+json;version=2.0",
            "application/json",
            "text/html",
        ] {
            assert_eq!(ok(bad, false).unwrap_err().status.as_u16(), 406, "{bad}");
        }
        assert!(ok("application/stix+json;version=2.1", false).is_err());
        assert_eq!(
            negotiate(&HeaderMap::new(), false)
                .unwrap_err()
                .status
                .as_u16(),
            406
        );
    }

    #[test]
    fn content_types() {
        let ct = |v: &str| check_content_type(&with(header::CONTENT_TYPE, v));
        assert!(ct("application/taxii+json;version=2.1").is_ok());
        assert!(ct("application/taxii+json; version=2.1; charset=utf-8").is_ok());
        for bad in [
            "application/json",
            "application/stix+json;version=2.1",
            "application/taxii+json;version=2.0",
        ] {
            assert_eq!(ct(bad).unwrap_err().status.as_u16(), 415, "{bad}");
        }
        assert_eq!(
            check_content_type(&HeaderMap::new())
                .unwrap_err()
                .status
                .as_u16(),
            415
        );
    }
}
