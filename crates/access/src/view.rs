//! The visibility decision: what of one STIX object a clearance may see.
//!
//! Rules, in order:
//! 1. An object is visible only if the clearance covers every marking in its
//!    `object_marking_refs`, or the policy's default marking when it has none.
//! 2. Each `granular_markings` entry whose `marking_ref` is not covered removes
//!    what its selectors select (all cuts made against the object as stored; see
//!    [`crate::selector`]). If one selects `id`, `type`, `spec_version`,
//!    `object_marking_refs` or `granular_markings`, the whole object is hidden.
//!    `lang` granular markings are not access markings and are kept.
//! 3. The entries not covered are dropped from `granular_markings` too, so
//!    compartment ids do not leak; the selectors kept are renumbered for the
//!    shortened lists, those selecting removed content dropped, then empty
//!    entries and an empty `granular_markings`.
//!
//! Fail closed: text that is not a JSON object, a duplicate top-level key,
//! markings of the wrong type, a granular marking with neither or both of
//! `marking_ref` and `lang`, or a malformed selector on a marking not covered
//! all hide the object. (A malformed selector on a covered marking removes
//! nothing, so it is kept as it came.)
//!
//! Speed: text with no `"object_marking_refs"`/`"granular_markings"` in it and no
//! `\u` escape (which could spell those keys otherwise) is unmarked; it is only
//! checked to be JSON (no values built). Other text is read at the top level
//! only, each property kept as its source slice; just the properties a cut
//! reaches (and `granular_markings` entries whose selectors change) are parsed
//! into values and written back (key order and number text kept). An object
//! that keeps everything is returned as it came.

use crate::clearance::{parse_marking, AccessError, Clearance, Marking};
use crate::selector::{self, Cut, Part};
use crate::tlp;
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;

/// How unmarked objects are treated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// The marking-definition id that applies to an object without
    /// `object_marking_refs`.
    pub default_marking: String,
}

impl Default for Policy {
    /// Unmarked objects are TLP:CLEAR (2.0).
    fn default() -> Policy {
        Policy {
            default_marking: tlp::TLP2_CLEAR.to_owned(),
        }
    }
}

impl Policy {
    /// A policy whose default marking is `item`: a TLP name (its TLP 2.0 id) or a
    /// marking-definition id.
    pub fn with_default(item: &str) -> Result<Policy, AccessError> {
        let default_marking = match parse_marking(item)? {
            Marking::Tlp(level) if tlp::level_of(item).is_none() => level.id().to_owned(),
            _ => item.to_owned(),
        };
        Ok(Policy { default_marking })
    }
}

/// What a principal receives of one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View<'a> {
    /// Nothing: the object is not visible.
    Hidden,
    /// The object as it came.
    Whole(&'a str),
    /// The object with what the principal may not see removed (compact JSON).
    Redacted(String),
}

impl View<'_> {
    /// The text to send, if any.
    pub fn text(&self) -> Option<&str> {
        match self {
            View::Hidden => None,
            View::Whole(s) => Some(s),
            View::Redacted(s) => Some(s),
        }
    }
}

/// Whether an object whose `object_marking_refs` are `refs` (empty: none) is
/// visible at all. Granular markings may still remove parts: send objects
/// through [`view`]; this serves deciding once per distinct marking set.
pub fn object_visible<'r>(
    policy: &Policy,
    clearance: &Clearance,
    refs: impl IntoIterator<Item = &'r str>,
) -> bool {
    let mut none = true;
    for r in refs {
        none = false;
        if !clearance.covers(r) {
            return false;
        }
    }
    !none || clearance.covers(&policy.default_marking)
}

