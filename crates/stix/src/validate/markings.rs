//! Data markings (STIX 2.1 §7.2): marking definitions with their statement and TLP
//! forms, granular markings and their selectors; and the other meta objects'
//! irreducible rules (language content §7.1, extension definition §7.3).

use super::cx::{quote, Cx, Path};
use super::props;
use super::refs::{self, Targets};
use super::{common, lang};
use crate::val::{Obj, Val};

/// The four TLP 1.0 marking definitions of §7.2.1.4: (id, level, name).
const TLP: &[(&str, &str, &str)] = &[
    (
        "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
        "white",
        "TLP:WHITE",
    ),
    (
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
        "green",
        "TLP:GREEN",
    ),
    (
        "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
        "amber",
        "TLP:AMBER",
    ),
    (
        "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
        "red",
        "TLP:RED",
    ),
];
const TLP_CREATED: &str = "2017-01-20T00:00:00.000Z";
/// The only properties a TLP marking definition has.
const TLP_PROPERTIES: &[&str] = &[
    "type",
    "spec_version",
    "id",
    "created",
    "name",
    "definition_type",
    "definition",
];

/// `definition` (§7.2.1): the marking object itself, a JSON object.
pub(crate) fn definition_value(cx: &mut Cx<'_>, at: &Path<'_>, v: &Val<'_>) {
    if !v.is_object() {
        cx.wrong_type(at, "a marking object (JSON object)", v);
    }
}

/// The rules of a marking definition that tie its properties together (§7.2.1).
pub(crate) fn check_marking_definition(cx: &mut Cx<'_>, at: &Path<'_>, m: &Obj<'_>) {
    if !m.has("extensions") {
        for name in ["definition_type", "definition"] {
            if !m.has(name) {
                cx.error(
                    &at.key(name),
                    "required-property",
                    format!("a marking definition without 'extensions' must have '{name}' (STIX 2.1 §7.2.1)"),
                );
            }
        }
    }
    let id = m.field("id").and_then(Val::as_str).unwrap_or("");
    match m.field("definition_type").and_then(Val::as_str) {
        Some("statement") => {
            if let Some(Val::Object(def)) = m.field("definition") {
                let here = at.key("definition");
                match def.field("statement") {
                    Some(Val::String(_)) => {}
                    Some(other) => cx.wrong_type(&here.key("statement"), "a string", other),
                    None => cx.error(
                        &here.key("statement"),
                        "required-property",
                        "a statement marking's 'definition' must have 'statement' (§7.2.1.3)",
                    ),
                }
            }
        }
        Some("tlp") => check_tlp(cx, at, m, id),
        _ => {}
    }
    // §3.2: a marking definition MUST NOT mark itself.
    if let Some(Val::Array(refs)) = m.field("object_marking_refs") {
        for (i, r) in refs.iter().enumerate() {
            if !id.is_empty() && r.as_str() == Some(id) {
                cx.error(
                    &at.key("object_marking_refs").index(i),
                    "circular-marking",
                    "a marking definition must not list itself in 'object_marking_refs'",
                );
            }
        }
    }
    if let Some(Val::Array(gms)) = m.field("granular_markings") {
        for (i, gm) in gms.iter().enumerate() {
            if !id.is_empty() && gm.field("marking_ref").and_then(Val::as_str) == Some(id) {
                cx.error(
                    &at.key("granular_markings").index(i).key("marking_ref"),
                    "circular-marking",
                    "a marking definition must not mark itself in 'granular_markings'",
                );
            }
        }
    }
}

