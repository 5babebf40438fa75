//! Syntax check of STIX patterns (STIX 2.1 §9) for indicators whose `pattern_type` is
//! `stix` (§4.7: the pattern MUST match the pattern type). A hand-written recognizer
//! of the STIX 2.1 patterning grammar, plus the checks the OASIS reference tools make
//! on a parsed pattern: qualifiers not repeated on one observation, hash values of the
//! right form, object types and property names of the right shape.
//!
//! It recognizes; it builds nothing. Evaluating patterns is the `pattern` crate's job.

use super::cx::{quote, Cx, Path};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum T {
    IntNeg,
    IntPos,
    FloatNeg,
    FloatPos,
    Hex,
    Binary,
    Str,
    Bool,
    Timestamp,
    Kw(&'static str),
    IdNoHyphen,
    IdHyphen,
    Eq,
    Neq,
    Order,
    Punct(u8),
    Invalid,
    Eof,
}

#[derive(Debug, Clone, Copy)]
struct Tok<'a> {
    t: T,
    text: &'a str,
    at: usize,
}

const KEYWORDS: &[&str] = &[
    "AND",
    "OR",
    "NOT",
    "FOLLOWEDBY",
    "LIKE",
    "MATCHES",
    "ISSUPERSET",
    "ISSUBSET",
    "EXISTS",
    "LAST",
    "IN",
    "START",
    "STOP",
    "SECONDS",
    "WITHIN",
    "REPEATS",
    "TIMES",
];

struct Lexer<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

fn is_pattern_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

impl<'a> Lexer<'a> {
    fn skip_trivia(&mut self) {
        loop {
            let rest = &self.s[self.i..];
            let trimmed = rest.trim_start_matches(is_pattern_space);
            self.i += rest.len() - trimmed.len();
            if let Some(comment) = trimmed.strip_prefix("/*") {
                match comment.find("*/") {
                    Some(end) => self.i += end + 4,
                    None => return,
                }
            } else if trimmed.starts_with("//") {
                self.i += trimmed.find(['\r', '\n']).unwrap_or(trimmed.len());
            } else {
                return;
            }
        }
    }

    fn digits(&self, from: usize) -> usize {
        self.b[from.min(self.b.len())..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
    }

    /// Length of a number literal at `i`, and whether it is a float.
    fn number(&self, i: usize) -> Option<(usize, bool)> {
        let sign = usize::from(matches!(self.b.get(i), Some(b'+' | b'-')));
        let int_digits = self.digits(i + sign);
        // Float: [0-9]* '.' [0-9]+ (longest match wins over the integer).
        if self.b.get(i + sign + int_digits) == Some(&b'.') {
            let frac = self.digits(i + sign + int_digits + 1);
            if frac > 0 {
                return Some((sign + int_digits + 1 + frac, true));
            }
        }
        match self.b.get(i + sign) {
            Some(b'0') => Some((sign + 1, false)),
            Some(b'1'..=b'9') => Some((sign + int_digits, false)),
            _ => None,
        }
    }

    /// Length of a quoted body starting at the opening quote `q`, if it closes.
    fn quoted(&self, q: usize, body_ok: impl Fn(&[u8]) -> bool) -> Option<usize> {
        let end = self.b[q + 1..].iter().position(|&c| c == b'\'')?;
        body_ok(&self.b[q + 1..q + 1 + end]).then_some(end + 2)
    }

    fn string_literal(&self, q: usize) -> Option<usize> {
        let mut j = q + 1;
        while j < self.b.len() {
            match self.b[j] {
                b'\'' => return Some(j - q + 1),
                b'\\' if matches!(self.b.get(j + 1), Some(b'\'' | b'\\')) => j += 2,
                b'\\' => return None,
                _ => j += 1,
            }
        }
        None
    }

    fn next(&mut self) -> Tok<'a> {
        self.skip_trivia();
        let i = self.i;
        let Some(&c) = self.b.get(i) else {
            return Tok {
                t: T::Eof,
                text: "",
                at: i,
            };
        };
        let (t, len) = self.scan(i, c);
        self.i = i + len;
        Tok {
            t,
            text: &self.s[i..i + len],
            at: i,
        }
    }

