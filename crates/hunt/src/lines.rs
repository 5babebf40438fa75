//! Where `vigil hunt`'s records come from: log files, directories, gzip and
//! zstd files, stdin, and files followed while they are written, cut into
//! lines, each handed out with its file's name and its 1-based line number.
//!
//! The layer feeds a matcher that takes more than a million records a second,
//! so it is built not to be the bottleneck: inputs are read in buffers of a
//! mebibyte, newlines are found with `memchr`, and each line is handed to a
//! callback as a slice of the buffer. Nothing is allocated or copied per line.
//!
//! The rules, in short (each is told in full where it is kept):
//!
//! - Inputs are paths; `-` is stdin; a directory is every regular file below
//!   it, in name order, hidden ones left out; no paths at all is stdin.
//! - Gzip and zstd are recognised by their first bytes, never by the name.
//! - A line loses its `\n` and a `\r` before it; empty lines are skipped but
//!   counted; a last line without a newline is delivered.
//! - A line longer than [`Options::max_line`] is skipped without being held
//!   in memory, and reported as [`Item::TooLong`].
//! - Bytes are delivered as they are (NUL bytes, invalid UTF-8): judging them
//!   is the caller's business.
//! - An input that cannot be read is reported as [`Item::Error`] and the next
//!   one is read: one bad file never ends the run, and nothing panics.
//! - With [`Options::follow`], plain files are followed like `tail -F`:
//!   growth, rotation, truncation and deletion are handled, until a stop
//!   flag is set.
//!
//! ```no_run
//! use std::ops::ControlFlow;
//! use std::sync::atomic::AtomicBool;
//! use vigil_hunt::lines::{Item, Options, Reader};
//!
//! let mut reader = Reader::new(&["conn.log.gz", "logs/"], Options::default());
//! let stop = AtomicBool::new(false);
//! let summary = reader.run(&stop, &mut |item| {
//!     match item {
//!         Item::Line { file, line, text } => { /* match the record */ }
//!         other => eprintln!("{other:?}"),
//!     }
//!     ControlFlow::Continue(())
//! });
//! eprintln!("{} lines from {} files", summary.lines, summary.files);
//! ```

use std::fs::{self, File};
use std::io::{self, BufReader, Read, Seek};
use std::ops::ControlFlow::{self, Break, Continue};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The read buffer's size: large reads keep system calls and the per-read
/// work negligible beside the lines themselves.
const BUF_SIZE: usize = 1 << 20;

/// The buffer between a compressed file and its decoder.
const DECODE_BUF: usize = 256 << 10;

/// Buffer fills a followed file may take in one turn before the next
/// followed file's turn, so that one busy file does not starve the others.
const FOLLOW_TURN: usize = 16;

/// The name stdin is given in items.
const STDIN: &str = "<stdin>";

/// How a [`Reader`] reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Keep reading plain files as they grow, like `tail -F`, until the stop
    /// flag given to [`Reader::run`] is set. Stdin and compressed files are
    /// read to their end and not followed.
    pub follow: bool,
    /// The longest line delivered, in bytes (without its `\n` and `\r`).
    /// Longer lines are skipped as they are read, never held whole in memory,
    /// and reported as [`Item::TooLong`]. Memory is bounded by this (or the
    /// 1 MiB read buffer, whichever is larger), plus, when following, one
    /// unfinished line per followed file; never by the input.
    pub max_line: usize,
    /// How long to wait between looks at followed files with nothing new;
    /// also how often the stop flag is looked at while waiting.
    pub poll: Duration,
}

impl Default for Options {
    /// Not following; lines up to 16 MiB; polling every 250 ms.
    fn default() -> Options {
        Options {
            follow: false,
            max_line: 16 << 20,
            poll: Duration::from_millis(250),
        }
    }
}

/// What a [`Reader`] hands to its sink: a line, or news about an input.
///
/// `file` is the input's name: the path as it was given, a path found in a
/// given directory (the directory's path joined with the names below it), or
/// `<stdin>`. Line numbers count from 1 in the decompressed text, every line
/// counted, empty and too-long ones included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item<'a> {
    /// One line: its bytes without the `\n` and a `\r` before it; never
    /// empty; borrowed from the read buffer, valid only during the call.
    Line {
        /// The input's name.
        file: &'a str,
        /// The line's number, from 1.
        line: u64,
        /// The line's bytes, as they are: not checked for UTF-8 or NUL bytes.
        text: &'a [u8],
    },
    /// A line longer than [`Options::max_line`], skipped.
    TooLong {
        /// The input's name.
        file: &'a str,
        /// The line's number, from 1.
        line: u64,
        /// The line's length in bytes, without its `\n` and `\r`.
        len: u64,
    },
    /// An input, or part of it, could not be read: a path that cannot be
    /// opened, a directory that cannot be listed, a read error, a corrupt
    /// compressed stream. The lines before the error were delivered; an
    /// unfinished line at the error is dropped; reading goes on with the next
    /// input.
    Error {
        /// The input's name (for a directory that cannot be listed, its own).
        file: &'a str,
        /// The number of the line being read when it happened; 0 if the
        /// input could not be opened.
        line: u64,
        /// What went wrong, for a person to read.
        message: String,
    },
    /// A followed path now names a new file (it was rotated, truncated, or
    /// appeared after being gone or missing), which is read from its start:
    /// its line numbers start again at 1. What was left of the old file was
    /// read first.
    Rotated {
        /// The input's name.
        file: &'a str,
    },
    /// A followed file was deleted (or renamed away with nothing in its
    /// place). Told once; the path is still watched, and if a file appears
    /// there it is read from its start, after an [`Item::Rotated`].
    Gone {
        /// The input's name.
        file: &'a str,
    },
}

