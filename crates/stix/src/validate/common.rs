//! The common properties (STIX 2.1 §3.2), which properties apply to which class of
//! object, and the rules for custom properties (§3.1, §3.8, §11.1).

use super::cx::{quote, Cx, Path};
use super::props::{self, Kind};
use super::refs::{self, Targets};
use super::table::{Class, Shape};
use super::{encodings, markings, time, vocab};
use crate::val::{Obj, Val};

/// Property names reserved by §3.8 (the validator's spelling `phone_numbers` included).
const RESERVED: &[&str] = &[
    "severity",
    "username",
    "phone_number",
    "phone_numbers",
    "action",
];

/// How a common property applies to a class of object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Use {
    Required,
    Optional,
    NotApplicable,
}

/// The common-property column of §3.2's table for one class of object.
fn usage(name: &str, class: Class) -> Use {
    use Class::*;
    use Use::*;
    match (name, class) {
        ("type" | "id", _) => Required,
        ("spec_version", Sco) => Optional,
        ("spec_version", _) => Required,
        ("created", Sdo | Sro | LanguageContent | MarkingDefinition | ExtensionDefinition) => {
            Required
        }
        ("modified", Sdo | Sro | LanguageContent | ExtensionDefinition) => Required,
        (
            "created_by_ref" | "external_references",
            Sdo | Sro | LanguageContent | MarkingDefinition | ExtensionDefinition,
        ) => Optional,
        ("revoked" | "labels", Sdo | Sro | LanguageContent | ExtensionDefinition) => Optional,
        ("confidence", Sdo | Sro | LanguageContent) => Optional,
        ("lang", Sdo | Sro) => Optional,
        ("object_marking_refs" | "granular_markings", _) => Optional,
        ("defanged", Sco) => Optional,
        ("extensions", Sdo | Sro | Sco | LanguageContent | MarkingDefinition) => Optional,
        _ => NotApplicable,
    }
}

/// The common properties, in the order missing ones are reported.
pub(crate) const COMMON: &[&str] = &[
    "type",
    "spec_version",
    "id",
    "created_by_ref",
    "created",
    "modified",
    "revoked",
    "labels",
    "confidence",
    "lang",
    "external_references",
    "object_marking_refs",
    "granular_markings",
    "defanged",
    "extensions",
];

/// Reports the common properties this class requires but the object lacks.
pub(crate) fn check_required(cx: &mut Cx<'_>, m: &Obj<'_>, class: Class) {
    for name in COMMON {
        if usage(name, class) == Use::Required && !m.has(name) {
            cx.error(
                &Path::Root.key(name),
                "required-property",
                format!("the required common property '{name}' is missing (§3.2)"),
            );
        }
    }
}

/// Checks `key` if it is a common property; returns whether it was one.
pub(crate) fn check_common(
    cx: &mut Cx<'_>,
    at: &Path<'_>,
    key: &str,
    v: &Val<'_>,
    shape: &Shape,
) -> bool {
    let kind = match key {
        "type" => return true, // checked up front, it chooses the shape
        "id" => {
            check_id(cx, at, v, shape.class);
            return true;
        }
        "spec_version" => {
            match v.as_str() {
                Some("2.1") => {}
                Some(s) => cx.error(
                    at,
                    "spec-version",
                    format!(
                        "'spec_version' must be \"2.1\" for STIX 2.1 objects, got {}",
                        quote(s)
                    ),
                ),
                None => cx.wrong_type(at, "the string \"2.1\"", v),
            }
            return true;
        }
        "created" | "modified" => {
            check_versioning_timestamp(cx, at, v);
            return applicability(cx, at, key, shape.class);
        }
        "created_by_ref" => Kind::Ref(Targets::Only(&["identity"])),
        "revoked" | "defanged" => Kind::Bool,
        "labels" => Kind::StrList,
        "confidence" => Kind::Int(0, 100),
        "lang" => Kind::Lang,
        "external_references" => {
            check_external_references(cx, at, v);
            return applicability(cx, at, key, shape.class);
        }
        "object_marking_refs" => Kind::Refs(Targets::Only(&["marking-definition"])),
        "granular_markings" => {
            markings::check_granular_markings(cx, at, v);
            return true;
        }
        "extensions" => {
            check_extensions(cx, at, v, shape);
            return applicability(cx, at, key, shape.class);
        }
        _ => return false,
    };
    props::check(cx, at, v, kind);
    applicability(cx, at, key, shape.class)
}

