//! The validation context: where in the object we are, and the findings so far.
//!
//! Paths are a borrowed chain of keys and indices, rendered to a JSON pointer only
//! when a finding is emitted, so walking a valid object allocates nothing.

use crate::finding::pointer_token;
use crate::val::{Obj, Val};
use crate::Finding;
use std::fmt::Write;

/// A location inside the object being validated, as a chain back to the root.
#[derive(Clone, Copy)]
pub(crate) enum Path<'a> {
    /// The object itself.
    Root,
    /// A property (or dictionary key) of the parent.
    Key(&'a Path<'a>, &'a str),
    /// A list item of the parent.
    Index(&'a Path<'a>, usize),
}

impl<'a> Path<'a> {
    /// The child at property `key`.
    pub fn key(&'a self, key: &'a str) -> Path<'a> {
        Path::Key(self, key)
    }

    /// The child at list index `i`.
    pub fn index(&'a self, i: usize) -> Path<'a> {
        Path::Index(self, i)
    }

    /// The RFC 6901 JSON pointer of this location.
    pub fn pointer(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Path::Root => {}
            Path::Key(parent, key) => {
                parent.write(out);
                out.push('/');
                out.push_str(&pointer_token(key));
            }
            Path::Index(parent, i) => {
                parent.write(out);
                let _ = write!(out, "/{i}");
            }
        }
    }

    /// The last property name on the path (the list's name for an index), for messages.
    pub fn name(&self) -> &'a str {
        match *self {
            Path::Root => "object",
            Path::Key(_, key) => key,
            Path::Index(parent, _) => parent.name(),
        }
    }

    /// A readable form for messages: `external_references[0].url`.
    pub fn display(&self) -> String {
        let mut out = String::new();
        self.write_display(&mut out);
        if out.is_empty() {
            out.push_str("object");
        }
        out
    }

    fn write_display(&self, out: &mut String) {
        match self {
            Path::Root => {}
            Path::Key(parent, key) => {
                parent.write_display(out);
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Path::Index(parent, i) => {
                parent.write_display(out);
                let _ = write!(out, "[{i}]");
            }
        }
    }
}

/// What a validation run carries: the object's root and the findings.
pub(crate) struct Cx<'a> {
    /// The object being validated (granular-marking selectors resolve against it).
    pub root: &'a Obj<'a>,
    /// The object's `type`, when it is a string.
    pub object_type: &'a str,
    /// Findings in the order they were found.
    pub findings: Vec<Finding>,
}

impl<'a> Cx<'a> {
    pub fn new(root: &'a Obj<'a>) -> Cx<'a> {
        let object_type = root.field("type").and_then(Val::as_str).unwrap_or("");
        Cx {
            root,
            object_type,
            findings: Vec::new(),
        }
    }

    /// Records a MUST-level finding.
    pub fn error(&mut self, at: &Path<'_>, rule: &'static str, message: impl Into<String>) {
        self.findings
            .push(Finding::error(at.pointer(), rule, message));
    }

    /// Records a SHOULD-level finding.
    pub fn warn(&mut self, at: &Path<'_>, rule: &'static str, message: impl Into<String>) {
        self.findings
            .push(Finding::warning(at.pointer(), rule, message));
    }

    /// Records that the value at `at` has the wrong JSON type.
    pub fn wrong_type(&mut self, at: &Path<'_>, expected: &str, got: &Val<'_>) {
        self.error(
            at,
            "property-type",
            format!(
                "'{}' must be {expected}, got {}",
                at.display(),
                describe(got)
            ),
        );
    }
}

/// A short description of a JSON value for messages: its type, and the value if short.
pub(crate) fn describe(v: &Val<'_>) -> String {
    match v {
        Val::Null => "null".into(),
        Val::Bool(b) => format!("the boolean {b}"),
        Val::Number(n) => format!("the number {n}"),
        Val::String(s) => {
            let short: String = s.chars().take(60).collect();
            if short.len() < s.len() {
                format!("the string '{short}…'")
            } else {
                format!("the string '{s}'")
            }
        }
        Val::Array(a) => format!("a list of {} item(s)", a.len()),
        Val::Object(_) => "an object".into(),
    }
}

/// Quotes and truncates a string for messages.
pub(crate) fn quote(s: &str) -> String {
    let short: String = s.chars().take(80).collect();
    if short.len() < s.len() {
        format!("'{short}…'")
    } else {
        format!("'{s}'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_escape_and_index() {
        let root = Path::Root;
        let a = root.key("external_references");
        let b = a.index(2);
        let c = b.key("a/b~c");
        assert_eq!(c.pointer(), "/external_references/2/a~1b~0c");
        assert_eq!(c.display(), "external_references[2].a/b~c");
        assert_eq!(Path::Root.pointer(), "");
        assert_eq!(b.name(), "external_references");
    }
}
