//! The driver: lines in (with their file and number), hits and problems out.
//! It tells each file's format (with `--format auto`, from its first
//! readable records), runs the adapter, skips records before `--since`, and
//! feeds the hunter. A line that gives no record is reported and counted;
//! nothing stops the hunt.

use crate::adapters::{self, Mapping};
use crate::fact::{Record, Want};
use crate::hunter::{Found, Hunter, Loc};
use crate::retain::Retainer;
use crate::Format;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use vigil_pattern::observation::Resolver;
use vigil_pattern::{Instant, Observation, StixVersion};

/// What the driver reports besides hits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where.
    pub file: Arc<str>,
    /// The 1-based line.
    pub line: u64,
    /// Why the line gave no record.
    pub why: String,
}

/// Counts of one run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    /// Records read (lines that gave a record, or STIX observed-data).
    pub records: u64,
    /// Records skipped for being before `--since`.
    pub before_since: u64,
    /// Lines that gave no record.
    pub unparseable: u64,
    /// Bytes of the lines read.
    pub bytes: u64,
}

#[derive(Default)]
struct FileState {
    format: Option<Format>,
    /// The format was taken for STIX from a lone bracket only.
    guessed: bool,
    stix: Option<StixState>,
}

/// The most a value spread over several lines may hold (a pretty-printed
/// bundle is parsed whole).
pub const MAX_GATHERED: usize = 256 << 20;

/// Whether a line is a whole, non-empty JSON object on its own: a record of
/// a JSON-lines file, never a line inside a pretty-printed value.
fn whole_object(text: &[u8]) -> bool {
    let t = text.trim_ascii();
    t.len() > 2
        && t.starts_with(b"{")
        && t.ends_with(b"}")
        && matches!(serde_json::from_slice::<Value>(t), Ok(Value::Object(m)) if !m.is_empty())
}

/// A STIX file: a resolver for objects given one per line, and a value being
/// gathered over several lines (a pretty-printed bundle).
struct StixState {
    resolver: Resolver,
    pending: Vec<u8>,
    pending_line: u64,
    depth: i64,
    in_string: bool,
    escaped: bool,
}

impl StixState {
    fn new() -> StixState {
        StixState {
            resolver: Resolver::new(StixVersion::V21),
            pending: Vec::new(),
            pending_line: 0,
            depth: 0,
            in_string: false,
            escaped: false,
        }
    }

    /// Tracks brackets over `text`; whether the value gathered is complete.
    fn scan(&mut self, text: &[u8]) -> bool {
        for &c in text {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if c == b'\\' {
                    self.escaped = true;
                } else if c == b'"' {
                    self.in_string = false;
                }
                continue;
            }
            match c {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' => self.depth -= 1,
                _ => {}
            }
        }
        self.depth <= 0
    }
}

/// Runs lines through adapters and the hunter.
pub struct Driver {
    /// The hunter.
    pub hunter: Hunter,
    format: Option<Format>,
    mapping: Option<Mapping>,
    since: Option<Instant>,
    files: HashMap<Arc<str>, FileState>,
    last_file: Option<Arc<str>>,
    /// The format of `last_file`, once known.
    last_format: Option<Format>,
    record: Option<Record<'static>>,
    /// Counts so far.
    pub counts: Counts,
    /// Where the records' observables are kept for retro-hunting, when they are.
    pub retainer: Option<Retainer>,
}

impl Driver {
    /// A driver reading `format` (`None`: recognise each file's), with the
    /// mapping for [`Format::Mapping`], skipping records before `since`.
    pub fn new(
        hunter: Hunter,
        format: Option<Format>,
        mapping: Option<Mapping>,
        since: Option<Instant>,
    ) -> Driver {
        Driver {
            hunter,
            format,
            mapping,
            since,
            files: HashMap::new(),
            last_file: None,
            last_format: None,
            record: Some(Record::default()),
            counts: Counts::default(),
            retainer: None,
        }
    }

    fn file_key(&mut self, file: &str) -> Arc<str> {
        match &self.last_file {
            Some(f) if &**f == file => f.clone(),
            _ => {
                self.last_format = None;
                let f: Arc<str> = match self.files.get_key_value(file) {
                    Some((k, _)) => k.clone(),
                    None => Arc::from(file),
                };
                self.last_file = Some(f.clone());
                f
            }
        }
    }

