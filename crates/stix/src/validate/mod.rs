//! Validation of one STIX 2.1 object against every single-object MUST of the spec
//! (errors) and its SHOULDs (warnings).
//!
//! The rules are data: one row per type, listing its properties and their kinds, what
//! is required and how properties constrain each other. The code here walks an object
//! once, property by property, looking each up in its row, then applies the row's
//! rules. Nothing allocates unless there is something to report.
//!
//! Where things are:
//! - rows: `table.rs` (SDOs, SROs, meta objects), `sco.rs` (cyber-observables),
//!   `extensions.rs` (predefined extensions, embedded structures); `shape.rs` is the row type;
//! - `common.rs`: the common properties of §3.2 and the rules for custom properties;
//! - `markings.rs`: marking definitions, granular markings, language content, extension definitions;
//! - value kinds: `props.rs` (the kinds), `refs.rs` (identifiers and reference targets),
//!   `encodings.rs` (hashes, hex, binary), `time.rs`, `lang.rs` (RFC 5646), `vocab.rs`,
//!   `formats.rs` and `values.rs` (addresses, names, URIs, ...), `pattern/` (STIX patterns).
//!
//! Section numbers in messages are those of STIX Version 2.1 Errata 01, the current
//! text of the OASIS standard.
//!
//! ```
//! use vigil_stix::validate_object;
//! let obj = serde_json::json!({"type": "campaign", "spec_version": "2.1",
//!     "id": "campaign--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
//!     "created": "2016-04-06T20:03:00.000Z", "modified": "2016-04-06T20:03:00.000Z",
//!     "name": "Green Group Attacks", "confidence": 150});
//! let findings = validate_object(obj.as_object().unwrap());
//! assert_eq!(findings[0].rule, "integer-range");
//! assert_eq!(findings[0].pointer, "/confidence");
//! ```

mod common;
mod cx;
mod encodings;
mod extensions;
mod formats;
mod lang;
mod markings;
mod pattern;
mod props;
mod refs;
mod sco;
mod shape;
mod table;
pub(crate) mod time;
mod values;
mod vocab;

use crate::val::{Obj, Val};
use crate::Finding;
use cx::{quote, Cx, Path};
use table::{Class, Order, Rule, Shape};

/// Validates one STIX 2.1 object (already upgraded from 2.0 if it was 2.0).
pub fn validate_object(obj: &serde_json::Map<String, serde_json::Value>) -> Vec<Finding> {
    validate_obj(&Obj::of(obj))
}

/// [`validate_object`] on the borrowed tree (see [`crate::val`]).
pub fn validate_obj(obj: &Obj<'_>) -> Vec<Finding> {
    let mut cx = Cx::new(obj);
    let root = Path::Root;
    let shape = match obj.field("type") {
        None => {
            cx.error(
                &root.key("type"),
                "required-property",
                "the required common property 'type' is missing (§3.2)",
            );
            // Without a type only the common rules can be checked: read it as a custom object.
            custom_shape(obj)
        }
        Some(Val::String(t)) => {
            check_type_name(&mut cx, t);
            table::shape_for(t).unwrap_or_else(|| custom_shape(obj))
        }
        Some(other) => {
            cx.wrong_type(&root.key("type"), "a type name string", other);
            custom_shape(obj)
        }
    };
    common::check_required(&mut cx, obj, shape.class);
    walk(&mut cx, &root, obj, shape);
    common::check_version_order(&mut cx, obj);
    cx.findings
}

