//! The input layer from outside: files, directories, gzip and zstd, long
//! lines, broken inputs, and files followed while they are written.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use vigil_hunt::lines::{Item, Options, Reader, Summary};

/// Counts the heap bytes each thread holds, to see that a long line is not
/// held in memory (per thread, because tests run side by side).
struct ThreadHeap;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn grew(by: usize) {
    let _ = LIVE.try_with(|live| {
        live.set(live.get() + by as isize);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(live.get())));
    });
}

fn shrank(by: usize) {
    let _ = LIVE.try_with(|live| live.set(live.get() - by as isize));
}

// SAFETY: every call is passed on to the system allocator unchanged; the
// counting only touches const-initialised thread-locals, which allocate not.
unsafe impl GlobalAlloc for ThreadHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        unsafe { System.dealloc(p, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, p: *mut u8, layout: Layout, size: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, layout, size) };
        if !q.is_null() {
            // Old and new may both be held for a moment: count both.
            grew(size);
            shrank(layout.size());
        }
        q
    }
}

#[global_allocator]
static HEAP: ThreadHeap = ThreadHeap;

/// The most heap this thread held above what it held before, while `f` ran.
fn peak_heap<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(before));
    let out = f();
    (out, (PEAK.with(Cell::get) - before).max(0) as usize)
}

/// A directory of its own under the system's temporary directory, removed
/// at the end.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("vigil-hunt-lines-{}-{tag}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.path(name);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).unwrap();
        }
        fs::write(&path, bytes).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// An item with what it borrows copied.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Got {
    Line(String, u64, Vec<u8>),
    TooLong(String, u64, u64),
    Error(String, u64, String),
    Rotated(String),
    Gone(String),
}

impl Got {
    fn of(item: Item<'_>) -> Got {
        match item {
            Item::Line { file, line, text } => Got::Line(file.into(), line, text.to_vec()),
            Item::TooLong { file, line, len } => Got::TooLong(file.into(), line, len),
            Item::Error {
                file,
                line,
                message,
            } => Got::Error(file.into(), line, message),
            Item::Rotated { file } => Got::Rotated(file.into()),
            Item::Gone { file } => Got::Gone(file.into()),
        }
    }
}

fn line(file: &Path, line: u64, text: &str) -> Got {
    Got::Line(name(file), line, text.as_bytes().to_vec())
}

fn name(path: &Path) -> String {
    path.display().to_string()
}

fn fast() -> Options {
    Options {
        follow: false,
        max_line: 1 << 20,
        poll: Duration::from_millis(20),
    }
}

