//! Structured validation findings: object id, JSON pointer, rule, message.

use serde::Serialize;
use std::fmt;

/// How serious a finding is: a spec MUST (the object is invalid) or a SHOULD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A MUST of the spec is broken: the object is rejected.
    Error,
    /// A SHOULD of the spec is not followed: the object is kept.
    Warning,
}

/// One thing validation found wrong with one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Error (MUST) or warning (SHOULD).
    pub severity: Severity,
    /// JSON pointer (RFC 6901) into the object, `""` for the object itself.
    pub pointer: String,
    /// A stable rule name, e.g. `required-property`, `timestamp-format`.
    pub rule: &'static str,
    /// What is wrong, for a person.
    pub message: String,
}

impl Finding {
    /// A MUST-level finding.
    pub fn error(
        pointer: impl Into<String>,
        rule: &'static str,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            severity: Severity::Error,
            pointer: pointer.into(),
            rule,
            message: message.into(),
        }
    }

    /// A SHOULD-level finding.
    pub fn warning(
        pointer: impl Into<String>,
        rule: &'static str,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            severity: Severity::Warning,
            pointer: pointer.into(),
            rule,
            message: message.into(),
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let ptr = if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        };
        write!(f, "{sev} at {ptr} [{}]: {}", self.rule, self.message)
    }
}

/// Escapes one JSON-pointer reference token (RFC 6901 §3).
pub fn pointer_token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}