/// What of the STIX object `json` the holder of `clearance` may see.
pub fn view<'a>(policy: &Policy, clearance: &Clearance, json: &'a str) -> View<'a> {
    if !looks_like_object(json) {
        return View::Hidden;
    }
    if !may_be_marked(json) {
        // Still JSON: text that is not is hidden on every path.
        let valid = serde_json::from_str::<de::IgnoredAny>(json).is_ok();
        return if valid && clearance.covers(&policy.default_marking) {
            View::Whole(json)
        } else {
            View::Hidden
        };
    }
    let Some(top) = Top::parse(json) else {
        return View::Hidden;
    };
    let Some(markings) = top.markings() else {
        return View::Hidden;
    };
    match decide(policy, clearance, &markings) {
        Decision::Hidden => View::Hidden,
        Decision::Whole => View::Whole(json),
        Decision::Redact(plan) => match top.redact(&markings, &plan) {
            Some(text) => View::Redacted(text),
            None => View::Hidden,
        },
    }
}

/// [`view`] for a caller that holds the object as a value: `None` if hidden, the
/// object itself if whole, else a redacted copy.
pub fn view_value<'v>(
    policy: &Policy,
    clearance: &Clearance,
    object: &'v Value,
) -> Option<Cow<'v, Value>> {
    let map = object.as_object()?;
    let object_refs = match map.get("object_marking_refs") {
        Some(v) => Some(strings(v)?),
        None => None,
    };
    let granular = match map.get("granular_markings") {
        Some(v) => {
            let list = v.as_array()?;
            let mut out = Vec::with_capacity(list.len());
            for entry in list {
                out.push(Granular::deserialize(entry).ok()?.check()?);
            }
            Some(out)
        }
        None => None,
    };
    let markings = Markings {
        object: object_refs,
        granular: granular.unwrap_or_default(),
        sources: Vec::new(),
    };
    let plan = match decide(policy, clearance, &markings) {
        Decision::Hidden => return None,
        Decision::Whole => return Some(Cow::Borrowed(object)),
        Decision::Redact(plan) => plan,
    };
    let mut out = Map::with_capacity(map.len());
    for (key, value) in map {
        if key == "granular_markings" {
            let kept = kept_granular(&plan, value.as_array()?.iter().map(Cow::Borrowed))?;
            if !kept.is_empty() {
                out.insert(key.clone(), Value::Array(kept));
            }
            continue;
        }
        match plan.cut.key(key) {
            None => {
                out.insert(key.clone(), value.clone());
            }
            Some(cut) if cut.is_whole() => {}
            Some(cut) => {
                let mut value = value.clone();
                cut.apply(&mut value);
                out.insert(key.clone(), value);
            }
        }
    }
    Some(Cow::Owned(Value::Object(out)))
}

/// Whether `id` is a marking whose reads are audited: TLP AMBER, AMBER+STRICT or
/// RED, of TLP 1.0 or 2.0.
pub fn audited_marking(id: &str) -> bool {
    tlp::level_of(id).is_some_and(tlp::Level::audited)
}

/// Searchers built once (building one costs more than a search of a short object).
static MARKING_ID: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"marking-definition--"));
static MARKING: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"marking"));

/// Whether sending the object `json` must be recorded in the audit log: an object
/// or granular marking of it is TLP AMBER, AMBER+STRICT or RED. Ask it of what
/// [`view`] returned, so that redacted data does not count. Errs towards true: an
/// audited id anywhere in the text counts, and so does text it cannot read.
pub fn needs_read_audit(json: &str) -> bool {
    if !has_unicode_escape(json) {
        let bytes = json.as_bytes();
        return MARKING_ID.find_iter(bytes).any(|at| {
            bytes
                .get(at..at + tlp::TLP2_RED.len())
                .and_then(|id| std::str::from_utf8(id).ok())
                .is_some_and(audited_marking)
        });
    }
    let Some(markings) = Top::parse(json).and_then(|top| top.markings()) else {
        return true;
    };
    let object = markings.object.iter().flatten();
    let granular = markings
        .granular
        .iter()
        .filter_map(|g| g.marking_ref.as_ref());
    object.chain(granular).any(|id| audited_marking(id))
}

/// `{` … `}` around the text, white space aside.
fn looks_like_object(json: &str) -> bool {
    let t = json.trim_ascii();
    t.starts_with('{') && t.ends_with('}')
}