fn read_all(paths: &[PathBuf], options: Options) -> (Vec<Got>, Summary) {
    let mut got = Vec::new();
    let summary = Reader::new(paths, options).run(&AtomicBool::new(false), &mut |item| {
        got.push(Got::of(item));
        ControlFlow::Continue(())
    });
    (got, summary)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

fn zstd(bytes: &[u8]) -> Vec<u8> {
    zstd::encode_all(bytes, 3).unwrap()
}

/// CRLF, empty lines, NUL bytes and invalid UTF-8, and no newline at the end.
const TEXT: &[u8] = b"{\"a\":1}\r\n\n\r\n{\"b\":2}\n\0\xff\xfe binary\n\n{\"c\":3}";

fn text_lines(file: &Path) -> Vec<Got> {
    vec![
        line(file, 1, "{\"a\":1}"),
        line(file, 4, "{\"b\":2}"),
        Got::Line(name(file), 5, b"\0\xff\xfe binary".to_vec()),
        line(file, 7, "{\"c\":3}"),
    ]
}

#[test]
fn plain_gzip_multi_member_gzip_and_zstd_give_the_same_lines() {
    let dir = TempDir::new("formats");
    let mut multi = gzip(&TEXT[..12]);
    multi.extend(gzip(&TEXT[12..30]));
    multi.extend(gzip(&TEXT[30..]));
    // Told by their first bytes: the names say nothing (or lie).
    let files = [
        dir.write("plain.gz", TEXT),
        dir.write("gzip.log", &gzip(TEXT)),
        dir.write("multi", &multi),
        dir.write("zstd.json", &zstd(TEXT)),
    ];
    for file in &files {
        let (got, summary) = read_all(std::slice::from_ref(file), fast());
        assert_eq!(got, text_lines(file), "{}", file.display());
        assert_eq!(summary.lines, 4);
        assert_eq!(summary.bytes, TEXT.len() as u64);
        assert_eq!(
            (summary.files, summary.errors, summary.stopped),
            (1, 0, false)
        );
    }

    let mut reader = Reader::new(&files, fast());
    let progress = reader.progress();
    let on_disk: u64 = files.iter().map(|f| fs::metadata(f).unwrap().len()).sum();
    assert_eq!(progress.total, Some(on_disk));
    let summary = reader.run(&AtomicBool::new(false), &mut |_| ControlFlow::Continue(()));
    assert_eq!(progress.read.load(Ordering::Relaxed), on_disk);
    assert_eq!((summary.files, summary.lines), (4, 16));
}

#[test]
fn tiny_and_empty_inputs() {
    let dir = TempDir::new("tiny");
    let files = [
        dir.write("empty", b""),
        dir.write("one", b"x"),
        dir.write("newlines", b"\n\r\n\n"),
        dir.write("gzip-magic-only", b"\x1f\x8b"),
        dir.write("empty.gz", &gzip(b"")),
        dir.write("last", b"ab\r\n"),
    ];
    let (got, summary) = read_all(&files, fast());
    assert_eq!(
        got,
        [
            line(&files[1], 1, "x"),
            Got::Line(name(&files[3]), 1, b"\x1f\x8b".to_vec()),
            line(&files[5], 1, "ab"),
        ]
    );
    assert_eq!((summary.files, summary.errors), (6, 0));
}

#[test]
fn a_directory_is_walked_in_name_order_without_hidden_names() {
    let dir = TempDir::new("walk");
    let logs = dir.path("logs");
    for (file, text) in [
        ("logs/b.log", "b\n"),
        ("logs/a.log.gz", "a\n"),
        ("logs/sub/c.log", "c\n"),
        ("logs/sub/deeper/d", "d\n"),
        ("logs/sub.log", "s\n"),
        ("logs/.hidden.log", "hidden\n"),
        ("logs/.git/x.log", "hidden\n"),
        ("alone.log", "alone\n"),
    ] {
        let bytes = if file.ends_with(".gz") {
            gzip(text.as_bytes())
        } else {
            text.as_bytes().to_vec()
        };
        dir.write(file, &bytes);
    }
    fs::create_dir_all(dir.path("logs/empty")).unwrap();
    let alone = dir.path("alone.log");
    let (got, _) = read_all(&[alone.clone(), logs.clone(), alone.clone()], fast());
    let l = |p: &str, text: &str| line(&logs.join(p), 1, text);
    assert_eq!(
        got,
        [
            line(&alone, 1, "alone"),
            l("a.log.gz", "a"),
            l("b.log", "b"),
            l("sub/c.log", "c"),
            l("sub/deeper/d", "d"),
            l("sub.log", "s"),
            line(&alone, 1, "alone"),
        ]
    );
}

#[test]
fn a_100_mb_line_is_reported_as_too_long_and_not_held() {
    let dir = TempDir::new("long");
    let path = dir.path("long.log");
    let mut f = File::create(&path).unwrap();
    f.write_all(b"before\n").unwrap();
    let chunk = vec![b'x'; 1 << 20];
    for _ in 0..100 {
        f.write_all(&chunk).unwrap();
    }
    f.write_all(b"\r\nafter\n").unwrap();
    drop((f, chunk));

    let options = Options {
        max_line: 1 << 20,
        ..Options::default()
    };
    let ((got, summary), peak) = peak_heap(|| read_all(std::slice::from_ref(&path), options));
    assert_eq!(
        got,
        [
            line(&path, 1, "before"),
            Got::TooLong(name(&path), 2, 100 << 20),
            line(&path, 3, "after"),
        ]
    );
    assert_eq!((summary.lines, summary.too_long), (2, 1));
    // The 1 MiB buffer, grown at most to max_line + 2 (both held while it
    // grows): nowhere near the line's 100 MB.
    assert!(peak < 3 << 20, "peak heap {peak} bytes");
}

#[test]
fn a_line_just_within_the_limit_is_delivered() {
    let dir = TempDir::new("limit");
    let max = 3 << 20;
    let mut text = vec![b'y'; max];
    text.extend_from_slice(b"\r\n");
    text.extend(vec![b'z'; max + 1]);
    text.extend_from_slice(b"\r\nend");
    let path = dir.write("limit.log", &text);
    let options = Options {
        max_line: max,
        ..fast()
    };
    let (got, _) = read_all(std::slice::from_ref(&path), options);
    assert_eq!(got.len(), 3);
    assert!(matches!(&got[0], Got::Line(_, 1, t) if t.len() == max));
    assert_eq!(got[1], Got::TooLong(name(&path), 2, max as u64 + 1));
    assert_eq!(got[2], line(&path, 3, "end"));
}

#[test]
fn a_corrupt_or_cut_gzip_is_reported_and_the_next_input_read() {
    let dir = TempDir::new("corrupt");
    let mut text = Vec::new();
    for i in 0..20_000 {
        writeln!(text, "{{\"n\":{i},\"pad\":\"{}\"}}", i * 7919 % 100_003).unwrap();
    }
    let gz = gzip(&text);
    let mut corrupt = gz.clone();
    let middle = corrupt.len() / 2;
    for b in &mut corrupt[middle..middle + 64] {
        *b ^= 0x5a;
    }
    let files = [
        dir.write("corrupt.gz", &corrupt),
        dir.write("cut.gz", &gz[..gz.len() / 2]),
        dir.write("next.log", b"still read\n"),
    ];
    let (got, summary) = read_all(&files, fast());
    for file in &files[..2] {
        let lines = got
            .iter()
            .filter(|g| matches!(g, Got::Line(f, ..) if *f == name(file)))
            .count() as u64;
        let errors: Vec<_> = got
            .iter()
            .filter(|g| matches!(g, Got::Error(f, ..) if *f == name(file)))
            .collect();
        assert_eq!(errors.len(), 1, "{got:?}");
        let Got::Error(_, at, message) = errors[0] else {
            unreachable!()
        };
        assert!(lines > 0 && lines < 20_000, "{lines} lines");
        if file.ends_with("cut.gz") {
            assert_eq!(*at, lines + 1, "{message}");
        } else {
            // Deflate may decode damage into garbage (empty lines among
            // them) before the checksum tells.
            assert!(*at > lines, "{at} after {lines} lines: {message}");
        }
    }
    assert_eq!(got.last(), Some(&line(&files[2], 1, "still read")));
    assert_eq!(summary.errors, 2);
}

#[test]
fn a_missing_path_is_reported_and_the_next_input_read() {
    let dir = TempDir::new("missing");
    let missing = dir.path("nope.log");
    let there = dir.write("there.log", b"here\n");
    let (got, summary) = read_all(&[missing.clone(), there.clone()], fast());
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(matches!(&got[0], Got::Error(f, 0, m) if *f == name(&missing) && m.contains("open")));
    assert_eq!(got[1], line(&there, 1, "here"));
    assert_eq!((summary.files, summary.errors), (1, 1));
}

#[test]
fn the_sink_ends_the_run() {
    let dir = TempDir::new("break");
    let a = dir.write("a", b"1\n2\n3\n");
    let b = dir.write("b", b"4\n");
    let mut got = Vec::new();
    let summary = Reader::new(&[a.clone(), b], fast()).run(&AtomicBool::new(false), &mut |item| {
        got.push(Got::of(item));
        if got.len() == 2 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    assert_eq!(got, [line(&a, 1, "1"), line(&a, 2, "2")]);
    assert!(summary.stopped);
}

/// A reader following files in a thread of its own.
struct Following {
    items: Arc<Mutex<Vec<Got>>>,
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<Summary>,
}

impl Following {
    fn start(paths: &[PathBuf]) -> Following {
        let items = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let options = Options {
            follow: true,
            ..fast()
        };
        let mut reader = Reader::new(paths, options);
        let (sink, flag) = (items.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            reader.run(&flag, &mut |item| {
                sink.lock().unwrap().push(Got::of(item));
                ControlFlow::Continue(())
            })
        });
        Following {
            items,
            stop,
            thread,
        }
    }

    fn items(&self) -> Vec<Got> {
        self.items.lock().unwrap().clone()
    }

    /// Waits (at most a second) until `want` is among the items.
    fn wait_for(&self, want: &Got) {
        let deadline = Instant::now() + Duration::from_secs(1);
        while !self.items().contains(want) {
            assert!(
                Instant::now() < deadline,
                "waited for {want:?}; got {:?}",
                self.items()
            );
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    fn stop(self) -> (Vec<Got>, Summary) {
        let asked = Instant::now();
        self.stop.store(true, Ordering::Relaxed);
        let summary = self.thread.join().unwrap();
        assert!(asked.elapsed() < Duration::from_millis(500));
        let items = self.items.lock().unwrap().clone();
        (items, summary)
    }
}

fn append(path: &Path, bytes: &[u8]) {
    let mut f = OpenOptions::new().append(true).open(path).unwrap();
    f.write_all(bytes).unwrap();
}

#[test]
fn following_sees_appended_lines_and_waits_for_unfinished_ones() {
    let dir = TempDir::new("follow");
    let log = dir.write("app.log", b"one\n");
    let reader = Following::start(std::slice::from_ref(&log));
    reader.wait_for(&line(&log, 1, "one"));
    append(&log, b"two\nthr");
    reader.wait_for(&line(&log, 2, "two"));
    std::thread::sleep(Duration::from_millis(100));
    append(&log, b"ee\n\nfive\n");
    reader.wait_for(&line(&log, 5, "five"));
    append(&log, b"unfinished");
    std::thread::sleep(Duration::from_millis(60));
    let (got, summary) = reader.stop();
    assert_eq!(
        got,
        [
            line(&log, 1, "one"),
            line(&log, 2, "two"),
            line(&log, 3, "three"),
            line(&log, 5, "five"),
            line(&log, 6, "unfinished"),
        ]
    );
    assert!(summary.stopped);
    assert_eq!((summary.files, summary.lines), (1, 5));
}

#[test]
fn following_reopens_a_rotated_file_after_draining_the_old_one() {
    let dir = TempDir::new("rotate");
    let log = dir.write("app.log", b"1\n2\n");
    let reader = Following::start(std::slice::from_ref(&log));
    reader.wait_for(&line(&log, 2, "2"));
    // Written just before the rotation: read from the old file, the
    // unfinished line included.
    append(&log, b"3\n4");
    fs::rename(&log, dir.path("app.log.1")).unwrap();
    fs::write(&log, b"new 1\n").unwrap();
    reader.wait_for(&line(&log, 1, "new 1"));
    append(&log, b"new 2\n");
    reader.wait_for(&line(&log, 2, "new 2"));
    let (got, summary) = reader.stop();
    // The reader may look between the rename and the new file: then it
    // tells that the file is gone first.
    let got: Vec<Got> = got
        .into_iter()
        .filter(|g| !matches!(g, Got::Gone(_)))
        .collect();
    assert_eq!(
        got,
        [
            line(&log, 1, "1"),
            line(&log, 2, "2"),
            line(&log, 3, "3"),
            line(&log, 4, "4"),
            Got::Rotated(name(&log)),
            line(&log, 1, "new 1"),
            line(&log, 2, "new 2"),
        ]
    );
    assert_eq!(summary.files, 2);
}

#[test]
fn following_reads_a_truncated_file_from_its_start() {
    let dir = TempDir::new("truncate");
    let log = dir.write("app.log", b"a first line\na second line\n");
    let reader = Following::start(std::slice::from_ref(&log));
    reader.wait_for(&line(&log, 2, "a second line"));
    fs::write(&log, b"short\n").unwrap();
    reader.wait_for(&line(&log, 1, "short"));
    append(&log, b"then more\n");
    reader.wait_for(&line(&log, 2, "then more"));
    let (got, _) = reader.stop();
    assert_eq!(
        got,
        [
            line(&log, 1, "a first line"),
            line(&log, 2, "a second line"),
            Got::Rotated(name(&log)),
            line(&log, 1, "short"),
            line(&log, 2, "then more"),
        ]
    );
}

#[test]
fn a_deleted_file_is_gone_once_while_the_other_is_still_followed() {
    let dir = TempDir::new("gone");
    let a = dir.write("a.log", b"a1\n");
    let b = dir.write("b.log", b"b1\n");
    let reader = Following::start(&[a.clone(), b.clone()]);
    reader.wait_for(&line(&b, 1, "b1"));
    fs::remove_file(&a).unwrap();
    reader.wait_for(&Got::Gone(name(&a)));
    append(&b, b"b2\n");
    reader.wait_for(&line(&b, 2, "b2"));
    std::thread::sleep(Duration::from_millis(60));
    fs::write(&a, b"a again\n").unwrap();
    reader.wait_for(&line(&a, 1, "a again"));
    let (got, _) = reader.stop();
    assert_eq!(
        got,
        [
            line(&a, 1, "a1"),
            line(&b, 1, "b1"),
            Got::Gone(name(&a)),
            line(&b, 2, "b2"),
            Got::Rotated(name(&a)),
            line(&a, 1, "a again"),
        ]
    );
}

#[test]
fn following_waits_for_a_missing_file_and_reads_compressed_ones_once() {
    let dir = TempDir::new("appear");
    let later = dir.path("later.log");
    let gz = dir.write("old.log.gz", &gzip(b"old\n"));
    let reader = Following::start(&[later.clone(), gz.clone()]);
    reader.wait_for(&line(&gz, 1, "old"));
    fs::write(&later, b"at last\n").unwrap();
    reader.wait_for(&line(&later, 1, "at last"));
    let (got, summary) = reader.stop();
    assert!(matches!(&got[0], Got::Error(f, 0, _) if *f == name(&later)));
    assert_eq!(
        got[1..],
        [
            line(&gz, 1, "old"),
            Got::Rotated(name(&later)),
            line(&later, 1, "at last"),
        ]
    );
    assert_eq!(summary.files, 2);
}

#[test]
fn following_only_compressed_files_ends_at_their_end() {
    let dir = TempDir::new("notfollowed");
    let zst = dir.write("a.zst", &zstd(b"z\n"));
    let options = Options {
        follow: true,
        ..fast()
    };
    let (got, summary) = read_all(std::slice::from_ref(&zst), options);
    assert_eq!(got, [line(&zst, 1, "z")]);
    assert!(!summary.stopped);
}

/// End to end through a file (from the page cache), and through gzip and
/// zstd: `cargo test --release -p vigil-hunt --test lines -- --ignored --nocapture`.
#[test]
#[ignore]
fn throughput_from_files() {
    let dir = TempDir::new("bench");
    let mut text = Vec::with_capacity(210 << 20);
    let mut i = 0u64;
    while text.len() < 200 << 20 {
        writeln!(
            text,
            "{{\"ts\":1700000000.{i:06},\"uid\":\"C{i:x}\",\"id.orig_h\":\"10.0.{}.{}\",\
             \"id.orig_p\":{},\"id.resp_h\":\"203.0.113.{}\",\"id.resp_p\":443,\
             \"proto\":\"tcp\",\"service\":\"ssl\",\"duration\":0.25,\"orig_bytes\":{}}}",
            i % 256,
            (i / 256) % 256,
            1024 + i % 60000,
            i % 250,
            i * 7 % 100000
        )
        .unwrap();
        i += 1;
    }
    let plain = dir.write("conn.log", &text);
    let gz = {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(&text).unwrap();
        dir.write("conn.log.gz", &e.finish().unwrap())
    };
    let zst = dir.write("conn.log.zst", &zstd::encode_all(&text[..], 1).unwrap());
    for path in [&plain, &plain, &plain, &gz, &zst] {
        let mut lines = 0u64;
        let started = Instant::now();
        let summary = Reader::new(std::slice::from_ref(path), Options::default()).run(
            &AtomicBool::new(false),
            &mut |item| {
                if let Item::Line { text, .. } = item {
                    lines += u64::from(!text.is_empty());
                }
                ControlFlow::Continue(())
            },
        );
        let secs = started.elapsed().as_secs_f64();
        assert_eq!((lines, summary.bytes), (i, text.len() as u64));
        println!(
            "{}: {:.0} MB/s of text, {:.1} M lines/s",
            path.display(),
            summary.bytes as f64 / secs / 1e6,
            lines as f64 / secs / 1e6
        );
    }
}