impl<'a> Item<'a> {
    /// The name of the input the item is about.
    pub fn file(&self) -> &'a str {
        match *self {
            Item::Line { file, .. }
            | Item::TooLong { file, .. }
            | Item::Error { file, .. }
            | Item::Rotated { file }
            | Item::Gone { file } => file,
        }
    }
}

/// What a run read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Files (and stdin) opened; a followed path reopened after rotation
    /// counts again.
    pub files: u64,
    /// Lines delivered as [`Item::Line`].
    pub lines: u64,
    /// Lines reported as [`Item::TooLong`].
    pub too_long: u64,
    /// Items of [`Item::Error`].
    pub errors: u64,
    /// Bytes of text read (after decompression).
    pub bytes: u64,
    /// The run ended before the end of its inputs: the sink broke, or the
    /// stop flag was set (the normal end of following).
    pub stopped: bool,
}

/// How far a run has got, for a progress bar; shared with the reading thread.
#[derive(Debug, Clone)]
pub struct Progress {
    /// Bytes read from the inputs so far, as stored: compressed bytes for
    /// compressed files. Updated once per read (about a mebibyte).
    pub read: Arc<AtomicU64>,
    /// The total size of the inputs when the reader was built; `None` when
    /// stdin is among them.
    pub total: Option<u64>,
}

/// One input, as found when the reader was built.
enum Input {
    Stdin,
    File {
        path: PathBuf,
        name: String,
    },
    /// A directory that could not be listed, or an entry that could not be
    /// read: reported in its place in the order.
    Failed {
        name: String,
        message: String,
    },
}

/// Reads inputs and hands their lines to a sink. See the [module](self) for
/// the rules.
pub struct Reader {
    inputs: Vec<Input>,
    options: Options,
    progress: Progress,
    buf: Buffer,
}

impl Reader {
    /// A reader of `paths`, in order: `-` is stdin; a directory is every
    /// regular file below it (symbolic links to files included, links to
    /// directories not followed; names starting with `.` left out), each
    /// directory's entries sorted by name; no paths at all is stdin. The
    /// directories are listed now, once: files created in them later are not
    /// read, even when following. Nothing fails here: what cannot be listed
    /// or opened is reported by [`Reader::run`] in its place.
    pub fn new<P: AsRef<Path>>(paths: &[P], options: Options) -> Reader {
        let mut inputs = Vec::new();
        for path in paths {
            let path = path.as_ref();
            if path.as_os_str() == "-" {
                inputs.push(Input::Stdin);
            } else if path.is_dir() {
                walk(path, &mut inputs);
            } else {
                inputs.push(Input::File {
                    path: path.to_path_buf(),
                    name: path.display().to_string(),
                });
            }
        }
        if paths.is_empty() {
            inputs.push(Input::Stdin);
        }
        let mut total = Some(0u64);
        for input in &inputs {
            match input {
                Input::Stdin => total = None,
                Input::File { path, .. } => {
                    let size = fs::metadata(path).map_or(0, |m| m.len());
                    total = total.map(|t| t + size);
                }
                Input::Failed { .. } => {}
            }
        }
        Reader {
            inputs,
            options,
            progress: Progress {
                read: Arc::new(AtomicU64::new(0)),
                total,
            },
            buf: Buffer::new(BUF_SIZE),
        }
    }

    /// The progress counters; clone them before [`Reader::run`] to watch the
    /// run from another thread.
    pub fn progress(&self) -> Progress {
        self.progress.clone()
    }

