//! Streaming input: bundles of any size, single objects, arrays of objects and
//! JSON lines, read from any [`Read`] in bounded memory.
//!
//! A byte scanner finds where each object of a bundle's `objects` array begins
//! and ends (tracking strings and nesting with a counter, so no input can
//! overflow the stack), then each object alone is parsed by serde_json from its
//! slice. Memory is bounded by the largest single object, not the bundle.
//! Positions are 1-based line and column in the whole input.
//!
//! Errors come at two levels: a broken *object* (bad JSON inside its braces, a
//! duplicate key, nesting past 128 levels) is reported with that object and the
//! input goes on; a broken *input* (truncated, not JSON, bad bundle envelope)
//! stops the input with a [`ParseError`] that names line and column.

pub mod strict;

use serde_json::{Map, Value};
use std::io::Read;
use std::ops::ControlFlow;

/// A 1-based line and column (in bytes) in an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Position {
    /// Line, from 1.
    pub line: u64,
    /// Column in bytes, from 1.
    pub column: u64,
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// What the parser hands out, in input order.
#[derive(Debug)]
pub enum Item {
    /// A bundle envelope begins (its objects follow).
    Bundle(BundleHeader),
    /// One object, or the reason it could not be read.
    Object(RawObject),
}

/// The envelope properties of a bundle seen before its `objects` array.
#[derive(Debug, Clone, Default)]
pub struct BundleHeader {
    /// The bundle's `id`, if it came before `objects`.
    pub id: Option<String>,
    /// The bundle's `spec_version` (STIX 2.0 bundles carry `"2.0"`).
    pub spec_version: Option<String>,
}

/// One object of the input, parsed alone.
#[derive(Debug)]
pub struct RawObject {
    /// 0-based index of the object in the whole input.
    pub index: u64,
    /// Where the object's opening brace is.
    pub position: Position,
    /// The enclosing bundle's `spec_version`, when it said one.
    pub bundle_spec_version: Option<String>,
    /// The object's properties, or why they could not be read.
    pub value: Result<Map<String, Value>, ObjectSyntaxError>,
    /// The object's source text without insignificant white space (escapes,
    /// number spellings and key order exactly as written); set when `value` is Ok.
    pub compact: Option<String>,
}

/// Why one object could not be read as a JSON object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{position}: {message}")]
pub struct ObjectSyntaxError {
    /// Where in the input the problem is.
    pub position: Position,
    /// What is wrong.
    pub message: String,
}

/// Why an input could not be read further.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// The input is not a JSON value of the expected shape.
    #[error("{position}: {message}")]
    Syntax {
        /// Where in the input the problem is.
        position: Position,
        /// What is wrong.
        message: String,
    },
    /// Reading the input failed.
    #[error("read error: {0}")]
    Io(#[from] std::io::Error),
}

/// What a finished parse saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Objects handed out (valid or not).
    pub objects: u64,
    /// Bytes read.
    pub bytes: u64,
    /// Whether the callback asked to stop early.
    pub stopped: bool,
}

/// No single object may be larger than this (the whole of it is held in memory).
pub const MAX_OBJECT_BYTES: usize = 1 << 30;
const CHUNK: usize = 1 << 20;

/// Reads every STIX object from `input` and hands each to `sink`, in order.
///
/// The input may be a bundle (its `objects` are streamed one by one), a single
/// object, a JSON array of objects, or several of these one after another
/// (JSON lines).
pub fn parse_reader<R: Read>(
    input: R,
    mut sink: impl FnMut(Item) -> ControlFlow<()>,
) -> Result<Summary, ParseError> {
    split_reader(input, |piece| match piece {
        Piece::Bundle(h) => sink(Item::Bundle(h)),
        Piece::Object(o) => sink(Item::Object(parse_object(&o))),
    })
}

/// What the scanner hands out: the input cut into objects, not yet parsed.
#[derive(Debug)]
pub enum Piece<'a> {
    /// A bundle envelope begins (its objects follow).
    Bundle(BundleHeader),
    /// The bytes of one object.
    Object(ObjectSlice<'a>),
}

