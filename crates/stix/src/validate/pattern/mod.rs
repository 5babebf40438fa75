//! Syntax check of STIX patterns (STIX 2.1 §9) for indicators whose `pattern_type` is
//! `stix` (§4.7: the pattern MUST match the pattern type). A hand-written recognizer
//! of the STIX 2.1 patterning grammar, plus the checks the OASIS reference tools make
//! on a parsed pattern: qualifiers not repeated on one observation, hash values of the
//! right form, object types and property names of the right shape.
//!
//! It recognizes; it builds nothing. Evaluating patterns is the `pattern` crate's job.

mod lexer;

use super::cx::{quote, Cx, Path};
use lexer::{is_pattern_space, Lexer, Tok, T};
use serde_json::{Map, Value};

/// One comparison found in the pattern, for the checks made after parsing.
struct Comparison<'a> {
    object_type: &'a str,
    first: &'a str,
    last_key: Option<&'a str>,
    has_hashes: bool,
    rhs: (usize, usize),
}

struct Parser<'a> {
    lex: Lexer<'a>,
    tok: Tok<'a>,
    comparisons: Vec<Comparison<'a>>,
    duplicate_qualifier: Option<&'static str>,
    /// Where the last consumed token ended.
    prev_end: usize,
    /// How many parentheses and brackets are open: bounded, so no input can exhaust the stack.
    depth: usize,
}

/// The deepest nesting of parentheses a pattern may have.
const MAX_DEPTH: usize = 200;

