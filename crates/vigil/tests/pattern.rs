//! The patterning commands, through the real binary: the OASIS conformance
//! cases (`vigil pattern test`), the command-line contract of `pattern
//! check|match|test` and `vigil match`, and bad input that must give a clear
//! error or a bounded-time answer, never a panic or a hang.

mod common;
use common::*;
use serde_json::json;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// `vigil ARGS...` (the pattern commands need no store).
fn pattern_cmd(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vigil"));
    c.args(args).env_remove("VIGIL_DATA");
    c
}

/// Runs `c` with `input` on stdin; fails the test if it takes longer than
/// `limit` (killing it) or panics. Output is read as it comes, so a large one
/// cannot block the process.
fn run_within(mut c: Command, input: &[u8], limit: Duration) -> Output {
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("start vigil");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    // A process that stops reading its stdin early closes the pipe: not an error here.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            v
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("vigil {:?} did not finish within {limit:?}", c.get_args());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let _ = writer.join();
    let o = Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    };
    let e = stderr(&o);
    assert!(!e.contains("panicked"), "vigil panicked: {e}");
    o
}

/// Runs with empty stdin and a generous time limit (debug builds are slow).
fn run_quick(c: Command) -> Output {
    run_within(c, b"", Duration::from_secs(60))
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

// ---------------------------------------------------------------- conformance

/// Runs a conformance file through `vigil pattern test` and checks every case passed.
fn conformance(file: &str, cases: usize) {
    let f = data(&format!("conformance/{file}"));
    let o = run_within(
        pattern_cmd(&["pattern", "test", path(&f)]),
        b"",
        Duration::from_secs(300),
    );
    let text = stdout(&o);
    let last = text.lines().last().unwrap_or_default();
    assert_eq!(
        last,
        format!("{cases} passed, 0 failed"),
        "{file}: failures:\n{text}\n{}",
        stderr(&o)
    );
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn conformance_matcher_cases_all_pass() {
    conformance("matcher.json", 561);
}

#[test]
fn conformance_validator_cases_all_pass() {
    conformance("validator.json", 117);
}

// ---------------------------------------------------------------- pattern check

#[test]
fn check_prints_the_normalised_form() {
    let o = run_quick(pattern_cmd(&[
        "pattern",
        "check",
        "[ipv4-addr:value='198.51.100.1']   AND\n ( [domain-name:value = 'evil.example'] )",
    ]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "[ipv4-addr:value = '198.51.100.1'] AND [domain-name:value = 'evil.example']\n"
    );
    // The normalised form is a fixed point.
    let again = run_quick(pattern_cmd(&["pattern", "check", stdout(&o).trim_end()]));
    assert_eq!(stdout(&again), stdout(&o));
}

#[test]
fn check_shows_the_error_with_a_caret_under_its_span() {
    let o = run_quick(pattern_cmd(&["pattern", "check", "[file:name = 'a' AND]"]));
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("error [pattern-syntax]: "), "{text}");
    assert!(lines[0].ends_with("(at byte 20)"), "{text}");
    assert_eq!(lines[1], "  [file:name = 'a' AND]");
    assert_eq!(lines[2], format!("  {}^", " ".repeat(20)));
}

#[test]
fn check_carets_count_characters_not_bytes() {
    // 'é' and '日' are several bytes each; the caret must still sit under `=`
    // of the unknown operator.
    let p = "[file:name = 'é日' AND file:size == = 3]";
    let o = run_quick(pattern_cmd(&["pattern", "check", p]));
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[1], format!("  {p}"));
    let col = lines[2].find('^').expect("a caret") - 2;
    let byte: usize = lines[0]
        .rsplit("(at byte ")
        .next()
        .and_then(|s| s.trim_end_matches(')').parse().ok())
        .expect("a byte offset");
    // Columns: one per character here ('日' is wide: two).
    let before = &p[..byte];
    let width: usize = before.chars().map(|c| if c == '日' { 2 } else { 1 }).sum();
    assert_eq!(col, width, "{text}");
}

#[test]
fn check_shows_a_window_of_a_long_pattern() {
    let long = format!(
        "[file:name = '{}'] AND [file:size = ] AND [file:name = '{}']",
        "a".repeat(5000),
        "b".repeat(5000)
    );
    let o = run_within(
        pattern_cmd(&["pattern", "check", "-"]),
        long.as_bytes(),
        Duration::from_secs(60),
    );
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[1].len() < 120,
        "the pattern line is not cut: {}",
        lines[1].len()
    );
    assert!(lines[1].starts_with("  ...") && lines[1].ends_with("..."));
    let col = lines[2].find('^').unwrap();
    assert_eq!(&lines[1][col..col + 1], "]", "{text}");
}

