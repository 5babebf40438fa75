//! One comparison against one value, with the OASIS matcher's type rules
//! (stix2-matcher 3.0.0, where STIX 2.1 §9.3 is silent or loose):
//!
//! - `=` / `!=` compare like types only: integer with integer or float (as
//!   numbers, exactly), string with string, boolean with boolean, timestamp
//!   with timestamp, bytes with bytes, and bytes with a string whose code
//!   points are all below 256 (as Latin-1 bytes). Any other pair is unequal,
//!   so `!=` holds for it.
//! - `<` `<=` `>` `>=` order numbers, strings (by code point), bytes, bytes
//!   against such strings, and timestamps. Any other pair is false, with or
//!   without `NOT`; a string with a code point of 256 or more against bytes
//!   is false before `NOT` (which inverts it).
//! - A timestamp literal (or a set of them) turns a string property into a
//!   timestamp; one that is not a STIX timestamp is an error.
//! - `IN` is membership as Python's sets see it: `1`, `1.0` and `true` are
//!   one value; lists and dictionaries are never members.
//! - `LIKE` and `MATCHES` take strings only (anything else is false) and
//!   normalise value and expression to NFC; `MATCHES` searches (unanchored).
//!   Bytes from `*_hex`/`*_bin` properties: `LIKE` decodes them as UTF-8 (an
//!   error if they are not), `MATCHES` reads them as Latin-1, both only when
//!   the expression's code points are all below 256.
//! - `ISSUBSET` / `ISSUPERSET` take strings only (anything else is false);
//!   a string that is not an address or CIDR block is an error. The OASIS
//!   matcher knows IPv4 only; IPv6 works here as STIX 2.1 §9.3 says it does.
//! - `NOT` inverts the result of the operator, except where said above.

use super::nfc::nfc;
use super::{fail, EvalError, Val};
use crate::ast::{Comparison, Literal, Number, Op};
use crate::time::Instant;
use serde_json::Value;
use std::borrow::Cow;
use std::cmp::Ordering;
use std::net::{Ipv4Addr, Ipv6Addr};

/// The bytes a `*_hex` or `*_bin` property holds.
pub(super) fn decode_binary(key: &str, v: &Value) -> Result<Vec<u8>, EvalError> {
    let Some(s) = v.as_str() else {
        return fail(format!("the value of '{key}' is not a string: {v}"));
    };
    let bytes = if key.ends_with("_hex") {
        decode_hex(s)
    } else {
        decode_base64(s)
    };
    bytes.ok_or_else(|| EvalError {
        message: format!(
            "the value of '{key}' is not {}: '{s}'",
            if key.ends_with("_hex") {
                "hexadecimal"
            } else {
                "base64"
            }
        ),
    })
}

pub(crate) fn decode_hex(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(2) {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    b.chunks(2)
        .map(|p| Some(digit(p[0])? << 4 | digit(p[1])?))
        .collect()
}

/// Python's `base64.standard_b64decode`: characters outside the alphabet are
/// dropped, then the padding must be right.
pub(crate) fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let v = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        })
    };
    let mut data = Vec::with_capacity(s.len());
    let mut pad = 0;
    for c in s.bytes() {
        if c == b'=' {
            pad += 1;
        } else if let Some(d) = v(c) {
            if pad > 0 {
                // Data after padding: Python stops at the padding; be strict.
                return None;
            }
            data.push(d);
        }
    }
    let total = data.len() + pad;
    if total % 4 != 0 || pad > 2 {
        return None;
    }
    let mut out = Vec::with_capacity(data.len() * 3 / 4);
    for quad in data.chunks(4) {
        let n = quad.iter().fold(0u32, |n, &d| n << 6 | d) << (6 * (4 - quad.len()));
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..quad.len().saturating_sub(1)]);
    }
    Some(out)
}