type Res = Result<(), (usize, &'static str)>;

impl<'a> Parser<'a> {
    fn bump(&mut self) -> Tok<'a> {
        let t = self.tok;
        self.prev_end = t.at + t.text.len();
        self.tok = self.lex.next();
        t
    }

    fn expect(&mut self, t: T, what: &'static str) -> Res {
        if self.tok.t == t {
            self.bump();
            Ok(())
        } else {
            Err((self.tok.at, what))
        }
    }

    fn observation_expressions(&mut self) -> Res {
        self.observation_or()?;
        while self.tok.t == T::Kw("FOLLOWEDBY") {
            self.bump();
            self.observation_or()?;
        }
        Ok(())
    }

    fn observation_or(&mut self) -> Res {
        self.observation_and()?;
        while self.tok.t == T::Kw("OR") {
            self.bump();
            self.observation_and()?;
        }
        Ok(())
    }

    fn observation_and(&mut self) -> Res {
        self.observation()?;
        while self.tok.t == T::Kw("AND") {
            self.bump();
            self.observation()?;
        }
        Ok(())
    }

    fn enter(&mut self) -> Res {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err((
                self.tok.at,
                "less deeply nested parentheses (at most 200 levels)",
            ));
        }
        Ok(())
    }

    fn observation(&mut self) -> Res {
        self.enter()?;
        let r = self.observation_inner();
        self.depth -= 1;
        r
    }

    fn observation_inner(&mut self) -> Res {
        let simple = match self.tok.t {
            T::Punct(b'[') => {
                self.bump();
                self.comparison_or()?;
                self.expect(T::Punct(b']'), "']' closing the observation expression")?;
                true
            }
            T::Punct(b'(') => {
                self.bump();
                self.observation_expressions()?;
                self.expect(T::Punct(b')'), "')'")?;
                false
            }
            _ => return Err((self.tok.at, "'[' or '(' starting an observation expression")),
        };
        let mut seen: [bool; 3] = [false; 3];
        loop {
            let (slot, name) = match self.tok.t {
                T::Kw("WITHIN") => {
                    self.bump();
                    if !matches!(self.tok.t, T::IntPos | T::FloatPos) {
                        return Err((self.tok.at, "a positive number after WITHIN"));
                    }
                    self.bump();
                    self.expect(T::Kw("SECONDS"), "SECONDS")?;
                    (0, "WITHIN")
                }
                T::Kw("REPEATS") => {
                    self.bump();
                    self.expect(T::IntPos, "a positive integer after REPEATS")?;
                    self.expect(T::Kw("TIMES"), "TIMES")?;
                    (1, "REPEATS")
                }
                T::Kw("START") => {
                    self.bump();
                    self.expect(T::Timestamp, "a timestamp literal t'…' after START")?;
                    self.expect(T::Kw("STOP"), "STOP")?;
                    self.expect(T::Timestamp, "a timestamp literal t'…' after STOP")?;
                    (2, "START/STOP")
                }
                _ => return Ok(()),
            };
            if simple && seen[slot] && self.duplicate_qualifier.is_none() {
                self.duplicate_qualifier = Some(name);
            }
            seen[slot] = true;
        }
    }

    fn comparison_or(&mut self) -> Res {
        self.comparison_and()?;
        while self.tok.t == T::Kw("OR") {
            self.bump();
            self.comparison_and()?;
        }
        Ok(())
    }

    fn comparison_and(&mut self) -> Res {
        self.prop_test()?;
        while self.tok.t == T::Kw("AND") {
            self.bump();
            self.prop_test()?;
        }
        Ok(())
    }

    fn prop_test(&mut self) -> Res {
        self.enter()?;
        let r = self.prop_test_inner();
        self.depth -= 1;
        r
    }

    fn prop_test_inner(&mut self) -> Res {
        match self.tok.t {
            T::Punct(b'(') => {
                self.bump();
                self.comparison_or()?;
                return self.expect(T::Punct(b')'), "')'");
            }
            T::Kw("EXISTS") => {
                self.bump();
                return self.object_path().map(|_| ());
            }
            T::Kw("NOT") => {
                self.bump();
                self.expect(T::Kw("EXISTS"), "EXISTS after NOT")?;
                return self.object_path().map(|_| ());
            }
            _ => {}
        }
        let mut cmp = self.object_path()?;
        if self.tok.t == T::Kw("NOT") {
            self.bump();
        }
        let op = self.bump();
        let rhs_start = self.tok.at;
        match op.t {
            T::Eq | T::Neq => self.literal(true)?,
            T::Order => self.literal(false)?,
            T::Kw("IN") => self.set()?,
            T::Kw("LIKE" | "MATCHES" | "ISSUBSET" | "ISSUPERSET") => {
                self.expect(T::Str, "a string literal")?
            }
            _ => return Err((op.at, "a comparison operator")),
        }
        cmp.rhs = (rhs_start, self.prev_end);
        self.comparisons.push(cmp);
        Ok(())
    }

    fn literal(&mut self, bool_ok: bool) -> Res {
        match self.tok.t {
            T::IntNeg
            | T::IntPos
            | T::FloatNeg
            | T::FloatPos
            | T::Str
            | T::Binary
            | T::Hex
            | T::Timestamp => {}
            T::Bool if bool_ok => {}
            _ => return Err((self.tok.at, "a literal value")),
        }
        self.bump();
        Ok(())
    }

    fn set(&mut self) -> Res {
        self.expect(T::Punct(b'('), "'(' opening a set")?;
        if self.tok.t == T::Punct(b')') {
            self.bump();
            return Ok(());
        }
        self.literal(true)?;
        while self.tok.t == T::Punct(b',') {
            self.bump();
            self.literal(true)?;
        }
        self.expect(T::Punct(b')'), "')' closing the set")
    }

    fn object_path(&mut self) -> Result<Comparison<'a>, (usize, &'static str)> {
        if !matches!(self.tok.t, T::IdNoHyphen | T::IdHyphen) {
            return Err((self.tok.at, "an object type such as 'file'"));
        }
        let object_type = self.bump().text;
        self.expect(T::Punct(b':'), "':' after the object type")?;
        let first = match self.tok.t {
            T::IdNoHyphen => self.bump().text,
            T::Str => unquote(self.bump().text),
            _ => return Err((self.tok.at, "a property name")),
        };
        let mut cmp = Comparison {
            object_type,
            first,
            last_key: Some(first),
            has_hashes: first == "hashes",
            rhs: (0, 0),
        };
        loop {
            match self.tok.t {
                T::Punct(b'.') => {
                    self.bump();
                    let key = match self.tok.t {
                        T::IdNoHyphen => self.bump().text,
                        T::Str => unquote(self.bump().text),
                        _ => return Err((self.tok.at, "a property name or quoted key after '.'")),
                    };
                    cmp.has_hashes |= key == "hashes";
                    cmp.last_key = Some(key);
                }
                T::Punct(b'[') => {
                    self.bump();
                    if !matches!(self.tok.t, T::IntPos | T::IntNeg | T::Punct(b'*')) {
                        return Err((self.tok.at, "a list index or '*'"));
                    }
                    self.bump();
                    self.expect(T::Punct(b']'), "']' closing the list index")?;
                    cmp.last_key = None;
                }
                _ => return Ok(cmp),
            }
        }
    }
}