    fn scan(&self, i: usize, c: u8) -> (T, usize) {
        let ident = |from: usize, hyphen: bool| {
            self.b[from..]
                .iter()
                .take_while(|&&c| c.is_ascii_alphanumeric() || c == b'_' || (hyphen && c == b'-'))
                .count()
        };
        match c {
            b'0'..=b'9' | b'+' | b'-' | b'.' => match (self.number(i), c) {
                (Some((n, true)), _) => (if c == b'-' { T::FloatNeg } else { T::FloatPos }, n),
                (Some((n, false)), _) => (if c == b'-' { T::IntNeg } else { T::IntPos }, n),
                (None, b'.') => (T::Punct(b'.'), 1),
                (None, _) => (T::Punct(c), 1),
            },
            b'\'' => match self.string_literal(i) {
                Some(n) => (T::Str, n),
                None => (T::Punct(b'\''), 1),
            },
            b'h' | b'b' | b't' if self.b.get(i + 1) == Some(&b'\'') => {
                let lit = match c {
                    b'h' => self
                        .quoted(i + 1, |body| {
                            body.len().is_multiple_of(2) && body.iter().all(u8::is_ascii_hexdigit)
                        })
                        .map(|n| (T::Hex, n + 1)),
                    b'b' => self.quoted(i + 1, is_base64).map(|n| (T::Binary, n + 1)),
                    _ => self
                        .quoted(i + 1, is_timestamp_literal)
                        .map(|n| (T::Timestamp, n + 1)),
                };
                lit.unwrap_or((T::IdNoHyphen, 1))
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let plain = 1 + ident(i + 1, false);
                let hyphen = 1 + ident(i + 1, true);
                let word = &self.s[i..i + plain];
                if hyphen > plain {
                    (T::IdHyphen, hyphen)
                } else if word == "true" || word == "false" {
                    (T::Bool, plain)
                } else if let Some(k) = KEYWORDS.iter().find(|k| **k == word) {
                    (T::Kw(k), plain)
                } else {
                    (T::IdNoHyphen, plain)
                }
            }
            b'=' => (
                T::Eq,
                if self.b.get(i + 1) == Some(&b'=') {
                    2
                } else {
                    1
                },
            ),
            b'!' if self.b.get(i + 1) == Some(&b'=') => (T::Neq, 2),
            b'<' if self.b.get(i + 1) == Some(&b'>') => (T::Neq, 2),
            b'<' | b'>' => (
                T::Order,
                if self.b.get(i + 1) == Some(&b'=') {
                    2
                } else {
                    1
                },
            ),
            b':' | b',' | b'(' | b')' | b'[' | b']' | b'^' | b'/' | b'*' => (T::Punct(c), 1),
            _ => (
                T::Invalid,
                self.s[i..].chars().next().map_or(1, char::len_utf8),
            ),
        }
    }
}

/// Base64 as the 2.1 grammar has it: whole quads, the last one possibly padded, not empty.
fn is_base64(body: &[u8]) -> bool {
    let chars = |s: &[u8]| {
        s.iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/')
    };
    if body.is_empty() || !body.len().is_multiple_of(4) {
        return false;
    }
    let (head, last) = body.split_at(body.len() - 4);
    chars(head)
        && match last {
            [a, b, b'=', b'='] => chars(&[*a, *b]),
            [a, b, c, b'='] => chars(&[*a, *b, *c]),
            _ => chars(last),
        }
}

/// `YYYY-MM-DDTHH:MM:SS[.s+]Z` with the grammar's digit ranges (it does not check the calendar).
fn is_timestamp_literal(b: &[u8]) -> bool {
    let d = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    let two = |i: usize| (b[i] - b'0') * 10 + (b[i + 1] - b'0');
    let shape = b.len() >= 20
        && (0..4).all(d)
        && at(4, b'-')
        && d(5)
        && d(6)
        && at(7, b'-')
        && d(8)
        && d(9)
        && at(10, b'T')
        && d(11)
        && d(12)
        && at(13, b':')
        && d(14)
        && d(15)
        && at(16, b':')
        && d(17)
        && d(18)
        && at(b.len() - 1, b'Z');
    if !shape {
        return false;
    }
    let frac = &b[19..b.len() - 1];
    let frac_ok = frac.is_empty()
        || (frac[0] == b'.' && frac.len() > 1 && frac[1..].iter().all(u8::is_ascii_digit));
    let (mo, day, h, mi, s) = (two(5), two(8), two(11), two(14), two(17));
    frac_ok && (1..=12).contains(&mo) && (1..=31).contains(&day) && h <= 23 && mi <= 59 && s <= 60
}

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
mod tests {
    use super::*;

