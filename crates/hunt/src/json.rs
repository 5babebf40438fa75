//! A JSON scanner for log records: walks one object's members without
//! building a tree, handing out borrowed slices of the line.
//!
//! Log records are flat-ish JSON objects of a few hundred bytes, and a hunt
//! reads a million of them a second; a tree (serde_json's `Value`) costs more
//! than the rest of the hunt together. The scanner still checks the whole
//! line against RFC 8259 as it goes, values nobody reads included: strings
//! closed, free of control characters, with valid escapes and UTF-8;
//! numbers, literals and nesting well formed; nothing after the object. So a
//! truncated or garbled line is refused, never half read.
//!
//! Strings are scanned eight bytes at a time (a word's bytes tested at once
//! for a quote, a backslash, a control character or a non-ASCII byte), and
//! [`flat_members`] walks nested objects in place rather than scanning each
//! twice.

use std::borrow::Cow;

/// Why a line is not a JSON object, and at which byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    /// Byte offset in the text scanned.
    pub at: usize,
    /// What was expected or found.
    pub what: &'static str,
}

impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "not JSON: {} at byte {}", self.what, self.at)
    }
}

/// One JSON value, borrowed from the text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Json<'a> {
    /// A string: its raw bytes between the quotes, and whether it holds escapes.
    Str(&'a [u8], bool),
    /// A number's text.
    Num(&'a [u8]),
    /// `true` / `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// An object's text, braces included.
    Obj(&'a [u8]),
    /// An array's text, brackets included.
    Arr(&'a [u8]),
}

impl<'a> Json<'a> {
    /// The string, unescaped; `None` for other values, and for an escape
    /// that makes no character (a lone surrogate). The scanner has already
    /// refused control characters, bad escapes and invalid UTF-8.
    pub fn str(&self) -> Option<Cow<'a, str>> {
        match *self {
            Json::Str(raw, false) => std::str::from_utf8(raw).ok().map(Cow::Borrowed),
            Json::Str(raw, true) => unescape(raw).map(Cow::Owned),
            _ => None,
        }
    }

    /// A number as an integer (exact integers only).
    pub fn int(&self) -> Option<i64> {
        match *self {
            Json::Num(t) => int(t),
            _ => None,
        }
    }

    /// A number or a string holding one, as text (Zeek writes some numbers as strings).
    pub fn num_text(&self) -> Option<&'a str> {
        match *self {
            Json::Num(t) | Json::Str(t, false) => std::str::from_utf8(t).ok(),
            _ => None,
        }
    }

    /// Whether the value gives nothing: `null`, `""` or Zeek's unset `"-"`.
    pub fn is_unset(&self) -> bool {
        matches!(self, Json::Null | Json::Str(b"", _) | Json::Str(b"-", _))
    }
}

/// A JSON number's text as an integer: digits only, no fraction or exponent.
fn int(t: &[u8]) -> Option<i64> {
    let digits = t.strip_prefix(b"-").unwrap_or(t);
    if digits.is_empty() || digits.len() > 18 {
        // Longer ones may not fit: the standard parser knows where.
        return std::str::from_utf8(t).ok()?.parse().ok();
    }
    let mut n = 0i64;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + i64::from(c - b'0');
    }
    Some(if digits.len() < t.len() { -n } else { n })
}

/// Unescapes a JSON string's raw bytes.
fn unescape(raw: &[u8]) -> Option<String> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b != b'\\' {
            out.push(b);
            i += 1;
            continue;
        }
        let e = *raw.get(i + 1)?;
        i += 2;
        let c = match e {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = hex4(raw.get(i..i + 4)?)?;
                i += 4;
                if (0xD800..0xDC00).contains(&hi) {
                    if raw.get(i..i + 2)? != b"\\u" {
                        return None;
                    }
                    let lo = hex4(raw.get(i + 2..i + 6)?)?;
                    if !(0xDC00..0xE000).contains(&lo) {
                        return None;
                    }
                    i += 6;
                    char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))?
                } else {
                    char::from_u32(hi)?
                }
            }
            _ => return None,
        };
        let mut buf = [0; 4];
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    }
    String::from_utf8(out).ok()
}

