//! `vigil pattern check|match|test` and `vigil match`: the command line of the
//! STIX patterning engine (`vigil-pattern`). Everything here reads, calls the
//! library and prints; the semantics live in the library.

mod caret;
mod stream;

use crate::{input, Global};
use anyhow::{Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::Value;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use vigil_pattern::{observation, Observation, Pattern, PatternError, StixVersion};

/// The patterning engine's commands.
#[derive(Subcommand, Debug)]
pub enum PatternCommand {
    /// STIX patterns: check one, match one against observations, run a file of cases.
    #[command(subcommand)]
    Pattern(PatternSub),
    /// Match every STIX indicator of a bundle against a stream of observations.
    ///
    /// Observations are fed in file order as one stream, so qualifiers
    /// (WITHIN, REPEATS, FOLLOWEDBY) apply across them. Prints one line per
    /// observation of each match (with --json: `{"indicator","observation"}`)
    /// and a summary on stderr. Exit status 0 if anything matched, 1 if not, 2
    /// on error.
    Match(MatchArgs),
}

/// `vigil pattern ...`.
#[derive(Subcommand, Debug)]
pub enum PatternSub {
    /// Parse a pattern: print its normalised form (exit 0), or the error with a
    /// caret under the offending text (exit 1).
    Check {
        /// The pattern, or - to read it from stdin.
        pattern: String,
        /// Which STIX version's pattern grammar applies.
        #[arg(long, value_enum, default_value_t = Version::V21)]
        stix_version: Version,
    },
    /// Match one pattern against observations: exit 0 if it matches, 1 if not, 2 on error.
    ///
    /// OBSERVATIONS is a bundle, an array, or JSON lines of observed-data and
    /// the objects they refer to (- for stdin; .gz/.zst read as such). With
    /// --json prints `{"matched": bool, "observations": [ids of the match]}`.
    Match {
        /// The pattern, or - to read it from stdin.
        pattern: String,
        /// The observations.
        #[arg(value_name = "OBSERVATIONS")]
        observations: PathBuf,
        /// Which STIX version's pattern grammar and observation form apply.
        #[arg(long, value_enum, default_value_t = Version::V21)]
        stix_version: Version,
    },
    /// Run a JSON array of cases and print each failure, then `N passed, M failed`.
    ///
    /// A case is `{"pattern", "observations", "expected": true|false|"error"}`
    /// or `{"pattern", "valid": bool}`, with an optional `"stix_version":
    /// "2.0"|"2.1"` (default 2.1) and, for a match, `"matched_sdo_ids"`.
    /// Exit status 1 if any case failed.
    Test {
        /// The file of cases.
        #[arg(value_name = "CASES")]
        cases: PathBuf,
    },
}

/// `vigil match`'s arguments.
#[derive(Args, Debug)]
pub struct MatchArgs {
    /// STIX indicators (a bundle, array or JSON lines; - for stdin; .gz/.zst).
    #[arg(long, value_name = "BUNDLE")]
    pub indicators: PathBuf,
    /// Observations: observed-data and the objects they refer to (a bundle, or
    /// JSON lines each holding a bundle or an object; - for stdin; .gz/.zst).
    #[arg(long, value_name = "FILE")]
    pub observations: PathBuf,
    /// The STIX version of observed-data that does not say (objects without
    /// `spec_version` in a bundle without one).
    #[arg(long, value_enum, default_value_t = Version::V21)]
    pub stix_version: Version,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// A STIX version on the command line.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// STIX 2.0.
    #[value(name = "2.0")]
    V20,
    /// STIX 2.1.
    #[value(name = "2.1")]
    V21,
}

impl From<Version> for StixVersion {
    fn from(v: Version) -> StixVersion {
        match v {
            Version::V20 => StixVersion::V20,
            Version::V21 => StixVersion::V21,
        }
    }
}

/// Runs a patterning command; returns the exit status.
pub fn run(g: &Global, command: PatternCommand) -> Result<i32> {
    match command {
        PatternCommand::Pattern(PatternSub::Check {
            pattern,
            stix_version,
        }) => check(g, &pattern_text(&pattern)?, stix_version.into()),
        PatternCommand::Pattern(PatternSub::Match {
            pattern,
            observations,
            stix_version,
        }) => match_one(
            g,
            &pattern_text(&pattern)?,
            &observations,
            stix_version.into(),
        ),
        PatternCommand::Pattern(PatternSub::Test { cases }) => test(g, &cases),
        PatternCommand::Match(args) => stream::run(g, &args),
    }
}

/// Writes one value as a JSON line. (Serialised first, so that a write error
/// keeps its kind: a closed pipe ends the program quietly.)
fn json_line<W: Write, T: serde::Serialize>(out: &mut W, v: &T) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(v).map_err(std::io::Error::other)?;
    line.push(b'\n');
    out.write_all(&line)
}

