//! `vigil hunt` on bad input (issue 5's acceptance): truncated lines, binary
//! garbage, a 100 MB line, corrupt compressed files, a wrong `--format`,
//! empty and missing paths, files that disappear or are rotated while
//! followed. Each bad line is counted and reported on stderr as
//! `vigil: FILE:LINE: why`; the hunt goes on, so the hits planted before and
//! after every bad input are all found, with their file and 1-based line;
//! nothing panics.

mod common;
use common::*;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const IP: &str = "203.0.113.9";
const DOMAIN: &str = "evil.example";
const IP_NAME: &str = "Dropper C2 address";
const DOMAIN_NAME: &str = "Dropper C2 domain";

/// A data directory holding the two indicators.
fn store(tag: &str) -> TempDir {
    let d = TempDir::new(tag);
    let indicator = |uuid: &str, name: &str, pattern: String| {
        json!({"type": "indicator", "spec_version": "2.1", "id": format!("indicator--{uuid}"),
               "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
               "name": name, "pattern": pattern, "pattern_type": "stix",
               "valid_from": "2024-01-01T00:00:00Z", "indicator_types": ["malicious-activity"]})
    };
    let bundle = json!({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": [
        indicator("8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", IP_NAME, format!("[ipv4-addr:value = '{IP}']")),
        indicator("9f3a1e0c-2b4d-4c6e-8f10-a1b2c3d4e5f6", DOMAIN_NAME, format!("[domain-name:value = '{DOMAIN}']")),
    ]});
    let f = d.join("indicators.json");
    std::fs::write(&f, serde_json::to_vec(&bundle).unwrap()).unwrap();
    let out = run(vigil(&d.join("data"), &["import", f.to_str().unwrap()]));
    assert!(out.status.success(), "{}", stderr(&out));
    d
}

/// Zeek's `ts` for record `i`: epoch seconds with microseconds.
fn ts(i: u64) -> String {
    format!("{}.{:06}", 1_700_000_000 + i * 7, (i * 7919) % 1_000_000)
}

/// A Zeek conn.log record (JSON, field names as Zeek documents them).
fn conn(i: u64, resp_h: &str) -> String {
    format!(
        r#"{{"ts":{},"uid":"C{:x}kQ3{}","id.orig_h":"10.1.{}.{}","id.orig_p":{},"id.resp_h":"{resp_h}","id.resp_p":443,"proto":"tcp","service":"ssl","duration":0.25,"orig_bytes":512,"resp_bytes":4096,"conn_state":"SF","local_orig":true,"local_resp":false,"missed_bytes":0,"history":"ShADadFf","orig_pkts":8,"orig_ip_bytes":932,"resp_pkts":9,"resp_ip_bytes":4564}}"#,
        ts(i),
        i.wrapping_mul(2_654_435_761) % (1 << 32),
        i,
        i / 250 % 250,
        i % 250 + 1,
        49152 + i % 16000,
    )
}

/// A Zeek dns.log record.
fn dns(i: u64, query: &str) -> String {
    format!(
        r#"{{"ts":{},"uid":"C{:x}dN5{}","id.orig_h":"10.1.{}.{}","id.orig_p":{},"id.resp_h":"192.0.2.53","id.resp_p":53,"proto":"udp","trans_id":{},"rtt":0.012,"query":"{query}","qclass":1,"qclass_name":"C_INTERNET","qtype":1,"qtype_name":"A","rcode":0,"rcode_name":"NOERROR","AA":false,"TC":false,"RD":true,"RA":true,"Z":0,"answers":["198.51.100.{}"],"TTLs":[300.0],"rejected":false}}"#,
        ts(i),
        i.wrapping_mul(40_503) % (1 << 32),
        i,
        i / 250 % 250,
        i % 250 + 1,
        49152 + i % 16000,
        i % 65536,
        i % 200 + 1,
    )
}

/// `line` cut just after the first `after` in it: a truncated record.
fn cut(line: &str, after: &str) -> Vec<u8> {
    let at = line.find(after).expect("cut point") + after.len();
    assert!(at < line.len());
    line.as_bytes()[..at].to_vec()
}

/// Bytes from a seeded xorshift64*: binary garbage, the same every run.
fn garbage(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
        })
        .collect()
}

/// A log file being made, and what its lines must give.
#[derive(Default)]
struct Log {
    bytes: Vec<u8>,
    /// The number of the last line.
    lines: u64,
    /// Planted hits: line and indicator name.
    hits: Vec<(u64, &'static str)>,
    /// Lines that must be reported unparseable.
    bad: Vec<u64>,
    /// Lines that must be reported too long.
    long: Vec<u64>,
}

impl Log {
    /// Adds a line; returns its number.
    fn push(&mut self, text: &[u8]) -> u64 {
        assert!(!text.contains(&b'\n'));
        self.bytes.extend_from_slice(text);
        self.bytes.push(b'\n');
        self.lines += 1;
        self.lines
    }

    /// `n` clean records, conn and dns, none a hit.
    fn clean(&mut self, n: u64) {
        for _ in 0..n {
            let i = self.lines;
            let text = if i % 3 == 2 {
                dns(i, "www.example.org")
            } else {
                conn(i, "198.51.100.20")
            };
            self.push(text.as_bytes());
        }
    }

    /// A record that hits `value` (IP: a connection to it; DOMAIN: a query).
    fn hit(&mut self, value: &str) -> u64 {
        let i = self.lines;
        let (text, name) = match value {
            IP => (conn(i, IP), IP_NAME),
            DOMAIN => (dns(i, DOMAIN), DOMAIN_NAME),
            other => panic!("no indicator for {other}"),
        };
        let n = self.push(text.as_bytes());
        self.hits.push((n, name));
        n
    }