/// Reports a common property the class does not use; always returns `true`.
fn applicability(cx: &mut Cx<'_>, at: &Path<'_>, key: &str, class: Class) -> bool {
    if usage(key, class) == Use::NotApplicable && class != Class::Embedded {
        if key == "defanged" {
            cx.error(
                at,
                "not-applicable-property",
                "'defanged' must not be used on objects other than cyber-observables (§3.2)",
            );
        } else {
            cx.warn(
                at,
                "not-applicable-property",
                format!("the common property '{key}' does not apply to this kind of object (§3.2)"),
            );
        }
    }
    true
}

fn check_id(cx: &mut Cx<'_>, at: &Path<'_>, v: &Val<'_>, class: Class) {
    let Some(s) = v.as_str() else {
        cx.wrong_type(at, "an identifier string 'type--UUID'", v);
        return;
    };
    match refs::parse_id(s) {
        Err(why) => cx.error(
            at,
            "id-format",
            format!("'id' {} is not an identifier: {why}", quote(s)),
        ),
        Ok(id) => {
            if id.object_type != cx.object_type {
                cx.error(
                    at,
                    "id-type-mismatch",
                    format!(
                        "'id' {} must begin with the object's type '{}--'",
                        quote(s),
                        cx.object_type
                    ),
                );
            }
            if !id.lowercase {
                cx.warn(
                    at,
                    "id-lowercase",
                    "identifiers SHOULD be written in lowercase (RFC 4122 §3)",
                );
            }
            if id.version != 4 && class != Class::Sco {
                cx.warn(at, "uuid-version", format!("objects other than cyber-observables SHOULD use a version 4 UUID, this one is version {} (§2.9)", id.version));
            }
        }
    }
}

/// `created`/`modified`: a timestamp at least millisecond-precise (§3.2).
fn check_versioning_timestamp(cx: &mut Cx<'_>, at: &Path<'_>, v: &Val<'_>) {
    let Some(s) = v.as_str() else {
        cx.wrong_type(at, "a timestamp string", v);
        return;
    };
    match time::parse(s) {
        Err(e) => cx.error(at, "timestamp-format", format!("'{}' is not a valid timestamp: {}: {}", at.name(), quote(s), e.explain())),
        Ok(t) if t.precision() < 3 => cx.error(
            at,
            "timestamp-precision",
            format!("'{}' must be precise to at least the millisecond (YYYY-MM-DDTHH:MM:SS.sssZ), got {}", at.name(), quote(s)),
        ),
        Ok(_) => {}
    }
}

/// `modified` MUST NOT be earlier than `created` (§3.6.1).
pub(crate) fn check_version_order(cx: &mut Cx<'_>, m: &Obj<'_>) {
    let ts = |k: &str| {
        m.field(k)
            .and_then(Val::as_str)
            .and_then(|s| time::parse(s).ok())
    };
    if let (Some(c), Some(md)) = (ts("created"), ts("modified")) {
        if md < c {
            cx.error(
                &Path::Root.key("modified"),
                "timestamp-order",
                "'modified' must be later than or equal to 'created' (§3.6.1)",
            );
        }
    }
}

