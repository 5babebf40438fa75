//! The parser: a hand-written recursive descent over the STIX patterning
//! grammar (the OASIS ANTLR grammars `STIXPattern.g4`, 2.0 and 2.1), building
//! the [`crate::ast`] tree.
//!
//! Precedence, loosest first: `FOLLOWEDBY`, `OR`, `AND`, then qualifiers,
//! which bind to the observation expression before them. Nesting is bounded by
//! [`crate::MAX_DEPTH`], so no input can exhaust the stack; every other
//! construct is parsed by loops.

use crate::ast::{
    CompExpr, Comparison, Literal, Number, ObjectPath, ObsExpr, Op, Qualifier, Regex, Step,
    Timestamp,
};
use crate::eval::compare::{decode_base64, decode_hex};
use crate::lexer::{is_pattern_space, Lexer, Tok, T};
use crate::time::Instant;
use crate::{PatternError, StixVersion, MAX_DEPTH, MAX_PATTERN_LEN};

/// What parsing yields: the tree, and the first finding of the checks the
/// OASIS validator makes on the text beyond the grammar (reported by
/// [`crate::Pattern::check`], not by parsing, because the OASIS matcher
/// accepts such patterns).
pub(crate) struct Parsed {
    pub root: ObsExpr,
    pub finding: Option<PatternError>,
}

pub(crate) fn parse(text: &str, version: StixVersion) -> Result<Parsed, PatternError> {
    if text.len() > MAX_PATTERN_LEN {
        return Err(PatternError {
            span: (MAX_PATTERN_LEN, text.len()),
            message: format!(
                "the pattern is {} bytes long; at most {MAX_PATTERN_LEN} bytes are accepted",
                text.len()
            ),
            rule: "pattern-limit",
        });
    }
    let first = text
        .find(|c: char| !is_pattern_space(c))
        .unwrap_or(text.len());
    if !matches!(text.as_bytes().get(first), Some(b'[' | b'(')) {
        return Err(PatternError {
            span: (first, first + text[first..].chars().next().map_or(0, char::len_utf8)),
            message: "a pattern starts with an observation expression in square brackets, e.g. [file:name = 'a.exe']"
                .into(),
            rule: "pattern-syntax",
        });
    }
    let mut lex = Lexer {
        s: text,
        b: text.as_bytes(),
        i: 0,
    };
    let tok = lex.next();
    let mut p = Parser {
        lex,
        tok,
        prev_end: 0,
        depth: 0,
        version,
        finding: None,
    };
    let root = p.observation_expressions()?;
    if p.tok.t != T::Eof {
        return Err(p.unexpected(
            "an operator (AND, OR, FOLLOWEDBY), a qualifier or the end of the pattern",
        ));
    }
    Ok(Parsed {
        root,
        finding: p.finding,
    })
}

struct Parser<'a> {
    lex: Lexer<'a>,
    tok: Tok<'a>,
    /// Where the last consumed token ended.
    prev_end: usize,
    /// Open parentheses and brackets.
    depth: usize,
    version: StixVersion,
    finding: Option<PatternError>,
}

type Res<T> = Result<T, PatternError>;

fn describe(tok: &Tok<'_>) -> String {
    match tok.t {
        T::Eof => "the end of the pattern".into(),
        _ => {
            let shown: String = tok.text.chars().take(40).collect();
            let more = if shown.len() < tok.text.len() {
                "..."
            } else {
                ""
            };
            format!("'{shown}{more}'")
        }
    }
}

