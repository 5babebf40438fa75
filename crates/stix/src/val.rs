//! A borrowed JSON tree for checking objects: strings and keys point into the
//! object's text (copied only when they hold escapes), an object is one `Vec`
//! of its entries in order. Validation walks this tree.
//!
//! Why not `serde_json::Value`: building one costs an allocation per key and
//! per string and an `IndexMap` (with SipHash) per object, and freeing it as
//! much again: 60% of checking an indicator, where reading the same text with
//! nothing kept costs a tenth of that. Objects that must be changed (STIX 2.0
//! upgrades) and everything that keeps objects are `serde_json` values still;
//! [`Val::of`] borrows a view of one for validation.

use crate::parse::strict::{number, NESTED_KEYS, NUMBER_TOKEN, TOP_KEYS};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

/// A JSON value borrowed from its text (or from a `serde_json::Value`).
#[derive(Debug, Clone, PartialEq)]
pub enum Val<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, with its text (serde_json's `arbitrary_precision`).
    Number(Number),
    /// A string.
    String(Cow<'a, str>),
    /// A list.
    Array(Vec<Val<'a>>),
    /// An object.
    Object(Obj<'a>),
}

/// A JSON object: its entries in their order, keys unique.
#[derive(Debug, Clone, Default)]
pub struct Obj<'a> {
    entries: Vec<(Cow<'a, str>, Val<'a>)>,
    /// Past [`LINEAR_KEYS`] entries: key → position in `entries`, so that no
    /// lookup in a large (or hostile) object searches it in order.
    index: Option<Box<KeyIndex<'a>>>,
}

type KeyIndex<'a> = HashMap<Cow<'a, str>, usize>;

impl PartialEq for Obj<'_> {
    /// Equal entries in the same order (the index follows from them).
    fn eq(&self, other: &Self) -> bool {
        self.entries == other.entries
    }
}

impl<'a> Val<'a> {
    /// A view of a `serde_json` value (strings borrowed, containers rebuilt).
    pub fn of(v: &'a Value) -> Val<'a> {
        match v {
            Value::Null => Val::Null,
            Value::Bool(b) => Val::Bool(*b),
            Value::Number(n) => Val::Number(n.clone()),
            Value::String(s) => Val::String(Cow::Borrowed(s)),
            Value::Array(a) => Val::Array(a.iter().map(Val::of).collect()),
            Value::Object(m) => Val::Object(Obj::of(m)),
        }
    }

    /// Parses one JSON value from `text`, rejecting duplicate keys at any
    /// depth (as [`crate::parse::strict`] does).
    pub fn parse(text: &'a str) -> Result<Val<'a>, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(text);
        let v = Seed { keys: TOP_KEYS }.deserialize(&mut de)?;
        de.end()?;
        Ok(v)
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Val::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Val::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The items, if this is a list.
    pub fn as_array(&self) -> Option<&Vec<Val<'a>>> {
        match self {
            Val::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The object, if this is one.
    pub fn as_object(&self) -> Option<&Obj<'a>> {
        match self {
            Val::Object(o) => Some(o),
            _ => None,
        }
    }

    /// The number as a float, if this is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Val::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    /// Whether this is a string.
    pub fn is_string(&self) -> bool {
        matches!(self, Val::String(_))
    }

    /// Whether this is a number.
    pub fn is_number(&self) -> bool {
        matches!(self, Val::Number(_))
    }

    /// Whether this is an object.
    pub fn is_object(&self) -> bool {
        matches!(self, Val::Object(_))
    }

    /// Whether this is a boolean.
    pub fn is_boolean(&self) -> bool {
        matches!(self, Val::Bool(_))
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Val::Null)
    }

    /// The value of `key`, if this is an object that has it.
    pub fn field(&self, key: &str) -> Option<&Val<'a>> {
        self.as_object().and_then(|o| o.field(key))
    }
}

impl<'s, 'a> IntoIterator for &'s Obj<'a> {
    type Item = (&'s str, &'s Val<'a>);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'s, (Cow<'a, str>, Val<'a>)>,
        fn(&'s (Cow<'a, str>, Val<'a>)) -> (&'s str, &'s Val<'a>),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(k, v)| (k.as_ref(), v))
    }
}

impl<'a> Obj<'a> {
    /// A view of a `serde_json` map.
    pub fn of(m: &'a Map<String, Value>) -> Obj<'a> {
        let entries: Vec<_> = m
            .iter()
            .map(|(k, v)| (Cow::Borrowed(k.as_str()), Val::of(v)))
            .collect();
        let index = (entries.len() > LINEAR_KEYS).then(|| {
            Box::new(
                entries
                    .iter()
                    .enumerate()
                    .map(|(i, (k, _))| (k.clone(), i))
                    .collect(),
            )
        });
        Obj { entries, index }
    }

    /// The value of `key`, if present.
    pub fn field(&self, key: &str) -> Option<&Val<'a>> {
        match &self.index {
            Some(index) => index.get(key).map(|&i| &self.entries[i].1),
            None => self
                .entries
                .iter()
                .find_map(|(k, v)| (k.as_ref() == key).then_some(v)),
        }
    }

    /// Whether `key` is present.
    pub fn has(&self, key: &str) -> bool {
        self.field(key).is_some()
    }