/// Whether the text could hold markings: it names a marking property, or it has a
/// `\u` escape that could spell one.
fn may_be_marked(json: &str) -> bool {
    let bytes = json.as_bytes();
    MARKING.find_iter(bytes).any(|at| {
        let before = &bytes[..at];
        let after = &bytes[at..];
        (before.ends_with(b"\"object_") && after.starts_with(b"marking_refs\""))
            || (before.ends_with(b"\"granular_") && after.starts_with(b"markings\""))
    }) || has_unicode_escape(json)
}

/// Whether a backslash is followed by `u` anywhere (also inside `\\u`, which is
/// no escape: erring that way only costs time).
fn has_unicode_escape(json: &str) -> bool {
    let bytes = json.as_bytes();
    memchr::memchr_iter(b'\\', bytes).any(|at| bytes.get(at + 1) == Some(&b'u'))
}

/// A string from JSON, borrowed from the source when it holds no escape.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key<'a>(Cow<'a, str>);

impl std::ops::Deref for Key<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Key<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Key<'a>, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

/// One `granular_markings` entry, as far as access needs it.
#[derive(Debug, serde::Deserialize)]
struct Granular<'a> {
    #[serde(borrow)]
    marking_ref: Option<Key<'a>>,
    #[serde(borrow)]
    lang: Option<Key<'a>>,
    #[serde(borrow)]
    selectors: Vec<Key<'a>>,
}

impl Granular<'_> {
    /// The entry if it has exactly one of `marking_ref` and `lang` (§7.2.3).
    fn check(self) -> Option<Self> {
        (self.marking_ref.is_some() != self.lang.is_some()).then_some(self)
    }
}

/// The markings of one object.
struct Markings<'a> {
    /// `object_marking_refs`, if present.
    object: Option<Vec<Key<'a>>>,
    granular: Vec<Granular<'a>>,
    /// The source text of each `granular_markings` entry (when read from text).
    sources: Vec<&'a RawValue>,
}

/// A list of strings, or `None`.
fn strings(v: &Value) -> Option<Vec<Key<'_>>> {
    v.as_array()?
        .iter()
        .map(|s| s.as_str().map(|s| Key(Cow::Borrowed(s))))
        .collect()
}

/// What happens to one kept `granular_markings` entry.
enum Fate {
    Keep,
    Drop,
    /// Kept with these selectors (renumbered, or some dropped).
    Reselect(Vec<String>),
}

/// A redaction: the cuts, and the fate of each `granular_markings` entry.
struct Plan<'m> {
    cut: Cut<'m>,
    fates: Vec<Fate>,
}

enum Decision<'m> {
    Hidden,
    Whole,
    Redact(Plan<'m>),
}

/// Top-level properties a cut must not reach: without them the object is not one.
const PROTECTED: [&str; 5] = [
    "id",
    "type",
    "spec_version",
    "object_marking_refs",
    "granular_markings",
];

/// The decision itself (rules 1-3 of the module's documentation).
fn decide<'m>(policy: &Policy, clearance: &Clearance, markings: &'m Markings<'_>) -> Decision<'m> {
    let refs = markings.object.iter().flatten().map(|k| &**k);
    if !object_visible(policy, clearance, refs) {
        return Decision::Hidden;
    }
    let cleared = |g: &Granular<'_>| g.marking_ref.as_ref().is_none_or(|m| clearance.covers(m));
    if markings.granular.iter().all(cleared) {
        return Decision::Whole;
    }
    let mut cut = Cut::default();
    for g in markings.granular.iter().filter(|g| !cleared(g)) {
        for s in &g.selectors {
            let Some(parts) = selector::parse(s) else {
                return Decision::Hidden;
            };
            if matches!(parts[0], Part::Key(k) if PROTECTED.contains(&k)) {
                return Decision::Hidden;
            }
            cut.add(&parts);
        }
    }
    let fates = markings
        .granular
        .iter()
        .map(|g| {
            if !cleared(g) {
                return Fate::Drop;
            }
            let mut changed = false;
            let mut kept = Vec::with_capacity(g.selectors.len());
            for s in &g.selectors {
                // A malformed selector of a kept marking removes nothing and stays.
                let Some(parts) = selector::parse(s) else {
                    kept.push(s.to_string());
                    continue;
                };
                match cut.renumber(&parts) {
                    Some(new) if new == parts => kept.push(s.to_string()),
                    Some(new) => {
                        changed = true;
                        kept.push(selector::to_string(&new));
                    }
                    None => changed = true,
                }
            }
            match (changed, kept.is_empty()) {
                (false, _) => Fate::Keep,
                (true, true) => Fate::Drop,
                (true, false) => Fate::Reselect(kept),
            }
        })
        .collect();
    Decision::Redact(Plan { cut, fates })
}

