//! Property kinds (the "Type" column of the spec's property tables) and the checks
//! that go with them: STIX 2.1 §2 "Common Data Types".

use super::cx::{quote, Cx, Path};
use super::refs::{self, Targets};
use super::table::Shape;
use super::{encodings, formats, lang, time, vocab};
use crate::val::{Obj, Val};

/// The kind of value a property holds.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    /// A string (§2.15).
    Str,
    /// `true` or `false` (§2.2).
    Bool,
    /// An integer (§2.10) in an inclusive range.
    Int(i64, i64),
    /// A float (§2.6) in an inclusive range.
    Float(f64, f64),
    /// A timestamp (§2.16).
    Ts,
    /// A timestamp precise to the second exactly (PE `time_date_stamp`, §6.7.6.1).
    TsSecond,
    /// An identifier of an allowed type (§2.9).
    Ref(Targets),
    /// A list of identifiers of allowed types.
    Refs(Targets),
    /// A list of strings.
    StrList,
    /// A dictionary (§2.3) whose values have the given kind.
    Dict(DictValues),
    /// A hashes dictionary (§2.7).
    Hashes,
    /// A hex string (§2.8): an even number of lowercase hexadecimal digits.
    Hex,
    /// A base64 string (§2.1).
    Binary,
    /// A value of a closed enumeration (§2.4): anything else is an error.
    Enum(&'static [&'static str]),
    /// A list of enumeration values.
    EnumList(&'static [&'static str]),
    /// A value of an open vocabulary (§2.14): anything else is a warning.
    Vocab(&'static [&'static str]),
    /// A list of open-vocabulary values.
    VocabList(&'static [&'static str]),
    /// A list of kill-chain phases (§2.11).
    KillChain,
    /// An embedded object with its own property table.
    Obj(&'static Shape),
    /// A list of embedded objects.
    ObjList(&'static Shape),
    /// An RFC 5646 language tag.
    Lang,
    /// An RFC 3986 URI.
    Url,
    /// A format specific to one property, checked by a function.
    Special(fn(&mut Cx<'_>, &Path<'_>, &Val<'_>)),
}

/// What the values of a dictionary may be.
#[derive(Clone, Copy)]
pub(crate) enum DictValues {
    /// Any property base type (§2.3).
    Any,
    /// Strings.
    Str,
    /// Strings or integers.
    StrOrInt,
    /// Lists of strings (HTTP and email header fields, §6.6.1, §6.12.2).
    StrList,
}

/// The largest magnitude a STIX integer may have: a signed 54-bit value (§2.10).
const INT_LIMIT: i128 = (1 << 53) - 1;

/// An integer value, if `v` is one; JSON numbers such as `50.0` count, as JSON Schema has them.
pub(crate) fn as_integer(v: &Val<'_>) -> Option<i128> {
    let n = match v {
        Val::Number(n) => n,
        _ => return None,
    };
    if let Some(i) = n.as_i64() {
        return Some(i128::from(i));
    }
    if let Some(u) = n.as_u64() {
        return Some(i128::from(u));
    }
    let f = n.as_f64()?;
    (f.is_finite() && f.fract() == 0.0 && f.abs() < 1e30).then_some(f as i128)
}

/// The list at `v`, if it is a non-empty list; reports otherwise (§2.12: empty lists are prohibited).
pub(crate) fn non_empty_list<'v>(
    cx: &mut Cx<'_>,
    at: &Path<'_>,
    v: &'v Val<'v>,
) -> Option<&'v [Val<'v>]> {
    match v {
        Val::Array(items) if items.is_empty() => {
            cx.error(
                at,
                "empty-list",
                format!(
                    "'{}' is an empty list; STIX prohibits empty lists (omit the property instead)",
                    at.display()
                ),
            );
            None
        }
        Val::Array(items) => Some(items),
        other => {
            cx.wrong_type(at, "a list", other);
            None
        }
    }
}

/// The object at `v`, if it is a non-empty JSON object; reports otherwise (§2.3: empty dictionaries are prohibited).
pub(crate) fn non_empty_dict<'v>(
    cx: &mut Cx<'_>,
    at: &Path<'_>,
    v: &'v Val<'v>,
) -> Option<&'v Obj<'v>> {
    match v {
        Val::Object(m) if m.is_empty() => {
            cx.error(at, "empty-dictionary", format!("'{}' is an empty dictionary; STIX prohibits empty dictionaries (omit the property instead)", at.display()));
            None
        }
        Val::Object(m) => Some(m),
        other => {
            cx.wrong_type(at, "a dictionary (JSON object)", other);
            None
        }
    }
}