/// A value as the comparison rules see it.
enum V<'a> {
    Int(i128),
    Float(f64),
    Str(&'a str),
    Bool(bool),
    Bytes(&'a [u8]),
    Time(Instant),
    /// Null, lists, dictionaries: compare with nothing.
    Other,
}

fn of_json(v: &Value) -> V<'_> {
    match v {
        Value::String(s) => V::Str(s),
        Value::Bool(b) => V::Bool(*b),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                V::Int(i128::from(i))
            } else if let Some(u) = n.as_u64() {
                V::Int(i128::from(u))
            } else {
                V::Float(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        _ => V::Other,
    }
}

fn of_val<'a>(v: &'a Val<'_>) -> V<'a> {
    match v {
        Val::Json(j) => of_json(j),
        Val::Bytes(_, b) => V::Bytes(b),
        Val::Refs(..) => V::Other,
    }
}

fn of_literal(l: &Literal) -> V<'_> {
    match l {
        Literal::Str(s) => V::Str(s),
        Literal::Num(Number::Int(i)) => V::Int(i128::from(*i)),
        Literal::Num(Number::Float(f)) => V::Float(*f),
        Literal::Bool(b) => V::Bool(*b),
        Literal::Hex(b) | Literal::Binary(b) => V::Bytes(b),
        Literal::Timestamp(t) => t.instant.map_or(V::Other, V::Time),
        Literal::Set(_) => V::Other,
    }
}

/// A string property read as a timestamp, for a timestamp literal.
fn as_time<'a>(v: V<'a>) -> Result<V<'a>, EvalError> {
    match v {
        V::Str(s) => Instant::parse(s).map(V::Time).ok_or_else(|| EvalError {
            message: format!("invalid timestamp in the observation: '{s}'"),
        }),
        v => Ok(v),
    }
}

/// An integer against a float, exactly (as Python compares them).
fn cmp_int_float(i: i128, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    const LIMIT: f64 = 1.7e38; // below 2^127
    if f >= LIMIT {
        return Some(Ordering::Less);
    }
    if f <= -LIMIT {
        return Some(Ordering::Greater);
    }
    let floor = f.floor();
    let fi = floor as i128;
    Some(match i.cmp(&fi) {
        Ordering::Equal if f > floor => Ordering::Less,
        o => o,
    })
}

/// The bytes of a string whose code points are all below 256 (Latin-1).
fn latin1(s: &str) -> Option<Cow<'_, [u8]>> {
    if s.is_ascii() {
        return Some(Cow::Borrowed(s.as_bytes()));
    }
    s.chars()
        .map(|c| u8::try_from(c as u32).ok())
        .collect::<Option<Vec<u8>>>()
        .map(Cow::Owned)
}

/// `=`: `Some(equal)`, or `None` when the types do not compare.
fn equal(a: &V<'_>, b: &V<'_>) -> Option<bool> {
    Some(match (a, b) {
        (V::Int(x), V::Int(y)) => x == y,
        (V::Int(i), V::Float(f)) | (V::Float(f), V::Int(i)) => {
            cmp_int_float(*i, *f) == Some(Ordering::Equal)
        }
        (V::Float(x), V::Float(y)) => x == y,
        (V::Str(x), V::Str(y)) => x == y,
        (V::Bool(x), V::Bool(y)) => x == y,
        (V::Bytes(x), V::Bytes(y)) => x == y,
        (V::Bytes(b), V::Str(s)) | (V::Str(s), V::Bytes(b)) => latin1(s).is_some_and(|s| *s == **b),
        (V::Time(x), V::Time(y)) => x == y,
        _ => return None,
    })
}

/// Order of a value against a literal. `Err(())` for a string that cannot
/// be read as bytes; `Ok(None)` when the types do not order.
#[allow(clippy::result_unit_err)]
fn order(value: &V<'_>, lit: &V<'_>) -> Result<Option<Ordering>, ()> {
    Ok(Some(match (value, lit) {
        (V::Int(x), V::Int(y)) => x.cmp(y),
        (V::Int(i), V::Float(f)) => return Ok(cmp_int_float(*i, *f)),
        (V::Float(f), V::Int(i)) => return Ok(cmp_int_float(*i, *f).map(Ordering::reverse)),
        (V::Float(x), V::Float(y)) => return Ok(x.partial_cmp(y)),
        (V::Str(x), V::Str(y)) => x.cmp(y),
        (V::Bytes(x), V::Bytes(y)) => x.cmp(y),
        (V::Bytes(b), V::Str(s)) => (**b).cmp(&*latin1(s).ok_or(())?),
        (V::Str(s), V::Bytes(b)) => (*latin1(s).ok_or(())?).cmp(b),
        (V::Time(x), V::Time(y)) => x.cmp(y),
        _ => return Ok(None),
    }))
}

