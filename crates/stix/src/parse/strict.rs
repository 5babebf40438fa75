//! JSON → `serde_json::Value` that refuses duplicate object keys.
//!
//! RFC 8259 leaves duplicate names undefined and `serde_json::Value` silently keeps
//! the last one; for intelligence that would lose data without a word, so Vigil
//! rejects such objects with the key's position.

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;

/// The key serde_json's `arbitrary_precision` feature uses to pass a number's text
/// through `deserialize_any` (a private constant of serde_json, stable since 1.0.23).
pub(crate) const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// Parses one JSON value from `bytes`, rejecting duplicate keys at any depth.
pub fn from_slice(bytes: &[u8]) -> Result<Value, serde_json::Error> {
    whole(serde_json::Deserializer::from_slice(bytes))
}

/// [`from_slice`] for text known to be UTF-8: the same value or error, without
/// checking each string for UTF-8 again (5% of checking an object, where one
/// check of the whole text costs a tenth of that).
pub fn from_str(text: &str) -> Result<Value, serde_json::Error> {
    whole(serde_json::Deserializer::from_str(text))
}

/// The one value `de` reads, with nothing but white space after it.
fn whole<'de, R: serde_json::de::Read<'de>>(
    mut de: serde_json::Deserializer<R>,
) -> Result<Value, serde_json::Error> {
    let v = StrictValue { keys: TOP_KEYS }.deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

/// The room made at once for the keys of a top-level object (a STIX object
/// has 10 to 20) and of a nested one: growing a map by doubling rehashes it
/// each time, which was 2% of an import's time.
pub(crate) const TOP_KEYS: usize = 16;
pub(crate) const NESTED_KEYS: usize = 4;

/// A `DeserializeSeed` producing a `Value`, with duplicate keys as errors.
#[derive(Clone, Copy)]
pub struct StrictValue {
    /// Room for this many keys, should the value be an object.
    keys: usize,
}

const NESTED: StrictValue = StrictValue { keys: NESTED_KEYS };

impl<'de> DeserializeSeed<'de> for StrictValue {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictValue {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("number is not finite"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(e) = seq.next_element_seed(NESTED)? {
            v.push(e);
        }
        Ok(Value::Array(v))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let Some(first) = map.next_key::<String>()? else {
            return Ok(Value::Object(Map::new()));
        };
        if first == NUMBER_TOKEN {
            return number(&mut map).map(Value::Number);
        }
        let mut m = Map::with_capacity(self.keys);
        let v = map.next_value_seed(NESTED)?;
        m.insert(first, v);
        while let Some(k) = map.next_key::<String>()? {
            // One hash per key: the entry says whether it is a duplicate.
            match m.entry(k) {
                serde_json::map::Entry::Occupied(o) => {
                    return Err(de::Error::custom(format_args!(
                        "duplicate key \"{}\"",
                        o.key().escape_debug()
                    )));
                }
                serde_json::map::Entry::Vacant(slot) => {
                    slot.insert(map.next_value_seed(NESTED)?);
                }
            }
        }
        Ok(Value::Object(m))
    }
}

/// The number whose text follows [`NUMBER_TOKEN`] (the map's first key).
pub(crate) fn number<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Number, A::Error> {
    let text: String = map.next_value()?;
    serde_json::from_str::<Number>(&text)
        .map_err(|e| de::Error::custom(format!("bad number {text}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_are_errors_with_position() {
        let e = from_slice(b"{\"a\": 1,\n \"b\": {\"c\": 1, \"c\": 2}}").unwrap_err();
        assert!(e.to_string().contains("duplicate key \"c\""), "{e}");
        assert_eq!(e.line(), 2);
    }

    #[test]
    fn numbers_keep_their_text() {
        let v = from_slice(br#"{"a": 1.0, "b": 123456789012345678901234567890, "c": -0.5e-3}"#)
            .unwrap();
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"{"a":1.0,"b":123456789012345678901234567890,"c":-0.5e-3}"#
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        assert!(from_slice(deep.as_bytes()).is_err());
    }

    #[test]
    fn key_order_is_kept() {
        let v = from_slice(br#"{"z": 1, "a": 2, "m": 3}"#).unwrap();
        let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["z", "a", "m"]);
    }
}