    /// A line that must be reported unparseable.
    fn bad(&mut self, text: &[u8]) -> u64 {
        let n = self.push(text);
        self.bad.push(n);
        n
    }

    /// A blob of bytes with its own newlines: every non-empty line of it
    /// (a `\r` before the newline is not part of the line) is unparseable.
    fn blob(&mut self, blob: &[u8]) {
        for part in blob.split(|&b| b == b'\n') {
            let n = self.push(part);
            if !part.strip_suffix(b"\r").unwrap_or(part).is_empty() {
                self.bad.push(n);
            }
        }
    }

    /// A last line without a newline; returns its number.
    fn unended(&mut self, text: &[u8]) -> u64 {
        assert!(!text.contains(&b'\n'));
        self.bytes.extend_from_slice(text);
        self.lines += 1;
        self.lines
    }

    fn write(&self, path: &Path) {
        std::fs::write(path, &self.bytes).unwrap();
    }

    fn append(&self, path: &Path, from: usize) {
        let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
        f.write_all(&self.bytes[from..]).unwrap();
    }
}

/// A hit as `--json` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Hit {
    file: String,
    line: u64,
    name: String,
}

fn hit_of(line: &str) -> Hit {
    let v: Value =
        serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON hit ({e}): {line}"));
    let name = v["indicator_name"].as_str().expect("indicator_name");
    let value = match name {
        IP_NAME => IP,
        DOMAIN_NAME => DOMAIN,
        other => panic!("a hit of an unknown indicator {other}: {line}"),
    };
    assert_eq!(v["matched"], json!([value]), "{line}");
    assert!(v["indicator"].as_str().unwrap().starts_with("indicator--"));
    Hit {
        file: v["file"].as_str().expect("file").to_string(),
        line: v["line"].as_u64().expect("line"),
        name: name.to_string(),
    }
}

/// What a run gave.
struct Hunt {
    status: ExitStatus,
    hits: Vec<Hit>,
    stderr: String,
}

impl Hunt {
    fn of(status: ExitStatus, stdout: &[u8], stderr: &[u8]) -> Hunt {
        let err = String::from_utf8_lossy(stderr).into_owned();
        assert!(!err.contains("panicked"), "vigil panicked:\n{err}");
        assert!(
            status.code().is_some(),
            "ended by a signal: {status:?}\n{err}"
        );
        assert_ne!(status.code(), Some(101), "{err}");
        let hits = String::from_utf8_lossy(stdout)
            .lines()
            .map(hit_of)
            .collect();
        Hunt {
            status,
            hits,
            stderr: err,
        }
    }
}

/// `vigil hunt --json --dry-run --quiet ARGS...`.
fn hunt_command(d: &TempDir, args: &[&str]) -> Command {
    let mut all = vec!["hunt", "--json", "--dry-run", "--quiet"];
    all.extend_from_slice(args);
    vigil(&d.join("data"), &all)
}

fn hunt(d: &TempDir, args: &[&str]) -> Hunt {
    let out = hunt_command(d, args).output().expect("run vigil");
    Hunt::of(out.status, &out.stdout, &out.stderr)
}

/// The `vigil: FILE:LINE: why` lines of stderr.
fn problems(stderr: &str) -> Vec<(String, u64, String)> {
    let mut out = Vec::new();
    for l in stderr.lines() {
        let Some(rest) = l.strip_prefix("vigil: ") else {
            continue;
        };
        // The first ":DIGITS: " ends the file's name.
        let mut from = 0;
        while let Some(c) = rest[from..].find(':') {
            let at = from + c;
            let digits = rest[at + 1..]
                .bytes()
                .take_while(u8::is_ascii_digit)
                .count();
            let after = at + 1 + digits;
            if digits > 0 && rest[after..].starts_with(": ") {
                let line = rest[at + 1..after].parse().unwrap();
                out.push((rest[..at].to_string(), line, rest[after + 2..].to_string()));
                break;
            }
            from = at + 1;
        }
        // A file that cannot be opened is named without a line: line 0 here.
        if let Some((file, why)) = rest.split_once(": cannot open") {
            if !file.ends_with(|c: char| c.is_ascii_digit()) || !file.contains(':') {
                out.push((file.to_string(), 0, format!("cannot open{why}")));
            }
        }
    }
    out
}

/// The counts of the summary line.
#[derive(Debug, Default, PartialEq, Eq)]
struct Counts {
    hits: u64,
    not_read: u64,
    unparseable: u64,
    too_long: u64,
    read_errors: u64,
}

/// The number `text` ends with.
fn last_number(text: &str) -> u64 {
    let text = text.trim_end();
    let digits = text.bytes().rev().take_while(u8::is_ascii_digit).count();
    text[text.len() - digits..]
        .parse()
        .unwrap_or_else(|e| panic!("no number at the end of {text:?}: {e}"))
}

/// The number just before `marker` in `text`.
fn number_before(text: &str, marker: &str) -> u64 {
    let (head, _) = text
        .split_once(marker)
        .unwrap_or_else(|| panic!("no {marker:?} in {text}"));
    last_number(head)
}