    /// Reads every input in order, handing each line and event to `sink`,
    /// and returns what was read. The sink returns
    /// [`ControlFlow::Break`] to end the run at once.
    ///
    /// `stop` is looked at before every read: once it is set the run ends.
    /// When following, the run goes on until `stop` is set (looked at least
    /// once per [`Options::poll`]); the unfinished last lines of the followed
    /// files are delivered before it returns. Without following, the run ends
    /// at the end of the last input.
    ///
    /// The inputs are read once: a second call delivers nothing.
    pub fn run(
        &mut self,
        stop: &AtomicBool,
        sink: &mut dyn FnMut(Item<'_>) -> ControlFlow<()>,
    ) -> Summary {
        let mut out = Out {
            max_line: self.options.max_line,
            summary: Summary::default(),
            sink,
        };
        let mut followed = Vec::new();
        let mut flow = Continue(());
        for input in std::mem::take(&mut self.inputs) {
            flow = self.read_input(input, stop, &mut out, &mut followed);
            if flow.is_break() {
                break;
            }
        }
        if flow.is_continue() && !followed.is_empty() {
            flow = self.follow(&mut followed, stop, &mut out);
        }
        if flow == Break(Halt::Stop) {
            for f in &mut followed {
                if f.open.is_some() && f.at_eof && self.close(f, &mut out).is_break() {
                    break;
                }
            }
        }
        out.summary.stopped = flow.is_break();
        out.summary
    }

    /// Opens and reads one input; a plain file when following is read to its
    /// current end and joins `followed`.
    fn read_input(
        &mut self,
        input: Input,
        stop: &AtomicBool,
        out: &mut Out<'_>,
        followed: &mut Vec<Followed>,
    ) -> ControlFlow<Halt> {
        let (path, name) = match input {
            Input::Failed { name, message } => return out.error(&name, 0, message),
            Input::Stdin => {
                out.summary.files += 1;
                let stdin = Counting::new(io::stdin().lock(), &self.progress.read);
                return self.read_stream(STDIN, stdin, stop, out);
            }
            Input::File { path, name } => (path, name),
        };
        let file = match File::open(&path) {
            Ok(file) => file,
            Err(e) => {
                out.error(&name, 0, format!("cannot open: {e}"))?;
                if self.options.follow && e.kind() == io::ErrorKind::NotFound {
                    // Like `tail -F`: wait for it to appear.
                    followed.push(Followed::waiting(path, name));
                }
                return Continue(());
            }
        };
        out.summary.files += 1;
        let id = file.metadata().ok().and_then(|m| FileId::of(&m));
        let mut file = Counting::new(file, &self.progress.read);
        if !self.options.follow {
            return self.read_stream(&name, file, stop, out);
        }
        let (head, n) = match read_head(&mut file) {
            Ok(head) => head,
            Err(e) => return out.error(&name, 0, format!("cannot read: {e}")),
        };
        if Compression::of(&head[..n]) != Compression::Plain {
            return self.read_from(&name, &head[..n], file, stop, out);
        }
        out.summary.bytes += n as u64;
        let mut f = Followed::waiting(path, name);
        f.missing = false;
        f.carry.extend_from_slice(&head[..n]);
        f.open = Some(OpenFile { file, id });
        self.turn(&mut f, usize::MAX, stop, out)?;
        if !f.dead {
            followed.push(f);
        }
        Continue(())
    }

    /// Reads a stream to its end, decompressing it if its first bytes say so.
    fn read_stream<R: Read>(
        &mut self,
        name: &str,
        mut raw: R,
        stop: &AtomicBool,
        out: &mut Out<'_>,
    ) -> ControlFlow<Halt> {
        match read_head(&mut raw) {
            Ok((head, n)) => self.read_from(name, &head[..n], raw, stop, out),
            Err(e) => out.error(name, 0, format!("cannot read: {e}")),
        }
    }

    /// Reads a stream whose first bytes, `head`, were already taken from it.
    fn read_from<R: Read>(
        &mut self,
        name: &str,
        head: &[u8],
        raw: R,
        stop: &AtomicBool,
        out: &mut Out<'_>,
    ) -> ControlFlow<Halt> {
        let mut pos = Position::default();
        self.buf.end = 0;
        match Compression::of(head) {
            Compression::Plain => {
                self.buf.data[..head.len()].copy_from_slice(head);
                self.buf.end = head.len();
                out.summary.bytes += head.len() as u64;
                let mut raw = raw;
                self.read_to_end(name, &mut raw, &mut pos, stop, out)
            }
            Compression::Gzip => {
                let raw = BufReader::with_capacity(DECODE_BUF, head.chain(raw));
                let mut text = flate2::bufread::MultiGzDecoder::new(raw);
                self.read_to_end(name, &mut text, &mut pos, stop, out)
            }
            Compression::Zstd => {
                let raw = BufReader::with_capacity(DECODE_BUF, head.chain(raw));
                match zstd::stream::read::Decoder::with_buffer(raw) {
                    Ok(mut text) => self.read_to_end(name, &mut text, &mut pos, stop, out),
                    Err(e) => out.error(name, 0, format!("cannot read: {e}")),
                }
            }
        }
    }

    /// Reads `text` to its end and delivers its last, unfinished line.
    fn read_to_end(
        &mut self,
        name: &str,
        text: &mut dyn Read,
        pos: &mut Position,
        stop: &AtomicBool,
        out: &mut Out<'_>,
    ) -> ControlFlow<Halt> {
        match self.buf.pump(text, name, pos, out, stop, usize::MAX) {
            Pumped::Eof | Pumped::Turn => self.buf.finish(name, pos, out),
            Pumped::Halted(halt) => Break(halt),
            Pumped::Failed(e) => {
                self.buf.end = 0;
                out.error(name, pos.line + 1, format!("cannot read: {e}"))
            }
        }
    }

    /// Follows `followed` round-robin until the stop flag is set or none is
    /// left to follow (all failed).
    fn follow(
        &mut self,
        followed: &mut Vec<Followed>,
        stop: &AtomicBool,
        out: &mut Out<'_>,
    ) -> ControlFlow<Halt> {
        loop {
            let mut busy = false;
            for f in followed.iter_mut() {
                if stop.load(Ordering::Relaxed) {
                    return Break(Halt::Stop);
                }
                busy |= self.poll(f, stop, out)?;
            }
            followed.retain(|f| !f.dead);
            if followed.is_empty() {
                return Continue(());
            }
            if stop.load(Ordering::Relaxed) {
                return Break(Halt::Stop);
            }
            if !busy {
                std::thread::sleep(self.options.poll);
            }
        }
    }

    /// One look at a followed file: reads what is new; when nothing is,
    /// checks whether its path was rotated, truncated or deleted. Returns
    /// whether anything happened (so as not to sleep before the next look).
    fn poll(
        &mut self,
        f: &mut Followed,
        stop: &AtomicBool,
        out: &mut Out<'_>,
    ) -> ControlFlow<Halt, bool> {
        let Some(open) = &mut f.open else {
            return self.reopen(f, stop, out);
        };
        let id = open.id;
        let offset = open.file.inner.stream_position().ok();
        if self.turn(f, FOLLOW_TURN, stop, out)? || f.dead {
            return Continue(true);
        }
        match fs::metadata(&f.path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                self.close(f, out)?;
                f.missing = true;
                out.send(Item::Gone { file: &f.name })?;
                Continue(true)
            }
            Ok(meta) if id.is_some() && FileId::of(&meta) != id => {
                // A new file at the path: drain what the writer may have
                // added to the old one since the last read, then switch.
                self.turn(f, usize::MAX, stop, out)?;
                if f.dead {
                    return Continue(true);
                }
                self.close(f, out)?;
                self.reopen(f, stop, out)
            }
            Ok(meta) if offset.is_some_and(|o| meta.len() < o) => {
                self.close(f, out)?;
                self.reopen(f, stop, out)
            }
            _ => Continue(false),
        }
    }

