//! Granular-marking selectors (STIX 2.1 §7.2.3.1) and the cuts they make.
//!
//! A selector is `.`-separated parts: property names and dictionary keys, or
//! `[n]` list indices (`external_references.[0].source_name`). Every selector of
//! an object is resolved against the object as stored, so all cuts are gathered
//! into one [`Cut`] tree first and made at once: removing `labels.[0]` never
//! moves what `labels.[1]` means. Selectors that stay (markings the principal is
//! cleared for, `lang` markings) are then renumbered for the shortened lists.

use serde_json::Value;
use std::collections::BTreeMap;

/// Parts beyond this cannot select anything: serde_json refuses JSON nested deeper
/// than 128 levels, so a longer selector is malformed.
const MAX_PARTS: usize = 129;

/// One step of a selector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part<'s> {
    /// A property name or dictionary key.
    Key(&'s str),
    /// A list index, `[n]`.
    Index(usize),
}

/// The parts of `selector`, or `None` if it is malformed (empty, an empty part, a
/// `[` part that is not `[digits]`, or too long).
pub(crate) fn parse(selector: &str) -> Option<Vec<Part<'_>>> {
    let mut parts = Vec::new();
    for part in selector.split('.') {
        if parts.len() == MAX_PARTS {
            return None;
        }
        let parsed = match part.strip_prefix('[') {
            Some(rest) => {
                let digits = rest.strip_suffix(']')?;
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                Part::Index(digits.parse().ok()?)
            }
            None if part.is_empty() => return None,
            None => Part::Key(part),
        };
        parts.push(parsed);
    }
    Some(parts)
}

/// What to remove below one place of the object: the place itself, or some of
/// the keys or items under it.
#[derive(Debug, Default)]
pub(crate) struct Cut<'s> {
    whole: bool,
    keys: BTreeMap<&'s str, Cut<'s>>,
    items: BTreeMap<usize, Cut<'s>>,
}

impl<'s> Cut<'s> {
    /// Adds the removal of what `parts` selects.
    pub(crate) fn add(&mut self, parts: &[Part<'s>]) {
        let mut node = self;
        for part in parts {
            if node.whole {
                return;
            }
            node = match *part {
                Part::Key(k) => node.keys.entry(k).or_default(),
                Part::Index(i) => node.items.entry(i).or_default(),
            };
        }
        node.whole = true;
        // What lay below is gone with it; dropping it here keeps the tree small.
        node.keys.clear();
        node.items.clear();
    }

    /// The cut under property or dictionary key `key`, if any.
    pub(crate) fn key(&self, key: &str) -> Option<&Cut<'s>> {
        self.keys.get(key)
    }

    /// The cut under list item `i`, if any.
    pub(crate) fn item(&self, i: usize) -> Option<&Cut<'s>> {
        self.items.get(&i)
    }

    /// Whether some key below this place is cut.
    pub(crate) fn has_keys(&self) -> bool {
        !self.keys.is_empty()
    }

    /// Whether some list item below this place is cut.
    pub(crate) fn has_items(&self) -> bool {
        !self.items.is_empty()
    }

    /// Whether this place is removed entirely.
    pub(crate) fn is_whole(&self) -> bool {
        self.whole
    }

    /// Makes the cut in `value` (whose place this cut is for). Parts that do not
    /// fit the value (a key on a list, an index on a string, an index past the
    /// end) select nothing.
    pub(crate) fn apply(&self, value: &mut Value) {
        match value {
            Value::Object(map) => {
                for (key, cut) in &self.keys {
                    if cut.whole {
                        map.shift_remove(*key);
                    } else if let Some(v) = map.get_mut(*key) {
                        cut.apply(v);
                    }
                }
            }
            Value::Array(list) => {
                for (&i, cut) in &self.items {
                    if !cut.whole {
                        if let Some(v) = list.get_mut(i) {
                            cut.apply(v);
                        }
                    }
                }
                if self.items.values().any(|c| c.whole) {
                    let mut i = 0;
                    list.retain(|_| {
                        let keep = !self.items.get(&i).is_some_and(|c| c.whole);
                        i += 1;
                        keep
                    });
                }
            }
            _ => {}
        }
    }

    /// `parts` as they must read after the cut: list indices shifted down past
    /// removed items. `None` if what they select is removed. A selector that
    /// selected nothing before the cut selects nothing after it.
    pub(crate) fn renumber<'p>(&self, parts: &[Part<'p>]) -> Option<Vec<Part<'p>>> {
        let mut node = Some(self);
        let mut out = Vec::with_capacity(parts.len());
        for &part in parts {
            let here = match node {
                Some(n) if n.whole => return None,
                Some(n) => n,
                None => {
                    out.push(part);
                    continue;
                }
            };
            match part {
                Part::Key(k) => {
                    node = here.keys.get(k);
                    out.push(part);
                }
                Part::Index(i) => {
                    let removed_before = here.items.range(..i).filter(|(_, c)| c.whole).count();
                    node = here.items.get(&i);
                    out.push(Part::Index(i - removed_before));
                }
            }
        }
        match node {
            Some(n) if n.whole => None,
            _ => Some(out),
        }
    }
}

