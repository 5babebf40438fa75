//! STIX 2.1 for Vigil: the object model, a streaming parser for bundles of any
//! size, the STIX 2.0 → 2.1 upgrade, and validation of every single-object MUST
//! of the spec.
//!
//! The crate is pure: it reads from a [`std::io::Read`] and never touches files,
//! the network or async runtimes.
//!
//! ```
//! use vigil_stix::parse::{parse_reader, Item};
//! use vigil_stix::check;
//! let bundle = br#"{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[
//!   {"type":"campaign","spec_version":"2.1","id":"campaign--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
//!    "created":"2016-04-06T20:03:00.000Z","modified":"2016-04-06T20:03:00.000Z","name":"Green Group Attacks"}]}"#;
//! let mut names = vec![];
//! parse_reader(&bundle[..], |item| {
//!     if let Item::Object(raw) = item {
//!         let checked = check(raw.value.unwrap(), raw.bundle_spec_version.as_deref());
//!         assert!(checked.is_valid());
//!         names.push(checked.object.name().unwrap_or_default().to_string());
//!     }
//!     std::ops::ControlFlow::Continue(())
//! }).unwrap();
//! assert_eq!(names, ["Green Group Attacks"]);
//! ```

pub mod finding;
#[doc(hidden)]
pub mod fuzzing;
pub mod id;
pub mod object;
pub mod parse;
pub mod timestamp;
pub mod upgrade;
pub mod val;
pub mod validate;

pub use finding::{Finding, Severity};
pub use id::Identifier;
pub use object::{Fields, JsonMap, JsonValue, Props, StixObject};
pub use timestamp::Timestamp;
pub use val::{Obj, Val};
pub use validate::{validate_obj, validate_object};

use serde_json::{Map, Value};

/// An object made ready for storage: upgraded to 2.1 if it was 2.0, and validated.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The object (as 2.1).
    pub object: StixObject,
    /// What validation found; any [`Severity::Error`] makes the object invalid.
    pub findings: Vec<Finding>,
    /// Whether the object came in as STIX 2.0 and was upgraded.
    pub upgraded_from_20: bool,
    /// The object's compact source text, when it is still the object as stored
    /// (not upgraded); saves serialising it again.
    pub source_json: Option<String>,
}

impl Checked {
    /// Whether no MUST of the spec is broken.
    pub fn is_valid(&self) -> bool {
        !self.findings.iter().any(|f| f.severity == Severity::Error)
    }
}

/// An object checked on the borrowed tree (see [`val`]): no `serde_json`
/// values built, strings and keys pointing into the object's text.
#[derive(Debug)]
pub struct Quick<'a> {
    /// The object.
    pub object: Obj<'a>,
    /// What validation found; any [`Severity::Error`] makes the object invalid.
    pub findings: Vec<Finding>,
    /// The object's compact text (what is stored).
    pub compact: String,
}

impl<'a> Quick<'a> {
    /// Whether no MUST of the spec is broken.
    pub fn is_valid(&self) -> bool {
        !self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// Typed access to the common properties.
    pub fn props(&self) -> Props<'_, Obj<'a>> {
        Props(&self.object)
    }
}

/// Checks the object text of `o` on the borrowed tree, when it is UTF-8, a JSON
/// object without syntax errors and not STIX 2.0 (which is upgraded, so changed).
/// `None` otherwise: then [`parse::parse_object`] and [`check_with_source`] say
/// where and what is wrong, or upgrade. Both ways give the same findings.
pub fn check_quick<'a>(o: &parse::ObjectSlice<'a>) -> Option<Quick<'a>> {
    let text = std::str::from_utf8(o.bytes).ok()?;
    let Ok(Val::Object(object)) = Val::parse(text) else {
        return None;
    };
    if upgrade::is_stix20(&object, o.bundle_spec_version) {
        return None;
    }
    let compact = if o.compact {
        text.to_owned()
    } else {
        parse::minify(text)?
    };
    Some(Quick {
        findings: validate_obj(&object),
        object,
        compact,
    })
}

/// Upgrades (if 2.0) and validates one parsed object.
pub fn check(map: Map<String, Value>, bundle_spec_version: Option<&str>) -> Checked {
    check_with_source(map, bundle_spec_version, None)
}

/// [`check`], keeping the object's compact source text (see
/// [`parse::RawObject::compact`]) for storage when the object is not changed.
pub fn check_with_source(
    mut map: Map<String, Value>,
    bundle_spec_version: Option<&str>,
    compact: Option<String>,
) -> Checked {
    let upgraded_from_20 = upgrade::is_stix20(&map, bundle_spec_version);
    if upgraded_from_20 {
        upgrade::upgrade_to_21(&mut map);
    }
    let findings = validate_object(&map);
    let source_json = if upgraded_from_20 { None } else { compact };
    Checked {
        object: StixObject::new(map),
        findings,
        upgraded_from_20,
        source_json,
    }
}