    /// Reads a followed file, at most `fills` buffers; returns whether
    /// anything was read. A read error is reported and the file dropped.
    fn turn(
        &mut self,
        f: &mut Followed,
        fills: usize,
        stop: &AtomicBool,
        out: &mut Out<'_>,
    ) -> ControlFlow<Halt, bool> {
        let Some(open) = &mut f.open else {
            return Continue(false);
        };
        self.buf.load(&f.carry, out.max_line);
        let before = out.summary.bytes;
        let pumped = self
            .buf
            .pump(&mut open.file, &f.name, &mut f.pos, out, stop, fills);
        let read = out.summary.bytes != before;
        match pumped {
            Pumped::Eof => f.at_eof = true,
            Pumped::Turn => f.at_eof = false,
            Pumped::Halted(halt) => {
                // What is left is the file's unfinished line only if nothing
                // was read just now.
                f.at_eof &= !read;
                self.buf.store(&mut f.carry);
                return Break(halt);
            }
            Pumped::Failed(e) => {
                self.buf.end = 0;
                f.dead = true;
                let message = format!("cannot read, no longer followed: {e}");
                out.error(&f.name, f.pos.line + 1, message)?;
                return Continue(true);
            }
        }
        self.buf.store(&mut f.carry);
        Continue(read)
    }

    /// Delivers the unfinished last line of a followed file and closes it.
    fn close(&mut self, f: &mut Followed, out: &mut Out<'_>) -> ControlFlow<Halt> {
        f.open = None;
        self.buf.load(&f.carry, out.max_line);
        f.carry.clear();
        let flow = self.buf.finish(&f.name, &mut f.pos, out);
        f.pos = Position::default();
        flow
    }

