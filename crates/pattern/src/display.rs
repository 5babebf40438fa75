//! The normalised form of a pattern: one space around operators, keywords in
//! capitals, parentheses only where the tree needs them, literals in one
//! spelling (`'...'` with `\'` and `\\` escapes, lowercase hex, padded
//! base64). It parses back to an equal tree.

use crate::ast::{CompExpr, Comparison, Literal, Number, ObjectPath, ObsExpr, Op, Qualifier, Step};
use crate::Pattern;
use std::fmt::{self, Display, Formatter, Write};

impl Display for Pattern {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_obs(f, self.root())
    }
}

/// Binding strength: FOLLOWEDBY 0, OR 1, AND 2, qualified or bracketed 3.
fn obs_prec(e: &ObsExpr) -> u8 {
    match e {
        ObsExpr::FollowedBy(_) => 0,
        ObsExpr::Or(_) => 1,
        ObsExpr::And(_) => 2,
        ObsExpr::Qualified(..) | ObsExpr::Leaf(_) => 3,
    }
}

fn write_obs(f: &mut Formatter<'_>, e: &ObsExpr) -> fmt::Result {
    let (items, sep, prec) = match e {
        ObsExpr::Leaf(c) => {
            f.write_char('[')?;
            write_comp(f, c)?;
            return f.write_char(']');
        }
        ObsExpr::Qualified(inner, q) => {
            if matches!(**inner, ObsExpr::Leaf(_)) {
                write_obs(f, inner)?;
            } else {
                f.write_char('(')?;
                write_obs(f, inner)?;
                f.write_char(')')?;
            }
            return write!(f, " {q}");
        }
        ObsExpr::FollowedBy(v) => (v, " FOLLOWEDBY ", 0),
        ObsExpr::Or(v) => (v, " OR ", 1),
        ObsExpr::And(v) => (v, " AND ", 2),
    };
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(sep)?;
        }
        if obs_prec(item) <= prec {
            f.write_char('(')?;
            write_obs(f, item)?;
            f.write_char(')')?;
        } else {
            write_obs(f, item)?;
        }
    }
    Ok(())
}

impl Display for ObsExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_obs(f, self)
    }
}

impl Display for Qualifier {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Qualifier::Within(n) => write!(f, "WITHIN {n} SECONDS"),
            Qualifier::Repeats(n) => write!(f, "REPEATS {n} TIMES"),
            Qualifier::StartStop(a, b) => write!(f, "START t'{}' STOP t'{}'", a.text, b.text),
        }
    }
}

fn write_comp(f: &mut Formatter<'_>, c: &CompExpr) -> fmt::Result {
    let (items, sep, is_or) = match c {
        CompExpr::Test(t) => return write!(f, "{t}"),
        CompExpr::Or(v) => (v, " OR ", true),
        CompExpr::And(v) => (v, " AND ", false),
    };
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(sep)?;
        }
        // Inside AND, an OR needs parentheses; inside OR nothing does (ORs are flattened).
        let paren = !is_or && matches!(item, CompExpr::Or(_));
        if paren {
            f.write_char('(')?;
            write_comp(f, item)?;
            f.write_char(')')?;
        } else {
            write_comp(f, item)?;
        }
    }
    Ok(())
}

impl Display for CompExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_comp(f, self)
    }
}

impl Display for Comparison {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let not = if self.negated { "NOT " } else { "" };
        match (&self.op, &self.value) {
            (Op::Exists, _) | (_, None) => write!(f, "{not}EXISTS {}", self.path),
            (op, Some(v)) => write!(f, "{} {not}{} {v}", self.path, op.as_str()),
        }
    }
}

/// Whether a key can be written bare: an identifier of the grammar that is not a keyword.
fn bare_key(k: &str) -> bool {
    let mut b = k.bytes();
    b.next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
        && b.all(|c| c.is_ascii_alphanumeric() || c == b'_')
        && !matches!(k, "true" | "false")
        && !crate::lexer::is_keyword(k)
}

fn write_str_literal(f: &mut Formatter<'_>, s: &str) -> fmt::Result {
    f.write_char('\'')?;
    for c in s.chars() {
        if c == '\'' || c == '\\' {
            f.write_char('\\')?;
        }
        f.write_char(c)?;
    }
    f.write_char('\'')
}

impl Display for ObjectPath {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.object_type)?;
        for (i, step) in self.steps.iter().enumerate() {
            match step {
                Step::Key(k) => {
                    if i > 0 {
                        f.write_char('.')?;
                    }
                    if bare_key(k) {
                        f.write_str(k)?;
                    } else {
                        write_str_literal(f, k)?;
                    }
                }
                Step::Index(n) => write!(f, "[{n}]")?,
                Step::AnyIndex => f.write_str("[*]")?,
            }
        }
        Ok(())
    }
}

impl Display for Number {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            Number::Float(x) => {
                // Display never uses an exponent; the grammar needs a '.'.
                let s = x.to_string();
                if s.contains('.') {
                    f.write_str(&s)
                } else {
                    write!(f, "{s}.0")
                }
            }
        }
    }
}

impl Display for Literal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Str(s) => write_str_literal(f, s),
            Literal::Num(n) => write!(f, "{n}"),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Hex(bytes) => {
                f.write_str("h'")?;
                for b in bytes {
                    write!(f, "{b:02x}")?;
                }
                f.write_char('\'')
            }
            Literal::Binary(bytes) => write!(f, "b'{}'", encode_base64(bytes)),
            Literal::Timestamp(t) => write!(f, "t'{}'", t.text),
            Literal::Set(items) => {
                f.write_char('(')?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_char(')')
            }
        }
    }
}

/// Standard base64 with padding.
pub(crate) fn encode_base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