fn stdout() -> BufWriter<std::io::StdoutLock<'static>> {
    BufWriter::with_capacity(1 << 16, std::io::stdout().lock())
}

/// The pattern argument: itself, or stdin's text for `-` (a pattern longer
/// than the system's argument limit, about 128 KiB, can only come that way).
fn pattern_text(arg: &str) -> Result<String> {
    if arg != "-" {
        return Ok(arg.to_string());
    }
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .context("cannot read the pattern from stdin")?;
    // A pattern piped from a file or `echo` ends with a newline it does not mean.
    if s.ends_with('\n') {
        s.pop();
        if s.ends_with('\r') {
            s.pop();
        }
    }
    Ok(s)
}

/// Parses under `version` and makes the validator's further checks (hash
/// forms, a qualifier repeated on one expression): what an indicator's
/// author wants to know.
fn parse_checked(text: &str, version: StixVersion) -> Result<Pattern, PatternError> {
    let p = Pattern::parse_version(text, version)?;
    p.check()?;
    Ok(p)
}

fn check(g: &Global, text: &str, version: StixVersion) -> Result<i32> {
    let mut out = stdout();
    match parse_checked(text, version) {
        Ok(p) => {
            if g.json {
                json_line(
                    &mut out,
                    &serde_json::json!({"valid": true, "normalised": p.to_string()}),
                )?;
            } else {
                writeln!(out, "{p}")?;
            }
            out.flush()?;
            Ok(0)
        }
        Err(e) => {
            if g.json {
                json_line(
                    &mut out,
                    &serde_json::json!({
                        "valid": false,
                        "message": e.message,
                        "rule": e.rule,
                        "span": [e.span.0, e.span.1],
                    }),
                )?;
            } else {
                write!(out, "{}", caret::report(text, &e))?;
            }
            out.flush()?;
            Ok(1)
        }
    }
}

fn match_one(g: &Global, text: &str, path: &Path, version: StixVersion) -> Result<i32> {
    let pattern = match Pattern::parse_version(text, version) {
        Ok(p) => p,
        Err(e) => {
            eprint!("{}", caret::report(text, &e));
            return Ok(2);
        }
    };
    let observations = read_observations(path, version)?;
    let found = pattern
        .matches(&observations)
        .map_err(|e| anyhow::anyhow!("cannot evaluate the pattern: {e}"))?;
    let ids: Vec<Option<&str>> = found
        .iter()
        .flat_map(|m| m.observations.iter())
        .map(|&i| observations.get(i).and_then(|o| o.id.as_deref()))
        .collect();
    let mut out = stdout();
    if g.json {
        json_line(
            &mut out,
            &serde_json::json!({"matched": found.is_some(), "observations": ids}),
        )?;
    } else if found.is_some() {
        let named: Vec<String> = found
            .iter()
            .flat_map(|m| m.observations.iter())
            .map(|&i| name_of(&observations, i))
            .collect();
        writeln!(out, "match: {}", named.join(", "))?;
    } else {
        writeln!(out, "no match ({} observations)", observations.len())?;
    }
    out.flush()?;
    Ok(if found.is_some() { 0 } else { 1 })
}