/// `external_references` (§2.5).
fn check_external_references(cx: &mut Cx<'_>, at: &Path<'_>, v: &Val<'_>) {
    let Some(items) = props::non_empty_list(cx, at, v) else {
        return;
    };
    for (i, item) in items.iter().enumerate() {
        let here = at.index(i);
        let Some(r) = item.as_object() else {
            cx.wrong_type(&here, "an external reference object", item);
            continue;
        };
        for (k, val) in r {
            let kind = match k {
                "source_name" | "description" | "external_id" => Kind::Str,
                "url" => Kind::Url,
                "hashes" => {
                    encodings::check_hashes(cx, &here.key(k), val, true);
                    continue;
                }
                _ => continue,
            };
            props::check(cx, &here.key(k), val, kind);
        }
        if !r.has("source_name") {
            cx.error(
                &here.key("source_name"),
                "required-property",
                format!(
                    "external reference '{}' is missing 'source_name' (§2.5)",
                    here.display()
                ),
            );
        }
        if !["description", "url", "external_id"]
            .iter()
            .any(|k| r.has(k))
        {
            cx.error(&here, "external-reference", format!("external reference '{}' must have at least one of 'description', 'url' or 'external_id' (§2.5.2)", here.display()));
        }
        if r.has("url") && !r.has("hashes") {
            cx.warn(
                &here,
                "external-reference-hashes",
                "an external reference with a 'url' SHOULD carry 'hashes' of its content (§2.5.1)",
            );
        }
        let id = r.field("external_id").and_then(Val::as_str);
        match r.field("source_name").and_then(Val::as_str) {
            Some("cve") if !id.is_some_and(is_cve_id) => cx.error(
                &here,
                "external-id-format",
                "an external reference with source_name 'cve' must have an 'external_id' of the form CVE-YYYY-NNNN",
            ),
            Some("capec") if !id.is_some_and(is_capec_id) => cx.error(
                &here,
                "external-id-format",
                "an external reference with source_name 'capec' must have an 'external_id' of the form CAPEC-[id] (§4.1)",
            ),
            _ => {}
        }
    }
}

fn is_cve_id(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("CVE-") else {
        return false;
    };
    let Some((year, num)) = rest.split_once('-') else {
        return false;
    };
    year.len() == 4
        && year.bytes().all(|c| c.is_ascii_digit())
        && num.len() >= 4
        && num.bytes().all(|c| c.is_ascii_digit())
        && (num.len() == 4 || !num.starts_with('0'))
}

fn is_capec_id(s: &str) -> bool {
    s.strip_prefix("CAPEC-")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()))
}

/// Whether `k` is a valid extension key: an extension-definition id or an `-ext` name (§3.2, §11.3).
fn extension_key_ok(k: &str) -> bool {
    if k.starts_with("extension-definition--") {
        return refs::parse_id(k).is_ok_and(|id| id.object_type == "extension-definition");
    }
    k.strip_suffix("-ext").is_some_and(|name| {
        !name.is_empty() && name.as_bytes()[0].is_ascii_lowercase() && refs::is_type_name(k)
    })
}

/// `extensions` (§3.2, §7.3): a dictionary of extension instances.
fn check_extensions(cx: &mut Cx<'_>, at: &Path<'_>, v: &Val<'_>, shape: &Shape) {
    let Some(m) = props::non_empty_dict(cx, at, v) else {
        return;
    };
    for (k, ext) in m {
        let here = at.key(k);
        if !extension_key_ok(k) {
            cx.error(&here, "extension-key", format!("extension key {} must be an extension-definition id or a name ending in '-ext' (a-z, 0-9, '-')", quote(k)));
            continue;
        }
        let Some(body) = props::non_empty_dict(cx, &here, ext) else {
            continue;
        };
        if k.starts_with("extension-definition--") {
            match body.field("extension_type") {
                None => cx.error(&here, "extension-type", "an extension defined by an extension-definition must have 'extension_type' (§3.2)"),
                Some(t) => props::check(cx, &here.key("extension_type"), t, Kind::Enum(vocab::EXTENSION_TYPE)),
            }
            for (name, val) in body {
                if name != "extension_type" {
                    check_custom_property(cx, &here.key(name), name, val, false);
                }
            }
        } else if let Some(predefined) = shape.extension(k) {
            super::walk(cx, &here, body, predefined);
        } else {
            if shape.class != Class::Sco {
                cx.warn(&here, "custom-extension", "custom '-ext' extensions are for cyber-observables; use an extension-definition (§11.3, §7.3)");
            }
            for (name, val) in body {
                check_custom_property(cx, &here.key(name), name, val, false);
            }
        }
    }
}

/// Whether `k` is a valid property name (§3.1, §11.1.1): 3 to 250 of `a-z`, `0-9`, `_`, starting with a letter.
pub(crate) fn is_property_name(k: &str) -> bool {
    let b = k.as_bytes();
    (3..=250).contains(&b.len())
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
}

