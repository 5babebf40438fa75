//! A JSON scanner for log records: walks one object's members without
//! building a tree, handing out borrowed slices of the line.
//!
//! Log records are flat-ish JSON objects of a few hundred bytes, and a hunt
//! reads millions of them a second; a tree (serde_json's `Value`) costs more
//! than the rest of the hunt together. The scanner checks structure as it
//! goes (strings closed, brackets balanced, values well formed, nothing after
//! the object) so truncated or garbled lines are refused. Values it skips
//! (nested objects and arrays nobody asks about) are checked for balance and
//! string syntax only, and strings for control characters only when read
//! ([`Json::str`]); a member that is read is checked fully when read.

use memchr::memchr2;
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

fn fail<T>(at: usize, what: &'static str) -> Result<T, JsonError> {
    Err(JsonError { at, what })
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
    /// The string, unescaped; `None` for other values, invalid UTF-8 or bad escapes.
    pub fn str(&self) -> Option<Cow<'a, str>> {
        // Control characters are checked here, in the strings read, not in
        // every string scanned past.
        if let Json::Str(raw, _) = *self {
            if raw.iter().any(|&c| c < 0x20) {
                return None;
            }
        }
        match *self {
            Json::Str(raw, false) => std::str::from_utf8(raw).ok().map(Cow::Borrowed),
            Json::Str(raw, true) => unescape(raw).map(Cow::Owned),
            _ => None,
        }
    }

    /// A number as an integer (exact integers only).
    pub fn int(&self) -> Option<i64> {
        match *self {
            Json::Num(t) => std::str::from_utf8(t).ok()?.parse().ok(),
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

fn skip_ws(t: &[u8], mut i: usize) -> usize {
    while i < t.len() && matches!(t[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

/// The end of the string whose opening quote is at `i - 1`: the index after
/// the closing quote, and whether it had escapes.
fn string_end(t: &[u8], mut i: usize) -> Result<(usize, bool), JsonError> {
    let mut escaped = false;
    loop {
        let Some(k) = memchr2(b'"', b'\\', &t[i..]) else {
            return fail(t.len(), "unterminated string");
        };
        let j = i + k;
        if t[j] == b'"' {
            return Ok((j + 1, escaped));
        }
        escaped = true;
        if j + 1 >= t.len() {
            return fail(t.len(), "unterminated string");
        }
        i = j + 2;
    }
}

/// The end of the nested object or array starting at `i`.
fn nested_end(t: &[u8], start: usize) -> Result<usize, JsonError> {
    let mut stack: Vec<u8> = Vec::new();
    let mut i = start;
    while i < t.len() {
        match t[i] {
            b'"' => {
                i = string_end(t, i + 1)?.0;
                continue;
            }
            b'{' => stack.push(b'}'),
            b'[' => stack.push(b']'),
            c @ (b'}' | b']') => {
                if stack.pop() != Some(c) {
                    return fail(i, "mismatched bracket");
                }
                if stack.is_empty() {
                    return Ok(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    fail(t.len(), "unterminated object or array")
}

/// Reads the value starting at `i` (white space skipped): the value and the
/// index after it.
fn value(t: &[u8], i: usize) -> Result<(Json<'_>, usize), JsonError> {
    let i = skip_ws(t, i);
    let Some(&c) = t.get(i) else {
        return fail(i, "a value");
    };
    match c {
        b'"' => {
            let (end, escaped) = string_end(t, i + 1)?;
            Ok((Json::Str(&t[i + 1..end - 1], escaped), end))
        }
        b'{' => {
            let end = nested_end(t, i)?;
            Ok((Json::Obj(&t[i..end]), end))
        }
        b'[' => {
            let end = nested_end(t, i)?;
            Ok((Json::Arr(&t[i..end]), end))
        }
        b't' if t[i..].starts_with(b"true") => Ok((Json::Bool(true), i + 4)),
        b'f' if t[i..].starts_with(b"false") => Ok((Json::Bool(false), i + 5)),
        b'n' if t[i..].starts_with(b"null") => Ok((Json::Null, i + 4)),
        b'-' | b'0'..=b'9' => {
            let mut j = i + 1;
            while j < t.len() && matches!(t[j], b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-') {
                j += 1;
            }
            let text = &t[i..j];
            if !number_ok(text) {
                return fail(i, "a number");
            }
            Ok((Json::Num(text), j))
        }
        _ => fail(i, "a value"),
    }
}

/// RFC 8259's number grammar.
fn number_ok(t: &[u8]) -> bool {
    let mut i = 0;
    if t.first() == Some(&b'-') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let s = *i;
        while *i < t.len() && t[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > s
    };
    match t.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(&mut i);
        }
        _ => return false,
    }
    if t.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    }
    if matches!(t.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(t.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == t.len()
}

/// Calls `f` with each member (raw key bytes, whether the key has escapes,
/// value) of the object that is the whole of `text` (white space around it
/// allowed). `f` returns `false` to stop early (the rest is then not checked).
pub fn members<'a>(
    text: &'a [u8],
    mut f: impl FnMut(&'a [u8], Json<'a>) -> bool,
) -> Result<(), JsonError> {
    let mut i = skip_ws(text, 0);
    if text.get(i) != Some(&b'{') {
        return fail(i, "an object");
    }
    i = skip_ws(text, i + 1);
    if text.get(i) == Some(&b'}') {
        return end(text, i + 1);
    }
    loop {
        if text.get(i) != Some(&b'"') {
            return fail(i, "a member name");
        }
        let (k_end, _) = string_end(text, i + 1)?;
        let key = &text[i + 1..k_end - 1];
        i = skip_ws(text, k_end);
        if text.get(i) != Some(&b':') {
            return fail(i, "':'");
        }
        let (v, next) = value(text, i + 1)?;
        if !f(key, v) {
            return Ok(());
        }
        i = skip_ws(text, next);
        match text.get(i) {
            Some(b',') => i = skip_ws(text, i + 1),
            Some(b'}') => return end(text, i + 1),
            _ => return fail(i, "',' or '}'"),
        }
    }
}

fn end(text: &[u8], i: usize) -> Result<(), JsonError> {
    let j = skip_ws(text, i);
    if j != text.len() {
        return fail(j, "end of line");
    }
    Ok(())
}

/// Calls `f` with each element of the array that is `text`.
pub fn elements<'a>(text: &'a [u8], mut f: impl FnMut(Json<'a>)) -> Result<(), JsonError> {
    let mut i = skip_ws(text, 0);
    if text.get(i) != Some(&b'[') {
        return fail(i, "an array");
    }
    i = skip_ws(text, i + 1);
    if text.get(i) == Some(&b']') {
        return end(text, i + 1);
    }
    loop {
        let (v, next) = value(text, i)?;
        f(v);
        i = skip_ws(text, next);
        match text.get(i) {
            Some(b',') => i += 1,
            Some(b']') => return end(text, i + 1),
            _ => return fail(i, "',' or ']'"),
        }
    }
}

/// Every member of an object, flattened to dotted names (`{"id": {"orig_h":
/// ...}}` gives `id.orig_h`), calling `f` with the dotted name and each
/// value that is not an object. Names are built in `scratch`.
pub fn flat_members<'a>(
    text: &'a [u8],
    f: &mut dyn FnMut(&[u8], Json<'a>),
) -> Result<(), JsonError> {
    let mut scratch = Vec::new();
    flat(text, &mut scratch, f, 0)
}

fn flat<'a>(
    text: &'a [u8],
    prefix: &mut Vec<u8>,
    f: &mut dyn FnMut(&[u8], Json<'a>),
    depth: usize,
) -> Result<(), JsonError> {
    if depth > 32 {
        return fail(0, "nesting deeper than 32");
    }
    let base = prefix.len();
    let mut inner = Ok(());
    members(text, |k, v| {
        if base == 0 && !matches!(v, Json::Obj(_)) {
            // A top-level member: its name as it is, no copy.
            f(k, v);
            return true;
        }
        prefix.truncate(base);
        if base > 0 {
            prefix.push(b'.');
        }
        prefix.extend_from_slice(k);
        match v {
            Json::Obj(o) => {
                if let Err(e) = flat(o, prefix, f, depth + 1) {
                    inner = Err(e);
                    return false;
                }
            }
            _ => f(prefix, v),
        }
        true
    })?;
    prefix.truncate(base);
    inner
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
    fn control_characters_are_refused_in_strings_read() {
        let m = collect("{\"a\":\"x\u{1}y\",\"b\":\"ok\"}").unwrap();
        assert_eq!(m[0].1.str(), None);
        assert_eq!(m[1].1.str().unwrap(), "ok");
    }

    #[test]
    fn elements_of_arrays() {
        let mut out = Vec::new();
        elements(br#"["a", 1, {"x":[]}, []]"#, |v| out.push(v)).unwrap();
        assert_eq!(out.len(), 4);
        assert!(elements(br#"[1,]"#, |_| {}).is_err());
    }
}