/// An observation's id, or its position when it has none.
fn name_of(observations: &[Observation], i: usize) -> String {
    match observations.get(i).and_then(|o| o.id.as_deref()) {
        Some(id) => id.to_string(),
        None => format!("observation #{i}"),
    }
}

/// Every observation in a file (or stdin): bundles, arrays, objects, JSON
/// lines, all taken as one input (a STIX 2.1 observed-data's references
/// resolve against the SCOs anywhere in it, as the OASIS matcher's do for
/// the list it is given).
fn read_observations(path: &Path, version: StixVersion) -> Result<Vec<Observation>> {
    let inp = input::open(path)?;
    let name = inp.name.clone();
    let mut bytes = Vec::new();
    let mut reader = inp.reader;
    reader
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {name}"))?;
    // Top-level values one after another; arrays among them spliced in.
    let mut items = Vec::new();
    for v in serde_json::Deserializer::from_slice(&bytes).into_iter::<Value>() {
        match v.with_context(|| format!("{name}: not JSON"))? {
            Value::Array(a) => items.extend(a),
            one => items.push(one),
        }
    }
    observation::from_json(&Value::Array(items), version)
        .map_err(|e| anyhow::anyhow!("{name}: {e}"))
}

/// What a case expects, or what it got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Match,
    NoMatch,
    Error,
    Valid,
    Invalid,
}

impl Verdict {
    fn as_str(self) -> &'static str {
        match self {
            Verdict::Match => "true (matches)",
            Verdict::NoMatch => "false (no match)",
            Verdict::Error => "error",
            Verdict::Valid => "valid",
            Verdict::Invalid => "invalid",
        }
    }
}

/// One case's outcome: what it got, and why (an error's message).
struct Outcome {
    got: Verdict,
    message: Option<String>,
}

fn test(g: &Global, path: &Path) -> Result<i32> {
    let inp = input::open(path)?;
    let name = inp.name.clone();
    let cases: Value = serde_json::from_reader(std::io::BufReader::new(inp.reader))
        .with_context(|| format!("{name}: not JSON"))?;
    let Value::Array(cases) = cases else {
        anyhow::bail!("{name}: expected a JSON array of cases");
    };
    let mut out = stdout();
    let (mut passed, mut failed) = (0u64, 0u64);
    for (i, case) in cases.iter().enumerate() {
        match run_case(case) {
            Ok(()) => passed += 1,
            Err(failure) => {
                failed += 1;
                let source = case
                    .get("source")
                    .and_then(Value::as_str)
                    .map_or_else(|| format!("{name}: case {i}"), str::to_string);
                if g.json {
                    json_line(
                        &mut out,
                        &serde_json::json!({
                            "source": source,
                            "pattern": case.get("pattern"),
                            "expected": failure.expected,
                            "got": failure.got,
                            "message": failure.message,
                        }),
                    )?;
                } else {
                    writeln!(out, "FAIL {source}")?;
                    if let Some(p) = case.get("pattern").and_then(Value::as_str) {
                        writeln!(out, "  pattern:  {}", caret::shorten(p, 200))?;
                    }
                    writeln!(
                        out,
                        "  expected: {}\n  got:      {}",
                        failure.expected, failure.got
                    )?;
                    if let Some(m) = &failure.message {
                        writeln!(out, "  message:  {}", caret::shorten(m, 300))?;
                    }
                }
            }
        }
    }
    writeln!(out, "{passed} passed, {failed} failed")?;
    out.flush()?;
    Ok(i32::from(failed > 0))
}

/// Why a case failed.
struct Failure {
    expected: String,
    got: String,
    message: Option<String>,
}

impl Failure {
    fn malformed(why: &str) -> Failure {
        Failure {
            expected: "a well-formed case".into(),
            got: "a malformed case".into(),
            message: Some(why.into()),
        }
    }
}