/// One object's bytes and where they are in the input.
#[derive(Debug, Clone, Copy)]
pub struct ObjectSlice<'a> {
    /// 0-based index of the object in the whole input.
    pub index: u64,
    /// Where the object's first byte is.
    pub position: Position,
    /// The enclosing bundle's `spec_version`, when it said one.
    pub bundle_spec_version: Option<&'a str>,
    /// The object's JSON text.
    pub bytes: &'a [u8],
    /// Known to hold no white space outside its strings (so it is its own
    /// compact text); false when not known.
    pub compact: bool,
}

/// Cuts `input` into objects without parsing them (see [`parse_object`]), so
/// that parsing can happen elsewhere, e.g. on several threads. Same input
/// forms and errors as [`parse_reader`].
pub fn split_reader<R: Read>(
    input: R,
    mut sink: impl FnMut(Piece<'_>) -> ControlFlow<()>,
) -> Result<Summary, ParseError> {
    let mut s = Scanner::new(input);
    let mut flow = ControlFlow::Continue(());
    while flow.is_continue() {
        match s.skip_ws()? {
            None => break,
            Some(b'{') => flow = s.top_object(&mut sink)?,
            Some(b'[') => flow = s.array_of_objects(None, &mut sink)?,
            Some(c) => {
                return Err(s.syntax(
                    s.pos,
                    format!(
                        "expected a STIX object, a bundle or an array of objects, found {}",
                        show(c)
                    ),
                ))
            }
        }
    }
    Ok(Summary {
        objects: s.index,
        bytes: s.base + s.end as u64,
        stopped: flow.is_break(),
    })
}

/// Cuts a TAXII 2.1 envelope (`{"more": ..., "next": ..., "objects": [...]}`,
/// one JSON object, no `type`) into its objects, like [`split_reader`]. Its
/// other properties are skipped; an envelope without `objects` holds none.
pub fn split_envelope<R: Read>(
    input: R,
    mut sink: impl FnMut(Piece<'_>) -> ControlFlow<()>,
) -> Result<Summary, ParseError> {
    let mut s = Scanner::new(input);
    s.envelope = true;
    let flow = match s.skip_ws()? {
        Some(b'{') => s.top_object(&mut sink)?,
        Some(c) => {
            return Err(s.syntax(
                s.pos,
                format!(
                    "expected a TAXII envelope (a JSON object), found {}",
                    show(c)
                ),
            ))
        }
        None => {
            return Err(s.syntax(s.pos, "expected a TAXII envelope, found nothing".into()));
        }
    };
    if flow.is_continue() {
        if let Some(c) = s.skip_ws()? {
            return Err(s.syntax(
                s.pos,
                format!("expected the end after the envelope, found {}", show(c)),
            ));
        }
    }
    Ok(Summary {
        objects: s.index,
        bytes: s.base + s.end as u64,
        stopped: flow.is_break(),
    })
}

/// Parses one object cut out by [`split_reader`]: its properties (duplicate keys
/// refused, positions in terms of the whole input) and its compact text.
pub fn parse_object(o: &ObjectSlice<'_>) -> RawObject {
    let position = o.position;
    let text = std::str::from_utf8(o.bytes).ok();
    let parsed = match text {
        Some(t) => strict::from_str(t),
        // Not UTF-8: the byte-wise parser says where.
        None => strict::from_slice(o.bytes),
    };
    let value = match parsed {
        Ok(Value::Object(m)) => Ok(m),
        Ok(other) => Err(ObjectSyntaxError {
            position,
            message: format!("expected a STIX object, found {}", kind_of(&other)),
        }),
        Err(e) => {
            let (l, c) = (e.line() as u64, e.column() as u64);
            let at = if l <= 1 {
                Position {
                    line: position.line,
                    column: position.column + c.saturating_sub(1),
                }
            } else {
                Position {
                    line: position.line + l - 1,
                    column: c,
                }
            };
            let mut message = e.to_string();
            if let Some(cut) = message.rfind(" at line ") {
                message.truncate(cut);
            }
            Err(ObjectSyntaxError {
                position: at,
                message,
            })
        }
    };
    let compact = match (&value, text) {
        (Ok(_), Some(t)) if o.compact => Some(t.to_owned()),
        (Ok(_), Some(t)) => minify(t),
        _ => None,
    };
    RawObject {
        index: o.index,
        position,
        bundle_spec_version: o.bundle_spec_version.map(str::to_owned),
        value,
        compact,
    }
}

/// What [`Scanner::value_end`] looks for inside an object or array, by byte:
/// string quotes and brackets ([`STRUCTURE`]), and white space ([`SPACE`]).
const STRUCTURE: u8 = 1;
const SPACE: u8 = 2;
static SCAN_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    t[b'"' as usize] = STRUCTURE;
    t[b'{' as usize] = STRUCTURE;
    t[b'[' as usize] = STRUCTURE;
    t[b'}' as usize] = STRUCTURE;
    t[b']' as usize] = STRUCTURE;
    t[b' ' as usize] = SPACE;
    t[b'\t' as usize] = SPACE;
    t[b'\n' as usize] = SPACE;
    t[b'\r' as usize] = SPACE;
    t
};

fn show(c: u8) -> String {
    if c.is_ascii_graphic() {
        format!("'{}'", c as char)
    } else {
        format!("byte 0x{c:02x}")
    }
}

struct Scanner<R> {
    input: R,
    buf: Vec<u8>,
    end: usize,
    pos: usize,
    /// Absolute offset of `buf[0]`.
    base: u64,
    eof: bool,
    /// Lines are counted up to this absolute offset...
    counted_to: u64,
    /// ...where the line number is this...
    line: u64,
    /// ...and the current line began at this absolute offset.
    line_start: u64,
    index: u64,
    /// The top-level object is a TAXII envelope, not a bundle or an object.
    envelope: bool,
    /// Whether the value [`value_end`](Self::value_end) last found has white
    /// space outside its strings.
    spaced: bool,
}

impl<R: Read> Scanner<R> {
    fn new(input: R) -> Self {
        Scanner {
            input,
            buf: vec![0; CHUNK],
            end: 0,
            pos: 0,
            base: 0,
            eof: false,
            counted_to: 0,
            line: 1,
            line_start: 0,
            index: 0,
            envelope: false,
            spaced: false,
        }
    }

    /// Reads more input after `end`; false at end of input. Never moves bytes.
    fn fill(&mut self) -> Result<bool, ParseError> {
        if self.eof {
            return Ok(false);
        }
        if self.end == self.buf.len() {
            if self.buf.len() >= MAX_OBJECT_BYTES {
                return Err(self.syntax(
                    self.pos,
                    format!(
                        "a single value is larger than {} MiB",
                        MAX_OBJECT_BYTES >> 20
                    ),
                ));
            }
            let grow = self.buf.len().min(MAX_OBJECT_BYTES - self.buf.len());
            self.buf.resize(self.buf.len() + grow, 0);
        }
        loop {
            match self.input.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Forgets the bytes before `pos` (a safe point between values) once they
    /// are many, so memory stays bounded by the largest single value.
    fn release(&mut self) {
        if self.pos < CHUNK {
            return;
        }
        self.count_lines_to(self.base + self.pos as u64);
        self.buf.copy_within(self.pos..self.end, 0);
        self.base += self.pos as u64;
        self.end -= self.pos;
        self.pos = 0;
        if self.buf.len() > 4 * CHUNK && self.end < CHUNK {
            self.buf.truncate(2 * CHUNK);
            self.buf.shrink_to_fit();
        }
    }

    fn count_lines_to(&mut self, abs: u64) {
        if abs <= self.counted_to {
            return;
        }
        let from = (self.counted_to - self.base) as usize;
        let to = (abs - self.base) as usize;
        let region = &self.buf[from..to];
        let newlines = memchr::memchr_iter(b'\n', region).count() as u64;
        if newlines > 0 {
            self.line += newlines;
            if let Some(last) = memchr::memrchr(b'\n', region) {
                self.line_start = self.base + (from + last) as u64 + 1;
            }
        }
        self.counted_to = abs;
    }

    /// The line and column of buffer index `at`.
    fn position(&mut self, at: usize) -> Position {
        let abs = self.base + at as u64;
        if abs >= self.counted_to {
            self.count_lines_to(abs);
            return Position {
                line: self.line,
                column: abs - self.line_start + 1,
            };
        }
        // An earlier place (still in the buffer): count back from what is known.
        let to = ((self.counted_to - self.base) as usize).min(self.end);
        let from = at.min(to);
        let newlines = self.buf[from..to].iter().filter(|&&b| b == b'\n').count() as u64;
        let line_start = match self.buf[..from].iter().rposition(|&b| b == b'\n') {
            Some(i) => self.base + i as u64 + 1,
            None if newlines == 0 => self.line_start,
            None => self.base,
        };
        Position {
            line: self.line.saturating_sub(newlines).max(1),
            column: abs.saturating_sub(line_start) + 1,
        }
    }

    fn syntax(&mut self, at: usize, message: String) -> ParseError {
        ParseError::Syntax {
            position: self.position(at),
            message,
        }
    }

    fn eof_error(&mut self, what: &str, opened: usize) -> ParseError {
        let opened_at = self.position(opened);
        self.eof_error_at(what, opened_at)
    }

    /// End of input inside something whose start was at `opened_at` (a position
    /// taken before the buffer could be compacted).
    fn eof_error_at(&mut self, what: &str, opened_at: Position) -> ParseError {
        let at = self.end;
        self.syntax(
            at,
            format!("unexpected end of input inside {what} that begins at {opened_at}"),
        )
    }

    /// Skips white space; the next byte, unconsumed, or None at end of input.
    fn skip_ws(&mut self) -> Result<Option<u8>, ParseError> {
        loop {
            while self.pos < self.end {
                match self.buf[self.pos] {
                    b' ' | b'\t' | b'\n' | b'\r' => self.pos += 1,
                    c => return Ok(Some(c)),
                }
            }
            if !self.fill()? {
                return Ok(None);
            }
        }
    }

    fn expect_more(&mut self, what: &str, opened: Position) -> Result<u8, ParseError> {
        match self.skip_ws()? {
            Some(c) => Ok(c),
            None => Err(self.eof_error_at(what, opened)),
        }
    }

    /// Index just past the string whose opening quote is at `open`.
    fn string_end(&mut self, open: usize) -> Result<usize, ParseError> {
        let mut j = open + 1;
        loop {
            match memchr::memchr2(b'"', b'\\', &self.buf[j..self.end]) {
                Some(k) if self.buf[j + k] == b'"' => return Ok(j + k + 1),
                Some(k) => {
                    j += k + 2;
                    while j > self.end {
                        if !self.fill()? {
                            return Err(self.eof_error("a string", open));
                        }
                    }
                }
                None => {
                    j = self.end;
                    if !self.fill()? {
                        return Err(self.eof_error("a string", open));
                    }
                }
            }
        }
    }

    /// Index just past the JSON value that starts at `start` (not white space);
    /// notes in `spaced` whether it has white space outside its strings.
    fn value_end(&mut self, start: usize) -> Result<usize, ParseError> {
        self.spaced = false;
        match self.buf[start] {
            b'"' => self.string_end(start),
            b'{' | b'[' => {
                let mut depth = 0usize;
                let mut j = start;
                loop {
                    if j == self.end && !self.fill()? {
                        let what = if self.buf[start] == b'{' {
                            "an object"
                        } else {
                            "an array"
                        };
                        return Err(self.eof_error(what, start));
                    }
                    // Skip what cannot matter (a pretty-printed bundle is half
                    // indentation): white space too, once some has been seen.
                    let matters = if self.spaced {
                        STRUCTURE
                    } else {
                        STRUCTURE | SPACE
                    };
                    match self.buf[j..self.end]
                        .iter()
                        .position(|&b| SCAN_CLASS[usize::from(b)] & matters != 0)
                    {
                        Some(k) => j += k,
                        None => {
                            j = self.end;
                            continue;
                        }
                    }
                    match self.buf[j] {
                        b'"' => {
                            j = self.string_end(j)?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                return Ok(j + 1);
                            }
                        }
                        b' ' | b'\t' | b'\n' | b'\r' => self.spaced = true,
                        _ => {}
                    }
                    j += 1;
                }
            }
            _ => {
                let mut j = start;
                loop {
                    if j == self.end && !self.fill()? {
                        return Ok(j);
                    }
                    match self.buf[j] {
                        b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r' => return Ok(j),
                        _ => j += 1,
                    }
                }
            }
        }
    }

    /// Parses `buf[start..end]` as one object and hands it out.
    fn emit(
        &mut self,
        start: usize,
        end: usize,
        bundle_spec_version: Option<&str>,
        compact: bool,
        sink: &mut impl FnMut(Piece<'_>) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        let position = self.position(start);
        let piece = ObjectSlice {
            index: self.index,
            position,
            bundle_spec_version,
            bytes: &self.buf[start..end],
            compact,
        };
        self.index += 1;
        sink(Piece::Object(piece))
    }

    /// An array of objects whose `[` is at `pos`: each element is handed out alone.
    fn array_of_objects(
        &mut self,
        bundle_spec_version: Option<&str>,
        sink: &mut impl FnMut(Piece<'_>) -> ControlFlow<()>,
    ) -> Result<ControlFlow<()>, ParseError> {
        // Positions, not indices: the buffer is compacted between elements.
        let open = self.position(self.pos);
        self.pos += 1;
        if self.expect_more("an array", open)? == b']' {
            self.pos += 1;
            return Ok(ControlFlow::Continue(()));
        }
        loop {
            let start = self.pos;
            let end = self.value_end(start)?;
            let compact = !self.spaced;
            if self
                .emit(start, end, bundle_spec_version, compact, sink)
                .is_break()
            {
                return Ok(ControlFlow::Break(()));
            }
            self.pos = end;
            match self.expect_more("an array", open)? {
                b',' => {
                    self.pos += 1;
                    self.release();
                    self.expect_more("an array", open)?;
                }
                b']' => {
                    self.pos += 1;
                    self.release();
                    return Ok(ControlFlow::Continue(()));
                }
                c => {
                    return Err(self.syntax(
                        self.pos,
                        format!(
                            "expected ',' or ']' after an array element, found {}",
                            show(c)
                        ),
                    ))
                }
            }
        }
    }

    /// A top-level object whose `{` is at `pos`: a bundle (streamed) or one object.
    fn top_object(
        &mut self,
        sink: &mut impl FnMut(Piece<'_>) -> ControlFlow<()>,
    ) -> Result<ControlFlow<()>, ParseError> {
        // `open` is valid only until the objects array is streamed (which may
        // compact the buffer); `open_at` is valid throughout.
        let open = self.pos;
        let open_at = self.position(open);
        self.pos += 1;
        let mut header = BundleHeader::default();
        let mut object_type: Option<String> = None;
        let mut streamed = false;
        loop {
            match self.expect_more("an object", open_at)? {
                b'}' => {
                    self.pos += 1;
                    break;
                }
                b'"' => {}
                c => {
                    return Err(self.syntax(
                        self.pos,
                        format!("expected a property name in quotes, found {}", show(c)),
                    ))
                }
            }
            let key_start = self.pos;
            let key_end = self.string_end(key_start)?;
            let key: String = match serde_json::from_slice(&self.buf[key_start..key_end]) {
                Ok(k) => k,
                Err(e) => return Err(self.syntax(key_start, format!("bad property name: {e}"))),
            };
            self.pos = key_end;
            if self.expect_more("an object", open_at)? != b':' {
                return Err(self.syntax(
                    self.pos,
                    format!(
                        "expected ':' after property name \"{}\"",
                        key.escape_debug()
                    ),
                ));
            }
            self.pos += 1;
            let c = self.expect_more("an object", open_at)?;
            if self.envelope && key == "objects" && (c != b'[' || streamed) {
                let why = if streamed {
                    "'objects' is given twice"
                } else {
                    "'objects' must be a list of STIX objects"
                };
                return Err(self.syntax(self.pos, format!("a TAXII envelope's {why}")));
            }
            let is_bundle_so_far =
                self.envelope || object_type.as_deref().is_none_or(|t| t == "bundle");
            if key == "objects" && c == b'[' && is_bundle_so_far && !streamed {
                streamed = true;
                if sink(Piece::Bundle(header.clone())).is_break() {
                    return Ok(ControlFlow::Break(()));
                }
                let sv = header.spec_version.clone();
                if self.array_of_objects(sv.as_deref(), sink)?.is_break() {
                    return Ok(ControlFlow::Break(()));
                }
            } else {
                let start = self.pos;
                let end = self.value_end(start)?;
                if matches!(key.as_str(), "type" | "id" | "spec_version") {
                    let v: Option<String> = serde_json::from_slice(&self.buf[start..end]).ok();
                    match key.as_str() {
                        "type" => object_type = v,
                        "id" => header.id = v,
                        _ => header.spec_version = v,
                    }
                }
                self.pos = end;
                if key == "type"
                    && !self.envelope
                    && !streamed
                    && object_type.as_deref() != Some("bundle")
                {
                    // Not a bundle: the whole top-level value is one object.
                    let end = self.value_end(open)?;
                    self.pos = end;
                    let compact = !self.spaced;
                    return Ok(self.emit(open, end, None, compact, sink));
                }
            }
            match self.expect_more("an object", open_at)? {
                b',' => self.pos += 1,
                b'}' => {
                    self.pos += 1;
                    break;
                }
                c => {
                    return Err(self.syntax(
                        self.pos,
                        format!(
                            "expected ',' or '}}' after a property value, found {}",
                            show(c)
                        ),
                    ))
                }
            }
        }
        if self.envelope {
            self.release();
            return Ok(ControlFlow::Continue(()));
        }
        if streamed {
            if object_type.as_deref() != Some("bundle") {
                let what = object_type.map_or("no type".to_string(), |t| {
                    format!("type \"{}\"", t.escape_debug())
                });
                return Err(ParseError::Syntax {
                    position: open_at,
                    message: format!("a top-level object with an 'objects' array must be a bundle, but it has {what}"),
                });
            }
            self.release();
            return Ok(ControlFlow::Continue(()));
        }
        if object_type.as_deref() == Some("bundle") {
            // A bundle without objects.
            let _ = sink(Piece::Bundle(header));
            return Ok(ControlFlow::Continue(()));
        }
        // An object without `type`: hand it out whole; validation will say what is missing.
        let end = self.pos;
        // (Scanned key by key: whether it is compact is not known.)
        let flow = self.emit(open, end, None, false, sink);
        self.release();
        Ok(flow)
    }
}

/// `text` (valid JSON) without white space outside strings; None if a string
/// in it is not closed.
pub(crate) fn minify(text: &str) -> Option<String> {
    let src = text.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < src.len() {
        match src[i] {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'"' => {
                // Copy the whole string, escapes included.
                let mut j = i + 1;
                loop {
                    // (A text ending in a lone backslash is not JSON: no panic for it.)
                    match memchr::memchr2(b'"', b'\\', src.get(j..)?) {
                        Some(k) if src[j + k] == b'"' => {
                            j += k + 1;
                            break;
                        }
                        Some(k) => j += k + 2,
                        None => return None,
                    }
                }
                let j = j.min(src.len());
                // (Cut at ASCII bytes, so at character boundaries.)
                out.push_str(text.get(i..j)?);
                i = j;
            }
            _ => {
                let run = src[i..]
                    .iter()
                    .position(|&c| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'"'))
                    .unwrap_or(src.len() - i);
                out.push_str(text.get(i..i + run)?);
                i += run;
            }
        }
    }
    Some(out)
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests;