/// The `granular_markings` entries kept by `plan`, from the entries as values.
fn kept_granular<'e>(
    plan: &Plan<'_>,
    entries: impl Iterator<Item = Cow<'e, Value>>,
) -> Option<Vec<Value>> {
    let mut kept = Vec::new();
    for (entry, fate) in entries.zip(&plan.fates) {
        match fate {
            Fate::Drop => {}
            Fate::Keep => kept.push(entry.into_owned()),
            Fate::Reselect(selectors) => {
                let mut entry = entry.into_owned();
                reselect(&mut entry, selectors)?;
                kept.push(entry);
            }
        }
    }
    Some(kept)
}

/// Replaces the `selectors` of a `granular_markings` entry, in place.
fn reselect(entry: &mut Value, selectors: &[String]) -> Option<()> {
    let list = selectors.iter().cloned().map(Value::String).collect();
    *entry.as_object_mut()?.get_mut("selectors")? = Value::Array(list);
    Some(())
}

/// An object's text read at the top level: each property's key and source slice.
struct Top<'a> {
    props: Vec<(Key<'a>, &'a RawValue)>,
}

impl<'a> Top<'a> {
    /// `None` unless `json` is one JSON object with no key twice.
    fn parse(json: &'a str) -> Option<Top<'a>> {
        let props = properties(json)?;
        let mut keys: Vec<&str> = props.iter().map(|(k, _)| &**k).collect();
        keys.sort_unstable();
        if keys.windows(2).any(|w| w[0] == w[1]) {
            return None;
        }
        Some(Top { props })
    }

    fn get(&self, key: &str) -> Option<&'a RawValue> {
        self.props
            .iter()
            .find(|(k, _)| &**k == key)
            .map(|&(_, v)| v)
    }

    /// The markings, or `None` if they are malformed.
    fn markings(&self) -> Option<Markings<'a>> {
        let object = match self.get("object_marking_refs") {
            Some(raw) => Some(serde_json::from_str::<Vec<Key<'a>>>(raw.get()).ok()?),
            None => None,
        };
        let mut granular = Vec::new();
        let mut sources = Vec::new();
        if let Some(raw) = self.get("granular_markings") {
            sources = serde_json::from_str::<Vec<&'a RawValue>>(raw.get()).ok()?;
            for entry in &sources {
                granular.push(
                    serde_json::from_str::<Granular<'a>>(entry.get())
                        .ok()?
                        .check()?,
                );
            }
        }
        Some(Markings {
            object,
            granular,
            sources,
        })
    }