fn run_case(case: &Value) -> Result<(), Failure> {
    let pattern = case
        .get("pattern")
        .and_then(Value::as_str)
        .ok_or_else(|| Failure::malformed("no \"pattern\" string"))?;
    let version = match case.get("stix_version") {
        None | Some(Value::Null) => StixVersion::V21,
        Some(v) if v == "2.1" => StixVersion::V21,
        Some(v) if v == "2.0" => StixVersion::V20,
        Some(v) => return Err(Failure::malformed(&format!("unknown stix_version {v}"))),
    };
    if let Some(valid) = case.get("valid") {
        let expected = match valid {
            Value::Bool(true) => Verdict::Valid,
            Value::Bool(false) => Verdict::Invalid,
            _ => return Err(Failure::malformed("\"valid\" is not true or false")),
        };
        let outcome = match parse_checked(pattern, version) {
            Ok(_) => Outcome {
                got: Verdict::Valid,
                message: None,
            },
            Err(e) => Outcome {
                got: Verdict::Invalid,
                message: Some(format!("{} [{}]", e, e.rule)),
            },
        };
        return compare(expected, outcome);
    }
    let expected = match case.get("expected") {
        Some(Value::Bool(true)) => Verdict::Match,
        Some(Value::Bool(false)) => Verdict::NoMatch,
        Some(v) if v == "error" => Verdict::Error,
        _ => {
            return Err(Failure::malformed(
                "neither \"valid\" nor \"expected\" (true, false or \"error\")",
            ))
        }
    };
    let observations = match case.get("observations") {
        Some(v @ Value::Array(_)) => v,
        _ => return Err(Failure::malformed("no \"observations\" array")),
    };
    // The matcher's own parse: without the validator's further checks, which
    // the OASIS matcher does not make either.
    let parsed = match Pattern::parse_version(pattern, version) {
        Ok(p) => p,
        Err(e) => {
            return compare(
                expected,
                Outcome {
                    got: Verdict::Error,
                    message: Some(format!("parse: {} [{}]", e, e.rule)),
                },
            )
        }
    };
    let observed = match observation::from_json(observations, version) {
        Ok(o) => o,
        Err(e) => {
            return compare(
                expected,
                Outcome {
                    got: Verdict::Error,
                    message: Some(format!("observations: {e}")),
                },
            )
        }
    };
    let found = match parsed.matches(&observed) {
        Ok(found) => found,
        Err(e) => {
            return compare(
                expected,
                Outcome {
                    got: Verdict::Error,
                    message: Some(format!("evaluation: {e}")),
                },
            )
        }
    };
    let got = if found.is_some() {
        Verdict::Match
    } else {
        Verdict::NoMatch
    };
    compare(expected, Outcome { got, message: None })?;
    // `matched_sdo_ids` is checked, although the reference (like
    // `Pattern::matches`) returns one binding, the first its search finds,
    // and two engines may find different ones when several exist. In every
    // upstream case carrying it the binding is unique (each observation
    // expression is satisfied by exactly the observations listed), so the ids
    // are a property of the pattern and the observations, not of the search
    // order; and comparing them is what shows that a match uses the right
    // observations, not merely that one exists. Compared as sets, as upstream does.
    if let (Some(want), Some(m)) = (case.get("matched_sdo_ids"), &found) {
        let Some(want) = want.as_array() else {
            return Err(Failure::malformed("\"matched_sdo_ids\" is not an array"));
        };
        let mut want: Vec<String> = want
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
            .collect();
        let mut have: Vec<String> = m
            .observations
            .iter()
            .map(|&i| name_of(&observed, i))
            .collect();
        want.sort();
        want.dedup();
        have.sort();
        have.dedup();
        if want != have {
            return Err(Failure {
                expected: format!("a match of {}", want.join(", ")),
                got: format!("a match of {}", have.join(", ")),
                message: None,
            });
        }
    }
    Ok(())
}

fn compare(expected: Verdict, outcome: Outcome) -> Result<(), Failure> {
    if expected == outcome.got {
        return Ok(());
    }
    Err(Failure {
        expected: expected.as_str().into(),
        got: outcome.got.as_str().into(),
        message: outcome.message,
    })
}