/// Checks `v` against `kind`.
pub(crate) fn check(cx: &mut Cx<'_>, at: &Path<'_>, v: &Val<'_>, kind: Kind) {
    if v.is_null() {
        cx.error(
            at,
            "null-value",
            format!(
                "'{}' is null; STIX properties must have a value (omit the property instead)",
                at.display()
            ),
        );
        return;
    }
    match kind {
        Kind::Str => {
            if !v.is_string() {
                cx.wrong_type(at, "a string", v);
            }
        }
        Kind::Bool => {
            if !v.is_boolean() {
                cx.wrong_type(at, "true or false", v);
            }
        }
        Kind::Int(min, max) => check_int(cx, at, v, min, max),
        Kind::Float(min, max) => match v.as_f64() {
            Some(f) if v.is_number() && (f < min || f > max) => cx.error(
                at,
                "number-range",
                format!("'{}' must be a number from {min} to {max}, got {f}", at.display()),
            ),
            Some(_) if v.is_number() => {}
            _ => cx.wrong_type(at, "a number", v),
        },
        Kind::Ts | Kind::TsSecond => check_ts(cx, at, v, matches!(kind, Kind::TsSecond)),
        Kind::Ref(t) => refs::check_ref(cx, at, v, t),
        Kind::Refs(t) => refs::check_refs(cx, at, v, t),
        Kind::StrList => {
            if let Some(items) = non_empty_list(cx, at, v) {
                for (i, item) in items.iter().enumerate() {
                    if !item.is_string() {
                        cx.wrong_type(&at.index(i), "a string", item);
                    }
                }
            }
        }
        Kind::Dict(values) => check_dict(cx, at, v, values),
        Kind::Hashes => encodings::check_hashes(cx, at, v, false),
        Kind::Hex => encodings::check_hex(cx, at, v),
        Kind::Binary => encodings::check_binary(cx, at, v),
        Kind::Enum(allowed) => check_enum(cx, at, v, allowed),
        Kind::EnumList(allowed) => {
            if let Some(items) = non_empty_list(cx, at, v) {
                for (i, item) in items.iter().enumerate() {
                    check_enum(cx, &at.index(i), item, allowed);
                }
            }
        }
        Kind::Vocab(suggested) => check_vocab(cx, at, v, suggested),
        Kind::VocabList(suggested) => {
            if let Some(items) = non_empty_list(cx, at, v) {
                for (i, item) in items.iter().enumerate() {
                    check_vocab(cx, &at.index(i), item, suggested);
                }
            }
        }
        Kind::KillChain => check_kill_chain(cx, at, v),
        Kind::Obj(shape) => {
            if let Some(m) = v.as_object() {
                super::check_shape(cx, at, m, shape);
            } else {
                cx.wrong_type(at, "an object", v);
            }
        }
        Kind::ObjList(shape) => {
            if let Some(items) = non_empty_list(cx, at, v) {
                for (i, item) in items.iter().enumerate() {
                    let here = at.index(i);
                    match item.as_object() {
                        Some(m) => super::check_shape(cx, &here, m, shape),
                        None => cx.wrong_type(&here, "an object", item),
                    }
                }
            }
        }
        Kind::Lang => match v.as_str() {
            Some(s) if lang::is_language_tag(s) => {}
            Some(s) => cx.error(at, "language-tag", format!("'{}' must be an RFC 5646 language tag such as 'en' or 'pt-BR', got {}", at.display(), quote(s))),
            None => cx.wrong_type(at, "a language tag string", v),
        },
        Kind::Url => match v.as_str() {
            Some(s) if formats::is_uri(s) => {}
            Some(s) => cx.error(at, "url-format", format!("'{}' must be an absolute URL (RFC 3986) such as 'https://example.com/a', got {}", at.display(), quote(s))),
            None => cx.wrong_type(at, "a URL string", v),
        },
        Kind::Special(f) => f(cx, at, v),
    }
}