    /// One line of `file`; hits go to `found`, a line that gives no record to `problems`.
    pub fn line(
        &mut self,
        file: &str,
        line: u64,
        text: &[u8],
        found: &mut Vec<Found>,
        problems: &mut Vec<Problem>,
    ) {
        self.counts.bytes += text.len() as u64 + 1;
        // A byte-order mark some Windows tools write is not part of the record.
        let text = match text.strip_prefix(b"\xef\xbb\xbf") {
            Some(rest) if line == 1 => rest,
            _ => text,
        };
        // The common case: the same file as the line before, its format known.
        if let (Some(last), Some(format)) = (&self.last_file, self.last_format) {
            if format != Format::Stix && **last == *file {
                let file = last.clone();
                self.adapt(format, file, line, text, found, problems);
                return;
            }
        }
        let file = self.file_key(file);
        let state = self.files.entry(file.clone()).or_default();
        let format = match state.format.or(self.format) {
            Some(f) => f,
            None => match adapters::recognise(text) {
                Some(f) => {
                    state.format = Some(f);
                    f
                }
                None => {
                    // A pretty-printed STIX bundle starts with a lone bracket.
                    let t = text.trim_ascii();
                    if t == b"{" || t == b"[" {
                        state.format = Some(Format::Stix);
                        state.guessed = true;
                        Format::Stix
                    } else {
                        self.counts.unparseable += 1;
                        problems.push(Problem {
                            file,
                            line,
                            why: "not a record of a known format (Zeek, Suricata EVE, ECS, STIX); name it with --format".into(),
                        });
                        return;
                    }
                }
            },
        };
        self.last_format = Some(format);
        if format == Format::Stix {
            if self.stix_line(&file, line, text, found, problems) {
                // Not STIX after all (a record cut to its opening brace):
                // the line is read again, its file's format not known yet.
                if let Some(state) = self.files.get_mut(&file) {
                    *state = FileState::default();
                }
                self.last_format = None;
                self.counts.bytes -= text.len() as u64 + 1;
                self.line(&file, line, text, found, problems);
            }
            return;
        }
        self.adapt(format, file, line, text, found, problems);
    }

    /// One line of a non-STIX format.
    fn adapt(
        &mut self,
        format: Format,
        file: Arc<str>,
        line: u64,
        text: &[u8],
        found: &mut Vec<Found>,
        problems: &mut Vec<Problem>,
    ) {
        let mut rec = self.record.take().unwrap_or_default().recycle();
        // Only the facts the pre-filter looks at, unless all are retained.
        let want = match self.retainer {
            None => self.hunter.want(),
            Some(_) => Want::ALL,
        };
        let result = adapters::read(format, self.mapping.as_ref(), text, &mut rec, want);
        match result {
            Err(e) => {
                self.counts.unparseable += 1;
                problems.push(Problem {
                    file,
                    line,
                    why: e.to_string(),
                });
            }
            Ok(()) => {
                if self.since.is_some_and(|s| rec.time.is_some_and(|t| t < s)) {
                    self.counts.before_since += 1;
                } else {
                    self.counts.records += 1;
                    if let Some(r) = &mut self.retainer {
                        r.add(&rec);
                    }
                    let mapping = self.mapping.as_ref();
                    self.hunter.record_read(
                        &rec,
                        want,
                        |whole| adapters::read(format, mapping, text, whole, Want::ALL).is_ok(),
                        || Loc {
                            file: file.clone(),
                            line,
                        },
                        found,
                    );
                }
            }
        }
        self.record = Some(rec.recycle());
    }