    #[test]
    fn valid_patterns() {
        for p in [
            "[file:name = 'a']",
            " [file:'name' = 'a']",
            "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
            "[file:size = +5]",
            "[file:size = .5]",
            r"[file:name = 'a\'b']",
            "[file:name = 'a'] AND [file:name = 'b'] FOLLOWEDBY [file:name = 'c'] OR [file:name = 'd']",
            "[file:name = 'a'] REPEATS 2 TIMES WITHIN 6.5 SECONDS",
            "[file:name = 'a'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00.5Z'",
            "([file:name = 'a'] WITHIN 5 SECONDS) WITHIN 6 SECONDS",
            "[file:name /* x */ = 'a'] // trailing",
            "[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]",
            "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value ISSUBSET '198.51.100.0/24']",
            "[file:name IN ()]",
            "[file:name NOT IN ('a', 1)]",
            "[file:name <> 'a' OR file:name == 'b' OR file:name != 'c' OR file:size >= 3]",
            "[NOT EXISTS file:name]",
            "[artifact:payload_bin = b'aGk=' OR artifact:payload_bin = h'']",
            "[(file:name = 'a' OR file:name = 'b') AND file:size = 1]",
            "(([file:name = 'a']))",
            "[x-acme-thing:some_prop = true]",
        ] {
            assert!(check_pattern(p).is_ok(), "{p}: {:?}", check_pattern(p));
        }
    }

    #[test]
    fn invalid_patterns() {
        for (p, rule) in [
            ("[file:size = 012]", "pattern-syntax"),
            ("[file:name = 'a\\b']", "pattern-syntax"),
            ("[file:name = \"a\"]", "pattern-syntax"),
            ("[file:name = 'a' and file:name = 'b']", "pattern-syntax"),
            ("[file:name = 'a'] WITHIN -5 SECONDS", "pattern-syntax"),
            ("[file:name = 'a'] REPEATS 2.5 TIMES", "pattern-syntax"),
            (
                "[file:name = 'a'] START '2016-06-01T00:00:00Z' STOP '2016-07-01T00:00:00Z'",
                "pattern-syntax",
            ),
            (
                "[file:name = 'a'] WITHIN 5 SECONDS WITHIN 6 SECONDS",
                "pattern-qualifier",
            ),
            ("file:name = 'a'", "pattern-syntax"),
            ("/* c */ [file:name = 'a']", "pattern-syntax"),
            ("[file:name = 'a'", "pattern-syntax"),
            ("[]", "pattern-syntax"),
            ("[file:name = TRUE]", "pattern-syntax"),
            ("[file:name > true]", "pattern-syntax"),
            ("[file:name LIKE 5]", "pattern-syntax"),
            ("[artifact:payload_bin = b'aGk']", "pattern-syntax"),
            ("[artifact:payload_bin = h'abc']", "pattern-syntax"),
            (
                "[file:extensions.windows-pebinary-ext.sections[*].entropy > 7.0]",
                "pattern-syntax",
            ),
            ("[file:hashes.MD5 = 'abc']", "pattern-hash"),
            ("[file:hashes.'SHA-256' = 'abc']", "pattern-hash"),
            ("[ab:name = 'a']", "pattern-object-type"),
            ("[X-Foo:name = 'a']", "pattern-object-type"),
            ("[file:Name = 'a']", "pattern-property"),
            ("[fíle:name = 'a']", "pattern-syntax"),
            ("", "pattern-syntax"),
            (
                &format!(
                    "{}[file:name = 'a']{}",
                    "(".repeat(100_000),
                    ")".repeat(100_000)
                ),
                "pattern-syntax",
            ),
            (
                &format!(
                    "[{}file:name = 'a'{}]",
                    "(".repeat(100_000),
                    ")".repeat(100_000)
                ),
                "pattern-syntax",
            ),
        ] {
            assert_eq!(check_pattern(p).map_err(|e| e.rule), Err(rule), "{p}");
        }
    }
}