    /// Opens a followed path again, from its start; tells once that it is
    /// gone or cannot be opened. Returns whether it was opened.
    fn reopen(
        &mut self,
        f: &mut Followed,
        stop: &AtomicBool,
        out: &mut Out<'_>,
    ) -> ControlFlow<Halt, bool> {
        match File::open(&f.path) {
            Ok(file) => {
                out.summary.files += 1;
                let id = file.metadata().ok().and_then(|m| FileId::of(&m));
                let file = Counting::new(file, &self.progress.read);
                f.open = Some(OpenFile { file, id });
                f.missing = false;
                f.at_eof = false;
                out.send(Item::Rotated { file: &f.name })?;
                self.turn(f, FOLLOW_TURN, stop, out)?;
                Continue(true)
            }
            Err(_) if f.missing => Continue(false),
            Err(e) => {
                f.missing = true;
                if e.kind() == io::ErrorKind::NotFound {
                    out.send(Item::Gone { file: &f.name })?;
                } else {
                    out.error(&f.name, 0, format!("cannot open: {e}"))?;
                }
                Continue(false)
            }
        }
    }
}

/// Why a run ends early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Halt {
    /// The sink broke: deliver nothing more.
    Sink,
    /// The stop flag was set: deliver the followed files' last lines.
    Stop,
}

/// A plain file being followed.
struct Followed {
    path: PathBuf,
    name: String,
    /// `None` while the path is missing or gone.
    open: Option<OpenFile>,
    pos: Position,
    /// The bytes read but not yet delivered (the unfinished last line), kept
    /// here between turns so the read buffer serves every followed file.
    carry: Vec<u8>,
    /// The last read reached the end of the file: `carry` is the file's
    /// unfinished last line, not a cut made by the end of a turn.
    at_eof: bool,
    /// Its absence (or failure to open) was told; not told again.
    missing: bool,
    /// A read failed: no longer followed.
    dead: bool,
}

impl Followed {
    /// A path not (yet) open.
    fn waiting(path: PathBuf, name: String) -> Followed {
        Followed {
            path,
            name,
            open: None,
            pos: Position::default(),
            carry: Vec::new(),
            at_eof: false,
            missing: true,
            dead: false,
        }
    }
}

/// An open followed file and what it was when opened.
struct OpenFile {
    file: Counting<File>,
    id: Option<FileId>,
}

/// Which file a path names (device and inode), to see rotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileId(u64, u64);

impl FileId {
    #[cfg(unix)]
    fn of(meta: &fs::Metadata) -> Option<FileId> {
        use std::os::unix::fs::MetadataExt;
        Some(FileId(meta.dev(), meta.ino()))
    }

    /// Unknown here: only truncation is seen.
    #[cfg(not(unix))]
    fn of(_: &fs::Metadata) -> Option<FileId> {
        None
    }
}

/// How a stream is stored, by its first bytes (shared with `vigil import`'s inputs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Neither of the others.
    Plain,
    /// gzip (`1f 8b 08`), possibly several members.
    Gzip,
    /// zstd (`28 b5 2f fd`).
    Zstd,
}

impl Compression {
    /// The compression `head` (a stream's first bytes, see [`read_head`]) says.
    pub fn of(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b, 0x08]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::Plain
        }
    }
}

/// Reads up to the 4 bytes that tell the compression (fewer at the end),
/// however few bytes each read gives (a pipe may give one at a time).
pub fn read_head(r: &mut impl Read) -> io::Result<([u8; 4], usize)> {
    let mut head = [0; 4];
    let mut n = 0;
    while n < head.len() {
        match r.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok((head, n))
}

/// Adds what is read to a shared progress counter.
pub struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R> Counting<R> {
    /// Counts what is read from `inner` into `count`.
    pub fn new(inner: R, count: &Arc<AtomicU64>) -> Counting<R> {
        Counting {
            inner,
            count: Arc::clone(count),
        }
    }
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Lists a directory's regular files, recursively, in name order, leaving
/// out hidden names and not following links to directories.
fn walk(dir: &Path, inputs: &mut Vec<Input>) {
    let failed = |path: &Path, e: io::Error| Input::Failed {
        name: path.display().to_string(),
        message: format!("cannot read directory: {e}"),
    };
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return inputs.push(failed(dir, e)),
    };
    let mut found = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => found.push(entry),
            Err(e) => inputs.push(failed(dir, e)),
        }
    }
    found.sort_by_cached_key(|e| e.file_name());
    for entry in found {
        if entry.file_name().as_encoded_bytes().starts_with(b".") {
            continue;
        }
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let is_file =
            kind.is_file() || (kind.is_symlink() && fs::metadata(&path).is_ok_and(|m| m.is_file()));
        if kind.is_dir() {
            walk(&path, inputs);
        } else if is_file {
            let name = path.display().to_string();
            inputs.push(Input::File { path, name });
        }
    }
}

/// Where reading one input is: the lines finished, and the too-long line
/// being skipped.
#[derive(Debug, Default)]
struct Position {
    /// Lines finished so far (the number of the last one).
    line: u64,
    /// The line being skipped for its length, if one is.
    long: Option<LongLine>,
}