/// §7.2.1.4: the predefined TLP marking definitions MUST be used; no other TLP instances.
fn check_tlp(cx: &mut Cx<'_>, at: &Path<'_>, m: &Obj<'_>, id: &str) {
    let level = m
        .field("definition")
        .and_then(|d| d.field("tlp"))
        .and_then(Val::as_str);
    let known = TLP.iter().find(|(tid, _, _)| *tid == id);
    let Some(&(_, want_level, want_name)) = known else {
        cx.error(
            &at.key("id"),
            "tlp-marking",
            format!("{} is not one of the four predefined TLP marking definitions; other TLP marking definitions must not be created (§7.2.1.4)", quote(id)),
        );
        return;
    };
    if level != Some(want_level) {
        cx.error(
            &at.key("definition"),
            "tlp-marking",
            format!("the predefined TLP marking {id} has definition {{\"tlp\": \"{want_level}\"}}"),
        );
    }
    if m.field("name").and_then(Val::as_str) != Some(want_name) {
        cx.error(
            &at.key("name"),
            "tlp-marking",
            format!("the predefined TLP marking {id} is named '{want_name}'"),
        );
    }
    if m.field("created").and_then(Val::as_str) != Some(TLP_CREATED) {
        cx.error(
            &at.key("created"),
            "tlp-marking",
            format!("the predefined TLP markings were created {TLP_CREATED}"),
        );
    }
    for key in m.keys() {
        if !TLP_PROPERTIES.contains(&key) {
            cx.error(&at.key(key), "tlp-marking", format!("the predefined TLP marking definitions have no '{key}' property; they must be used exactly as defined (§7.2.1.4)"));
        }
    }
}

/// `granular_markings` (§7.2.3): selectors, and exactly one of `marking_ref` or `lang`.
pub(crate) fn check_granular_markings(cx: &mut Cx<'_>, at: &Path<'_>, v: &Val<'_>) {
    let Some(items) = props::non_empty_list(cx, at, v) else {
        return;
    };
    for (i, item) in items.iter().enumerate() {
        let here = at.index(i);
        let Some(gm) = item.as_object() else {
            cx.wrong_type(&here, "a granular marking object", item);
            continue;
        };
        match (gm.field("marking_ref"), gm.field("lang")) {
            (Some(_), Some(_)) => cx.error(
                &here,
                "granular-marking",
                "a granular marking must have either 'marking_ref' or 'lang', not both (§7.2.3)",
            ),
            (None, None) => cx.error(
                &here,
                "granular-marking",
                "a granular marking must have 'marking_ref' or 'lang' (§7.2.3)",
            ),
            _ => {}
        }
        if let Some(r) = gm.field("marking_ref") {
            refs::check_ref(
                cx,
                &here.key("marking_ref"),
                r,
                Targets::Only(&["marking-definition"]),
            );
        }
        if let Some(l) = gm.field("lang") {
            props::check(cx, &here.key("lang"), l, props::Kind::Lang);
        }
        match gm.field("selectors") {
            None => cx.error(
                &here.key("selectors"),
                "required-property",
                "a granular marking must have 'selectors'",
            ),
            Some(sel) => {
                let sat = here.key("selectors");
                if let Some(list) = props::non_empty_list(cx, &sat, sel) {
                    for (j, s) in list.iter().enumerate() {
                        match s.as_str() {
                            Some(s) => check_selector(cx, &sat.index(j), s),
                            None => cx.wrong_type(&sat.index(j), "a selector string", s),
                        }
                    }
                }
            }
        }
        for key in gm.keys() {
            if !matches!(key, "marking_ref" | "lang" | "selectors") {
                common::check_custom_name(cx, &here.key(key), key);
            }
        }
    }
}

/// A selector (§7.2.3) must be `.`-separated property names, dictionary keys or `[n]`
/// list indices, and must select content actually present in the object.
fn check_selector(cx: &mut Cx<'_>, at: &Path<'_>, selector: &str) {
    let mut current: Option<&Val<'_>> = None;
    for (n, part) in selector.split('.').enumerate() {
        let index = part.strip_prefix('[').and_then(|p| p.strip_suffix(']'));
        let next = if let Some(i) = index {
            match current {
                Some(Val::Array(a)) if !i.is_empty() && i.bytes().all(|c| c.is_ascii_digit()) => {
                    i.parse::<usize>().ok().and_then(|i| a.get(i))
                }
                _ => None,
            }
        } else if part.is_empty() || !props::is_dict_key(part) {
            None
        } else {
            match current {
                None if n == 0 => cx.root.field(part),
                Some(Val::Object(o)) => o.field(part),
                _ => None,
            }
        };
        match next {
            Some(v) => current = Some(v),
            None => {
                cx.error(
                    at,
                    "marking-selector",
                    format!("selector {} does not select anything present in this object: {} is not a property, key or list index of what precedes it", quote(selector), quote(part)),
                );
                return;
            }
        }
    }
}