    /// The object's text with `plan` carried out.
    fn redact(&self, markings: &Markings<'a>, plan: &Plan<'_>) -> Option<String> {
        let mut out = String::with_capacity(
            self.props
                .iter()
                .map(|(k, v)| k.len() + v.get().len() + 4)
                .sum(),
        );
        out.push('{');
        for (key, raw) in &self.props {
            let text: Cow<'_, str> = if &**key == "granular_markings" {
                if plan.fates.iter().all(|f| matches!(f, Fate::Keep)) {
                    Cow::Borrowed(raw.get())
                } else {
                    // Entries kept as they are stay as they came.
                    let mut list = String::from("[");
                    for (entry, fate) in markings.sources.iter().zip(&plan.fates) {
                        let text = match fate {
                            Fate::Drop => continue,
                            Fate::Keep => Cow::Borrowed(entry.get()),
                            Fate::Reselect(selectors) => {
                                let mut value = serde_json::from_str(entry.get()).ok()?;
                                reselect(&mut value, selectors)?;
                                Cow::Owned(serde_json::to_string(&value).ok()?)
                            }
                        };
                        if list.len() > 1 {
                            list.push(',');
                        }
                        list.push_str(&text);
                    }
                    if list.len() == 1 {
                        continue;
                    }
                    list.push(']');
                    Cow::Owned(list)
                }
            } else {
                match plan.cut.key(key) {
                    None => Cow::Borrowed(raw.get()),
                    Some(cut) if cut.is_whole() => continue,
                    Some(cut) => {
                        let mut text = String::with_capacity(raw.get().len());
                        write_cut(cut, raw.get(), &mut text)?;
                        Cow::Owned(text)
                    }
                }
            };
            if out.len() > 1 {
                out.push(',');
            }
            write_key(key, &mut out)?;
            out.push(':');
            out.push_str(&text);
        }
        out.push('}');
        Some(out)
    }
}

/// The properties of the JSON object `json`, each with its source slice, in order
/// (a key given twice is there twice).
fn properties(json: &str) -> Option<Vec<(Key<'_>, &RawValue)>> {
    struct ObjectVisitor;
    impl<'de> Visitor<'de> for ObjectVisitor {
        type Value = Vec<(Key<'de>, &'de RawValue)>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut props = Vec::with_capacity(map.size_hint().unwrap_or(24));
            while let Some(key) = map.next_key::<Key<'de>>()? {
                props.push((key, map.next_value::<&'de RawValue>()?));
            }
            Ok(props)
        }
    }
    let mut de = serde_json::Deserializer::from_str(json);
    let props = de.deserialize_map(ObjectVisitor).ok()?;
    de.end().ok()?;
    Some(props)
}

/// Writes the JSON value `raw` with `cut` made. Only the objects and lists a cut
/// reaches are split into their parts; everything else is copied as it came. A
/// key given twice is cut twice.
fn write_cut(cut: &Cut<'_>, raw: &str, out: &mut String) -> Option<()> {
    match raw.as_bytes().first() {
        Some(b'{') if cut.has_keys() => {
            out.push('{');
            let mut first = true;
            for (key, value) in properties(raw)? {
                let below = cut.key(&key);
                if below.is_some_and(Cut::is_whole) {
                    continue;
                }
                if !std::mem::take(&mut first) {
                    out.push(',');
                }
                write_key(&key, out)?;
                out.push(':');
                match below {
                    Some(below) => write_cut(below, value.get(), out)?,
                    None => out.push_str(value.get()),
                }
            }
            out.push('}');
        }
        Some(b'[') if cut.has_items() => {
            out.push('[');
            let mut first = true;
            for (i, item) in serde_json::from_str::<Vec<&RawValue>>(raw)
                .ok()?
                .into_iter()
                .enumerate()
            {
                let below = cut.item(i);
                if below.is_some_and(Cut::is_whole) {
                    continue;
                }
                if !std::mem::take(&mut first) {
                    out.push(',');
                }
                match below {
                    Some(below) => write_cut(below, item.get(), out)?,
                    None => out.push_str(item.get()),
                }
            }
            out.push(']');
        }
        // A key on a list, an index on an object, anything on a scalar: nothing.
        _ => out.push_str(raw),
    }
    Some(())
}

/// Writes `key` as a JSON string.
fn write_key(key: &Key<'_>, out: &mut String) -> Option<()> {
    match &key.0 {
        // Borrowed: written without escapes in the source, so none needed.
        Cow::Borrowed(k) => {
            out.push('"');
            out.push_str(k);
            out.push('"');
        }
        Cow::Owned(k) => out.push_str(&serde_json::to_string(k).ok()?),
    }
    Some(())
}

#[cfg(test)]
mod tests;