impl<'a> Parser<'a> {
    fn bump(&mut self) -> Tok<'a> {
        let t = self.tok;
        self.prev_end = t.at + t.text.len();
        self.tok = self.lex.next();
        t
    }

    fn error_at(&self, tok: &Tok<'_>, message: String, rule: &'static str) -> PatternError {
        let end = if tok.text.is_empty() {
            tok.at
        } else {
            tok.at + tok.text.len()
        };
        PatternError {
            span: (tok.at, end),
            message,
            rule,
        }
    }

    /// "expected X, found Y" at the current token.
    fn unexpected(&self, expected: &str) -> PatternError {
        let found = describe(&self.tok);
        let hint = match self.tok.t {
            T::Invalid if self.tok.text == "'" => {
                " (an unterminated string? quotes inside strings are written \\')"
            }
            T::IdHyphen => " (a property name with '-' must be quoted: 'like-this')",
            _ => "",
        };
        self.error_at(
            &self.tok,
            format!("expected {expected}, found {found}{hint}"),
            "pattern-syntax",
        )
    }

    fn expect(&mut self, t: T, what: &str) -> Res<Tok<'a>> {
        if self.tok.t == t {
            Ok(self.bump())
        } else {
            Err(self.unexpected(what))
        }
    }

    fn enter(&mut self) -> Res<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error_at(
                &self.tok,
                format!(
                    "the pattern nests parentheses and brackets more than {MAX_DEPTH} levels deep"
                ),
                "pattern-limit",
            ));
        }
        Ok(())
    }

    fn note(&mut self, finding: PatternError) {
        if self.finding.is_none() {
            self.finding = Some(finding);
        }
    }

    // ---- observation expressions ----

    fn observation_expressions(&mut self) -> Res<ObsExpr> {
        let first = self.observation_or()?;
        if self.tok.t != T::Kw("FOLLOWEDBY") {
            return Ok(first);
        }
        let mut all = vec![first];
        while self.tok.t == T::Kw("FOLLOWEDBY") {
            self.bump();
            all.push(self.observation_or()?);
        }
        // Not flattened: `A FOLLOWEDBY (B FOLLOWEDBY C)` keeps its grouping
        // (the evaluator reads a chain left to right, as the OASIS grammar does).
        Ok(ObsExpr::FollowedBy(all))
    }

    fn observation_or(&mut self) -> Res<ObsExpr> {
        let first = self.observation_and()?;
        if self.tok.t != T::Kw("OR") {
            return Ok(first);
        }
        let mut all = vec![first];
        while self.tok.t == T::Kw("OR") {
            self.bump();
            all.push(self.observation_and()?);
        }
        Ok(ObsExpr::Or(flatten(all, |e| match e {
            ObsExpr::Or(v) => Some(v),
            _ => None,
        })))
    }

    fn observation_and(&mut self) -> Res<ObsExpr> {
        let first = self.observation()?;
        if self.tok.t != T::Kw("AND") {
            return Ok(first);
        }
        let mut all = vec![first];
        while self.tok.t == T::Kw("AND") {
            self.bump();
            all.push(self.observation()?);
        }
        Ok(ObsExpr::And(flatten(all, |e| match e {
            ObsExpr::And(v) => Some(v),
            _ => None,
        })))
    }

    fn observation(&mut self) -> Res<ObsExpr> {
        self.enter()?;
        let r = self.observation_inner();
        self.depth -= 1;
        r
    }

    fn observation_inner(&mut self) -> Res<ObsExpr> {
        match self.tok.t {
            T::Punct(b'[') => {
                self.bump();
                let c = self.comparison_or()?;
                self.expect(
                    T::Punct(b']'),
                    "']' closing the observation expression, or AND / OR",
                )?;
                self.qualifiers(ObsExpr::Leaf(c), true)
            }
            T::Punct(b'(') => {
                self.bump();
                let e = self.observation_expressions()?;
                self.expect(T::Punct(b')'), "')' or an operator (AND, OR, FOLLOWEDBY)")?;
                self.qualifiers(e, false)
            }
            _ => Err(self.unexpected("'[' or '(' starting an observation expression")),
        }
    }

    /// Qualifiers after an observation expression: postfix, any number. The
    /// OASIS validator refuses the same qualifier twice in a row on one
    /// bracketed expression (`simple`). Out of line: not on the recursion's stack.
    #[inline(never)]
    fn qualifiers(&mut self, mut expr: ObsExpr, simple: bool) -> Res<ObsExpr> {
        let mut seen = [false; 3];
        loop {
            let start = self.tok;
            let (slot, q) = match self.tok.t {
                T::Kw("WITHIN") => (0, self.within()?),
                T::Kw("REPEATS") => (1, self.repeats()?),
                T::Kw("START") => (2, self.start_stop()?),
                _ => return Ok(expr),
            };
            if simple && seen[slot] {
                let name = ["WITHIN", "REPEATS", "START/STOP"][slot];
                let span = (start.at, self.prev_end);
                self.note(PatternError {
                    span,
                    message: format!(
                        "the {name} qualifier is applied twice to one observation expression"
                    ),
                    rule: "pattern-qualifier",
                });
            }
            seen[slot] = true;
            expr = ObsExpr::Qualified(Box::new(expr), q);
        }
    }

    fn within(&mut self) -> Res<Qualifier> {
        self.bump();
        let tok = self.tok;
        let n = match tok.t {
            T::IntPos | T::FloatPos => self.number()?,
            _ => return Err(self.unexpected("a positive number of seconds after WITHIN")),
        };
        if n.as_f64() <= 0.0 {
            return Err(self.error_at(
                &tok,
                "WITHIN needs a number of seconds greater than 0".into(),
                "pattern-qualifier",
            ));
        }
        self.expect(T::Kw("SECONDS"), "SECONDS after the number (the only unit)")?;
        Ok(Qualifier::Within(n))
    }

    fn repeats(&mut self) -> Res<Qualifier> {
        self.bump();
        let tok = self.tok;
        if tok.t != T::IntPos {
            return Err(self.unexpected("a positive whole number after REPEATS"));
        }
        let Number::Int(n) = self.number()? else {
            unreachable!("an integer token")
        };
        if n <= 0 {
            return Err(self.error_at(
                &tok,
                "REPEATS needs a count of at least 1".into(),
                "pattern-qualifier",
            ));
        }
        self.expect(T::Kw("TIMES"), "TIMES after the count")?;
        Ok(Qualifier::Repeats(n as u64))
    }

    fn start_stop(&mut self) -> Res<Qualifier> {
        self.bump();
        let start = self.qualifier_time("START")?;
        self.expect(T::Kw("STOP"), "STOP after the START timestamp")?;
        let stop = self.qualifier_time("STOP")?;
        Ok(Qualifier::StartStop(start, stop))
    }

    /// A timestamp after START or STOP: `t'...'`; STIX 2.0 also takes a plain
    /// string, which must then hold a valid timestamp.
    fn qualifier_time(&mut self, after: &str) -> Res<Timestamp> {
        let tok = self.tok;
        match tok.t {
            T::Timestamp => self.timestamp(),
            T::Str if self.version == StixVersion::V20 => {
                self.bump();
                let text = unescape(&tok.text[1..tok.text.len() - 1]);
                match Instant::parse(&text) {
                    Some(instant) => Ok(Timestamp {
                        text,
                        instant: Some(instant),
                    }),
                    _ => Err(self.error_at(
                        &tok,
                        format!("{after} needs a timestamp of the form YYYY-MM-DDTHH:MM:SS[.s]Z"),
                        "pattern-qualifier",
                    )),
                }
            }
            _ => Err(self.unexpected(&format!(
                "a timestamp literal t'YYYY-MM-DDTHH:MM:SSZ' after {after}"
            ))),
        }
    }

    // ---- comparison expressions ----

    fn comparison_or(&mut self) -> Res<CompExpr> {
        let first = self.comparison_and()?;
        if self.tok.t != T::Kw("OR") {
            return Ok(first);
        }
        let mut all = vec![first];
        while self.tok.t == T::Kw("OR") {
            self.bump();
            all.push(self.comparison_and()?);
        }
        Ok(CompExpr::Or(flatten(all, |e| match e {
            CompExpr::Or(v) => Some(v),
            _ => None,
        })))
    }

    fn comparison_and(&mut self) -> Res<CompExpr> {
        let first = self.prop_test()?;
        if self.tok.t != T::Kw("AND") {
            return Ok(first);
        }
        let mut all = vec![first];
        while self.tok.t == T::Kw("AND") {
            self.bump();
            all.push(self.prop_test()?);
        }
        Ok(CompExpr::And(flatten(all, |e| match e {
            CompExpr::And(v) => Some(v),
            _ => None,
        })))
    }

    fn prop_test(&mut self) -> Res<CompExpr> {
        if self.tok.t != T::Punct(b'(') {
            return self.prop_test_inner();
        }
        self.enter()?;
        let r = self.prop_test_inner();
        self.depth -= 1;
        r
    }

    fn prop_test_inner(&mut self) -> Res<CompExpr> {
        let start = self.tok.at;
        match self.tok.t {
            T::Punct(b'(') => {
                self.bump();
                let c = self.comparison_or()?;
                self.expect(T::Punct(b')'), "')' or AND / OR")?;
                Ok(c)
            }
            T::Kw("EXISTS") | T::Kw("NOT") => self.exists(start),
            _ => self.comparison(start),
        }
    }

    /// `[NOT] EXISTS path`. Out of line: not on the recursion's stack.
    #[inline(never)]
    fn exists(&mut self, start: usize) -> Res<CompExpr> {
        let negated = self.tok.t == T::Kw("NOT");
        if negated {
            self.bump();
            if self.tok.t != T::Kw("EXISTS") {
                return Err(self.unexpected(
                    "EXISTS after NOT (NOT before an operator goes after the object path)",
                ));
            }
        }
        self.bump();
        let path = self.object_path()?;
        Ok(CompExpr::Test(Comparison {
            path,
            negated,
            op: Op::Exists,
            value: None,
            regex: None,
            span: (start, self.prev_end),
        }))
    }

    /// `path [NOT] op literal`. Out of line: not on the recursion's stack.
    #[inline(never)]
    fn comparison(&mut self, start: usize) -> Res<CompExpr> {
        let path = self.object_path()?;
        let negated = self.tok.t == T::Kw("NOT");
        if negated {
            self.bump();
        }
        let op_tok = self.tok;
        let op = match (op_tok.t, op_tok.text) {
            (T::Eq, _) => Op::Eq,
            (T::Neq, _) => Op::Ne,
            (T::Order, "<") => Op::Lt,
            (T::Order, "<=") => Op::Le,
            (T::Order, ">") => Op::Gt,
            (T::Order, ">=") => Op::Ge,
            (T::Kw("IN"), _) => Op::In,
            (T::Kw("LIKE"), _) => Op::Like,
            (T::Kw("MATCHES"), _) => Op::Matches,
            (T::Kw("ISSUBSET"), _) => Op::IsSubset,
            (T::Kw("ISSUPERSET"), _) => Op::IsSuperset,
            _ => {
                return Err(self.unexpected(
                    "a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET)",
                ))
            }
        };
        self.bump();
        let value_tok = self.tok;
        let value = match op {
            Op::Eq | Op::Ne => self.literal(true)?,
            Op::Lt | Op::Le | Op::Gt | Op::Ge => self.literal(false)?,
            Op::In => self.set()?,
            _ => {
                if value_tok.t != T::Str {
                    return Err(self.unexpected(&format!("a string literal after {}", op.as_str())));
                }
                self.literal(false)?
            }
        };
        let regex = match (&value, op) {
            // The OASIS matcher compiles the NFC form of the expression (and
            // compares NFC forms of the values).
            (Literal::Str(s), Op::Matches) => {
                Some(self.regex(&crate::eval::nfc::nfc(s), &value_tok)?)
            }
            (Literal::Str(s), Op::Like) => {
                Some(self.regex(&like_to_regex(&crate::eval::nfc::nfc(s)), &value_tok)?)
            }
            (Literal::Str(s), Op::IsSubset | Op::IsSuperset) => {
                if !is_ip_or_cidr(s) {
                    return Err(self.error_at(
                        &value_tok,
                        format!(
                            "{} takes an IPv4 or IPv6 address or CIDR block such as '198.51.100.0/24', not '{s}'",
                            op.as_str()
                        ),
                        "pattern-type",
                    ));
                }
                None
            }
            _ => None,
        };
        Ok(CompExpr::Test(Comparison {
            path,
            negated,
            op,
            value: Some(value),
            regex,
            span: (start, self.prev_end),
        }))
    }

    fn regex(&self, source: &str, tok: &Tok<'_>) -> Res<Regex> {
        if let Err(e) = regex_syntax::ast::parse::Parser::new().parse(source) {
            use regex_syntax::ast::ErrorKind;
            let why = match e.kind() {
                ErrorKind::UnsupportedBackreference => {
                    "back-references (\\1, \\k<name>) are not supported: Vigil runs MATCHES on a linear-time regular expression engine".to_string()
                }
                ErrorKind::UnsupportedLookAround => {
                    "look-around ((?=...), (?!...), (?<=...), (?<!...)) is not supported: Vigil runs MATCHES on a linear-time regular expression engine".to_string()
                }
                other => format!("the regular expression does not compile: {other}"),
            };
            return Err(self.error_at(tok, why, "pattern-regex"));
        }
        regex::RegexBuilder::new(source)
            .size_limit(32 << 20)
            .build()
            .map(Regex)
            .map_err(|e| {
                let msg = e.to_string();
                let msg = msg.lines().last().unwrap_or(&msg).trim().to_string();
                self.error_at(
                    tok,
                    format!("the regular expression does not compile: {msg}"),
                    "pattern-regex",
                )
            })
    }

    fn number(&mut self) -> Res<Number> {
        let tok = self.bump();
        let text = tok.text.strip_prefix('+').unwrap_or(tok.text);
        match tok.t {
            T::IntPos | T::IntNeg => text.parse::<i64>().map(Number::Int).map_err(|_| {
                self.error_at(
                    &tok,
                    "the integer is out of range (64-bit)".into(),
                    "pattern-syntax",
                )
            }),
            _ => match text.parse::<f64>() {
                Ok(f) if f.is_finite() => Ok(Number::Float(f)),
                _ => {
                    Err(self.error_at(&tok, "the number is out of range".into(), "pattern-syntax"))
                }
            },
        }
    }

    fn timestamp(&mut self) -> Res<Timestamp> {
        let tok = self.bump();
        let text = tok.text[2..tok.text.len() - 1].to_string();
        let instant = Instant::parse(&text);
        Ok(Timestamp { text, instant })
    }

    fn literal(&mut self, bool_ok: bool) -> Res<Literal> {
        let tok = self.tok;
        Ok(match tok.t {
            T::IntNeg | T::IntPos | T::FloatNeg | T::FloatPos => Literal::Num(self.number()?),
            T::Str => {
                self.bump();
                Literal::Str(unescape(&tok.text[1..tok.text.len() - 1]))
            }
            T::Bool if bool_ok => {
                self.bump();
                Literal::Bool(tok.text == "true")
            }
            T::Hex => {
                self.bump();
                // The lexer has checked the digits: decoding cannot fail.
                Literal::Hex(decode_hex(&tok.text[2..tok.text.len() - 1]).unwrap_or_default())
            }
            T::Binary => {
                self.bump();
                Literal::Binary(decode_base64(&tok.text[2..tok.text.len() - 1]).unwrap_or_default())
            }
            T::Timestamp => Literal::Timestamp(self.timestamp()?),
            T::Bool => {
                return Err(self.error_at(
                    &tok,
                    "true and false cannot be ordered: use = or != with booleans".into(),
                    "pattern-syntax",
                ))
            }
            _ => {
                let what = if bool_ok {
                    "a literal (a 'string', number, true/false, h'hex', b'base64' or t'timestamp')"
                } else {
                    "a literal (a 'string', number, h'hex', b'base64' or t'timestamp')"
                };
                return Err(self.unexpected(what));
            }
        })
    }

    fn set(&mut self) -> Res<Literal> {
        self.expect(T::Punct(b'('), "'(' opening the set after IN")?;
        let mut items = Vec::new();
        if self.tok.t == T::Punct(b')') {
            self.bump();
            return Ok(Literal::Set(items));
        }
        items.push(self.literal(true)?);
        while self.tok.t == T::Punct(b',') {
            self.bump();
            items.push(self.literal(true)?);
        }
        self.expect(T::Punct(b')'), "',' or ')' closing the set")?;
        Ok(Literal::Set(items))
    }

    fn object_path(&mut self) -> Res<ObjectPath> {
        if !matches!(self.tok.t, T::IdNoHyphen | T::IdHyphen) {
            return Err(self.unexpected("an object path such as file:name"));
        }
        let object_type = self.bump().text.to_string();
        self.expect(T::Punct(b':'), "':' after the object type")?;
        let first = match self.tok.t {
            T::IdNoHyphen => self.bump().text.to_string(),
            T::Str => {
                let t = self.bump().text;
                unescape(&t[1..t.len() - 1])
            }
            _ => return Err(self.unexpected("a property name after ':'")),
        };
        let mut steps = vec![Step::Key(first)];
        loop {
            match self.tok.t {
                T::Punct(b'.') => {
                    self.bump();
                    let key = match self.tok.t {
                        T::IdNoHyphen => self.bump().text.to_string(),
                        T::Str => {
                            let t = self.bump().text;
                            unescape(&t[1..t.len() - 1])
                        }
                        _ => {
                            return Err(self.unexpected("a property name or 'quoted key' after '.'"))
                        }
                    };
                    steps.push(Step::Key(key));
                }
                // `.5` lexes as a float: a key of digits after a dot is not in the grammar.
                T::FloatPos if self.tok.text.starts_with('.') => {
                    return Err(self.unexpected("a property name or 'quoted key' after '.'"));
                }
                T::Punct(b'[') => {
                    self.bump();
                    let step = match self.tok.t {
                        T::Punct(b'*') => {
                            self.bump();
                            Step::AnyIndex
                        }
                        T::IntPos | T::IntNeg => match self.number()? {
                            Number::Int(i) => Step::Index(i),
                            Number::Float(_) => unreachable!("an integer token"),
                        },
                        _ => return Err(self.unexpected("a list index or '*'")),
                    };
                    self.expect(T::Punct(b']'), "']' closing the list index")?;
                    steps.push(step);
                }
                _ => return Ok(ObjectPath { object_type, steps }),
            }
        }
    }
}

