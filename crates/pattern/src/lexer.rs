//! The lexer of the STIX patterning grammar (§9): tokens by longest match, keywords
//! before identifiers, as the OASIS ANTLR grammar has them.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum T {
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
pub(crate) struct Tok<'a> {
    pub(crate) t: T,
    pub(crate) text: &'a str,
    pub(crate) at: usize,
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

/// Whether `word` is a keyword of the grammar (and so cannot be a bare property name).
pub(crate) fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word)
}

pub(crate) struct Lexer<'a> {
    pub(crate) s: &'a str,
    pub(crate) b: &'a [u8],
    pub(crate) i: usize,
}

pub(crate) fn is_pattern_space(c: char) -> bool {
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

    pub(crate) fn next(&mut self) -> Tok<'a> {
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