fn hex4(b: &[u8]) -> Option<u32> {
    let s = std::str::from_utf8(b).ok()?;
    u32::from_str_radix(s, 16).ok()
}

#[inline(always)]
fn skip_ws(t: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = t.get(i) {
        i += 1;
    }
    i
}

const ONES: u64 = u64::from_le_bytes([0x01; 8]);
const HIGH: u64 = u64::from_le_bytes([0x80; 8]);

/// The bytes of a word (little-endian: byte 0 lowest) that stop a string
/// scan: `"`, `\`, a control character, and with `high` = [`HIGH`] a byte of
/// 0x80 or more, each as its high bit. Bits above the lowest may be
/// spurious (a borrow), the lowest never is.
#[inline(always)]
fn stops(x: u64, high: u64) -> u64 {
    let q = x ^ (ONES * u64::from(b'"'));
    let b = x ^ (ONES * u64::from(b'\\'));
    let quote = q.wrapping_sub(ONES) & !q;
    let backslash = b.wrapping_sub(ONES) & !b;
    let control = x.wrapping_sub(ONES * 0x20) & !x;
    (quote | backslash | control | (x & high)) & HIGH
}

/// The end of the run of ASCII digits starting at `j`, eight bytes at a time.
#[inline(always)]
fn digits_end(t: &[u8], mut j: usize) -> usize {
    while let Some(w) = t.get(j..).and_then(<[u8]>::first_chunk::<8>) {
        let x = u64::from_le_bytes(*w);
        // A digit is 0x3_ with a low nibble of 9 or less: adding 6 to the
        // nibble does not carry into bit 4.
        let high_nibble = (x & (ONES * 0xF0)) ^ (ONES * 0x30);
        let low_nibble = ((x & (ONES * 0x0F)) + ONES * 0x06) & (ONES * 0x10);
        let not_digit = high_nibble | low_nibble;
        if not_digit != 0 {
            return j + (not_digit.trailing_zeros() / 8) as usize;
        }
        j += 8;
    }
    while t.get(j).is_some_and(u8::is_ascii_digit) {
        j += 1;
    }
    j
}

/// A scan stopped at an error (what and where are in [`Scan::err`]). Zero
/// sized, so the scanner's results fit in two registers.
struct Stop;

type R<T> = Result<T, Stop>;

/// The most nested levels a value skipped over may have.
const MAX_DEPTH: u32 = 128;

/// The most nested objects [`flat_members`] descends into.
const MAX_FLAT_DEPTH: usize = 32;

/// One scan of one text: the text, and the first error met.
struct Scan<'a> {
    t: &'a [u8],
    err: JsonError,
}