#[test]
fn check_json_and_stix_20_grammar() {
    let (o, v) = run_json(pattern_cmd(&["--json", "pattern", "check", "[a:b = "]));
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(v["valid"], false);
    assert_eq!(v["span"][0], 7);
    // START/STOP with plain strings is STIX 2.0 only.
    let p = "[a:b = 1] START '2016-06-01T00:00:00Z' STOP '2016-07-01T00:00:00Z'";
    let o = run_quick(pattern_cmd(&[
        "pattern",
        "check",
        p,
        "--stix-version",
        "2.0",
    ]));
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = run_quick(pattern_cmd(&["pattern", "check", p]));
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
}

// ---------------------------------------------------------------- pattern match

fn observations_file(d: &TempDir) -> std::path::PathBuf {
    let f = d.join("obs.json");
    let bundle = json!({"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000001", "objects": [
        {"type": "ipv4-addr", "spec_version": "2.1", "id": "ipv4-addr--00000000-0000-4000-8000-000000000001", "value": "198.51.100.7"},
        {"type": "domain-name", "spec_version": "2.1", "id": "domain-name--00000000-0000-4000-8000-000000000001", "value": "evil.example"},
        {"type": "x-note", "spec_version": "2.1", "id": "x-note--00000000-0000-4000-8000-000000000001",
         "text": format!("{}b", "a".repeat(50_000)), "kind": "hello"},
        {"type": "observed-data", "spec_version": "2.1", "id": "observed-data--00000000-0000-4000-8000-00000000000a",
         "created": "2024-03-01T10:00:00.000Z", "modified": "2024-03-01T10:00:00.000Z",
         "first_observed": "2024-03-01T10:00:00Z", "last_observed": "2024-03-01T10:00:00Z", "number_observed": 1,
         "object_refs": ["ipv4-addr--00000000-0000-4000-8000-000000000001", "x-note--00000000-0000-4000-8000-000000000001"]},
        {"type": "observed-data", "spec_version": "2.1", "id": "observed-data--00000000-0000-4000-8000-00000000000b",
         "created": "2024-03-01T10:00:00.000Z", "modified": "2024-03-01T10:00:00.000Z",
         "first_observed": "2024-03-01T10:00:05Z", "last_observed": "2024-03-01T10:00:05Z", "number_observed": 1,
         "object_refs": ["domain-name--00000000-0000-4000-8000-000000000001"]}
    ]});
    std::fs::write(&f, serde_json::to_vec(&bundle).unwrap()).unwrap();
    f
}