/// Splices operands of the same operator into their parent (`(a OR b) OR c`
/// is `a OR b OR c`), so a tree has one spelling. `same` gives an operand's
/// own operands when it is of the same operator.
fn flatten<E>(all: Vec<E>, same: impl Fn(&mut E) -> Option<&mut Vec<E>>) -> Vec<E> {
    let mut out = Vec::with_capacity(all.len());
    for mut e in all {
        match same(&mut e) {
            Some(v) => out.append(v),
            None => out.push(e),
        }
    }
    out
}

/// Resolves `\'` and `\\` (the only escapes the grammar allows).
pub(crate) fn unescape(body: &str) -> String {
    if !body.contains('\\') {
        return body.to_string();
    }
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// `LIKE` as a regular expression: `%` any run, `_` any one character, the
/// rest literal, anchored at both ends, `.` matching newlines too.
pub(crate) fn like_to_regex(like: &str) -> String {
    let mut re = String::with_capacity(like.len() + 8);
    re.push_str("(?s)^");
    let mut buf = [0u8; 4];
    for c in like.chars() {
        match c {
            '%' => re.push_str(".*"),
            '_' => re.push('.'),
            c => re.push_str(&regex::escape(c.encode_utf8(&mut buf))),
        }
    }
    re.push('$');
    re
}

/// Whether `s` is an IPv4 or IPv6 address, optionally with a `/prefix`.
fn is_ip_or_cidr(s: &str) -> bool {
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    let max = if addr.parse::<std::net::Ipv4Addr>().is_ok() {
        32
    } else if addr.parse::<std::net::Ipv6Addr>().is_ok() {
        128
    } else {
        return false;
    };
    prefix.is_none_or(|p| {
        !p.is_empty()
            && p.bytes().all(|b| b.is_ascii_digit())
            && p.parse::<u32>().is_ok_and(|n| n <= max)
    })
}
