//! The checks of the OASIS pattern validator beyond the grammar (see
//! [`crate::Pattern::check`]).

use crate::ast::{Comparison, Literal, ObsExpr, Op, Step};
use crate::PatternError;

/// Hash values compared with `=`, `!=` or `IN` must have the form of their
/// algorithm (`file:hashes.'SHA-256' = 'f00'` is refused).
pub(crate) fn hashes(root: &ObsExpr) -> Result<(), PatternError> {
    root.comparisons().into_iter().try_for_each(test)
}

fn test(t: &Comparison) -> Result<(), PatternError> {
    let in_hashes = t
        .path
        .steps
        .iter()
        .any(|s| matches!(s, Step::Key(k) if k == "hashes"));
    let Some(Step::Key(algo)) = t.path.steps.last() else {
        return Ok(());
    };
    if !in_hashes || !matches!(t.op, Op::Eq | Op::Ne | Op::In) {
        return Ok(());
    }
    let values: Vec<&str> = match &t.value {
        Some(Literal::Str(s)) => vec![s],
        Some(Literal::Set(items)) => items
            .iter()
            .filter_map(|i| match i {
                Literal::Str(s) => Some(s.as_str()),
                _ => None,
            })
            .collect(),
        _ => return Ok(()),
    };
    for v in values {
        if !hash_ok(algo, v) {
            return Err(PatternError {
                span: t.span,
                message: format!("'{v}' is not a valid {algo} hash"),
                rule: "pattern-hash",
            });
        }
    }
    Ok(())
}

/// The hash-value forms the OASIS validator knows, by algorithm name
/// (case and '-' ignored); other names take any value.
pub fn hash_ok(algo: &str, value: &str) -> bool {
    let norm: String = algo
        .chars()
        .filter(|&c| c != '-')
        .flat_map(char::to_uppercase)
        .collect();
    let hex = |n: usize| value.len() == n && value.bytes().all(|c| c.is_ascii_hexdigit());
    match norm.as_str() {
        "MD5" => hex(32),
        "MD6" => [32, 40, 56, 64, 96, 128].iter().any(|&n| hex(n)),
        "RIPEMD160" | "SHA1" => hex(40),
        "SHA224" | "SHA3224" => hex(56),
        "SHA256" | "SHA3256" => hex(64),
        "SHA384" | "SHA3384" => hex(96),
        "SHA512" | "SHA3512" | "WHIRLPOOL" => hex(128),
        "SSDEEP" => {
            (1..=128).contains(&value.len())
                && value
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'/' | b'+' | b':' | b'.'))
        }
        _ => true,
    }
}
