//! Checks of STIX patterns (STIX 2.1 §9) for indicators whose `pattern_type` is
//! `stix` (§4.7: the pattern MUST match the pattern type): the `pattern` crate
//! parses (the grammar) and checks what the OASIS pattern validator checks
//! (qualifiers not repeated on one observation, hash values of the right form);
//! here we add what stix2-validator checks on top: object types and property
//! names of the right shape.

use super::cx::{quote, Cx, Path};
use crate::val::{Obj, Val};
use vigil_pattern::{Comparison, Pattern, Step};

/// Checks an indicator's `pattern` when its `pattern_type` is `stix`.
pub(crate) fn check_indicator(cx: &mut Cx<'_>, at: &Path<'_>, m: &Obj<'_>) {
    if m.field("pattern_type").and_then(Val::as_str) != Some("stix") {
        return;
    }
    let Some(Val::String(p)) = m.field("pattern") else {
        return;
    };
    let here = at.key("pattern");
    if let Err(why) = check_pattern(p) {
        cx.error(
            &here,
            why.rule,
            format!(
                "'pattern' is not a valid STIX pattern (§9): {}",
                why.message
            ),
        );
    }
}

/// Why a pattern is invalid.
#[derive(Debug)]
pub(crate) struct PatternError {
    /// The stable rule name.
    pub rule: &'static str,
    /// What is wrong, for a person.
    pub message: String,
}

/// Checks a STIX 2.1 pattern: syntax, then the checks on the parsed comparisons.
pub(crate) fn check_pattern(p: &str) -> Result<(), PatternError> {
    let parsed = Pattern::parse(p).and_then(|pat| pat.check().map(|()| pat));
    let pattern = parsed.map_err(|e| PatternError {
        rule: e.rule,
        message: format!("at offset {}: {}", e.span.0, e.message),
    })?;
    for c in pattern.root().comparisons() {
        check_comparison(c)?;
    }
    Ok(())
}

fn check_comparison(c: &Comparison) -> Result<(), PatternError> {
    let object_type = c.path.object_type.as_str();
    let known = crate::object::is_sco_type(object_type);
    let type_ok = object_type.len() >= 3
        && object_type.len() <= 250
        && object_type
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !object_type.contains("--");
    if !known && !type_ok {
        return Err(PatternError {
            rule: "pattern-object-type",
            message: format!(
                "{} is not a valid object type (3-250 of a-z, 0-9, '-')",
                quote(object_type)
            ),
        });
    }
    let name_ok = |s: &str| {
        (3..=250).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    };
    let first = match c.path.steps.first() {
        Some(Step::Key(k)) => k.as_str(),
        _ => "",
    };
    if !(name_ok(first) || (known && first == "id")) {
        return Err(PatternError {
            rule: "pattern-property",
            message: format!(
                "{} is not a valid property name (3-250 of a-z, 0-9, '_')",
                quote(first)
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests;
