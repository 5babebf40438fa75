//! Encoded values: hashes (STIX 2.1 §2.7), hex (§2.8) and binary (§2.1).

use super::cx::{quote, Cx, Path};
use super::props::{is_dict_key, non_empty_dict};
use super::vocab;
use crate::val::Val;

/// The format a hash algorithm's value must have (§2.7: "in the appropriate format
/// defined by the hash type"), for the algorithms of hash-algorithm-ov.
fn hash_format_ok(algo: &str, value: &str) -> Option<bool> {
    let hex_len = |n: usize| value.len() == n && value.bytes().all(|c| c.is_ascii_hexdigit());
    Some(match algo {
        "MD5" => hex_len(32),
        "SHA-1" => hex_len(40),
        "SHA-256" | "SHA3-256" => hex_len(64),
        "SHA-512" | "SHA3-512" => hex_len(128),
        "SSDEEP" => {
            (1..=128).contains(&value.len())
                && value
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'/' | b'+' | b':' | b'.'))
        }
        // TLSH digests are 70 hex digits, or 72 with the "T1" version prefix of TLSH 4.
        "TLSH" => {
            hex_len(70)
                || (value.len() == 72
                    && value.starts_with("T1")
                    && value[2..].bytes().all(|c| c.is_ascii_hexdigit()))
        }
        _ => return None,
    })
}

/// Checks a hashes dictionary (§2.7); `vocab_only` for external references (§2.5.1),
/// whose keys MUST come from hash-algorithm-ov.
pub(crate) fn check_hashes(cx: &mut Cx<'_>, at: &Path<'_>, v: &Val<'_>, vocab_only: bool) {
    let Some(m) = non_empty_dict(cx, at, v) else {
        return;
    };
    for (k, item) in m {
        let here = at.key(k);
        if !(3..=250).contains(&k.len()) || !is_dict_key(k) {
            cx.error(&here, "hash-algorithm", format!("hash algorithm name {} in '{}' must be 3 to 250 ASCII letters, digits, '-' or '_'", quote(k), at.display()));
            continue;
        }
        let known = vocab::HASH_ALGORITHM.contains(&k);
        if !known {
            if vocab_only {
                cx.error(
                    &here,
                    "hash-algorithm",
                    format!(
                        "hash algorithm {} in '{}' must be one of {}",
                        quote(k),
                        at.display(),
                        vocab::HASH_ALGORITHM.join(", ")
                    ),
                );
            } else {
                cx.warn(
                    &here,
                    "hash-algorithm",
                    format!(
                        "hash algorithm {} in '{}' is not in hash-algorithm-ov ({})",
                        quote(k),
                        at.display(),
                        vocab::HASH_ALGORITHM.join(", ")
                    ),
                );
            }
        }
        let Some(s) = item.as_str() else {
            cx.wrong_type(&here, "a hash value string", item);
            continue;
        };
        if let Some(false) = hash_format_ok(k, s) {
            cx.error(
                &here,
                "hash-value",
                format!(
                    "{} is not a valid {k} value in '{}'",
                    quote(s),
                    at.display()
                ),
            );
        }
    }
}

/// Whether `s` is hex in the §2.8 sense, ignoring case; the second flag says it is lowercase.
fn hex_shape(s: &str) -> (bool, bool) {
    let ok = s.len().is_multiple_of(2) && s.bytes().all(|c| c.is_ascii_hexdigit());
    (ok, !s.bytes().any(|c| c.is_ascii_uppercase()))
}

pub(crate) fn check_hex(cx: &mut Cx<'_>, at: &Path<'_>, v: &Val<'_>) {
    let Some(s) = v.as_str() else {
        cx.wrong_type(at, "a hex string", v);
        return;
    };
    match hex_shape(s) {
        (true, true) => {}
        // §2.8 asks for lowercase digits, but the spec's own examples use uppercase
        // (magic_number_hex "504B0304" in §6.6) and the value is the same: a warning.
        (true, false) => cx.warn(
            at,
            "hex-lowercase",
            format!(
                "'{}' SHOULD use lowercase hexadecimal digits a-f (STIX 2.1 §2.8), got {}",
                at.display(),
                quote(s)
            ),
        ),
        (false, _) => cx.error(
            at,
            "hex-value",
            format!(
                "'{}' must be an even number of hexadecimal digits, got {}",
                at.display(),
                quote(s)
            ),
        ),
    }
}

pub(crate) fn check_binary(cx: &mut Cx<'_>, at: &Path<'_>, v: &Val<'_>) {
    let Some(s) = v.as_str() else {
        cx.wrong_type(at, "a base64 string", v);
        return;
    };
    let b = s.as_bytes();
    let body = b.iter().rposition(|&c| c != b'=').map_or(0, |p| p + 1);
    let pad = b.len() - body;
    let ok = !b.is_empty()
        && b.len().is_multiple_of(4)
        && pad <= 2
        && b[..body]
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/');
    if !ok {
        cx.error(
            at,
            "binary-value",
            format!(
                "'{}' must be base64 (RFC 4648, padded), got {}",
                at.display(),
                quote(s)
            ),
        );
    }
}
