//! Checks of particular property values that report findings: addresses, names and
//! other formats of observables (built on `formats.rs`), registry hives, socket options,
//! EXIF tags, the observable container, relationship types and country codes.

use super::cx::{quote, Cx, Path};
use super::formats;
use super::props::{self, Kind::Lang};
use crate::val::Val;

fn string_value<'v>(cx: &mut Cx<'_>, at: &Path<'_>, v: &'v Val<'v>) -> Option<&'v str> {
    let s = v.as_str();
    if s.is_none() {
        cx.wrong_type(at, "a string", v);
    }
    s
}

fn format_check(
    cx: &mut Cx<'_>,
    at: &Path<'_>,
    v: &Val<'_>,
    ok: fn(&str) -> bool,
    rule: &'static str,
    expected: &str,
) {
    if let Some(s) = string_value(cx, at, v) {
        if !ok(s) {
            cx.error(
                at,
                rule,
                format!("'{}' must be {expected}, got {}", at.display(), quote(s)),
            );
        }
    }
}

pub(crate) fn ipv4_value(cx: &mut Cx<'_>, at: &Path<'_>, v: &Val<'_>) {
    format_check(
        cx,
        at,
        v,
        formats::is_ipv4_value,
        "ipv4-value",
        "an IPv4 address or CIDR block such as '198.51.100.3' or '198.51.100.0/24'",
    );
}

pub(crate) fn ipv6_value(cx: &mut Cx<'_>, at: &Path<'_>, v: &Val<'_>) {
    format_check(
        cx,
        at,
        v,
        formats::is_ipv6_value,
        "ipv6-value",
        "an IPv6 address or CIDR block such as '2001:db8::1' or '2001:db8::/32'",
    );
}

pub(crate) fn mac_value(cx: &mut Cx<'_>, at: &Path<'_>, v: &Val<'_>) {
    format_check(cx, at, v, formats::is_mac_value, "mac-value", "a lowercase, colon-delimited MAC-48 address with leading zeros, such as '00:0a:95:9d:68:16'");
}

pub(crate) fn domain_value(cx: &mut Cx<'_>, at: &Path<'_>, v: &Val<'_>) {
    format_check(cx, at, v, formats::is_domain_name, "domain-value", "a domain name of letters, digits and hyphens per label (RFC 1034/5890), such as 'example.com'");
}

pub(crate) fn email_value(cx: &mut Cx<'_>, at: &Path<'_>, v: &Val<'_>) {
    format_check(
        cx,
        at,
        v,
        formats::is_email_value,
        "email-value",
        "an email address 'local@domain', without a display name",
    );
}

pub(crate) fn charset(cx: &mut Cx<'_>, at: &Path<'_>, v: &Val<'_>) {
    format_check(
        cx,
        at,
        v,
        formats::is_charset_name,
        "charset-name",
        "a character set name from the IANA registry, such as 'windows-1252' or 'UTF-8'",
    );
}

pub(crate) fn cpe(cx: &mut Cx<'_>, at: &Path<'_>, v: &Val<'_>) {
    format_check(
        cx,
        at,
        v,
        formats::is_cpe23,
        "cpe-format",
        "a CPE 2.3 name such as 'cpe:2.3:a:vendor:product:1.0:*:*:*:*:*:*:*'",
    );
}

/// `mime_type` of a file: a SHOULD (§6.7.1), so only a warning.
pub(crate) fn file_mime_type(cx: &mut Cx<'_>, at: &Path<'_>, v: &Val<'_>) {
    if let Some(s) = string_value(cx, at, v) {
        mime_warning(cx, at, s);
    }
}

/// `mime_type` of an artifact: MUST be a MIME type; SHOULD be registered (§6.1.1).
pub(crate) fn artifact_mime_type(cx: &mut Cx<'_>, at: &Path<'_>, v: &Val<'_>) {
    if let Some(s) = string_value(cx, at, v) {
        if formats::is_mime_type(s) {
            mime_warning(cx, at, s);
        } else {
            cx.error(
                at,
                "mime-type",
                format!(
                    "'{}' must be a MIME type 'type/subtype' such as 'application/zip', got {}",
                    at.display(),
                    quote(s)
                ),
            );
        }
    }
}

fn mime_warning(cx: &mut Cx<'_>, at: &Path<'_>, s: &str) {
    let top = s.split('/').next().unwrap_or("");
    if !formats::is_mime_type(s) || !formats::MEDIA_TOP_LEVEL.contains(&top) {
        cx.warn(
            at,
            "mime-type",
            format!(
                "{} SHOULD be a media type from the IANA registry, such as 'application/zip'",
                quote(s)
            ),
        );
    }
}