/// Reports a property name that breaks §3.1/§3.8/§11.1.1.
pub(crate) fn check_custom_name(cx: &mut Cx<'_>, at: &Path<'_>, key: &str) {
    if RESERVED.contains(&key) {
        cx.error(
            at,
            "reserved-property",
            format!("'{key}' is a reserved property name and must not be used (§3.8)"),
        );
    } else if !is_property_name(key) {
        cx.error(
            at,
            "property-name",
            format!("property name {} must be 3 to 250 characters of a-z, 0-9 and '_', starting with a letter (§3.1, §11.1.1)", quote(key)),
        );
    }
}

/// A property the table does not define: a custom property (§11.1) or one from a
/// property extension. `top` says it is on the object itself.
pub(crate) fn check_custom_property(
    cx: &mut Cx<'_>,
    at: &Path<'_>,
    key: &str,
    v: &Val<'_>,
    top: bool,
) {
    check_custom_name(cx, at, key);
    match v {
        Val::Null => {
            cx.error(at, "null-value", format!("'{key}' is null; STIX properties must have a value (omit the property instead)"));
            return;
        }
        Val::Array(a) if a.is_empty() => {
            cx.error(at, "empty-list", format!("'{key}' is an empty list; STIX prohibits empty lists (omit the property instead)"));
            return;
        }
        _ => {}
    }
    if key.ends_with("_bin") {
        encodings::check_binary(cx, at, v);
    } else if key.ends_with("_hex") {
        encodings::check_hex(cx, at, v);
    } else if key.ends_with("_ref") {
        custom_ref(cx, at, key, v);
    } else if key.ends_with("_refs") {
        match v {
            Val::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    custom_ref(cx, &at.index(i), key, item);
                }
            }
            _ => cx.warn(
                at,
                "custom-reference",
                format!("'{key}' ends in '_refs' and SHOULD hold a list of identifiers (§3.1)"),
            ),
        }
    }
    if top && !key.starts_with("x_") && !has_toplevel_extension(cx.root) {
        cx.warn(at, "custom-property-prefix", format!("custom property '{key}' SHOULD start with 'x_' or be defined by an extension-definition (§11.1.1)"));
    }
}

/// Whether the object declares a toplevel-property-extension, whose properties need no `x_`.
fn has_toplevel_extension(root: &Obj<'_>) -> bool {
    match root.field("extensions") {
        Some(Val::Object(exts)) => exts.values().any(|e| {
            e.field("extension_type").and_then(Val::as_str) == Some("toplevel-property-extension")
        }),
        _ => false,
    }
}

fn custom_ref(cx: &mut Cx<'_>, at: &Path<'_>, key: &str, v: &Val<'_>) {
    if v.as_str().is_none_or(|s| refs::parse_id(s).is_err()) {
        cx.warn(
            at,
            "custom-reference",
            format!("'{key}' ends in '_ref(s)' and SHOULD hold identifiers 'type--UUID' (§3.1)"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_property_name("x_mitre_version"));
        assert!(!is_property_name("ab"));
        assert!(!is_property_name("x_fOO"));
        assert!(!is_property_name("1abc"));
        assert!(!is_property_name("abc-def"));
        assert!(extension_key_ok("x-acme-foo-ext"));
        assert!(extension_key_ok("ntfs-ext"));
        assert!(extension_key_ok(
            "extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e"
        ));
        assert!(!extension_key_ok("foo"));
        assert!(!extension_key_ok("-ext"));
        assert!(is_cve_id("CVE-2014-0160"));
        assert!(is_cve_id("CVE-2021-44228"));
        assert!(!is_cve_id("CVE-2014-160"));
        assert!(!is_cve_id("CVE-2014-01600"));
        assert!(is_capec_id("CAPEC-163"));
        assert!(!is_capec_id("CAPEC-"));
    }

    #[test]
    fn applicability_table() {
        assert_eq!(usage("created", Class::Sco), Use::NotApplicable);
        assert_eq!(usage("created", Class::MarkingDefinition), Use::Required);
        assert_eq!(
            usage("modified", Class::MarkingDefinition),
            Use::NotApplicable
        );
        assert_eq!(usage("spec_version", Class::Sco), Use::Optional);
        assert_eq!(usage("defanged", Class::Sdo), Use::NotApplicable);
    }
}