fn counts(stderr: &str) -> Counts {
    let summary = stderr
        .lines()
        .find(|l| l.starts_with("hunted "))
        .unwrap_or_else(|| panic!("no summary:\n{stderr}"));
    // "N lines not read", or "1 line not read".
    let (head, _) = summary.split_once(" not read (").expect("lines not read");
    let head = head.trim_end_matches('s').trim_end_matches(" line");
    Counts {
        hits: number_before(summary, " hits of "),
        not_read: last_number(head),
        unparseable: number_before(summary, " unparseable,"),
        too_long: number_before(summary, " too long,"),
        read_errors: number_before(summary, " read errors)"),
    }
}

/// What a run must report: the hits in order, and every problem by kind,
/// file and line.
#[derive(Default)]
struct Expect {
    hits: Vec<Hit>,
    unparseable: Vec<(String, u64)>,
    too_long: Vec<(String, u64)>,
    read_errors: Vec<(String, u64)>,
}

fn name(path: &Path) -> String {
    path.display().to_string()
}

impl Expect {
    /// The hits and problems planted in `log`, read as `file`.
    fn log(mut self, file: &str, log: &Log) -> Expect {
        let at = |l: &u64| (file.to_string(), *l);
        self.hits.extend(log.hits.iter().map(|(line, n)| Hit {
            file: file.to_string(),
            line: *line,
            name: n.to_string(),
        }));
        self.unparseable.extend(log.bad.iter().map(at));
        self.too_long.extend(log.long.iter().map(at));
        self
    }

    fn read_error(mut self, file: &str, line: u64) -> Expect {
        self.read_errors.push((file.to_string(), line));
        self
    }

    fn check(&self, h: &Hunt) {
        let err = &h.stderr;
        assert_eq!(h.hits, self.hits, "the hits\n{err}");
        let got = problems(err);
        let mut at: Vec<(String, u64)> = got.iter().map(|(f, l, _)| (f.clone(), *l)).collect();
        let mut want: Vec<(String, u64)> = [&self.unparseable, &self.too_long, &self.read_errors]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        at.sort();
        want.sort();
        assert_eq!(at, want, "the problems reported\n{err}");
        for (f, l, why) in &got {
            let place = (f.clone(), *l);
            if self.too_long.contains(&place) {
                assert!(why.contains("longer than the limit; skipped"), "{why}");
            } else if self.read_errors.contains(&place) {
                assert!(why.starts_with("cannot "), "{why}");
            } else {
                assert!(!why.is_empty());
            }
        }
        let n = |v: &Vec<(String, u64)>| v.len() as u64;
        assert_eq!(
            counts(err),
            Counts {
                hits: self.hits.len() as u64,
                not_read: n(&want),
                unparseable: n(&self.unparseable),
                too_long: n(&self.too_long),
                read_errors: n(&self.read_errors),
            },
            "the summary\n{err}"
        );
        let status = if self.hits.is_empty() { 1 } else { 0 };
        assert_eq!(h.status.code(), Some(status), "{err}");
    }
}