pub(crate) fn language_list(cx: &mut Cx<'_>, at: &Path<'_>, v: &Val<'_>) {
    let Some(items) = props::non_empty_list(cx, at, v) else {
        return;
    };
    for (i, item) in items.iter().enumerate() {
        props::check(cx, &at.index(i), item, Lang);
    }
}

/// The hive of a registry key MUST be written out in full (§6.17.1).
pub(crate) fn registry_key(cx: &mut Cx<'_>, at: &Path<'_>, v: &Val<'_>) {
    let Some(s) = string_value(cx, at, v) else {
        return;
    };
    let hive = s.split('\\').next().unwrap_or("");
    if ["HKLM", "HKCU", "HKCR", "HKU", "HKCC"]
        .iter()
        .any(|h| h.eq_ignore_ascii_case(hive))
    {
        cx.error(
            at,
            "registry-hive",
            format!(
                "'{}' must name the hive in full (e.g. HKEY_LOCAL_MACHINE, not HKLM), got {}",
                at.display(),
                quote(s)
            ),
        );
    }
}

/// Socket options (§6.12.4): keys are option names such as `SO_REUSEADDR`, values integers.
pub(crate) fn socket_options(cx: &mut Cx<'_>, at: &Path<'_>, v: &Val<'_>) {
    let Some(m) = props::non_empty_dict(cx, at, v) else {
        return;
    };
    const PREFIXES: &[&str] = &[
        "SO_", "ICMP_", "ICMP6_", "IP_", "IPV6_", "MCAST_", "TCP_", "IRLMP_",
    ];
    for (k, item) in m {
        let here = at.key(k);
        let name_ok = PREFIXES
            .iter()
            .any(|p| k.strip_prefix(p).is_some_and(|rest| !rest.is_empty()))
            && k.bytes()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_');
        if !name_ok {
            cx.error(&here, "socket-option", format!("socket option {} must be an option name such as 'SO_REUSEADDR' (prefix SO_, ICMP_, ICMP6_, IP_, IPV6_, MCAST_, TCP_ or IRLMP_)", quote(k)));
        }
        if props::as_integer(item).is_none() {
            cx.wrong_type(&here, "an integer", item);
        }
    }
}

/// EXIF tags (§6.7.5): keys are case-preserved EXIF tag names, values strings or integers.
pub(crate) fn exif_tags(cx: &mut Cx<'_>, at: &Path<'_>, v: &Val<'_>) {
    let Some(m) = props::non_empty_dict(cx, at, v) else {
        return;
    };
    for (k, item) in m {
        let here = at.key(k);
        if !k.as_bytes().first().is_some_and(u8::is_ascii_uppercase)
            || k.len() < 2
            || !props::is_dict_key(k)
        {
            cx.error(&here, "exif-tag", format!("EXIF tag {} must be a case-preserved EXIF tag name such as 'Make' or 'XResolution'", quote(k)));
        }
        if !item.is_string() && props::as_integer(item).is_none() {
            cx.wrong_type(&here, "a string or an integer", item);
        }
    }
}

/// The deprecated observable container of observed-data (§2.13): a dictionary of SCOs keyed by local ids.
pub(crate) fn observable_container(cx: &mut Cx<'_>, at: &Path<'_>, v: &Val<'_>) {
    let Some(m) = props::non_empty_dict(cx, at, v) else {
        return;
    };
    for (k, item) in m {
        let here = at.key(k);
        match item.as_object() {
            None => cx.wrong_type(&here, "a cyber-observable object", item),
            Some(o) => match o.field("type") {
                Some(Val::String(_)) => {}
                Some(other) => cx.wrong_type(&here.key("type"), "a type name string", other),
                None => cx.error(
                    &here,
                    "required-property",
                    format!("observable '{}' is missing 'type'", here.display()),
                ),
            },
        }
    }
}

/// `relationship_type` (§5.1.2): ASCII lowercase letters, digits and hyphens.
pub(crate) fn relationship_type(cx: &mut Cx<'_>, at: &Path<'_>, v: &Val<'_>) {
    format_check(
        cx,
        at,
        v,
        |s| {
            !s.is_empty()
                && s.bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        },
        "relationship-type",
        "lowercase ASCII letters, digits and hyphens, such as 'indicates'",
    );
}

/// `country` of a location (§4.10.1): SHOULD be an ISO 3166-1 ALPHA-2 code.
pub(crate) fn country(cx: &mut Cx<'_>, at: &Path<'_>, v: &Val<'_>) {
    if let Some(s) = string_value(cx, at, v) {
        if !(s.len() == 2 && s.bytes().all(|c| c.is_ascii_uppercase())) {
            cx.warn(
                at,
                "country-code",
                format!(
                    "{} SHOULD be an ISO 3166-1 ALPHA-2 country code such as 'DE'",
                    quote(s)
                ),
            );
        }
    }
}