/// `contents` of language content (§7.1.1): keys are RFC 5646 language tags, values
/// objects that mirror the translated object's properties.
pub(crate) fn language_contents(cx: &mut Cx<'_>, at: &Path<'_>, v: &Val<'_>) {
    let Some(m) = props::non_empty_dict(cx, at, v) else {
        return;
    };
    for (tag, translation) in m {
        let here = at.key(tag);
        if !lang::is_language_tag(tag) {
            cx.error(
                &here,
                "language-tag",
                format!(
                    "key {} of 'contents' must be an RFC 5646 language tag such as 'de' or 'pt-BR'",
                    quote(tag)
                ),
            );
        }
        match translation.as_object() {
            None => cx.wrong_type(&here, "an object of translated properties", translation),
            Some(t) => {
                for key in t.keys() {
                    if !common::is_property_name(key) {
                        cx.error(&here.key(key), "property-name", format!("{} in 'contents' must name a property of the translated object (3-250 of a-z, 0-9, _)", quote(key)));
                    }
                }
            }
        }
    }
}

/// §7.3.1: `extension_properties` only with a `toplevel-property-extension`, which SHOULD have them.
pub(crate) fn check_extension_properties(cx: &mut Cx<'_>, at: &Path<'_>, m: &Obj<'_>) {
    let toplevel = matches!(m.field("extension_types"), Some(Val::Array(t)) if t.iter().any(|x| x.as_str() == Some("toplevel-property-extension")));
    match (toplevel, m.has("extension_properties")) {
        (false, true) => cx.error(
            &at.key("extension_properties"),
            "extension-properties",
            "'extension_properties' may only be used when 'extension_types' includes 'toplevel-property-extension' (§7.3.1)",
        ),
        (true, false) => cx.warn(at, "extension-properties", "a toplevel-property-extension SHOULD list its property names in 'extension_properties' (§7.3.1)"),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(f: impl FnOnce(&mut Cx<'_>), root: &serde_json::Value) -> Vec<(&'static str, String)> {
        let v = Val::of(root);
        let m = v.as_object().cloned().unwrap_or_default();
        let mut cx = Cx::new(&m);
        f(&mut cx);
        cx.findings
            .into_iter()
            .map(|f| (f.rule, f.pointer))
            .collect()
    }

    #[test]
    fn selectors_resolve_against_the_object() {
        let obj = json!({"name": "n", "labels": ["a"], "external_references": [{"source_name": "x", "hashes": {"SHA-256": "00"}}],
            "granular_markings": [{"marking_ref": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
              "selectors": ["name", "labels.[0]", "external_references.[0].hashes.SHA-256", "labels.[1]", "name.[0]", "nope"]}]});
        let gm = obj["granular_markings"].clone();
        let found = run(
            |cx| check_granular_markings(cx, &Path::Root.key("granular_markings"), &Val::of(&gm)),
            &obj,
        );
        assert_eq!(
            found,
            [
                (
                    "marking-selector",
                    "/granular_markings/0/selectors/3".to_string()
                ),
                (
                    "marking-selector",
                    "/granular_markings/0/selectors/4".to_string()
                ),
                (
                    "marking-selector",
                    "/granular_markings/0/selectors/5".to_string()
                ),
            ]
        );
    }

    #[test]
    fn marking_ref_xor_lang() {
        let obj = json!({"name": "n"});
        let both = json!([{"selectors": ["name"], "lang": "de", "marking_ref": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"}]);
        let found = run(
            |cx| check_granular_markings(cx, &Path::Root.key("granular_markings"), &Val::of(&both)),
            &obj,
        );
        assert_eq!(
            found,
            [("granular-marking", "/granular_markings/0".to_string())]
        );
        let lang_only = json!([{"selectors": ["name"], "lang": "de"}]);
        assert!(run(
            |cx| check_granular_markings(
                cx,
                &Path::Root.key("granular_markings"),
                &Val::of(&lang_only)
            ),
            &obj
        )
        .is_empty());
    }

    #[test]
    fn tlp_must_be_predefined() {
        let fake = json!({"type": "marking-definition", "spec_version": "2.1", "id": "marking-definition--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "created": "2017-01-20T00:00:00.000Z", "definition_type": "tlp", "definition": {"tlp": "green"}});
        let m = Obj::of(fake.as_object().unwrap());
        let found = run(|cx| check_marking_definition(cx, &Path::Root, &m), &fake);
        assert_eq!(found, [("tlp-marking", "/id".to_string())]);
    }
}