    /// One line of a STIX file; `true` when the file turned out not to be
    /// STIX (its format was guessed from a lone bracket) and the line must be
    /// read again.
    fn stix_line(
        &mut self,
        file: &Arc<str>,
        line: u64,
        text: &[u8],
        found: &mut Vec<Found>,
        problems: &mut Vec<Problem>,
    ) -> bool {
        let state = self.files.get_mut(file).expect("state made by line()");
        let guessed = state.guessed;
        let st = state.stix.get_or_insert_with(StixState::new);
        let mut units: Vec<(u64, Value)> = Vec::new();
        let bad = |why: String, at: u64| Problem {
            file: file.clone(),
            line: at,
            why,
        };
        let mut errors = Vec::new();
        // A value being gathered that a whole record (or its size) shows was
        // cut off is reported, and the line read on its own.
        if !st.pending.is_empty()
            && (st.pending.len() + text.len() > MAX_GATHERED || whole_object(text))
        {
            st.pending.clear();
            self.counts.unparseable += 1;
            problems.push(bad(
                "a JSON value cut off (a whole record or too much follows it); skipped".into(),
                st.pending_line,
            ));
            if guessed {
                return true;
            }
        }
        if st.pending.is_empty() {
            match serde_json::from_slice::<Value>(text) {
                Ok(v) => units.push((line, v)),
                Err(_) => {
                    let t = text.trim_ascii_start();
                    if t.starts_with(b"{") || t.starts_with(b"[") {
                        st.pending_line = line;
                        st.depth = 0;
                        st.in_string = false;
                        st.escaped = false;
                        st.pending.extend_from_slice(text);
                        st.pending.push(b'\n');
                        if st.scan(text) {
                            // Complete on one line, yet not JSON.
                            st.pending.clear();
                            errors.push(bad("not JSON".into(), line));
                        }
                    } else {
                        errors.push(bad("not JSON".into(), line));
                    }
                }
            }
        } else {
            st.pending.extend_from_slice(text);
            st.pending.push(b'\n');
            if st.scan(text) {
                let buf = std::mem::take(&mut st.pending);
                let start = st.pending_line;
                match serde_json::from_slice::<Value>(&buf) {
                    Ok(v) => {
                        // Objects of a bundle are placed on the line they start.
                        let lines = object_lines(&buf, start);
                        if let (Value::Object(m), Some(lines)) = (&v, lines) {
                            if let Some(Value::Array(objs)) = m.get("objects") {
                                for (o, l) in objs.iter().zip(lines) {
                                    units.push((l, o.clone()));
                                }
                            }
                        } else {
                            units.push((start, v));
                        }
                    }
                    Err(e) => errors.push(bad(format!("not JSON: {e}"), start)),
                }
            }
        }
        if !units.is_empty() {
            if let Some(state) = self.files.get_mut(file) {
                state.guessed = false;
            }
        }
        for (at, v) in units {
            let objects: Vec<Value> = match v {
                Value::Object(ref m) if m.get("type").and_then(Value::as_str) == Some("bundle") => {
                    match v {
                        Value::Object(mut m) => match m.remove("objects") {
                            Some(Value::Array(a)) => {
                                // A bundle on one line resolves on its own.
                                let mut r = Resolver::new(StixVersion::V21);
                                let mut obs = Vec::new();
                                for o in a {
                                    match r.push(o) {
                                        Ok(Some(x)) => obs.push(x),
                                        Ok(None) => {}
                                        Err(e) => errors.push(bad(e.to_string(), at)),
                                    }
                                }
                                match r.finish() {
                                    Ok(rest) => obs.extend(rest),
                                    Err(e) => errors.push(bad(e.to_string(), at)),
                                }
                                self.stix_observations(file, at, obs, found);
                                continue;
                            }
                            _ => {
                                errors.push(bad("a bundle without 'objects'".into(), at));
                                continue;
                            }
                        },
                        _ => unreachable!(),
                    }
                }
                Value::Array(a) => a,
                other => vec![other],
            };
            let st = self
                .files
                .get_mut(file)
                .and_then(|s| s.stix.as_mut())
                .expect("state made above");
            let mut obs = Vec::new();
            for o in objects {
                match st.resolver.push(o) {
                    Ok(Some(x)) => obs.push(x),
                    Ok(None) => {}
                    Err(e) => errors.push(bad(e.to_string(), at)),
                }
            }
            self.stix_observations(file, at, obs, found);
        }
        self.counts.unparseable += errors.len() as u64;
        problems.extend(errors);
        false
    }

    fn stix_observations(
        &mut self,
        file: &Arc<str>,
        line: u64,
        obs: Vec<Observation>,
        found: &mut Vec<Found>,
    ) {
        for o in obs {
            if self.since.is_some_and(|s| o.first_observed < s) {
                self.counts.before_since += 1;
                continue;
            }
            self.counts.records += 1;
            self.hunter.observation(
                o,
                Loc {
                    file: file.clone(),
                    line,
                },
                found,
            );
        }
    }

    /// Ends a file: observed-data still waiting for their objects are
    /// resolved against what was seen, and a value left open is reported.
    pub fn end_file(
        &mut self,
        file: &str,
        last_line: u64,
        found: &mut Vec<Found>,
        problems: &mut Vec<Problem>,
    ) {
        let Some((key, mut state)) = self.files.remove_entry(file) else {
            return;
        };
        self.last_file = None;
        self.last_format = None;
        if let Some(st) = state.stix.take() {
            if !st.pending.is_empty() {
                self.counts.unparseable += 1;
                problems.push(Problem {
                    file: key.clone(),
                    line: st.pending_line,
                    why: "a JSON value that does not end before the end of the file".into(),
                });
            }
            match st.resolver.finish() {
                Ok(obs) => self.stix_observations(&key, last_line, obs, found),
                Err(e) => {
                    self.counts.unparseable += 1;
                    problems.push(Problem {
                        file: key,
                        line: last_line,
                        why: e.to_string(),
                    });
                }
            }
        }
    }
}

/// The line each element of a bundle's `objects` starts on.
fn object_lines(buf: &[u8], start: u64) -> Option<Vec<u64>> {
    let mut arr = None;
    crate::json::members(buf, |k, v| {
        if k == b"objects" {
            if let crate::json::Json::Arr(a) = v {
                arr = Some(a);
            }
        }
        true
    })
    .ok()?;
    let arr = arr?;
    let mut offsets = Vec::new();
    crate::json::elements(arr, |e| {
        let slice: &[u8] = match e {
            crate::json::Json::Obj(s) | crate::json::Json::Arr(s) | crate::json::Json::Num(s) => s,
            crate::json::Json::Str(s, _) => s,
            _ => arr,
        };
        offsets.push(slice.as_ptr() as usize - buf.as_ptr() as usize);
    })
    .ok()?;
    let mut lines = Vec::with_capacity(offsets.len());
    let (mut at, mut line) = (0usize, start);
    for off in offsets {
        line += memchr::memchr_iter(b'\n', &buf[at..off]).count() as u64;
        at = off;
        lines.push(line);
    }
    Some(lines)
}