/// A too-long line being skipped: only its length is kept.
#[derive(Debug)]
struct LongLine {
    /// Bytes so far, a `\r` at the end included.
    len: u64,
    /// Its last byte so far is a `\r` (not counted if a `\n` follows).
    last_cr: bool,
}

impl LongLine {
    fn text_len(&self) -> u64 {
        self.len - u64::from(self.last_cr)
    }
}

/// What cutting lines needs besides the buffer: the limit, the tally and
/// the sink.
struct Out<'s> {
    max_line: usize,
    summary: Summary,
    sink: &'s mut dyn FnMut(Item<'_>) -> ControlFlow<()>,
}

impl Out<'_> {
    fn send(&mut self, item: Item<'_>) -> ControlFlow<Halt> {
        match (self.sink)(item) {
            Continue(()) => Continue(()),
            Break(()) => Break(Halt::Sink),
        }
    }

    /// Delivers a line as read, `\n` removed.
    #[inline]
    fn line(&mut self, file: &str, line: u64, raw: &[u8]) -> ControlFlow<Halt> {
        let text = raw.strip_suffix(b"\r").unwrap_or(raw);
        if text.is_empty() {
            Continue(())
        } else if text.len() > self.max_line {
            self.too_long(file, line, text.len() as u64)
        } else {
            self.summary.lines += 1;
            self.send(Item::Line { file, line, text })
        }
    }

    fn too_long(&mut self, file: &str, line: u64, len: u64) -> ControlFlow<Halt> {
        self.summary.too_long += 1;
        self.send(Item::TooLong { file, line, len })
    }

    fn error(&mut self, file: &str, line: u64, message: String) -> ControlFlow<Halt> {
        self.summary.errors += 1;
        self.send(Item::Error {
            file,
            line,
            message,
        })
    }
}

/// How a [`Buffer::pump`] ended.
#[derive(Debug)]
enum Pumped {
    /// The end of the input (for now, when following).
    Eof,
    /// The allowed number of reads was done.
    Turn,
    /// The stop flag was set, or the sink broke.
    Halted(Halt),
    /// A read failed.
    Failed(io::Error),
}

/// The read buffer, shared by all inputs. Between reads, `data[..end]` holds
/// the unfinished last line, moved to the front; the buffer grows only while
/// that line could still be short enough to deliver, so it never exceeds
/// the larger of its initial size and `max_line` + 2.
struct Buffer {
    data: Vec<u8>,
    end: usize,
    /// The initial size, returned to after a long line.
    base: usize,
}

impl Buffer {
    fn new(size: usize) -> Buffer {
        Buffer {
            data: vec![0; size],
            end: 0,
            base: size,
        }
    }

    /// Reads `r` and cuts what it gives into lines, until its end, the stop
    /// flag, or `fills` reads.
    fn pump(
        &mut self,
        r: &mut dyn Read,
        file: &str,
        pos: &mut Position,
        out: &mut Out<'_>,
        stop: &AtomicBool,
        fills: usize,
    ) -> Pumped {
        // What is already in the buffer (the first bytes, a followed file's
        // unfinished line) may hold whole lines.
        if let Break(halt) = self.cut(file, pos, out) {
            return Pumped::Halted(halt);
        }
        for _ in 0..fills {
            if stop.load(Ordering::Relaxed) {
                return Pumped::Halted(Halt::Stop);
            }
            let n = loop {
                match r.read(&mut self.data[self.end..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        pos.long = None;
                        return Pumped::Failed(e);
                    }
                }
            };
            if n == 0 {
                return Pumped::Eof;
            }
            self.end += n;
            out.summary.bytes += n as u64;
            if let Break(halt) = self.cut(file, pos, out) {
                return Pumped::Halted(halt);
            }
        }
        Pumped::Turn
    }

    /// Delivers the complete lines in `data[..end]` and moves the unfinished
    /// one to the front, growing the buffer if it is full, or starting to
    /// skip it if it is already too long.
    fn cut(&mut self, file: &str, pos: &mut Position, out: &mut Out<'_>) -> ControlFlow<Halt> {
        let data = &self.data[..self.end];
        let mut start = 0;
        for nl in memchr::memchr_iter(b'\n', data) {
            let raw = &data[start..nl];
            start = nl + 1;
            pos.line += 1;
            match pos.long.take() {
                None => out.line(file, pos.line, raw)?,
                Some(mut long) => {
                    long.len += raw.len() as u64;
                    if let Some(&last) = raw.last() {
                        long.last_cr = last == b'\r';
                    }
                    out.too_long(file, pos.line, long.text_len())?;
                }
            }
        }
        let rest = self.end - start;
        if let Some(long) = &mut pos.long {
            long.len += rest as u64;
            if rest > 0 {
                long.last_cr = data[self.end - 1] == b'\r';
            }
            self.end = 0;
            return Continue(());
        }
        self.data.copy_within(start..self.end, 0);
        self.end = rest;
        if rest > out.max_line.saturating_add(1) {
            // Too long even if it ends in "\r\n": skip the rest of it.
            pos.long = Some(LongLine {
                len: rest as u64,
                last_cr: self.data[rest - 1] == b'\r',
            });
            self.end = 0;
        } else if rest == self.data.len() {
            let size = rest.saturating_mul(2).min(out.max_line.saturating_add(2));
            self.resize(size);
        } else if self.data.len() > self.base && rest <= self.base / 2 {
            self.data.truncate(self.base);
            self.data.shrink_to_fit();
        }
        Continue(())
    }