#[test]
fn match_exit_status_and_json_ids() {
    let d = TempDir::new("pmatch");
    let f = observations_file(&d);
    let both = "[ipv4-addr:value = '198.51.100.7'] FOLLOWEDBY [domain-name:value = 'evil.example']";
    let o = run_quick(pattern_cmd(&["pattern", "match", both, path(&f)]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let (o, v) = run_json(pattern_cmd(&["pattern", "match", both, path(&f), "--json"]));
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        v,
        json!({"matched": true, "observations": [
            "observed-data--00000000-0000-4000-8000-00000000000a",
            "observed-data--00000000-0000-4000-8000-00000000000b"]})
    );
    // The other order does not match: exit 1.
    let reversed =
        "[domain-name:value = 'evil.example'] FOLLOWEDBY [ipv4-addr:value = '198.51.100.7']";
    let (o, v) = run_json(pattern_cmd(&[
        "pattern",
        "match",
        reversed,
        path(&f),
        "--json",
    ]));
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(v, json!({"matched": false, "observations": []}));
    // Errors: exit 2.
    let o = run_quick(pattern_cmd(&["pattern", "match", "[a:b =", path(&f)]));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains('^'), "{}", stderr(&o));
    let o = run_quick(pattern_cmd(&[
        "pattern",
        "match",
        "[a:b = 1]",
        path(&d.join("none.json")),
    ]));
    assert_eq!(o.status.code(), Some(2));
    std::fs::write(d.join("bad.json"), b"{\"type\": ").unwrap();
    let o = run_quick(pattern_cmd(&[
        "pattern",
        "match",
        "[a:b = 1]",
        path(&d.join("bad.json")),
    ]));
    assert_eq!(o.status.code(), Some(2));
    // Observations from stdin.
    let o = run_within(
        pattern_cmd(&[
            "pattern",
            "match",
            "[domain-name:value = 'evil.example']",
            "-",
        ]),
        &std::fs::read(&f).unwrap(),
        Duration::from_secs(60),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

// ---------------------------------------------------------------- pattern test

#[test]
fn test_reports_each_failure_and_counts() {
    let d = TempDir::new("ptest");
    let obs = json!([{"type": "observed-data", "id": "observed-data--00000000-0000-4000-8000-000000000001",
        "first_observed": "2024-01-01T00:00:00Z", "last_observed": "2024-01-01T00:00:00Z", "number_observed": 1,
        "objects": {"0": {"type": "file", "name": "a.exe"}}}]);
    let cases = json!([
        {"pattern": "[file:name = 'a.exe']", "observations": obs, "expected": true, "stix_version": "2.0",
         "matched_sdo_ids": ["observed-data--00000000-0000-4000-8000-000000000001"], "note": "ignored"},
        {"pattern": "[file:name = 'b.exe']", "observations": obs, "expected": false, "stix_version": "2.0"},
        {"pattern": "[file:name = ", "observations": obs, "expected": "error"},
        {"pattern": "[file:name = 'a']", "valid": true},
        {"pattern": "[file:name = 'a' AND]", "valid": false},
        {"source": "deliberately-wrong", "pattern": "[file:name = 'a.exe']", "observations": obs,
         "expected": false, "stix_version": "2.0"},
        {"source": "wrong-ids", "pattern": "[file:name = 'a.exe']", "observations": obs, "expected": true,
         "stix_version": "2.0", "matched_sdo_ids": ["observed-data--00000000-0000-4000-8000-000000000009"]},
    ]);
    let f = d.join("cases.json");
    std::fs::write(&f, serde_json::to_vec(&cases).unwrap()).unwrap();
    let o = run_quick(pattern_cmd(&["pattern", "test", path(&f)]));
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    assert!(text.ends_with("5 passed, 2 failed\n"), "{text}");
    assert!(text.contains("FAIL deliberately-wrong\n  pattern:  [file:name = 'a.exe']\n  expected: false (no match)\n  got:      true (matches)\n"), "{text}");
    assert!(text.contains("FAIL wrong-ids"), "{text}");
    assert!(
        text.contains("observed-data--00000000-0000-4000-8000-000000000009"),
        "{text}"
    );
    // All passing: exit 0.
    let good = serde_json::Value::Array(cases.as_array().unwrap()[..5].to_vec());
    std::fs::write(&f, serde_json::to_vec(&good).unwrap()).unwrap();
    let o = run_quick(pattern_cmd(&["pattern", "test", path(&f)]));
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(stdout(&o), "5 passed, 0 failed\n");
}

// ---------------------------------------------------------------- bad input

/// `pattern check -` on `text`; returns the output (never a panic or a hang).
fn check_stdin(text: &str) -> Output {
    run_within(
        pattern_cmd(&["pattern", "check", "-"]),
        text.as_bytes(),
        Duration::from_secs(60),
    )
}

#[test]
fn bad_input_deep_nesting_is_refused() {
    let n = 100_000;
    for p in [
        format!("{}[a:b = 1]{}", "(".repeat(n), ")".repeat(n)),
        format!("[{}a:b = 1{}]", "(".repeat(n), ")".repeat(n)),
        "(".repeat(n),
    ] {
        let o = check_stdin(&p);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let text = stdout(&o);
        assert!(
            text.starts_with("error ["),
            "{}",
            &text[..text.len().min(300)]
        );
        assert!(
            text.lines().nth(1).unwrap().len() < 120,
            "the pattern line is not cut"
        );
    }
}

#[test]
fn bad_input_ten_megabyte_patterns_answer_in_bounded_time() {
    // One long string literal, and a long chain of observation expressions.
    let long_string = format!("[file:name = '{}']", "x".repeat(10 << 20));
    let o = check_stdin(&long_string);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(o.stdout.len(), long_string.len() + 1);
    let unit = "[file:name = 'x'] OR ";
    let chain = format!("{}[file:name = 'y']", unit.repeat((10 << 20) / unit.len()));
    let o = check_stdin(&chain);
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "exit {:?}: {}",
        o.status.code(),
        stderr(&o)
    );
    if o.status.code() == Some(1) {
        assert!(
            stdout(&o).starts_with("error [pattern-limit]"),
            "{}",
            &stdout(&o)[..300]
        );
    }
    // Beyond the limit: refused, not read into a parser.
    let huge = format!("[file:name = '{}']", "x".repeat(17 << 20));
    let o = check_stdin(&huge);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).starts_with("error [pattern-limit]"),
        "{}",
        &stdout(&o)[..300]
    );
}