    /// The entries in order.
    pub fn iter(&self) -> <&Obj<'a> as IntoIterator>::IntoIter {
        self.into_iter()
    }

    /// The keys in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.entries.iter().map(|(k, _)| k.as_ref())
    }

    /// The values in order.
    pub fn values(&self) -> impl Iterator<Item = &Val<'a>> + '_ {
        self.entries.iter().map(|(_, v)| v)
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Objects with more keys than this look keys up by hash, not in order (the
/// same size as where [`crate::Fields`] stops searching a `serde_json` map in order).
const LINEAR_KEYS: usize = crate::object::LINEAR_MAX;

/// Reads a value; should it be an object, room for `keys` entries is made at once.
#[derive(Clone, Copy)]
struct Seed {
    keys: usize,
}

const NESTED: Seed = Seed { keys: NESTED_KEYS };

impl<'de> DeserializeSeed<'de> for Seed {
    type Value = Val<'de>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Val<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

/// A key, borrowed from the text when it has no escapes.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Cow<'de, str>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v))
    }
}

impl<'de> Visitor<'de> for Seed {
    type Value = Val<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Val<'de>, E> {
        Ok(Val::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Val<'de>, E> {
        Ok(Val::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Val<'de>, E> {
        Ok(Val::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Val<'de>, E> {
        Number::from_f64(v)
            .map(Val::Number)
            .ok_or_else(|| E::custom("number is not finite"))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Val<'de>, E> {
        Ok(Val::String(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Val<'de>, E> {
        Ok(Val::String(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Val<'de>, E> {
        Ok(Val::String(Cow::Owned(v)))
    }
    fn visit_unit<E>(self) -> Result<Val<'de>, E> {
        Ok(Val::Null)
    }
    fn visit_none<E>(self) -> Result<Val<'de>, E> {
        Ok(Val::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Val<'de>, A::Error> {
        let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(e) = seq.next_element_seed(NESTED)? {
            v.push(e);
        }
        Ok(Val::Array(v))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Val<'de>, A::Error> {
        let Some(first) = map.next_key_seed(Key)? else {
            return Ok(Val::Object(Obj::default()));
        };
        if first == NUMBER_TOKEN {
            return number(&mut map).map(Val::Number);
        }
        let mut entries = Vec::with_capacity(self.keys);
        entries.push((first, map.next_value_seed(NESTED)?));
        // Past LINEAR_KEYS keys, duplicates are found (and later lookups made) by hash.
        let mut index: Option<Box<KeyIndex<'de>>> = None;
        while let Some(k) = map.next_key_seed(Key)? {
            let at = entries.len();
            let duplicate = match &mut index {
                Some(index) => index.insert(k.clone(), at).is_some(),
                None => {
                    let dup = entries.iter().any(|(e, _)| *e == k);
                    if !dup && at >= LINEAR_KEYS {
                        let mut all: KeyIndex<'de> = entries
                            .iter()
                            .enumerate()
                            .map(|(i, (e, _))| (e.clone(), i))
                            .collect();
                        all.insert(k.clone(), at);
                        index = Some(Box::new(all));
                    }
                    dup
                }
            };
            if duplicate {
                return Err(de::Error::custom(format_args!(
                    "duplicate key \"{}\"",
                    k.escape_debug()
                )));
            }
            entries.push((k, map.next_value_seed(NESTED)?));
        }
        Ok(Val::Object(Obj { entries, index }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_without_escapes_are_borrowed() {
        let text = r#"{"a": "plain", "b\u0020": "esc\"aped", "c": [1, 2.5, null, true]}"#;
        let v = Val::parse(text).unwrap();
        let o = v.as_object().unwrap();
        assert!(matches!(
            o.field("a"),
            Some(Val::String(Cow::Borrowed("plain")))
        ));
        assert!(matches!(o.field("b "), Some(Val::String(Cow::Owned(s))) if s == "esc\"aped"));
        assert_eq!(o.keys().collect::<Vec<_>>(), ["a", "b ", "c"]);
        let c = o.field("c").and_then(Val::as_array).unwrap();
        assert_eq!(c[1].as_f64(), Some(2.5));
        assert!(c[2].is_null() && c[3].as_bool() == Some(true));
    }

    #[test]
    fn duplicate_keys_are_errors_small_and_large() {
        let e = Val::parse("{\"a\": 1,\n \"b\": {\"c\": 1, \"c\": 2}}").unwrap_err();
        assert!(e.to_string().contains("duplicate key \"c\""), "{e}");
        assert_eq!(e.line(), 2);
        let many: Vec<String> = (0..100).map(|i| format!("\"k{i}\": {i}")).collect();
        let ok = format!("{{{}}}", many.join(","));
        assert_eq!(Val::parse(&ok).unwrap().as_object().unwrap().len(), 100);
        let big = Val::parse(&ok).unwrap();
        let big = big.as_object().unwrap();
        assert_eq!(big.field("k99").and_then(Val::as_f64), Some(99.0));
        assert_eq!(big.field("k3").and_then(Val::as_f64), Some(3.0));
        assert!(big.field("k100").is_none());
        // Large objects are looked up by hash: a hostile object with 100k keys
        // and 50k granular-marking selectors took 6 s to validate without.
        assert!(big.index.is_some());
        let serde = crate::parse::strict::from_str(&ok).unwrap();
        assert!(Obj::of(serde.as_object().unwrap()).index.is_some());
        let small = Val::parse(r#"{"a": 1}"#).unwrap();
        assert!(small.as_object().unwrap().index.is_none());
        let dup = format!("{{{}, \"k7\": 0}}", many.join(","));
        assert!(Val::parse(&dup).unwrap_err().to_string().contains("\"k7\""));
        let escaped_dup = r#"{"k": 1, "\u006b": 2}"#;
        assert!(Val::parse(escaped_dup).is_err());
    }

    #[test]
    fn parse_agrees_with_the_serde_view() {
        let text = r#"{"z": 1, "a": {"n": -0.5e-3, "big": 123456789012345678901234567890}, "l": ["x", {"y": null}]}"#;
        let serde = crate::parse::strict::from_str(text).unwrap();
        assert_eq!(Val::parse(text).unwrap(), Val::of(&serde));
    }
}