/// Python's `==` between set members and a value (`True == 1 == 1.0`).
fn member_equal(a: &V<'_>, b: &V<'_>) -> bool {
    let num = |v: &V<'_>| match v {
        V::Bool(b) => Some(V::Int(i128::from(*b))),
        V::Int(i) => Some(V::Int(*i)),
        V::Float(f) => Some(V::Float(*f)),
        _ => None,
    };
    match (num(a), num(b)) {
        (Some(x), Some(y)) => equal(&x, &y) == Some(true),
        (None, None) => match (a, b) {
            (V::Str(x), V::Str(y)) => x == y,
            (V::Bytes(x), V::Bytes(y)) => x == y,
            (V::Time(x), V::Time(y)) => x == y,
            _ => false,
        },
        _ => false,
    }
}

/// The comparison `c` on the value `v`, `NOT` applied.
pub(super) fn test(c: &Comparison, v: &Val<'_>) -> Result<bool, EvalError> {
    let value = of_val(v);
    let lit = c.value.as_ref();
    let result = match c.op {
        Op::Eq | Op::Ne => {
            let Some(lit) = lit else { return Ok(false) };
            let lit_v = of_literal(lit);
            let value = if matches!(lit_v, V::Time(_)) {
                as_time(value)?
            } else {
                value
            };
            let eq = equal(&value, &lit_v).unwrap_or(false);
            eq == (c.op == Op::Eq)
        }
        Op::Lt | Op::Le | Op::Gt | Op::Ge => {
            let Some(lit) = lit else { return Ok(false) };
            let lit_v = of_literal(lit);
            let value = if matches!(lit_v, V::Time(_)) {
                as_time(value)?
            } else {
                value
            };
            match order(&value, &lit_v) {
                // No order between the types: false, NOT or not.
                Ok(None) => return Ok(false),
                Err(()) => false,
                Ok(Some(o)) => match c.op {
                    Op::Lt => o == Ordering::Less,
                    Op::Le => o != Ordering::Greater,
                    Op::Gt => o == Ordering::Greater,
                    _ => o != Ordering::Less,
                },
            }
        }
        Op::In => {
            let Some(Literal::Set(items)) = lit else {
                return Ok(false);
            };
            let timestamps = matches!(items.first(), Some(Literal::Timestamp(_)));
            let value = if timestamps { as_time(value)? } else { value };
            items.iter().any(|i| member_equal(&of_literal(i), &value))
        }
        Op::Like | Op::Matches => regex_test(c, v)?,
        Op::IsSubset | Op::IsSuperset => {
            let Some(Literal::Str(lit)) = lit else {
                return Ok(false);
            };
            match value {
                V::Str(s) if c.op == Op::IsSubset => in_subnet(s, lit)?,
                V::Str(s) => in_subnet(lit, s)?,
                _ => false,
            }
        }
        Op::Exists => return Ok(false),
    };
    Ok(result != c.negated)
}