#[test]
fn truncated_lines_are_reported_and_the_hunt_goes_on() {
    let d = store("hunt-trunc");
    let mut a = Log::default();
    a.clean(3);
    a.hit(IP);
    // Cut in a string, a number, a member name, after a comma, before the
    // closing brace, in an escape, after the opening brace.
    a.bad(&cut(&conn(a.lines, IP), r#""id.resp_h":"203.0."#));
    a.hit(DOMAIN);
    a.bad(&cut(&dns(a.lines, DOMAIN), r#""ts":17000"#));
    a.clean(2);
    a.bad(&cut(&conn(a.lines, IP), r#""id.resp_p":44"#));
    a.hit(IP);
    a.bad(&cut(&conn(a.lines, IP), r#""id.re"#));
    a.bad(&cut(&conn(a.lines, IP), r#""proto":"tcp","#));
    let whole = dns(a.lines, DOMAIN);
    a.bad(&whole.as_bytes()[..whole.len() - 1]);
    a.bad(&cut(
        &dns(a.lines, r"evil\u0065xample"),
        r#""query":"evil\u00"#,
    ));
    a.bad(b"{");
    a.bad(b"{\"");
    a.hit(DOMAIN);
    a.clean(1);
    // The last line is cut, and has no newline.
    let last = a.unended(&cut(&dns(a.lines, DOMAIN), r#""query":"evil.exa"#));
    a.bad.push(last);

    // A whole last line without a newline is read.
    let mut b = Log::default();
    b.clean(1);
    b.hit(IP);
    let last = b.unended(dns(b.lines, DOMAIN).as_bytes());
    b.hits.push((last, DOMAIN_NAME));

    // A file that is one cut line.
    let mut c = Log::default();
    let only = c.unended(&cut(&conn(0, IP), r#""id.orig_h":"10"#));
    c.bad.push(only);

    let (pa, pb, pc) = (d.join("a.log"), d.join("b.log"), d.join("c.log"));
    a.write(&pa);
    b.write(&pb);
    c.write(&pc);
    let (na, nb, nc) = (name(&pa), name(&pb), name(&pc));
    // Recognised, or named.
    for format in ["auto", "zeek"] {
        let h = hunt(&d, &["--format", format, &na, &nb, &nc]);
        Expect::default()
            .log(&na, &a)
            .log(&nb, &b)
            .log(&nc, &c)
            .check(&h);
        // A line of a file whose format is known is told to be broken JSON.
        let why = problems(&h.stderr);
        assert!(why[0].2.starts_with("not JSON"), "{:?}", why[0]);
    }
}

#[test]
fn binary_garbage_is_reported_and_the_hunt_goes_on() {
    let d = store("hunt-garbage");
    let mut a = Log::default();
    a.clean(2);
    a.hit(IP);
    a.bad(&[0; 64]);
    a.bad(&[0xff; 4096]);
    // Invalid UTF-8: an overlong NUL, a lone surrogate, 5-byte and stray bytes.
    a.bad(b"\xc0\x80\xed\xa0\x80\xf8\x88\x80\x80\x80\xfe\xff\x80");
    a.hit(DOMAIN);
    a.blob(&garbage(1, 64 << 10));
    a.hit(IP);
    // Records with garbage after them, before them, or in place of a quote.
    a.bad(format!("{}\0\0\u{ff}", conn(a.lines, IP)).as_bytes());
    let mut before = b"\0\xff\xfe".to_vec();
    before.extend_from_slice(dns(a.lines, DOMAIN).as_bytes());
    a.bad(&before);
    a.bad(
        &conn(a.lines, IP)
            .replacen("\"id.resp_h\"", "\0id.resp_h\"", 1)
            .into_bytes(),
    );
    // Compression's magic bytes in the middle of a file are only bytes.
    a.bad(b"\x1f\x8b\x08\0\0\0\0\0\0\x03");
    a.bad(b"\x28\xb5\x2f\xfd\0\x58");
    a.clean(1);
    a.hit(DOMAIN);

    // A file that starts with binary (an ELF header, then random bytes): its
    // format is recognised from the first records, after the garbage.
    let mut b = Log::default();
    let mut elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0\x3e\0".to_vec();
    elf.extend(garbage(2, 16 << 10));
    b.blob(&elf);
    b.clean(2);
    b.hit(IP);
    b.blob(&garbage(3, 4 << 10));
    b.hit(DOMAIN);

    let (pa, pb) = (d.join("a.log"), d.join("b.log"));
    a.write(&pa);
    b.write(&pb);
    let h = hunt(&d, &[&name(&pa), &name(&pb)]);
    Expect::default()
        .log(&name(&pa), &a)
        .log(&name(&pb), &b)
        .check(&h);

    // The same on stdin.
    let mut child = hunt_command(&d, &["-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let bytes = b.bytes.clone();
    let writer = std::thread::spawn(move || stdin.write_all(&bytes));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    let h = Hunt::of(out.status, &out.stdout, &out.stderr);
    Expect::default().log("<stdin>", &b).check(&h);
}

/// Runs `child` to its end, watching its peak resident memory (KiB), from
/// /proc; 0 where there is none.
fn wait_watching_memory(mut child: Child) -> (Hunt, u64) {
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    let status = loop {
        if let Ok(s) = std::fs::read_to_string(&status_file) {
            if let Some(kib) = s
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            {
                peak = peak.max(kib);
            }
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    // Two hits and a few problems: far less than a pipe holds.
    let (mut out, mut err) = (Vec::new(), Vec::new());
    child.stdout.take().unwrap().read_to_end(&mut out).unwrap();
    child.stderr.take().unwrap().read_to_end(&mut err).unwrap();
    (Hunt::of(status, &out, &err), peak)
}

#[test]
fn a_100_mb_line_is_skipped_without_being_held() {
    let d = store("hunt-long");
    let mut a = Log::default();
    a.clean(2);
    a.hit(IP);
    // A dns record of 100 MiB, the indicator's address in it: skipped whole,
    // never half read.
    let mut long = dns(a.lines, DOMAIN).into_bytes();
    long.pop();
    long.extend_from_slice(format!(r#","pad":"{IP} "#).as_bytes());
    long.resize(100 << 20, b'x');
    long.extend_from_slice(b"\"}");
    let long_len = long.len();
    let n = a.push(&long);
    a.long.push(n);
    drop(long);
    a.hit(DOMAIN);
    a.clean(1);
    a.hit(IP);
    // Another long line, 17 MiB of garbage without a newline at the end.
    let n = a.unended(&vec![b'z'; 17 << 20]);
    a.long.push(n);
    let pa = d.join("long.log");
    a.write(&pa);
    a.bytes = Vec::new();

    let child = hunt_command(&d, &[&name(&pa)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (h, peak_kib) = wait_watching_memory(child);
    Expect::default().log(&name(&pa), &a).check(&h);
    let told = problems(&h.stderr);
    assert!(
        told[0]
            .2
            .starts_with(&format!("a line of {long_len} bytes")),
        "{told:?}"
    );
    assert!(
        told[1]
            .2
            .starts_with(&format!("a line of {} bytes", 17 << 20)),
        "{told:?}"
    );
    if cfg!(target_os = "linux") {
        assert!(peak_kib > 0, "no VmHWM read");
        // Holding the line would take 100 MiB by itself.
        assert!(peak_kib < 96 << 10, "peak memory {peak_kib} KiB");
    }
}

/// The text of a gzip or zstd stream, decoded until it ends or fails, as the
/// hunt's reader decodes it; the number of its whole lines.
fn whole_lines_decoded(mut decoder: impl Read) -> u64 {
    let mut text = Vec::new();
    let mut buf = vec![0; 64 << 10];
    loop {
        match decoder.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => text.extend_from_slice(&buf[..n]),
        }
    }
    newlines(&text)
}

fn newlines(text: &[u8]) -> u64 {
    text.iter().filter(|&&b| b == b'\n').count() as u64
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// A log of `n` varied clean records (so that it compresses only so much),
/// hits at lines 2, n/4 and n - 1.
fn long_log(n: u64) -> Log {
    let mut log = Log::default();
    log.clean(1);
    log.hit(IP);
    while log.lines < n {
        if log.lines == n / 4 || log.lines == n - 2 {
            log.hit(DOMAIN);
        } else {
            log.clean(1);
        }
    }
    log
}

/// The hits and problems of `log`'s first `whole` lines, those read before a failure.
fn cut_short(log: &Log, whole: u64) -> Log {
    Log {
        hits: log
            .hits
            .iter()
            .filter(|(l, _)| *l <= whole)
            .cloned()
            .collect(),
        bad: log.bad.iter().filter(|l| **l <= whole).cloned().collect(),
        ..Log::default()
    }
}

#[test]
fn corrupt_and_cut_compressed_files_are_reported_and_the_hunt_goes_on() {
    let d = store("hunt-gz");
    let log = long_log(4000);
    let gz = gzip(&log.bytes);

    // Cut in half: the lines before the cut are hunted.
    let cut_gz = &gz[..gz.len() / 2];
    let whole = whole_lines_decoded(flate2::read::MultiGzDecoder::new(cut_gz));
    assert!(whole > 1000 && whole < 3990, "{whole}");
    let p_cut = d.join("cut.log.gz");
    std::fs::write(&p_cut, cut_gz).unwrap();

    // A wrong checksum at the end: every line is read, then the error told.
    let mut bad_crc = gz.clone();
    let at = bad_crc.len() - 8;
    bad_crc[at] ^= 0xff;
    let p_crc = d.join("crc.log.gz");
    std::fs::write(&p_crc, &bad_crc).unwrap();

    // Gzip's magic, then garbage.
    let p_head = d.join("head.log.gz");
    let mut head = b"\x1f\x8b\x08".to_vec();
    head.extend(garbage(4, 300));
    std::fs::write(&p_head, &head).unwrap();

    // A zstd stream cut in half.
    let zst = zstd::encode_all(&log.bytes[..], 3).unwrap();
    let cut_zst = &zst[..zst.len() / 2];
    let whole_zst = whole_lines_decoded(zstd::stream::read::Decoder::new(cut_zst).unwrap());
    assert!(whole_zst > 1000 && whole_zst < 3990, "{whole_zst}");
    let p_zst = d.join("cut.log.zst");
    std::fs::write(&p_zst, cut_zst).unwrap();

    // And after them all, a plain file: still hunted.
    let mut next = Log::default();
    next.clean(1);
    next.hit(DOMAIN);
    let p_next = d.join("next.log");
    next.write(&p_next);

    let h = hunt(
        &d,
        &[
            &name(&p_cut),
            &name(&p_crc),
            &name(&p_head),
            &name(&p_zst),
            &name(&p_next),
        ],
    );
    Expect::default()
        .log(&name(&p_cut), &cut_short(&log, whole))
        .read_error(&name(&p_cut), whole + 1)
        .log(&name(&p_crc), &log)
        .read_error(&name(&p_crc), log.lines + 1)
        .read_error(&name(&p_head), 1)
        .log(&name(&p_zst), &cut_short(&log, whole_zst))
        .read_error(&name(&p_zst), whole_zst + 1)
        .log(&name(&p_next), &next)
        .check(&h);

    // Garbage in the middle of the deflate stream: what it decodes to is
    // anyone's guess, but the file's lines before it are hunted, its failure
    // is told, and the next file is hunted.
    let mut mid = gz.clone();
    let at = mid.len() / 2;
    mid[at..at + 64].copy_from_slice(&garbage(5, 64));
    let p_mid = d.join("mid.log.gz");
    std::fs::write(&p_mid, &mid).unwrap();
    let h = hunt(&d, &[&name(&p_mid), &name(&p_next)]);
    assert_eq!(h.status.code(), Some(0), "{}", h.stderr);
    assert_eq!(
        h.hits[..2],
        Expect::default().log(&name(&p_mid), &log).hits[..2]
    );
    assert_eq!(
        h.hits.last(),
        Expect::default().log(&name(&p_next), &next).hits.last()
    );
    let told = problems(&h.stderr);
    assert!(
        told.iter()
            .any(|(f, _, why)| *f == name(&p_mid) && why.starts_with("cannot read")),
        "{}",
        h.stderr
    );
    // All counted; the first thousand told.
    let more = h
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("vigil: ... and "))
        .map_or(0, |l| number_before(l, " more lines not read"));
    let c = counts(&h.stderr);
    assert_eq!(c.not_read, told.len() as u64 + more, "{}", h.stderr);
    assert_eq!(c.not_read, c.unparseable + c.too_long + c.read_errors);
    assert_eq!(c.hits, h.hits.len() as u64);
}

/// One Suricata EVE flow event to the address, and a DNS v2 query for the name.
fn suricata_log() -> Log {
    let mut log = Log::default();
    log.push(br#"{"timestamp":"2024-03-01T12:00:00.123456+0000","flow_id":1,"event_type":"flow","src_ip":"10.0.0.1","src_port":5000,"dest_ip":"198.51.100.20","dest_port":443,"proto":"TCP","app_proto":"tls","flow":{"pkts_toserver":3,"pkts_toclient":2,"bytes_toserver":300,"bytes_toclient":200}}"#);
    let n = log.push(br#"{"timestamp":"2024-03-01T12:00:01.123456+0000","flow_id":2,"event_type":"flow","src_ip":"10.0.0.1","src_port":5001,"dest_ip":"203.0.113.9","dest_port":443,"proto":"TCP","app_proto":"tls","flow":{"pkts_toserver":3,"pkts_toclient":2,"bytes_toserver":300,"bytes_toclient":200}}"#);
    log.hits.push((n, IP_NAME));
    let n = log.push(br#"{"timestamp":"2024-03-01T12:00:02.000000+0000","flow_id":3,"event_type":"dns","src_ip":"10.0.0.1","src_port":5002,"dest_ip":"192.0.2.53","dest_port":53,"proto":"UDP","dns":{"version":2,"type":"query","id":1,"rrname":"evil.example","rrtype":"A","tx_id":0}}"#);
    log.hits.push((n, DOMAIN_NAME));
    log
}

/// ECS events: a connection to the address, a DNS question for the name.
fn ecs_log() -> Log {
    let mut log = Log::default();
    let n = log.push(br#"{"@timestamp":"2024-03-01T12:00:00.000Z","ecs":{"version":"8.11.0"},"event":{"category":["network"]},"source":{"ip":"10.0.0.1","port":5000},"destination":{"ip":"203.0.113.9","port":443},"network":{"transport":"tcp"}}"#);
    log.hits.push((n, IP_NAME));
    log.push(br#"{"@timestamp":"2024-03-01T12:00:01.000Z","ecs":{"version":"8.11.0"},"event":{"category":["network"]},"source":{"ip":"10.0.0.1","port":5001},"destination":{"ip":"198.51.100.20","port":443},"network":{"transport":"tcp"}}"#);
    let n = log.push(br#"{"@timestamp":"2024-03-01T12:00:02.000Z","ecs":{"version":"8.11.0"},"dns":{"question":{"name":"evil.example"}},"source":{"ip":"10.0.0.1"}}"#);
    log.hits.push((n, DOMAIN_NAME));
    log
}

/// STIX observed-data, one per line.
fn observed(n: u64, object: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({"type": "observed-data", "spec_version": "2.1",
        "id": format!("observed-data--00000000-0000-4000-8000-{n:012}"),
        "created": "2024-03-01T12:00:00Z", "modified": "2024-03-01T12:00:00Z",
        "first_observed": "2024-03-01T12:00:00Z", "last_observed": "2024-03-01T12:00:00Z",
        "number_observed": 1, "objects": {"0": object}}))
    .unwrap()
}

fn stix_log() -> Log {
    let mut log = Log::default();
    let n = log.push(&observed(1, json!({"type": "ipv4-addr", "value": IP})));
    log.hits.push((n, IP_NAME));
    log.push(&observed(
        2,
        json!({"type": "ipv4-addr", "value": "198.51.100.20"}),
    ));
    let n = log.push(&observed(
        3,
        json!({"type": "domain-name", "value": DOMAIN}),
    ));
    log.hits.push((n, DOMAIN_NAME));
    log
}

/// The log read in the wrong format: each line unparseable, no hit.
fn misread(log: &Log) -> Log {
    Log {
        bad: (1..=log.lines).collect(),
        lines: log.lines,
        ..Log::default()
    }
}

#[test]
fn a_wrong_format_is_reported_line_by_line_and_the_hunt_goes_on() {
    let d = store("hunt-format");
    let mut zeek = Log::default();
    zeek.clean(2);
    zeek.hit(IP);
    zeek.clean(1);
    zeek.hit(DOMAIN);
    let (suricata, ecs, stix) = (suricata_log(), ecs_log(), stix_log());
    let files = [
        ("conn.log", &zeek, "zeek"),
        ("eve.json", &suricata, "suricata"),
        ("ecs.json", &ecs, "ecs"),
        ("observed.jsonl", &stix, "stix"),
    ];
    let paths: Vec<String> = files
        .iter()
        .map(|(f, log, _)| {
            let p = d.join(f);
            log.write(&p);
            name(&p)
        })
        .collect();
    let args: Vec<&str> = paths.iter().map(String::as_str).collect();

    // Recognised, every file hits.
    let h = hunt(&d, &args);
    let mut all = Expect::default();
    for ((_, log, _), p) in files.iter().zip(&paths) {
        all = all.log(p, log);
    }
    all.check(&h);

    // Each format named: the files of the others are reported line by line,
    // the file of that format still hits, wherever it is among them.
    for (_, _, format) in &files {
        let mut named = vec!["--format", format];
        named.extend_from_slice(&args);
        let h = hunt(&d, &named);
        let mut want = Expect::default();
        for ((_, log, f), p) in files.iter().zip(&paths) {
            want = if f == format {
                want.log(p, log)
            } else {
                want.log(p, &misread(log))
            };
        }
        want.check(&h);
    }

    // A format that needs what is not given, or does not exist: an error
    // (exit 2), not a panic.
    for bad in [
        vec!["--format", "mapping"],
        vec!["--format", "cef"],
        vec!["--mapping", "/nonexistent/mapping.json"],
    ] {
        let mut a = bad.clone();
        a.push(args[0]);
        let h = hunt(&d, &a);
        assert_eq!(h.status.code(), Some(2), "{bad:?}: {}", h.stderr);
        assert!(h.hits.is_empty());
    }
    let garbage_mapping = d.join("mapping.json");
    std::fs::write(&garbage_mapping, garbage(6, 2000)).unwrap();
    let h = hunt(&d, &["--mapping", &name(&garbage_mapping), args[0]]);
    assert_eq!(h.status.code(), Some(2), "{}", h.stderr);
    assert!(h.stderr.contains(&name(&garbage_mapping)), "{}", h.stderr);
}

#[test]
fn empty_missing_and_mixed_paths_are_reported_and_the_hunt_goes_on() {
    let d = store("hunt-paths");
    let dir = d.join("logs");
    std::fs::create_dir_all(dir.join("c")).unwrap();
    let mut a = Log::default();
    a.clean(1);
    a.hit(IP);
    a.bad(&cut(&conn(a.lines, IP), r#""id.resp_h":"20"#));
    a.hit(DOMAIN);
    let mut b = Log::default();
    b.blob(&garbage(7, 8 << 10));
    let mut cd = Log::default();
    cd.clean(2);
    cd.hit(DOMAIN);
    let mut f = Log::default();
    f.hit(IP);
    f.clean(1);
    // A hidden file is left out, hits and all.
    let mut hidden = Log::default();
    hidden.hit(IP);
    a.write(&dir.join("a.log"));
    b.write(&dir.join("b.bin"));
    cd.write(&dir.join("c/d.log"));
    std::fs::write(dir.join("e.log.gz"), b"\x1f\x8b\x08\xff\xff").unwrap();
    std::fs::write(dir.join("empty.log"), b"").unwrap();
    f.write(&dir.join("f.log"));
    hidden.write(&dir.join(".hidden.log"));
    std::fs::write(dir.join("g.log"), b"\n\n\r\n\n").unwrap();
    let missing = d.join("missing.log");
    let empty = d.join("empty.log");
    std::fs::write(&empty, b"").unwrap();
    let in_dir = |f: &str| name(&dir.join(f));

    let h = hunt(&d, &[&name(&missing), &name(&dir), &name(&empty)]);
    Expect::default()
        .read_error(&name(&missing), 0)
        .log(&in_dir("a.log"), &a)
        .log(&in_dir("b.bin"), &b)
        .log(&in_dir("c/d.log"), &cd)
        .read_error(&in_dir("e.log.gz"), 1)
        .log(&in_dir("f.log"), &f)
        .check(&h);
    assert!(
        problems(&h.stderr)
            .iter()
            .any(|(f, _, why)| *f == name(&missing) && why.starts_with("cannot open")),
        "{}",
        h.stderr
    );

    // Nothing readable: no hits (exit 1), no error.
    let h = hunt(&d, &[&name(&empty), &name(&missing), &in_dir("g.log")]);
    Expect::default().read_error(&name(&missing), 0).check(&h);
    let h = hunt(&d, &[&name(&empty)]);
    Expect::default().check(&h);
}

/// A `vigil hunt --follow` running, its output gathered by two threads.
struct Following {
    child: Child,
    out: Arc<Mutex<Vec<String>>>,
    err: Arc<Mutex<Vec<String>>>,
    readers: Vec<JoinHandle<()>>,
}

fn gather(from: impl Read + Send + 'static, into: &Arc<Mutex<Vec<String>>>) -> JoinHandle<()> {
    let into = into.clone();
    std::thread::spawn(move || {
        let mut r = BufReader::new(from);
        let mut line = Vec::new();
        while r.read_until(b'\n', &mut line).unwrap_or(0) > 0 {
            let text = String::from_utf8_lossy(&line).trim_end().to_string();
            into.lock().unwrap().push(text);
            line.clear();
        }
    })
}

/// How long a followed change may take to show.
const PATIENCE: Duration = Duration::from_secs(20);

impl Following {
    fn start(d: &TempDir, args: &[&str]) -> Following {
        let mut all = vec!["--follow"];
        all.extend_from_slice(args);
        let mut child = hunt_command(d, &all)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let out = Arc::new(Mutex::new(Vec::new()));
        let err = Arc::new(Mutex::new(Vec::new()));
        let readers = vec![
            gather(child.stdout.take().unwrap(), &out),
            gather(child.stderr.take().unwrap(), &err),
        ];
        Following {
            child,
            out,
            err,
            readers,
        }
    }

    fn hits(&self) -> Vec<Hit> {
        self.out.lock().unwrap().iter().map(|l| hit_of(l)).collect()
    }

    fn stderr(&self) -> String {
        self.err.lock().unwrap().join("\n")
    }

    /// Waits until `done` holds of the hits and stderr.
    fn wait_for(&self, what: &str, done: impl Fn(&[Hit], &str) -> bool) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let (hits, err) = (self.hits(), self.stderr());
            assert!(!err.contains("panicked"), "vigil panicked:\n{err}");
            if done(&hits, &err) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "waited {PATIENCE:?} for {what}; hits {hits:?}\nstderr:\n{err}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Interrupts it (SIGINT, as Ctrl-C) and waits for it to end.
    fn interrupt(mut self) -> Hunt {
        let pid = self.child.id().to_string();
        let killed = Command::new("kill").args(["-INT", &pid]).status().unwrap();
        assert!(killed.success());
        let deadline = Instant::now() + PATIENCE;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "still running {PATIENCE:?} after SIGINT:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        for r in self.readers.drain(..) {
            r.join().unwrap();
        }
        let out = self.out.lock().unwrap().join("\n");
        Hunt::of(status, out.as_bytes(), self.stderr().as_bytes())
    }
}

impl Drop for Following {
    fn drop(&mut self) {
        // A failed test must not leave a hunt following forever.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[test]
fn a_followed_file_that_disappears_or_is_rotated_is_followed_on() {
    let d = store("hunt-follow");
    let path = d.join("conn.log");
    let later = d.join("later.log");
    let (file, later_file) = (name(&path), name(&later));
    let hit = |file: &str, line: u64, n: &str| Hit {
        file: file.to_string(),
        line,
        name: n.to_string(),
    };

    let mut first = Log::default();
    first.clean(2);
    first.hit(IP);
    first.clean(1);
    first.write(&path);
    let f = Following::start(&d, &[&file, &later_file]);
    f.wait_for("the first hit", |h, err| {
        h.len() == 1 && err.contains(&format!("vigil: {later_file}: cannot open"))
    });

    // Lines added: garbage, a cut line, a hit.
    let from = first.bytes.len();
    first.bad(&[0; 40]);
    first.bad(&cut(&conn(first.lines, IP), r#""id.resp_h":"203"#));
    first.hit(DOMAIN);
    first.append(&path, from);
    f.wait_for("the appended hit", |h, _| h.len() == 2);

    // Deleted: told; then made again, read from its start.
    std::fs::remove_file(&path).unwrap();
    f.wait_for("the file to be gone", |_, err| {
        err.contains(&format!("vigil: {file}: gone while followed"))
    });
    let mut second = Log::default();
    second.clean(1);
    second.hit(IP);
    second.write(&path);
    f.wait_for("the hit in the new file", |h, err| {
        h.len() == 3 && err.contains(&format!("vigil: {file}: reopened"))
    });

    // The missing path appears.
    let mut third = Log::default();
    third.hit(DOMAIN);
    third.write(&later);
    f.wait_for("the hit in the file that appeared", |h, _| h.len() == 4);

    // Rotated: a last line written to the old file, which is renamed, and a
    // new file put in its place.
    let from = second.bytes.len();
    second.hit(DOMAIN);
    second.append(&path, from);
    let mut fourth = Log::default();
    fourth.bad(&cut(&dns(0, DOMAIN), r#""query":"evil"#));
    fourth.hit(IP);
    let new = d.join("conn.log.new");
    fourth.write(&new);
    std::fs::rename(&path, d.join("conn.log.1")).unwrap();
    std::fs::rename(&new, &path).unwrap();
    f.wait_for("the hits of the rotated and the new file", |h, _| {
        h.len() == 6
    });

    // A last line still being written is not read while followed, only when
    // the hunt ends.
    let from = fourth.bytes.len();
    let last = fourth.unended(dns(fourth.lines, DOMAIN).as_bytes());
    fourth.hits.push((last, DOMAIN_NAME));
    fourth.append(&path, from);
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(f.hits().len(), 6, "an unfinished line was read");

    let h = f.interrupt();
    let mut want = Expect::default()
        .read_error(&later_file, 0)
        .log(&file, &first)
        .log(&file, &second)
        .log(&later_file, &third)
        .log(&file, &fourth);
    // In the order they happened.
    want.hits = vec![
        hit(&file, 3, IP_NAME),
        hit(&file, 7, DOMAIN_NAME),
        hit(&file, 2, IP_NAME),
        hit(&later_file, 1, DOMAIN_NAME),
        hit(&file, 3, DOMAIN_NAME),
        hit(&file, 2, IP_NAME),
        hit(&file, 3, DOMAIN_NAME),
    ];
    want.check(&h);
}

/// A truncated line in a file of STIX objects, one per line: the objects
/// after it are still hunted.
#[test]
fn a_truncated_stix_line_does_not_swallow_the_lines_after_it() {
    let d = store("hunt-stix-cut");
    let mut log = Log::default();
    let n = log.push(&observed(1, json!({"type": "ipv4-addr", "value": IP})));
    log.hits.push((n, IP_NAME));
    let whole = observed(2, json!({"type": "ipv4-addr", "value": IP}));
    log.bad(&whole[..whole.len() / 2]);
    for i in 3..6 {
        let n = log.push(&observed(
            i,
            json!({"type": "domain-name", "value": DOMAIN}),
        ));
        log.hits.push((n, DOMAIN_NAME));
    }
    let p = d.join("observed.jsonl");
    log.write(&p);
    for format in ["auto", "stix"] {
        let h = hunt(&d, &["--format", format, &name(&p)]);
        Expect::default().log(&name(&p), &log).check(&h);
    }

    // A Zeek log whose first line was cut to its opening brace is taken for a
    // pretty-printed STIX bundle, and all its records are lost.
    let mut zeek = Log::default();
    zeek.bad(b"{");
    zeek.hit(IP);
    zeek.clean(2);
    zeek.hit(DOMAIN);
    let p = d.join("conn.log");
    zeek.write(&p);
    let h = hunt(&d, &[&name(&p)]);
    Expect::default().log(&name(&p), &zeek).check(&h);
}

/// A byte-order mark before the first record (some Windows tools write one)
/// is not part of the record: the record is read, and hits.
#[test]
fn a_byte_order_mark_before_the_first_record_is_skipped() {
    let d = store("hunt-bom");
    let p = d.join("conn.log");
    let mut bytes = b"\xef\xbb\xbf".to_vec();
    bytes.extend_from_slice(conn(1, IP).as_bytes());
    bytes.push(b'\n');
    bytes.extend_from_slice(conn(2, "192.0.2.1").as_bytes());
    bytes.push(b'\n');
    std::fs::write(&p, bytes).unwrap();
    let h = hunt(&d, &[&name(&p)]);
    assert_eq!(h.status.code(), Some(0), "{}", h.stderr);
    assert_eq!(h.hits.len(), 1, "{}", h.stderr);
    assert_eq!(
        (h.hits[0].file.as_str(), h.hits[0].line),
        (name(&p).as_str(), 1)
    );
    assert!(h.stderr.contains("0 lines not read"), "{}", h.stderr);
}