impl<'a> Scan<'a> {
    fn new(t: &'a [u8]) -> Scan<'a> {
        Scan {
            t,
            err: JsonError { at: 0, what: "" },
        }
    }

    #[cold]
    fn fail(&mut self, at: usize, what: &'static str) -> Stop {
        self.err = JsonError { at, what };
        Stop
    }

    /// The end of the string whose opening quote is at `i - 1`: the index
    /// after the closing quote, and whether it had escapes. Refuses control
    /// characters, bad escapes and invalid UTF-8.
    #[inline(always)]
    fn string_end(&mut self, i: usize) -> R<(usize, bool)> {
        // Most strings of a log are short and plain: their end is the first
        // byte of sixteen that stops a scan.
        if let Some(w) = self.t.get(i..).and_then(<[u8]>::first_chunk::<16>) {
            let (lo, hi) = w.split_at(8);
            let lo = stops(u64::from_le_bytes(lo.try_into().unwrap_or_default()), HIGH);
            let hi = stops(u64::from_le_bytes(hi.try_into().unwrap_or_default()), HIGH);
            let m = u128::from(hi) << 64 | u128::from(lo);
            if m == 0 {
                // Sixteen plain bytes: the rest from there.
                return self.string_end_slow(i, i + 16);
            }
            let j = i + (m.trailing_zeros() / 8) as usize;
            if self.t[j] == b'"' {
                return Ok((j + 1, false));
            }
        }
        self.string_end_slow(i, i)
    }

    /// [`Scan::string_end`] for any string starting at `start`, its bytes
    /// before `i` plain (no stop).
    #[inline(never)]
    fn string_end_slow(&mut self, start: usize, mut i: usize) -> R<(usize, bool)> {
        let t = self.t;
        let mut escaped = false;
        // HIGH until a non-ASCII byte is met; then the string is checked as
        // UTF-8 once it ends.
        let mut high = HIGH;
        loop {
            let j = loop {
                // Sixteen bytes a turn: most strings end within the first,
                // so the loop's branch is taken rarely and predictably.
                if let Some(w) = t.get(i..).and_then(<[u8]>::first_chunk::<16>) {
                    let (lo, hi) = w.split_at(8);
                    let lo = stops(u64::from_le_bytes(lo.try_into().unwrap_or_default()), high);
                    let hi = stops(u64::from_le_bytes(hi.try_into().unwrap_or_default()), high);
                    let m = u128::from(hi) << 64 | u128::from(lo);
                    if m != 0 {
                        break i + (m.trailing_zeros() / 8) as usize;
                    }
                    i += 16;
                } else if let Some(w) = t.get(i..).and_then(<[u8]>::first_chunk::<8>) {
                    let m = stops(u64::from_le_bytes(*w), high);
                    if m != 0 {
                        break i + (m.trailing_zeros() / 8) as usize;
                    }
                    i += 8;
                } else {
                    let tail = t.get(i..).unwrap_or_default();
                    let stop =
                        |&c: &u8| c == b'"' || c == b'\\' || c < 0x20 || (high != 0 && c >= 0x80);
                    match tail.iter().position(stop) {
                        Some(k) => break i + k,
                        None => return Err(self.fail(t.len(), "unterminated string")),
                    }
                }
            };
            match t[j] {
                b'"' => {
                    if high == 0 && std::str::from_utf8(&t[start..j]).is_err() {
                        return Err(self.fail(start, "invalid UTF-8 in a string"));
                    }
                    return Ok((j + 1, escaped));
                }
                b'\\' => {
                    escaped = true;
                    i = self.escape_end(j)?;
                }
                c if c < 0x20 => return Err(self.fail(j, "a control character in a string")),
                _ => {
                    high = 0;
                    i = j + 1;
                }
            }
        }
    }

    /// The end of the escape whose backslash is at `i`.
    #[cold]
    fn escape_end(&mut self, i: usize) -> R<usize> {
        let t = self.t;
        match t.get(i + 1) {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => Ok(i + 2),
            Some(b'u') => match t.get(i + 2..i + 6) {
                Some(h) if h.iter().all(u8::is_ascii_hexdigit) => Ok(i + 6),
                Some(_) => Err(self.fail(i, "a \\u escape of four hex digits")),
                None => Err(self.fail(t.len(), "unterminated string")),
            },
            Some(_) => Err(self.fail(i, "an escape")),
            None => Err(self.fail(t.len(), "unterminated string")),
        }
    }

    /// The end of the number starting at `i` (RFC 8259's grammar).
    #[inline(always)]
    fn number_end(&mut self, i: usize) -> R<usize> {
        // Most numbers of a log are plain: `0`, `[1-9][0-9]*`, with a
        // fraction or not, then what follows a value.
        let t = self.t;
        let mut j = match t.get(i) {
            Some(b'1'..=b'9') => digits_end(t, i + 1),
            Some(b'0') => i + 1,
            _ => return self.number_end_slow(i),
        };
        if t.get(j) == Some(&b'.') {
            let k = digits_end(t, j + 1);
            if k == j + 1 {
                return self.number_end_slow(i);
            }
            j = k;
        }
        match t.get(j) {
            Some(b',' | b'}' | b']') => Ok(j),
            _ => self.number_end_slow(i),
        }
    }

    /// [`Scan::number_end`] for any number.
    #[inline(never)]
    fn number_end_slow(&mut self, i: usize) -> R<usize> {
        let t = self.t;
        let digits = |j: usize| digits_end(t, j);
        let mut j = i + usize::from(t.get(i) == Some(&b'-'));
        match t.get(j) {
            Some(b'0') => j += 1,
            Some(b'1'..=b'9') => j = digits(j + 1),
            _ => return Err(self.fail(i, "a number")),
        }
        if t.get(j) == Some(&b'.') {
            let k = digits(j + 1);
            if k == j + 1 {
                return Err(self.fail(i, "a number"));
            }
            j = k;
        }
        if let Some(b'e' | b'E') = t.get(j) {
            j += 1;
            if let Some(b'+' | b'-') = t.get(j) {
                j += 1;
            }
            let k = digits(j);
            if k == j {
                return Err(self.fail(i, "a number"));
            }
            j = k;
        }
        Ok(j)
    }

    /// `true`, `false` or `null` at `i`: the value and the index after it.
    #[inline]
    fn literal(&mut self, i: usize) -> R<(Json<'a>, usize)> {
        let rest = self.t.get(i..).unwrap_or_default();
        if rest.starts_with(b"true") {
            Ok((Json::Bool(true), i + 4))
        } else if rest.starts_with(b"false") {
            Ok((Json::Bool(false), i + 5))
        } else if rest.starts_with(b"null") {
            Ok((Json::Null, i + 4))
        } else {
            Err(self.fail(i, "a value"))
        }
    }

    /// The index after the name of the member starting at `i` (its quote),
    /// and the index after the `:` that follows.
    #[inline]
    fn member_name(&mut self, i: usize) -> R<(usize, usize)> {
        if self.t.get(i) != Some(&b'"') {
            return Err(self.fail(i, "a member name"));
        }
        let (end, _) = self.string_end(i + 1)?;
        let colon = skip_ws(self.t, end);
        if self.t.get(colon) != Some(&b':') {
            return Err(self.fail(colon, "':'"));
        }
        Ok((end, colon + 1))
    }

    /// The end of the object or array starting at `start`, checked whole.
    fn nested_end(&mut self, start: usize) -> R<usize> {
        let t = self.t;
        // The open containers, innermost in the low bit: 1 an object, 0 an array.
        let mut open: u128 = 0;
        let mut depth = 0u32;
        let mut i = start;
        loop {
            // At a value.
            i = skip_ws(t, i);
            match t.get(i) {
                Some(&c @ (b'{' | b'[')) => {
                    if depth == MAX_DEPTH {
                        return Err(self.fail(i, "nesting deeper than 128"));
                    }
                    let object = c == b'{';
                    open = open << 1 | u128::from(object);
                    depth += 1;
                    i = skip_ws(t, i + 1);
                    match t.get(i) {
                        Some(b'}') if object => i += 1,
                        Some(b']') if !object => i += 1,
                        _ if object => {
                            i = self.member_name(i)?.1;
                            continue;
                        }
                        _ => continue,
                    }
                    open >>= 1;
                    depth -= 1;
                }
                Some(b'"') => i = self.string_end(i + 1)?.0,
                Some(b'-' | b'0'..=b'9') => i = self.number_end(i)?,
                _ => i = self.literal(i)?.1,
            }
            // After a value: the containers it ends.
            loop {
                if depth == 0 {
                    return Ok(i);
                }
                i = skip_ws(t, i);
                let object = open & 1 == 1;
                match t.get(i) {
                    Some(b',') if object => {
                        i = self.member_name(skip_ws(t, i + 1))?.1;
                        break;
                    }
                    Some(b',') => {
                        i += 1;
                        break;
                    }
                    Some(b'}') if object => {}
                    Some(b']') if !object => {}
                    _ if object => return Err(self.fail(i, "',' or '}'")),
                    _ => return Err(self.fail(i, "',' or ']'")),
                }
                i += 1;
                open >>= 1;
                depth -= 1;
            }
        }
    }

    /// The value starting at `i` (white space skipped) and the index after it.
    #[inline(always)]
    fn value(&mut self, i: usize) -> R<(Json<'a>, usize)> {
        let t = self.t;
        let i = skip_ws(t, i);
        match t.get(i) {
            Some(b'"') => {
                let (end, escaped) = self.string_end(i + 1)?;
                Ok((Json::Str(&t[i + 1..end - 1], escaped), end))
            }
            Some(b'-' | b'0'..=b'9') => {
                let end = self.number_end(i)?;
                Ok((Json::Num(&t[i..end]), end))
            }
            Some(b'{') => {
                let end = self.nested_end(i)?;
                Ok((Json::Obj(&t[i..end]), end))
            }
            Some(b'[') => {
                let end = self.nested_end(i)?;
                Ok((Json::Arr(&t[i..end]), end))
            }
            _ => self.literal(i),
        }
    }

    /// Nothing but white space from `i` on.
    fn end(&mut self, i: usize) -> R<()> {
        let j = skip_ws(self.t, i);
        if j != self.t.len() {
            return Err(self.fail(j, "end of line"));
        }
        Ok(())
    }

    /// Walks the object whose `{` is at `i`, calling `f` with each dotted
    /// name `pick` picks (what it makes of the name) and its value, for
    /// values that are not objects; the index after its `}`.
    fn flat<P, T, F>(
        &mut self,
        i: usize,
        name: &mut Name,
        pick: &mut P,
        f: &mut F,
        depth: usize,
    ) -> R<usize>
    where
        P: FnMut(&[u8]) -> Option<T>,
        F: FnMut(&[u8], T, Json<'a>) + ?Sized,
    {
        let t = self.t;
        if depth > MAX_FLAT_DEPTH {
            return Err(self.fail(i, "nesting deeper than 32"));
        }
        let base = name.len();
        let mut i = skip_ws(t, i + 1);
        if t.get(i) == Some(&b'}') {
            return Ok(i + 1);
        }
        loop {
            let (k_end, v_start) = self.member_name(i)?;
            let key = &t[i + 1..k_end - 1];
            let v_start = skip_ws(t, v_start);
            let next = if t.get(v_start) == Some(&b'{') {
                name.push(key);
                let next = self.flat(v_start, name, pick, f, depth + 1)?;
                name.truncate(base);
                next
            } else {
                let (v, next) = self.value(v_start)?;
                if base == 0 {
                    // A top-level member: its name as it is, no copy.
                    if let Some(x) = pick(key) {
                        f(key, x, v);
                    }
                } else {
                    name.push(key);
                    if let Some(x) = pick(name.get()) {
                        f(name.get(), x, v);
                    }
                    name.truncate(base);
                }
                next
            };
            i = skip_ws(t, next);
            match t.get(i) {
                Some(b',') => i = skip_ws(t, i + 1),
                Some(b'}') => return Ok(i + 1),
                _ => return Err(self.fail(i, "',' or '}'")),
            }
        }
    }
}

/// Calls `f` with each member (raw key bytes, value) of the object that is
/// the whole of `text` (white space around it allowed). `f` returns `false`
/// to stop early (the rest is then not checked).
pub fn members<'a>(
    text: &'a [u8],
    mut f: impl FnMut(&'a [u8], Json<'a>) -> bool,
) -> Result<(), JsonError> {
    let mut s = Scan::new(text);
    let mut walk = || -> R<()> {
        let mut i = skip_ws(text, 0);
        if text.get(i) != Some(&b'{') {
            return Err(s.fail(i, "an object"));
        }
        i = skip_ws(text, i + 1);
        if text.get(i) == Some(&b'}') {
            return s.end(i + 1);
        }
        loop {
            let (k_end, v_start) = s.member_name(i)?;
            let key = &text[i + 1..k_end - 1];
            let (v, next) = s.value(v_start)?;
            if !f(key, v) {
                return Ok(());
            }
            i = skip_ws(text, next);
            match text.get(i) {
                Some(b',') => i = skip_ws(text, i + 1),
                Some(b'}') => return s.end(i + 1),
                _ => return Err(s.fail(i, "',' or '}'")),
            }
        }
    };
    walk().map_err(|Stop| s.err.clone())
}

/// Calls `f` with each element of the array that is `text`.
pub fn elements<'a>(text: &'a [u8], mut f: impl FnMut(Json<'a>)) -> Result<(), JsonError> {
    let mut s = Scan::new(text);
    let mut walk = || -> R<()> {
        let mut i = skip_ws(text, 0);
        if text.get(i) != Some(&b'[') {
            return Err(s.fail(i, "an array"));
        }
        i = skip_ws(text, i + 1);
        if text.get(i) == Some(&b']') {
            return s.end(i + 1);
        }
        loop {
            let (v, next) = s.value(i)?;
            f(v);
            i = skip_ws(text, next);
            match text.get(i) {
                Some(b',') => i += 1,
                Some(b']') => return s.end(i + 1),
                _ => return Err(s.fail(i, "',' or ']'")),
            }
        }
    };
    walk().map_err(|Stop| s.err.clone())
}

/// Every member of an object, flattened to dotted names (`{"id": {"orig_h":
/// ...}}` gives `id.orig_h`), calling `f` with the dotted name and each
/// value that is not an object, in text order. Nested objects are walked
/// in place, once.
pub fn flat_members<'a, F>(text: &'a [u8], f: &mut F) -> Result<(), JsonError>
where
    F: FnMut(&[u8], Json<'a>) + ?Sized,
{
    flat_picked(text, &mut |_| Some(()), &mut |k, (), v| f(k, v))
}

/// [`flat_members`] calling `f` only with the members `pick` picks, and
/// what it made of their names: `pick` is small and runs for every member,
/// `f` for the few that matter (the whole line is checked all the same).
pub fn flat_picked<'a, P, T, F>(text: &'a [u8], pick: &mut P, f: &mut F) -> Result<(), JsonError>
where
    P: FnMut(&[u8]) -> Option<T>,
    F: FnMut(&[u8], T, Json<'a>) + ?Sized,
{
    let mut s = Scan::new(text);
    let mut walk = || -> R<()> {
        let i = skip_ws(text, 0);
        if text.get(i) != Some(&b'{') {
            return Err(s.fail(i, "an object"));
        }
        let mut name = Name::default();
        let next = s.flat(i, &mut name, pick, f, 0)?;
        s.end(next)
    };
    walk().map_err(|Stop| s.err.clone())
}

/// A dotted name being built: on the stack while it is short.
struct Name {
    inline: [u8; 128],
    len: usize,
    long: Vec<u8>,
}

impl Default for Name {
    fn default() -> Self {
        Name {
            inline: [0; 128],
            len: 0,
            long: Vec::new(),
        }
    }
}

impl Name {
    fn get(&self) -> &[u8] {
        if self.long.is_empty() {
            &self.inline[..self.len]
        } else {
            &self.long
        }
    }

    fn len(&self) -> usize {
        self.get().len()
    }

    /// Appends `.key` (or `key` to an empty name).
    fn push(&mut self, key: &[u8]) {
        let dot = usize::from(self.len() > 0);
        if self.long.is_empty() && self.len + dot + key.len() <= self.inline.len() {
            if dot == 1 {
                self.inline[self.len] = b'.';
            }
            self.inline[self.len + dot..self.len + dot + key.len()].copy_from_slice(key);
            self.len += dot + key.len();
        } else {
            if self.long.is_empty() {
                self.long.extend_from_slice(&self.inline[..self.len]);
            }
            if dot == 1 {
                self.long.push(b'.');
            }
            self.long.extend_from_slice(key);
        }
    }

    fn truncate(&mut self, len: usize) {
        if self.long.is_empty() {
            self.len = len;
        } else if len <= self.inline.len() {
            self.inline[..len].copy_from_slice(&self.long[..len]);
            self.long.clear();
            self.len = len;
        } else {
            self.long.truncate(len);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(t: &str) -> Result<Vec<(String, Json<'_>)>, JsonError> {
        let mut out = Vec::new();
        flat_members(t.as_bytes(), &mut |k, v| {
            out.push((String::from_utf8(k.to_vec()).unwrap(), v))
        })?;
        Ok(out)
    }

    #[test]
    fn reads_flat_and_nested_members() {
        let m =
            collect(r#"{"ts":1.5,"id":{"orig_h":"10.0.0.1","resp_p":80},"a":[1,"x"],"n":null}"#)
                .unwrap();
        let keys: Vec<&str> = m.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["ts", "id.orig_h", "id.resp_p", "a", "n"]);
        assert_eq!(m[1].1.str().unwrap(), "10.0.0.1");
        assert_eq!(m[2].1.int(), Some(80));
        assert!(m[4].1.is_unset());
    }

    #[test]
    fn unescapes_strings() {
        let m = collect(r#"{"s":"a\"b\\c\u00e9\ud83d\ude00\n"}"#).unwrap();
        assert_eq!(m[0].1.str().unwrap(), "a\"b\\cé😀\n");
        let bad = collect(r#"{"s":"\ud83d"}"#).unwrap();
        assert_eq!(bad[0].1.str(), None);
    }

    #[test]
    fn refuses_broken_lines() {
        for t in [
            r#"{"a":1"#,
            r#"{"a":"x"#,
            r#"{"a":[1,2}"#,
            r#"{"a":1}x"#,
            r#"{"a":01}"#,
            r#"{"a":-}"#,
            r#"{"a" 1}"#,
            r#"{"a":1,}"#,
            "\u{0}\u{1}garbage",
            "",
            "[1,2]",
        ] {
            assert!(collect(t).is_err(), "{t:?} accepted");
        }
    }

    #[test]
    fn refuses_what_is_not_json_in_values_not_read() {
        for t in [
            "{\"a\":\"x\u{1}y\",\"b\":\"ok\"}",
            "{\"a\":\"x\ty\"}",
            r#"{"a":"\q"}"#,
            r#"{"a":"\u12"}"#,
            r#"{"a":"\u12g4"}"#,
            r#"{"a":[1 2]}"#,
            r#"{"a":[1,]}"#,
            r#"{"a":[,1]}"#,
            r#"{"a":{"b" 1}}"#,
            r#"{"a":{"b":1,}}"#,
            r#"{"a":{1:2}}"#,
            r#"{"a":[tru]}"#,
            r#"{"a":[1.]}"#,
            r#"{"a":[1e]}"#,
            r#"{"a":[-]}"#,
            r#"{"a":[01]}"#,
            r#"{"a":{"b":[}]}"#,
            r#"{"a":1.5.3}"#,
        ] {
            assert!(collect(t).is_err(), "{t:?} accepted");
        }
        let mut bad_utf8 = br#"{"a":"x","b":"#.to_vec();
        bad_utf8.extend_from_slice(b"\"\xff\xfe\"}");
        assert!(flat_members(&bad_utf8, &mut |_, _| {}).is_err());
        let ok = "{\"a\":\"caf\u{e9} \u{1F600}\",\"b\":[{\"c\":[true,false,null,-0.5e+3,\"\\u00e9\\n\"]},{}],\"d\":{}}";
        assert_eq!(collect(ok).unwrap().len(), 2);
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = |n: usize| format!("{{\"a\":{}1{}}}", "[".repeat(n), "]".repeat(n));
        assert!(collect(&deep(128)).is_ok());
        assert!(collect(&deep(129)).is_err());
        let objects = |n: usize| format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n));
        assert!(collect(&objects(33)).is_ok());
        assert!(collect(&objects(34)).is_err());
    }

    #[test]
    fn long_dotted_names() {
        let k1 = "k".repeat(100);
        let k2 = "m".repeat(100);
        let line = format!("{{\"{k1}\":{{\"{k2}\":{{\"x\":1}},\"y\":2}},\"z\":3}}");
        let m = collect(&line).unwrap();
        let keys: Vec<&str> = m.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [format!("{k1}.{k2}.x"), format!("{k1}.y"), "z".to_string()]
        );
    }

    #[test]
    fn errors_say_where_in_the_line() {
        let e = collect(r#"{"a":{"b":[1 2]}}"#).unwrap_err();
        assert_eq!(e.at, 13);
    }

    /// Pieces of JSON, good and bad, to build lines from.
    const PIECES: &[&str] = &[
        "{",
        "}",
        "[",
        "]",
        ":",
        ",",
        " ",
        "\"a\"",
        "\"b\"",
        "\"\\u00e9\\\"\"",
        "\"\u{e9}\"",
        "1",
        "-0.5e3",
        "0",
        "true",
        "null",
        "\"x\\/y\"",
        "\"\u{1}\"",
        "01",
        "1.",
        "\"\\x\"",
        "tru",
        "\"",
        "\\",
        "-",
        "e5",
    ];

    proptest::proptest! {
        #[test]
        fn digit_runs(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..40), from in 0usize..40) {
            let mut want = from;
            while bytes.get(want).is_some_and(u8::is_ascii_digit) {
                want += 1;
            }
            proptest::prop_assert_eq!(digits_end(&bytes, from), want);
        }

        /// Whatever the line, the scanner accepts it exactly when serde_json
        /// takes it for an object (nesting kept within both limits).
        #[test]
        fn accepts_what_serde_json_accepts(picks in proptest::collection::vec(0..PIECES.len(), 0..40)) {
            let line: String = picks.iter().map(|&i| PIECES[i]).collect();
            let depth = line.matches(['{', '[']).count();
            proptest::prop_assume!(depth <= 32);
            let ours = flat_members(line.as_bytes(), &mut |_, _| {}).is_ok();
            let theirs = serde_json::from_str::<serde_json::Value>(&line).is_ok_and(|v| v.is_object());
            proptest::prop_assert_eq!(ours, theirs, "{:?}", line);
        }

        /// Lines that are objects, cut or with one byte changed: the same.
        #[test]
        fn damaged_objects(cut in 0usize..200, at in 0usize..200, byte in proptest::num::u8::ANY) {
            let good = r#"{"ts":1709294400.5,"id":{"orig_h":"10.0.0.5","p":[80,"x\"y",{"q":null}]},"s":"caf\u00e9","t":true,"n":-1e-3}"#;
            let mut line = good.as_bytes().to_vec();
            line.truncate(cut.min(line.len()));
            if let Some(b) = line.get_mut(at) {
                *b = byte;
            }
            let ours = flat_members(&line, &mut |_, _| {}).is_ok();
            let theirs = serde_json::from_slice::<serde_json::Value>(&line).is_ok_and(|v| v.is_object());
            proptest::prop_assert_eq!(ours, theirs, "{:?}", String::from_utf8_lossy(&line));
        }
    }

    #[test]
    fn elements_of_arrays() {
        let mut out = Vec::new();
        elements(br#"["a", 1, {"x":[]}, []]"#, |v| out.push(v)).unwrap();
        assert_eq!(out.len(), 4);
        assert!(elements(br#"[1,]"#, |_| {}).is_err());
    }
}