    /// Delivers the last line of an input, which has no newline.
    fn finish(&mut self, file: &str, pos: &mut Position, out: &mut Out<'_>) -> ControlFlow<Halt> {
        let end = std::mem::replace(&mut self.end, 0);
        if let Some(long) = pos.long.take() {
            pos.line += 1;
            out.too_long(file, pos.line, long.text_len())
        } else if end > 0 {
            pos.line += 1;
            out.line(file, pos.line, &self.data[..end])
        } else {
            Continue(())
        }
    }

    /// Puts a followed file's unfinished line back in front of the buffer,
    /// with room after it to read into.
    fn load(&mut self, carry: &[u8], max_line: usize) {
        if self.data.len() <= carry.len() {
            let size = (carry.len() * 2).min(max_line.saturating_add(2));
            self.resize(size.max(carry.len() + 1));
        }
        self.data[..carry.len()].copy_from_slice(carry);
        self.end = carry.len();
    }

    /// Grows the buffer to exactly `size` bytes (not the doubling
    /// `Vec::resize` would do).
    fn resize(&mut self, size: usize) {
        self.data.reserve_exact(size - self.data.len());
        self.data.resize(size, 0);
    }

    /// Takes the unfinished line out of the buffer, for a followed file.
    fn store(&mut self, carry: &mut Vec<u8>) {
        carry.clear();
        carry.extend_from_slice(&self.data[..self.end]);
        self.end = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// An item with what it borrows copied, to compare.
    #[derive(Debug, Clone, PartialEq, Eq)]
    enum Got {
        Line(u64, Vec<u8>),
        TooLong(u64, u64),
        Error(u64),
    }

    /// Gives the input in pieces of the given sizes, in turn.
    struct Pieces<'a> {
        data: &'a [u8],
        sizes: Vec<usize>,
        turn: usize,
    }