fn regex_test(c: &Comparison, v: &Val<'_>) -> Result<bool, EvalError> {
    let Some(re) = &c.regex else { return Ok(false) };
    let re = &re.0;
    // The OASIS matcher normalises the expression to NFC; the parser
    // compiles it as written, so recompile in the rare case that differs.
    let normalised;
    let re = match nfc(re.as_str()) {
        Cow::Borrowed(_) => re,
        Cow::Owned(src) => {
            normalised = regex::Regex::new(&src).map_err(|e| EvalError {
                message: format!(
                    "the regular expression does not compile once normalised to NFC: {e}"
                ),
            })?;
            &normalised
        }
    };
    let binary_ok = || re.as_str().chars().all(|ch| (ch as u32) < 256);
    Ok(match v {
        Val::Json(Value::String(s)) => re.is_match(&nfc(s)),
        Val::Bytes(_, bytes) if binary_ok() => {
            if c.op == Op::Like {
                let s = std::str::from_utf8(bytes).map_err(|_| EvalError {
                    message: "LIKE on bytes that are not UTF-8 text".to_string(),
                })?;
                re.is_match(&nfc(s))
            } else {
                let s: String = bytes.iter().map(|&b| char::from(b)).collect();
                re.is_match(&s)
            }
        }
        _ => false,
    })
}

/// An address or CIDR block, as (address bits, prefix length, is IPv6).
fn parse_net(s: &str, need_prefix: bool) -> Option<(u128, u32, bool)> {
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None if need_prefix => return None,
        None => (s, None),
    };
    let (bits, width, v6) = if let Ok(a) = addr.parse::<Ipv4Addr>() {
        (u128::from(u32::from(a)) << 96, 32, false)
    } else if let Ok(a) = addr.parse::<Ipv6Addr>() {
        (u128::from(a), 128, true)
    } else {
        return None;
    };
    let prefix = match prefix {
        None => width,
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
            p.parse::<u32>().ok()?
        }
        Some(_) => return None,
    };
    // The OASIS matcher refuses /0.
    if prefix < 1 || prefix > width {
        return None;
    }
    Some((bits, prefix, v6))
}

/// Whether the address or block `inner` lies inside the block `outer`
/// (which must have a `/prefix`, as in the OASIS matcher).
fn in_subnet(inner: &str, outer: &str) -> Result<bool, EvalError> {
    let i = parse_net(inner, false).ok_or_else(|| EvalError {
        message: format!("not an IP address or CIDR block: '{inner}' (ISSUBSET and ISSUPERSET compare IP addresses)"),
    })?;
    let o = parse_net(outer, true).ok_or_else(|| EvalError {
        message: format!(
            "not a CIDR block: '{outer}' (ISSUBSET and ISSUPERSET compare IP addresses)"
        ),
    })?;
    if i.2 != o.2 || o.1 > i.1 {
        return Ok(false);
    }
    // IPv4 addresses sit in the top 32 bits, so one mask fits both.
    let mask = u128::MAX << (128 - o.1);
    Ok(i.0 & mask == o.0 & mask)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_like_python() {
        assert_eq!(decode_base64("YWJj").unwrap(), b"abc");
        assert_eq!(decode_base64("YWI=").unwrap(), b"ab");
        assert_eq!(decode_base64("YQ==").unwrap(), b"a");
        assert!(decode_base64("YQ=").is_none());
        assert!(decode_base64("YWJ").is_none());
    }

    #[test]
    fn subnets() {
        assert!(in_subnet("10.1.2.3", "10.0.0.0/8").unwrap());
        assert!(!in_subnet("11.1.2.3", "10.0.0.0/8").unwrap());
        assert!(in_subnet("10.1.0.0/16", "10.0.0.0/8").unwrap());
        assert!(!in_subnet("10.0.0.0/8", "10.1.0.0/16").unwrap());
        assert!(in_subnet("2001:db8::1", "2001:db8::/32").unwrap());
        assert!(!in_subnet("2001:db9::1", "2001:db8::/32").unwrap());
        assert!(in_subnet("foo", "10.0.0.0/8").is_err());
        assert!(in_subnet("10.0.0.1", "10.0.0.1").is_err());
    }

    #[test]
    fn numbers_compare_exactly() {
        assert_eq!(cmp_int_float(1, 1.0), Some(Ordering::Equal));
        assert_eq!(cmp_int_float(1, 1.5), Some(Ordering::Less));
        assert_eq!(cmp_int_float(-2, -1.5), Some(Ordering::Less));
        assert_eq!(
            cmp_int_float(9_007_199_254_740_993, 9_007_199_254_740_992.0),
            Some(Ordering::Greater)
        );
    }
}