#[test]
fn bad_input_catastrophic_regex_runs_in_linear_time() {
    let d = TempDir::new("redos");
    let f = observations_file(&d);
    // On a backtracking engine `(a+)+$` against 50,000 'a's and a 'b' never ends.
    for p in [
        "[x-note:text MATCHES '(a+)+$']",
        "[x-note:text MATCHES '^(a|aa)+$']",
        "[x-note:text MATCHES '(a*)*c']",
    ] {
        let o = run_within(
            pattern_cmd(&["pattern", "match", p, path(&f)]),
            b"",
            Duration::from_secs(20),
        );
        assert_eq!(o.status.code(), Some(1), "{p}: {}", stderr(&o));
    }
    let o = run_within(
        pattern_cmd(&[
            "pattern",
            "match",
            "[x-note:text MATCHES '^(a+)+b$']",
            path(&f),
        ]),
        b"",
        Duration::from_secs(20),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn bad_input_back_references_and_look_around_are_refused_at_parse_time() {
    for (p, says) in [
        (r"[file:name MATCHES '(a)\\1']", "back-reference"),
        (r"[file:name MATCHES 'a(?=b)']", "look-around"),
    ] {
        let o = run_quick(pattern_cmd(&["pattern", "check", p]));
        assert_eq!(o.status.code(), Some(1), "{p}");
        let text = stdout(&o);
        assert!(text.starts_with("error [pattern-regex]"), "{text}");
        assert!(
            text.to_lowercase()
                .replace("backreference", "back-reference")
                .contains(says),
            "{p}: the message does not say {says}: {text}"
        );
    }
}

#[test]
fn bad_input_unknown_object_type() {
    let d = TempDir::new("unknown-type");
    let f = observations_file(&d);
    // A custom type is legal STIX: it simply matches nothing here.
    let o = run_quick(pattern_cmd(&[
        "pattern",
        "match",
        "[x-unheard-of:value = 'a']",
        path(&f),
    ]));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    // A type the grammar cannot hold is a clear error.
    let o = run_quick(pattern_cmd(&["pattern", "check", "[Fi$le:name = 'a']"]));
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).starts_with("error ["), "{}", stdout(&o));
}

#[test]
fn bad_input_issubset_on_a_string() {
    // On a literal that is no address block: refused when parsed.
    let o = run_quick(pattern_cmd(&[
        "pattern",
        "check",
        "[ipv4-addr:value ISSUBSET 'not an address']",
    ]));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).starts_with("error [pattern-type]"),
        "{}",
        stdout(&o)
    );
    // On an observed value that is no address: an answer, not a crash.
    let d = TempDir::new("issubset");
    let f = observations_file(&d);
    let o = run_quick(pattern_cmd(&[
        "pattern",
        "match",
        "[x-note:kind ISSUBSET '10.0.0.0/8']",
        path(&f),
    ]));
    assert!(matches!(o.status.code(), Some(1 | 2)), "{}", stderr(&o));
}