fn check_int(cx: &mut Cx<'_>, at: &Path<'_>, v: &Val<'_>, min: i64, max: i64) {
    match as_integer(v) {
        None => cx.wrong_type(at, "an integer", v),
        Some(i) if i.abs() > INT_LIMIT => cx.error(
            at,
            "integer-range",
            format!("'{}' is {i}, beyond the signed 54-bit range STIX integers must fit in (±9007199254740991)", at.display()),
        ),
        Some(i) if i < i128::from(min) || i > i128::from(max) => {
            let range = match (min, max) {
                (0, i64::MAX) => "a non-negative integer".to_string(),
                (lo, i64::MAX) => format!("an integer of at least {lo}"),
                (lo, hi) => format!("an integer from {lo} to {hi}"),
            };
            cx.error(at, "integer-range", format!("'{}' must be {range}, got {i}", at.display()));
        }
        Some(_) => {}
    }
}

/// Checks a timestamp value; `second` demands exactly second precision.
pub(crate) fn check_ts(cx: &mut Cx<'_>, at: &Path<'_>, v: &Val<'_>, second: bool) {
    let Some(s) = v.as_str() else {
        cx.wrong_type(at, "a timestamp string", v);
        return;
    };
    match time::parse(s) {
        Err(e) => cx.error(at, "timestamp-format", format!("'{}' is not a valid timestamp: {}: {}", at.display(), quote(s), e.explain())),
        Ok(t) if second && t.precision() != 0 => cx.error(
            at,
            "timestamp-precision",
            format!("'{}' must be precise to the second, without fractional seconds (YYYY-MM-DDTHH:MM:SSZ), got {}", at.display(), quote(s)),
        ),
        Ok(_) => {}
    }
}

fn check_enum(cx: &mut Cx<'_>, at: &Path<'_>, v: &Val<'_>, allowed: &[&str]) {
    match v.as_str() {
        Some(s) if allowed.contains(&s) => {}
        Some(s) => cx.error(
            at,
            "enum-value",
            format!(
                "'{}' must be one of {}; got {}",
                at.display(),
                allowed.join(", "),
                quote(s)
            ),
        ),
        None => cx.wrong_type(at, "a string", v),
    }
}

fn check_vocab(cx: &mut Cx<'_>, at: &Path<'_>, v: &Val<'_>, suggested: &[&str]) {
    match v.as_str() {
        Some(s) if suggested.contains(&s) => {}
        Some(s) if vocab::is_vocab_style(s) => cx.warn(
            at,
            "vocab-value",
            format!("{} in '{}' is not in the suggested vocabulary ({})", quote(s), at.display(), suggested.join(", ")),
        ),
        Some(s) => cx.warn(
            at,
            "vocab-format",
            format!("{} in '{}' is not in the suggested vocabulary and is not lowercase words joined by hyphens", quote(s), at.display()),
        ),
        None => cx.wrong_type(at, "a string", v),
    }
}

/// Whether `k` is a valid dictionary key (§2.3): ASCII letters, digits, `-`, `_`, at most 250.
pub(crate) fn is_dict_key(k: &str) -> bool {
    k.len() <= 250
        && k.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
}

fn check_dict(cx: &mut Cx<'_>, at: &Path<'_>, v: &Val<'_>, values: DictValues) {
    let Some(m) = non_empty_dict(cx, at, v) else {
        return;
    };
    for (k, item) in m {
        let here = at.key(k);
        if !is_dict_key(k) {
            cx.error(&here, "dictionary-key", format!("dictionary key {} in '{}' must be at most 250 ASCII letters, digits, '-' or '_'", quote(k), at.display()));
        }
        match (values, item) {
            (_, Val::Null) => cx.error(
                &here,
                "null-value",
                format!(
                    "'{}' is null; dictionary values must be STIX values",
                    here.display()
                ),
            ),
            (_, Val::Array(a)) if a.is_empty() => cx.error(
                &here,
                "empty-list",
                format!(
                    "'{}' is an empty list; STIX prohibits empty lists",
                    here.display()
                ),
            ),
            (DictValues::Any, _) | (DictValues::Str, Val::String(_)) => {}
            (DictValues::StrOrInt, Val::String(_)) => {}
            (DictValues::StrOrInt, n) if as_integer(n).is_some() => {}
            (DictValues::StrList, Val::Array(a)) if a.iter().all(Val::is_string) => {}
            (DictValues::Str, other) => cx.wrong_type(&here, "a string", other),
            (DictValues::StrOrInt, other) => cx.wrong_type(&here, "a string or an integer", other),
            (DictValues::StrList, other) => cx.wrong_type(&here, "a list of strings", other),
        }
    }
}