/// `parts` written back as a selector.
pub(crate) fn to_string(parts: &[Part<'_>]) -> String {
    let mut s = String::new();
    for (n, part) in parts.iter().enumerate() {
        if n > 0 {
            s.push('.');
        }
        match part {
            Part::Key(k) => s.push_str(k),
            Part::Index(i) => {
                s.push('[');
                s.push_str(&i.to_string());
                s.push(']');
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cut_of<'s>(selectors: &[&'s str]) -> Cut<'s> {
        let mut cut = Cut::default();
        for s in selectors {
            cut.add(&parse(s).unwrap());
        }
        cut
    }

    #[test]
    fn selectors_parse_or_are_refused() {
        assert_eq!(
            parse("external_references.[10].source_name").unwrap(),
            [
                Part::Key("external_references"),
                Part::Index(10),
                Part::Key("source_name")
            ]
        );
        for bad in [
            "",
            ".",
            "a.",
            ".a",
            "a..b",
            "a.[]",
            "a.[x]",
            "a.[-1]",
            "a.[1",
            "a.[+1]",
            "a.[99999999999999999999999]",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
        let deep = vec!["a"; MAX_PARTS + 1].join(".");
        assert_eq!(parse(&deep), None);
        assert!(parse(&deep[2..]).is_some());
        for s in ["description", "labels.[1]", "x_a.b-c.[0].[2]"] {
            assert_eq!(to_string(&parse(s).unwrap()), s);
        }
    }

    #[test]
    fn cuts_are_made_against_the_original_indices() {
        let mut v =
            json!({"labels": ["a", "b", "c", "d"], "k": {"x": 1, "y": [1, {"z": 2, "w": 3}]}});
        cut_of(&[
            "labels.[0]",
            "labels.[2]",
            "k.y.[1].z",
            "k.x",
            "nope.[3]",
            "labels.[9]",
        ])
        .apply(&mut v);
        assert_eq!(v, json!({"labels": ["b", "d"], "k": {"y": [1, {"w": 3}]}}));
    }

    #[test]
    fn parts_that_do_not_fit_select_nothing() {
        let mut v = json!({"a": "text", "b": [1], "c": {"[0]": 1}});
        cut_of(&["a.[0]", "a.x", "b.x", "c.[0]"]).apply(&mut v);
        assert_eq!(v, json!({"a": "text", "b": [1], "c": {"[0]": 1}}));
    }

    #[test]
    fn kept_selectors_are_renumbered_or_dropped() {
        let cut = cut_of(&["labels.[0]", "labels.[2]", "refs.[1].url", "gone"]);
        let r = |s: &str| cut.renumber(&parse(s).unwrap()).map(|p| to_string(&p));
        assert_eq!(r("labels.[1]").as_deref(), Some("labels.[0]"));
        assert_eq!(r("labels.[3]").as_deref(), Some("labels.[1]"));
        assert_eq!(r("labels.[2]"), None);
        assert_eq!(r("labels"), Some("labels".into()));
        assert_eq!(r("refs.[1].url"), None);
        assert_eq!(r("refs.[1].url.x"), None);
        assert_eq!(
            r("refs.[1].source_name").as_deref(),
            Some("refs.[1].source_name")
        );
        assert_eq!(r("gone.[4]"), None);
        assert_eq!(r("other.[4]").as_deref(), Some("other.[4]"));
    }

    #[test]
    fn a_whole_cut_absorbs_what_lies_below() {
        let cut = cut_of(&["a.b.[0]", "a", "a.c"]);
        assert!(cut.key("a").unwrap().is_whole());
        assert!(cut.key("a").unwrap().keys.is_empty());
    }
}