// ---------------------------------------------------------------- vigil match

const HITS: &str = r#"{"indicator":"indicator--00000001-0000-4000-8000-000000000000","observation":"observed-data--00000001-0000-4000-8000-000000000000"}
{"indicator":"indicator--00000002-0000-4000-8000-000000000000","observation":"observed-data--00000002-0000-4000-8000-000000000000"}
{"indicator":"indicator--00000002-0000-4000-8000-000000000000","observation":"observed-data--00000003-0000-4000-8000-000000000000"}
{"indicator":"indicator--00000004-0000-4000-8000-000000000000","observation":"observed-data--00000007-0000-4000-8000-000000000000"}
{"indicator":"indicator--00000003-0000-4000-8000-000000000000","observation":"observed-data--00000009-0000-4000-8000-000000000000"}
"#;

fn vigil_match(observations: &str, extra: &[&str], input: &[u8]) -> Output {
    let ind = data("pattern/indicators.json");
    let mut args = vec![
        "match",
        "--indicators",
        path(&ind),
        "--observations",
        observations,
    ];
    args.extend_from_slice(extra);
    run_within(pattern_cmd(&args), input, Duration::from_secs(60))
}

#[test]
fn match_streams_observations_through_every_indicator() {
    let bundle = data("pattern/observations.json");
    let o = vigil_match(path(&bundle), &["--json"], b"");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), HITS);
    let err = stderr(&o);
    // The broken pattern is named and skipped; the Sigma rule is not a STIX pattern.
    assert!(
        err.contains("indicator--00000006-0000-4000-8000-000000000000: pattern refused"),
        "{err}"
    );
    assert!(err.contains("5 indicators loaded"), "{err}");
    assert!(
        err.contains("1 refused") && err.contains("1 not STIX patterns"),
        "{err}"
    );
    assert!(err.contains("9 observations, 4 hits"), "{err}");
    assert!(err.contains("observations/s"), "{err}");
    assert!(err.contains("reading and parsing JSON"), "{err}");

    // The same observations as JSON lines, one self-contained bundle a line
    // (observed-data before its SCOs), and from stdin.
    let lines = data("pattern/observations.jsonl");
    let o = vigil_match(path(&lines), &["--json"], b"");
    assert_eq!(stdout(&o), HITS, "{}", stderr(&o));
    let o = vigil_match("-", &["--json"], &std::fs::read(&lines).unwrap());
    assert_eq!(stdout(&o), HITS, "{}", stderr(&o));

    // Readable output: one line per hit.
    let o = vigil_match(path(&bundle), &[], b"");
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    assert_eq!(text.lines().count(), 4, "{text}");
    assert!(text.contains(
        "indicator--00000002-0000-4000-8000-000000000000  observed-data--00000002-0000-4000-8000-000000000000 observed-data--00000003-0000-4000-8000-000000000000\n"
    ), "{text}");
}

#[test]
fn match_without_hits_exits_1_and_bad_files_exit_2() {
    let d = TempDir::new("match-none");
    let f = d.join("quiet.json");
    let quiet = json!({"type": "observed-data", "id": "observed-data--00000000-0000-4000-8000-000000000001",
        "first_observed": "2024-01-01T00:00:00Z", "last_observed": "2024-01-01T00:00:00Z", "number_observed": 1,
        "objects": {"0": {"type": "domain-name", "value": "example.org"}}});
    std::fs::write(&f, serde_json::to_vec(&quiet).unwrap()).unwrap();
    let o = vigil_match(path(&f), &["--json"], b"");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    assert!(
        stderr(&o).contains("1 observations, 0 hits"),
        "{}",
        stderr(&o)
    );
    let o = vigil_match(path(&d.join("missing.json")), &[], b"");
    assert_eq!(o.status.code(), Some(2));
    std::fs::write(
        d.join("cut.json"),
        b"{\"type\": \"bundle\", \"objects\": [{\"type\"",
    )
    .unwrap();
    let o = vigil_match(path(&d.join("cut.json")), &[], b"");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("cut.json"), "{}", stderr(&o));
}