fn unquote(s: &str) -> &str {
    s.strip_prefix('\'')
        .and_then(|s| s.strip_suffix('\''))
        .unwrap_or(s)
}

/// Checks an indicator's `pattern` when its `pattern_type` is `stix`.
pub(crate) fn check_indicator(cx: &mut Cx<'_>, at: &Path<'_>, m: &Map<String, Value>) {
    if m.get("pattern_type").and_then(Value::as_str) != Some("stix") {
        return;
    }
    let Some(Value::String(p)) = m.get("pattern") else {
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
    let syntax = |message: String| PatternError {
        rule: "pattern-syntax",
        message,
    };
    // The pattern must open with an observation expression ('[' after any '(').
    if p.chars().find(|&c| c != '(' && !is_pattern_space(c)) != Some('[') {
        return Err(syntax(
            "a pattern must start with an observation expression in square brackets".into(),
        ));
    }
    let mut lex = Lexer {
        s: p,
        b: p.as_bytes(),
        i: 0,
    };
    let tok = lex.next();
    let mut parser = Parser {
        lex,
        tok,
        comparisons: Vec::new(),
        duplicate_qualifier: None,
        prev_end: 0,
        depth: 0,
    };
    let parsed = parser
        .observation_expressions()
        .and_then(|()| parser.expect(T::Eof, "the end of the pattern"));
    if let Err((at, expected)) = parsed {
        let near: String = p.get(at..).unwrap_or("").chars().take(20).collect();
        return Err(syntax(format!(
            "at offset {at} (near {}), expected {expected}",
            quote(&near)
        )));
    }
    if let Some(q) = parser.duplicate_qualifier {
        return Err(PatternError {
            rule: "pattern-qualifier",
            message: format!("the {q} qualifier is applied twice to one observation expression"),
        });
    }
    for c in &parser.comparisons {
        check_comparison(p, c)?;
    }
    Ok(())
}

fn check_comparison(p: &str, c: &Comparison<'_>) -> Result<(), PatternError> {
    let known = crate::object::is_sco_type(c.object_type);
    let type_ok = c.object_type.len() >= 3
        && c.object_type.len() <= 250
        && c.object_type
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !c.object_type.contains("--");
    if !known && !type_ok {
        return Err(PatternError {
            rule: "pattern-object-type",
            message: format!(
                "{} is not a valid object type (3-250 of a-z, 0-9, '-')",
                quote(c.object_type)
            ),
        });
    }
    let name_ok = |s: &str| {
        (3..=250).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    };
    if !(name_ok(c.first) || (known && c.first == "id")) {
        return Err(PatternError {
            rule: "pattern-property",
            message: format!(
                "{} is not a valid property name (3-250 of a-z, 0-9, '_')",
                quote(c.first)
            ),
        });
    }
    if c.has_hashes {
        if let Some(algo) = c.last_key {
            let value: String = p
                .get(c.rhs.0..c.rhs.1)
                .unwrap_or("")
                .chars()
                .filter(|&ch| ch != '\'' && !is_pattern_space(ch))
                .collect();
            if !pattern_hash_ok(algo, &value) {
                return Err(PatternError {
                    rule: "pattern-hash",
                    message: format!("{} is not a valid {algo} hash", quote(&value)),
                });
            }
        }
    }
    Ok(())
}

/// The hash-value forms the reference pattern validator knows, by normalized name.
fn pattern_hash_ok(algo: &str, value: &str) -> bool {
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

#[cfg(test)]
mod tests;