fn check_kill_chain(cx: &mut Cx<'_>, at: &Path<'_>, v: &Val<'_>) {
    let Some(items) = non_empty_list(cx, at, v) else {
        return;
    };
    for (i, item) in items.iter().enumerate() {
        let here = at.index(i);
        let Some(m) = item.as_object() else {
            cx.wrong_type(&here, "a kill-chain phase object", item);
            continue;
        };
        for name in ["kill_chain_name", "phase_name"] {
            match m.field(name) {
                None => cx.error(
                    &here.key(name),
                    "required-property",
                    format!("kill chain phase '{}' is missing '{name}'", here.display()),
                ),
                Some(Val::String(s)) => {
                    if !vocab::is_vocab_style(s) {
                        cx.warn(
                            &here.key(name),
                            "kill-chain-name-format",
                            format!("{} SHOULD be lowercase words joined by hyphens", quote(s)),
                        );
                    }
                }
                Some(other) => cx.wrong_type(&here.key(name), "a string", other),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(kind: Kind, v: serde_json::Value) -> Vec<(&'static str, String)> {
        let root = Obj::default();
        let mut cx = Cx::new(&root);
        let p = Path::Root;
        check(&mut cx, &p.key("p"), &Val::of(&v), kind);
        cx.findings
            .into_iter()
            .map(|f| (f.rule, f.pointer))
            .collect()
    }

    #[test]
    fn integers() {
        assert!(run(Kind::Int(0, 100), json!(50)).is_empty());
        assert!(run(Kind::Int(0, 100), json!(50.0)).is_empty());
        assert_eq!(
            run(Kind::Int(0, 100), json!(101)),
            [("integer-range", "/p".to_string())]
        );
        assert_eq!(
            run(Kind::Int(0, 100), json!(true)),
            [("property-type", "/p".to_string())]
        );
        assert_eq!(
            run(Kind::Int(0, 100), json!(1.5)),
            [("property-type", "/p".to_string())]
        );
        assert_eq!(
            run(Kind::Int(i64::MIN, i64::MAX), json!(9007199254740993u64))[0].0,
            "integer-range"
        );
    }

    #[test]
    fn hashes_hex_binary() {
        assert!(run(
            Kind::Hashes,
            json!({"MD5": "d41d8cd98f00b204e9800998ecf8427e"})
        )
        .is_empty());
        assert_eq!(
            run(Kind::Hashes, json!({"MD5": "d41d"})),
            [("hash-value", "/p/MD5".to_string())]
        );
        assert_eq!(
            run(Kind::Hashes, json!({"ab": "x"})),
            [("hash-algorithm", "/p/ab".to_string())]
        );
        assert_eq!(
            run(Kind::Hashes, json!({})),
            [("empty-dictionary", "/p".to_string())]
        );
        assert_eq!(
            run(Kind::Hex, json!("FFF")),
            [("hex-value", "/p".to_string())]
        );
        assert_eq!(
            run(Kind::Hex, json!("FF")),
            [("hex-lowercase", "/p".to_string())]
        );
        assert!(run(Kind::Hex, json!("ff00")).is_empty());
        assert!(run(Kind::Binary, json!("aGk=")).is_empty());
        assert_eq!(
            run(Kind::Binary, json!("aGk")),
            [("binary-value", "/p".to_string())]
        );
    }

    #[test]
    fn lists_and_vocab() {
        assert_eq!(
            run(Kind::StrList, json!([])),
            [("empty-list", "/p".to_string())]
        );
        assert_eq!(
            run(Kind::StrList, json!(["a", 1])),
            [("property-type", "/p/1".to_string())]
        );
        assert_eq!(
            run(Kind::Enum(&["a"]), json!("b")),
            [("enum-value", "/p".to_string())]
        );
        assert_eq!(
            run(Kind::Vocab(&["a"]), json!("b")),
            [("vocab-value", "/p".to_string())]
        );
        assert_eq!(
            run(Kind::KillChain, json!([{"kill_chain_name": "x"}])),
            [("required-property", "/p/0/phase_name".to_string())]
        );
        assert_eq!(
            run(Kind::Str, serde_json::Value::Null),
            [("null-value", "/p".to_string())]
        );
    }
}
