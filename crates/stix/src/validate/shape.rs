//! The row type of the declarative table: what a row says about an object type, and the
//! forms of the rules that tie an object's properties together.

use super::cx::{Cx, Path};
use super::props::Kind;
use crate::val::Obj;

/// What kind of object a shape describes; decides which common properties apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// STIX Domain Object (§4), including custom objects with `created`/`modified`.
    Sdo,
    /// STIX Relationship Object (§5).
    Sro,
    /// STIX Cyber-observable Object (§6), including custom objects without `created`.
    Sco,
    /// Language Content (§7.1).
    LanguageContent,
    /// Marking Definition (§7.2.1).
    MarkingDefinition,
    /// Extension Definition (§7.3).
    ExtensionDefinition,
    /// A structure inside an object (a predefined extension, a MIME part, ...).
    Embedded,
}

/// How two timestamps must be ordered.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Order {
    /// Later than or equal to.
    Ge,
    /// Strictly later than.
    Gt,
}

/// A rule that ties properties of one object together.
#[derive(Clone, Copy)]
pub(crate) enum Rule {
    /// At least one of these properties MUST be present.
    AtLeastOne(&'static [&'static str]),
    /// At least one type-specific property (or, for SCOs, an extension) MUST be present.
    AtLeastOneProperty,
    /// At least one type-specific property other than this one MUST be present.
    AtLeastOneBesides(&'static str),
    /// Exactly one of these properties MUST be present.
    ExactlyOne(&'static [&'static str]),
    /// If the first property is present, the second MUST be too.
    Requires(&'static str, &'static str),
    /// The first timestamp MUST be later than (or equal to) the second, when both are present.
    Order(&'static str, Order, &'static str),
    /// If the boolean property has this value, the other property MUST be present.
    RequiredIf(&'static str, bool, &'static str),
    /// If the boolean property has this value, the other property MUST NOT be present.
    ForbiddenIf(&'static str, bool, &'static str),
    /// The UUID MUST be version 4 unless one of these ID-contributing properties is present (§2.9).
    UuidV4Unless(&'static [&'static str]),
    /// A rule that does not fit the forms above.
    Custom(fn(&mut Cx<'_>, &Path<'_>, &Obj<'_>)),
}

/// One row of the table.
pub(crate) struct Shape {
    /// The type name (or the structure's name for embedded shapes).
    pub name: &'static str,
    /// The spec section that defines it (STIX 2.1 Errata 01 numbering).
    pub section: &'static str,
    /// What kind of object it is.
    pub class: Class,
    /// Type-specific properties and their kinds.
    pub props: &'static [(&'static str, Kind)],
    /// Properties that MUST be present (common ones are handled by class).
    pub required: &'static [&'static str],
    /// Rules between properties.
    pub rules: &'static [Rule],
    /// Predefined extensions this type may carry, by their `extensions` key.
    pub extensions: &'static [(&'static str, &'static Shape)],
    /// Properties the spec deprecates (a warning when present).
    pub deprecated: &'static [&'static str],
}

impl Shape {
    /// A row with no predefined extensions and no deprecated properties
    /// (rows that have them set those fields after).
    pub const fn new(
        name: &'static str,
        section: &'static str,
        class: Class,
        props: &'static [(&'static str, Kind)],
        required: &'static [&'static str],
        rules: &'static [Rule],
    ) -> Shape {
        Shape {
            name,
            section,
            class,
            props,
            required,
            rules,
            extensions: &[],
            deprecated: &[],
        }
    }

    /// The kind of a type-specific property.
    pub fn kind_of(&self, name: &str) -> Option<Kind> {
        self.props.iter().find(|(n, _)| *n == name).map(|&(_, k)| k)
    }

    /// Whether this is the row for custom objects (§11.2), whose own properties need no `x_` prefix.
    pub fn is_custom(&self) -> bool {
        self.section == "11.2"
    }

    /// A predefined extension by key.
    pub fn extension(&self, key: &str) -> Option<&'static Shape> {
        self.extensions
            .iter()
            .find(|(k, _)| *k == key)
            .map(|&(_, s)| s)
    }
}