    impl Read for Pieces<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let size = self.sizes[self.turn % self.sizes.len()];
            self.turn += 1;
            let n = size.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    /// Reads `r` to its end through a buffer of `size` bytes, as a run does.
    fn read(r: &mut dyn Read, size: usize, max_line: usize) -> (Vec<Got>, Buffer) {
        let mut got = Vec::new();
        let mut sink = |item: Item<'_>| {
            got.push(match item {
                Item::Line { line, text, .. } => Got::Line(line, text.to_vec()),
                Item::TooLong { line, len, .. } => Got::TooLong(line, len),
                Item::Error { line, .. } => Got::Error(line),
                other => panic!("unexpected {other:?}"),
            });
            Continue(())
        };
        let mut out = Out {
            max_line,
            summary: Summary::default(),
            sink: &mut sink,
        };
        let mut buf = Buffer::new(size);
        let mut pos = Position::default();
        let stop = AtomicBool::new(false);
        match buf.pump(r, "t", &mut pos, &mut out, &stop, usize::MAX) {
            Pumped::Eof => {
                let _ = buf.finish("t", &mut pos, &mut out);
            }
            other => panic!("{other:?}"),
        }
        (got, buf)
    }

    /// The rules, the simple way: split the whole input.
    fn expected(input: &[u8], max_line: usize) -> Vec<Got> {
        let mut parts: Vec<&[u8]> = input.split(|&b| b == b'\n').collect();
        if parts.last().is_some_and(|p| p.is_empty()) {
            parts.pop();
        }
        let mut want = Vec::new();
        for (i, raw) in parts.into_iter().enumerate() {
            let text = raw.strip_suffix(b"\r").unwrap_or(raw);
            let line = i as u64 + 1;
            if text.len() > max_line {
                want.push(Got::TooLong(line, text.len() as u64));
            } else if !text.is_empty() {
                want.push(Got::Line(line, text.to_vec()));
            }
        }
        want
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// However the input is cut by reads and whatever the buffer and
        /// limit, the lines are those of splitting the whole input.
        #[test]
        fn lines_do_not_depend_on_reads(
            input in proptest::collection::vec(
                prop_oneof![Just(b'\n'), Just(b'\r'), Just(b'a'), Just(0u8), any::<u8>()],
                0..300,
            ),
            sizes in proptest::collection::vec(1usize..40, 1..5),
            size in 1usize..32,
            max_line in 0usize..64,
        ) {
            let mut r = Pieces { data: &input, sizes, turn: 0 };
            let (got, buf) = read(&mut r, size, max_line);
            prop_assert_eq!(got, expected(&input, max_line));
            prop_assert!(buf.data.capacity() <= size.max(max_line + 2));
        }
    }

    #[test]
    fn a_100_mb_line_is_skipped_without_growing_the_buffer() {
        let long = io::repeat(b'x').take(100 << 20);
        let mut r = (&b"first\n"[..]).chain(long).chain(&b"\r\nnext\n"[..]);
        let (got, buf) = read(&mut r, BUF_SIZE, 1 << 20);
        assert_eq!(
            got,
            [
                Got::Line(1, b"first".to_vec()),
                Got::TooLong(2, 100 << 20),
                Got::Line(3, b"next".to_vec())
            ]
        );
        assert!(buf.data.capacity() <= BUF_SIZE, "{}", buf.data.capacity());
    }

    #[test]
    fn a_read_error_is_reported_and_the_line_before_kept() {
        struct Broken;
        impl Read for Broken {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::other("disk on fire"))
            }
        }
        let mut r = (&b"one\ntw"[..]).chain(Broken);
        let mut got = Vec::new();
        let mut sink = |item: Item<'_>| {
            got.push(format!("{item:?}"));
            Continue(())
        };
        let mut out = Out {
            max_line: 100,
            summary: Summary::default(),
            sink: &mut sink,
        };
        let mut buf = Buffer::new(16);
        let mut pos = Position::default();
        let pumped = buf.pump(&mut r, "t", &mut pos, &mut out, &AtomicBool::new(false), 99);
        assert!(matches!(pumped, Pumped::Failed(_)), "{pumped:?}");
        assert_eq!(pos.line + 1, 2);
        assert_eq!(got.len(), 1);
    }

    #[test]
    fn compression_is_told_by_the_first_bytes() {
        assert_eq!(Compression::of(b"\x1f\x8b\x08\0"), Compression::Gzip);
        assert_eq!(Compression::of(b"\x28\xb5\x2f\xfd"), Compression::Zstd);
        assert_eq!(Compression::of(b"\x1f\x8b"), Compression::Plain);
        assert_eq!(Compression::of(b"{\"ts"), Compression::Plain);
        assert_eq!(Compression::of(b""), Compression::Plain);
    }

    /// The layer alone on 200 MB of log-like lines held in memory:
    /// `cargo test --release -p vigil-hunt --lib -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn throughput_in_memory() {
        let mut data = Vec::with_capacity(210 << 20);
        let mut i = 0u64;
        while data.len() < 200 << 20 {
            data.extend_from_slice(
                format!(
                    "{{\"ts\":1700000000.{i:06},\"uid\":\"C{i:x}\",\"id.orig_h\":\"10.0.{}.{}\",\
                     \"id.orig_p\":{},\"id.resp_h\":\"203.0.113.{}\",\"id.resp_p\":443,\
                     \"proto\":\"tcp\",\"service\":\"ssl\",\"duration\":0.25,\"orig_bytes\":{}}}\n",
                    i % 256,
                    (i / 256) % 256,
                    1024 + i % 60000,
                    i % 250,
                    i * 7 % 100000
                )
                .as_bytes(),
            );
            i += 1;
        }
        for _ in 0..3 {
            let mut lines = 0u64;
            let mut sum = 0u64;
            let mut sink = |item: Item<'_>| {
                if let Item::Line { text, .. } = item {
                    lines += 1;
                    sum += u64::from(text[text.len() - 1]);
                }
                Continue(())
            };
            let mut out = Out {
                max_line: 16 << 20,
                summary: Summary::default(),
                sink: &mut sink,
            };
            let mut buf = Buffer::new(BUF_SIZE);
            let mut pos = Position::default();
            let started = std::time::Instant::now();
            let mut r = &data[..];
            let stop = AtomicBool::new(false);
            let pumped = buf.pump(&mut r, "mem", &mut pos, &mut out, &stop, usize::MAX);
            let _ = buf.finish("mem", &mut pos, &mut out);
            let secs = started.elapsed().as_secs_f64();
            assert!(matches!(pumped, Pumped::Eof));
            assert_eq!(lines, i);
            println!(
                "{:.0} MB/s, {:.1} M lines/s ({} lines of {} bytes on average, check {sum})",
                data.len() as f64 / secs / 1e6,
                lines as f64 / secs / 1e6,
                lines,
                data.len() as u64 / lines,
            );
        }
    }
}