/// A custom object (§11.2) is read as an SDO when it has `created` or `modified`
/// (the versioning properties) and as a cyber-observable otherwise.
fn custom_shape(obj: &Obj<'_>) -> &'static Shape {
    if obj.has("created") || obj.has("modified") {
        &table::CUSTOM_SDO
    } else {
        &table::CUSTOM_SCO
    }
}

fn check_type_name(cx: &mut Cx<'_>, t: &str) {
    let at = Path::Root;
    let at = at.key("type");
    if !refs::is_type_name(t) {
        cx.error(
            &at,
            "type-name",
            format!("'type' {} must be 3 to 250 characters of a-z, 0-9 and '-', start with a letter and have no '--' (§3.1, §11.2.1)", quote(t)),
        );
    } else if t == "action" {
        cx.error(
            &at,
            "reserved-type",
            "the object type 'action' is reserved and must not be used (§3.8)",
        );
    } else if t == "bundle" {
        cx.error(
            &at,
            "type-name",
            "a bundle is not a STIX object; validate the objects it carries (§8)",
        );
    } else if table::shape_for(t).is_none() && !t.starts_with("x-") {
        cx.warn(
            &at,
            "custom-type-prefix",
            format!("custom object type '{t}' SHOULD start with 'x-' (§11.2.1)"),
        );
    }
}

/// Checks the properties of an object (`at` is the root) or embedded structure against `shape`.
pub(crate) fn walk(cx: &mut Cx<'_>, at: &Path<'_>, m: &Obj<'_>, shape: &Shape) {
    let top = matches!(at, Path::Root);
    if shape.class == Class::Embedded {
        for name in shape.required {
            if !m.has(name) {
                cx.error(
                    &at.key(name),
                    "required-property",
                    format!(
                        "{} '{}' is missing the required property '{name}' (§{})",
                        shape.name,
                        at.display(),
                        shape.section
                    ),
                );
            }
        }
    } else {
        for name in shape.required {
            if !m.has(name) {
                cx.error(
                    &at.key(name),
                    "required-property",
                    format!(
                        "the required property '{name}' of {} is missing (§{})",
                        shape.name, shape.section
                    ),
                );
            }
        }
    }
    for (k, v) in m {
        let here = at.key(k);
        if top && common::check_common(cx, &here, k, v, shape) {
            continue;
        }
        if let Some(kind) = shape.kind_of(k) {
            props::check(cx, &here, v, kind);
            if shape.deprecated.contains(&k) {
                cx.warn(
                    &here,
                    "deprecated-property",
                    format!("'{k}' is deprecated and SHOULD NOT be used in new content"),
                );
            }
        } else {
            common::check_custom_property(cx, &here, k, v, top && !shape.is_custom());
        }
    }
    for rule in shape.rules {
        check_rule(cx, at, m, shape, *rule);
    }
}

fn list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn check_rule(cx: &mut Cx<'_>, at: &Path<'_>, m: &Obj<'_>, shape: &Shape, rule: Rule) {
    let has = |k: &str| m.has(k);
    let where_ = || {
        if matches!(at, Path::Root) {
            shape.name.to_string()
        } else {
            format!("{} '{}'", shape.name, at.display())
        }
    };
    match rule {
        Rule::AtLeastOne(names) => {
            if !names.iter().any(|n| has(n)) {
                cx.error(
                    at,
                    "at-least-one",
                    format!(
                        "{} must have at least one of {} (§{})",
                        where_(),
                        list(names),
                        shape.section
                    ),
                );
            }
        }
        Rule::AtLeastOneProperty => {
            let any = shape.props.iter().any(|(n, _)| has(n))
                || (shape.class == Class::Sco && has("extensions"));
            if !any {
                cx.error(
                    at,
                    "at-least-one",
                    format!(
                        "{} must have at least one of its own properties (§{})",
                        where_(),
                        shape.section
                    ),
                );
            }
        }
        Rule::AtLeastOneBesides(name) => {
            if !shape.props.iter().any(|(n, _)| *n != name && has(n)) {
                cx.error(
                    at,
                    "at-least-one",
                    format!(
                        "{} must have at least one property besides '{name}' (§{})",
                        where_(),
                        shape.section
                    ),
                );
            }
        }
        Rule::ExactlyOne(names) => {
            let n = names.iter().filter(|n| has(n)).count();
            if n != 1 {
                let how = if n == 0 { "one of" } else { "only one of" };
                cx.error(
                    at,
                    "exactly-one",
                    format!(
                        "{} must have {how} {} (§{})",
                        where_(),
                        list(names),
                        shape.section
                    ),
                );
            }
        }
        Rule::Requires(a, b) => {
            if has(a) && !has(b) {
                cx.error(
                    &at.key(a),
                    "requires-property",
                    format!(
                        "'{a}' may only be present together with '{b}' (§{})",
                        shape.section
                    ),
                );
            }
        }
        Rule::Order(later, order, earlier) => {
            let ts = |k: &str| {
                m.field(k)
                    .and_then(Val::as_str)
                    .and_then(|s| time::parse(s).ok())
            };
            if let (Some(l), Some(e)) = (ts(later), ts(earlier)) {
                let (ok, words) = match order {
                    Order::Ge => (l >= e, "later than or equal to"),
                    Order::Gt => (l > e, "later than"),
                };
                if !ok {
                    cx.error(
                        &at.key(later),
                        "timestamp-order",
                        format!("'{later}' must be {words} '{earlier}' (§{})", shape.section),
                    );
                }
            }
        }
        Rule::RequiredIf(flag, value, prop) => {
            if m.field(flag).and_then(Val::as_bool) == Some(value) && !has(prop) {
                cx.error(
                    &at.key(prop),
                    "required-property",
                    format!(
                        "'{prop}' is required when '{flag}' is {value} (§{})",
                        shape.section
                    ),
                );
            }
        }
        Rule::ForbiddenIf(flag, value, prop) => {
            if m.field(flag).and_then(Val::as_bool) == Some(value) && has(prop) {
                cx.error(
                    &at.key(prop),
                    "excluded-property",
                    format!(
                        "'{prop}' must not be present when '{flag}' is {value} (§{})",
                        shape.section
                    ),
                );
            }
        }
        Rule::UuidV4Unless(contributing) => {
            let id = m
                .field("id")
                .and_then(Val::as_str)
                .and_then(|s| refs::parse_id(s).ok());
            if let Some(id) = id {
                if id.version != 4 && !contributing.iter().any(|n| has(n)) {
                    let why = if contributing.is_empty() {
                        format!("a {} has no ID contributing properties", shape.name)
                    } else {
                        format!(
                            "none of the ID contributing properties ({}) is present",
                            list(contributing)
                        )
                    };
                    cx.error(
                        &at.key("id"),
                        "uuid-version",
                        format!(
                            "{why}, so its id must use a version 4 UUID (§2.9), not version {}",
                            id.version
                        ),
                    );
                }
            }
        }
        Rule::Custom(f) => f(cx, at, m),
    }
}

/// Checks an embedded structure (a predefined extension, a MIME part, ...) against its row.
pub(crate) fn check_shape(cx: &mut Cx<'_>, at: &Path<'_>, m: &Obj<'_>, shape: &Shape) {
    walk(cx, at, m, shape);
}

#[cfg(test)]
mod tests;
