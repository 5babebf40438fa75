//! Indicators as sensor inputs: `vigil export --format zeek-intel | suricata
//! | blocklist-ip | blocklist-domain | blocklist-url | blocklist-hash | csv`.
//!
//! The store's current indicators that are neither revoked nor past their
//! `valid_until`, seen through the access view (the same [`vigil_access::view`]
//! as every export) and the filters (`--min-confidence`, `--since`, `--type`),
//! have their STIX patterns parsed by `vigil_pattern` and split into branches
//! ([`extract`]). Each format writes the branches it can express and names the
//! others: an indicator none of whose branches fit is listed on stderr with
//! the reasons, one that fits only in part too, and a summary line counts
//! what was written and what was not. Lists take one kind of value each; an
//! indicator with nothing of that kind is counted as having nothing for the
//! format, not listed.
//!
//! Formats: [`zeek`] (Intel framework files), [`suricata`] (rules, datasets,
//! hash lists), [`lists`] (blocklists, CSV). Every value is written once per
//! output (per indicator for Zeek and CSV, whose lines name one indicator),
//! in sorted order, so two exports of the same store are byte-identical.

mod extract;
mod idna;
mod lists;
mod suricata;
mod values;
mod zeek;

use anyhow::{Context, Result};
use extract::{Kind, Observable};
use serde_json::Value;
use std::io::Write;
use std::path::Path;
use values::IpNet;
use vigil_access::{Clearance, Policy, View};
use vigil_pattern::{Pattern, StixVersion};
use vigil_stix::Timestamp;
use vigil_store::{ExportFilter, ReadStore};

/// A sensor format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Zeek Intel framework input file.
    ZeekIntel,
    /// Suricata 7 rules with datasets (a directory).
    Suricata,
    /// Addresses and networks, one per line.
    BlocklistIp,
    /// Domain names, one per line.
    BlocklistDomain,
    /// URLs, one per line.
    BlocklistUrl,
    /// File digests, one per line.
    BlocklistHash,
    /// CSV, one row per value and indicator.
    Csv,
}

impl Format {
    /// The name `--format` takes.
    pub fn name(self) -> &'static str {
        match self {
            Format::ZeekIntel => "zeek-intel",
            Format::Suricata => "suricata",
            Format::BlocklistIp => "blocklist-ip",
            Format::BlocklistDomain => "blocklist-domain",
            Format::BlocklistUrl => "blocklist-url",
            Format::BlocklistHash => "blocklist-hash",
            Format::Csv => "csv",
        }
    }

    fn list(self) -> Option<lists::List> {
        match self {
            Format::BlocklistIp => Some(lists::List::Ip),
            Format::BlocklistDomain => Some(lists::List::Domain),
            Format::BlocklistUrl => Some(lists::List::Url),
            Format::BlocklistHash => Some(lists::List::Hash),
            _ => None,
        }
    }

    /// Whether the format is about this kind of observable (a list only about
    /// its own; the others about everything, so they list every problem).
    fn covers(self, kind: Kind) -> bool {
        match self.list() {
            Some(list) => list.kind() == kind,
            None => true,
        }
    }

    /// Whether the format can write the observable (`Err`: why not).
    fn expressible(self, o: &Observable) -> Result<(), String> {
        match self {
            Format::ZeekIntel => zeek::item(o).map(|_| ()),
            Format::Suricata => suricata::expressible(o),
            _ => Ok(()),
        }
    }
}

/// What an export selects.
pub struct Options {
    /// The format.
    pub format: Format,
    /// Only indicators with a `confidence` of at least this.
    pub min_confidence: Option<u8>,
    /// Only indicators modified at or after this instant (an instant key).
    pub since: Option<String>,
    /// Only values of these STIX observable types (empty: all).
    pub types: Vec<String>,
    /// What the reader may see.
    pub clearance: Clearance,
    /// The store's access policy.
    pub policy: Policy,
    /// Now, as an instant key (indicators whose `valid_until` is not after it are left out).
    pub now: String,
}

/// An indicator's details the outputs point back to.
#[derive(Debug, Clone)]
pub struct Meta {
    /// The STIX id.
    pub id: String,
    /// Its `name`.
    pub name: Option<String>,
    /// Its `confidence`.
    pub confidence: Option<u64>,
    /// Its `modified`, as written.
    pub modified: String,
    /// Its `modified` in Unix seconds (0 if absent).
    pub modified_secs: i64,
}

/// What an export did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Distinct values written.
    pub values: u64,
    /// Indicators with at least one value written.
    pub written: u64,
    /// Of those, indicators only partly expressed.
    pub partly: u64,
    /// Indicators about the format's kinds that could not be expressed at all.
    pub unexpressed: u64,
    /// Indicators with nothing the format takes (lists only).
    pub nothing_for_format: u64,
    /// Indicators left out by --max-marking/--clearance, --min-confidence, --since or --type.
    pub filtered: u64,
    /// Indicators revoked or past their `valid_until`.
    pub revoked_or_expired: u64,
    /// Indicators written that are marked TLP:AMBER or above (for the read audit).
    pub sensitive: u64,
    /// One line per indicator not (or only partly) expressed: `id: ...`, sorted.
    pub notes: Vec<String>,
}

/// The indicators' values the format can write, with their indicators.
pub struct Collected {
    /// The indicators written (in part or whole).
    pub metas: Vec<Meta>,
    /// Each value with the index of its indicator in `metas`.
    pub items: Vec<(Observable, usize)>,
}

/// Reads the store's indicators and keeps what the format can write.
pub fn collect(store: &dyn ReadStore, opts: &Options) -> Result<(Collected, Report)> {
    let filter = ExportFilter {
        types: vec!["indicator".to_owned()],
        all_versions: false,
    };
    let mut report = Report::default();
    let mut collected = Collected {
        metas: Vec::new(),
        items: Vec::new(),
    };
    store.export(&filter, &mut |json| {
        let text = match vigil_access::view(&opts.policy, &opts.clearance, json) {
            View::Hidden => {
                report.filtered += 1;
                return Ok(());
            }
            View::Whole(t) => std::borrow::Cow::Borrowed(t),
            View::Redacted(t) => std::borrow::Cow::Owned(t),
        };
        let written = report.written;
        indicator(&text, opts, &mut collected, &mut report);
        if report.written > written && vigil_access::needs_read_audit(&text) {
            report.sensitive += 1;
        }
        Ok(())
    })?;
    report.notes.sort();
    Ok((collected, report))
}

fn instant_key(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .and_then(|s| Timestamp::parse(s).ok())
        .map(|t| t.instant_key())
}

/// One indicator: filters, then its pattern's branches as the format sees them.
fn indicator(json: &str, opts: &Options, out: &mut Collected, report: &mut Report) {
    let format = opts.format.name();
    let obj: serde_json::Map<String, Value> = match serde_json::from_str(json) {
        Ok(o) => o,
        Err(e) => {
            report.unexpressed += 1;
            report.notes.push(format!("(unreadable indicator): {e}"));
            return;
        }
    };
    let id = obj
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or("(no id)")
        .to_owned();
    if obj.get("revoked").and_then(Value::as_bool) == Some(true)
        || instant_key(obj.get("valid_until")).is_some_and(|until| until <= opts.now)
    {
        report.revoked_or_expired += 1;
        return;
    }
    let confidence = obj.get("confidence").and_then(Value::as_u64);
    let modified = instant_key(obj.get("modified"));
    let too_unsure = opts
        .min_confidence
        .is_some_and(|min| confidence.is_none_or(|c| c < u64::from(min)));
    let too_old = opts
        .since
        .as_ref()
        .is_some_and(|since| modified.as_ref().is_none_or(|m| m < since));
    if too_unsure || too_old {
        report.filtered += 1;
        return;
    }
    let not_expressed = |report: &mut Report, why: String| {
        report.unexpressed += 1;
        report
            .notes
            .push(format!("{id}: not expressed in {format}: {why}"));
    };
    let pattern_type = obj
        .get("pattern_type")
        .and_then(Value::as_str)
        .unwrap_or("stix");
    if pattern_type != "stix" {
        if !opts.types.is_empty() {
            report.filtered += 1;
        } else {
            not_expressed(report, format!("a {pattern_type} pattern, not a STIX one"));
        }
        return;
    }
    let Some(text) = obj.get("pattern").and_then(Value::as_str) else {
        not_expressed(
            report,
            "no pattern (withheld from this clearance, or missing)".to_owned(),
        );
        return;
    };
    let pattern = match Pattern::parse(text)
        .or_else(|e| Pattern::parse_version(text, StixVersion::V20).map_err(|_| e))
    {
        Ok(p) => p,
        Err(e) => {
            not_expressed(report, format!("the pattern does not parse: {e}"));
            return;
        }
    };
    let mut ex = extract::extract(pattern.root());
    if !opts.types.is_empty() {
        let wanted = |t: &str| opts.types.iter().any(|w| w == t);
        ex.values.retain(|o| o.stix_types().into_iter().any(wanted));
        ex.problems.retain(|p| p.types.iter().any(|t| wanted(t)));
        if ex.values.is_empty() && ex.problems.is_empty() {
            report.filtered += 1;
            return;
        }
    }
    let mut reasons: Vec<String> = Vec::new();
    let mut good: Vec<Observable> = Vec::new();
    for o in ex.values {
        if !opts.format.covers(o.kind()) {
            continue;
        }
        match opts.format.expressible(&o) {
            Ok(()) => good.push(o),
            Err(why) => reasons.push(format!(
                "{} {}: {why}",
                o.kind_name(),
                values::quote(&o.value())
            )),
        }
    }
    for p in ex.problems {
        if p.kinds.iter().any(|k| opts.format.covers(*k)) {
            reasons.push(p.reason);
        }
    }
    reasons.sort();
    reasons.dedup();
    good.sort();
    good.dedup();
    if good.is_empty() {
        if reasons.is_empty() {
            report.nothing_for_format += 1;
        } else {
            not_expressed(report, reasons.join("; "));
        }
        return;
    }
    report.written += 1;
    if !reasons.is_empty() {
        report.partly += 1;
        report.notes.push(format!(
            "{id}: only partly expressed in {format}: {}",
            reasons.join("; ")
        ));
    }
    let m = out.metas.len();
    out.metas.push(Meta {
        id: id.clone(),
        name: obj.get("name").and_then(Value::as_str).map(str::to_owned),
        confidence,
        modified: obj
            .get("modified")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        modified_secs: obj
            .get("modified")
            .and_then(Value::as_str)
            .and_then(|s| Timestamp::parse(s).ok())
            .map_or(0, |t| t.unix_seconds()),
    });
    out.items.extend(good.into_iter().map(|o| (o, m)));
}

/// A sort key ordering addresses numerically, IPv4 first.
fn ip_sort_key(net: &IpNet) -> String {
    let (v6, n, prefix) = net.sort_key();
    format!("{}{n:039}/{prefix:03}", u8::from(v6))
}

/// Writes a single-file format; returns the number of distinct values.
pub fn write(format: Format, c: &Collected, out: &mut dyn Write) -> std::io::Result<u64> {
    match format {
        Format::ZeekIntel => zeek::write(&c.items, &c.metas, out),
        Format::Csv => lists::write_csv(&c.items, &c.metas, out),
        Format::Suricata => Err(std::io::Error::other("suricata writes a directory")),
        list => match list.list() {
            Some(l) => lists::write_list(l, &c.items, &c.metas, out),
            None => Ok(0),
        },
    }
}

/// Writes the Suricata files into `dir` (created if missing), each through a
/// temporary file renamed into place, so Suricata never reads half a file.
pub fn write_suricata(c: &Collected, dir: &Path) -> Result<u64> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let (files, values) = suricata::render(&c.items, &c.metas);
    for (name, bytes) in files {
        write_atomically(&dir.join(name), &bytes)?;
    }
    Ok(values)
}

/// Writes `bytes` to `path` through `path.tmp` and a rename (Zeek's intel
/// docs: "updates must be atomic with mv").
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("cannot rename {} to {}", tmp.display(), path.display()))
}

/// `1 indicator`, `2 indicators`.
fn count(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// The summary line.
pub fn summary(format: Format, r: &Report) -> String {
    let mut s = format!(
        "{}: wrote {} from {}; {} could not be expressed, {} only partly",
        format.name(),
        count(r.values, "value"),
        count(r.written, "indicator"),
        count(r.unexpressed, "indicator"),
        r.partly
    );
    if r.unexpressed + r.partly > 0 {
        s.push_str(" (listed above)");
    }
    if format.list().is_some() {
        s.push_str(&format!(
            "; {} had nothing for {}",
            count(r.nothing_for_format, "indicator"),
            format.name()
        ));
    }
    s.push_str(&format!(
        "; {} left out by the filters; {} revoked or expired",
        count(r.filtered, "indicator"),
        r.revoked_or_expired
    ));
    s
}

/// The instant key of `--since` (see [`crate::when::parse_since`]).
pub fn since_key(t: &str) -> Result<String> {
    crate::when::parse_since(t)
        .map(|ts| ts.instant_key())
        .map_err(|e| anyhow::anyhow!("--since: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(format: Format) -> Options {
        Options {
            format,
            min_confidence: None,
            since: None,
            types: Vec::new(),
            clearance: Clearance::full(),
            policy: Policy::default(),
            now: "2025-01-01T00:00:00.000000000".to_owned(),
        }
    }

    fn ind(id: &str, pattern: &str, extra: &str) -> String {
        format!(
            r#"{{"type":"indicator","spec_version":"2.1","id":"indicator--{id}","created":"2024-01-01T00:00:00Z","modified":"2024-02-01T00:00:00Z","name":"n{id}","pattern":{},"pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"{extra}}}"#,
            serde_json::to_string(pattern).unwrap()
        )
    }

    fn run(objs: &[String], o: &Options) -> (Collected, Report) {
        let mut c = Collected {
            metas: Vec::new(),
            items: Vec::new(),
        };
        let mut r = Report::default();
        for j in objs {
            indicator(j, o, &mut c, &mut r);
        }
        (c, r)
    }

    #[test]
    fn lists_count_other_kinds_as_nothing_for_them() {
        let objs = [
            ind("1", "[ipv4-addr:value = '198.51.100.1']", ""),
            ind("2", "[domain-name:value = 'evil.example']", ""),
            ind("3", "[ipv4-addr:value MATCHES '^10']", ""),
        ];
        let (c, r) = run(&objs, &opts(Format::BlocklistIp));
        assert_eq!(c.items.len(), 1);
        assert_eq!((r.written, r.unexpressed, r.nothing_for_format), (1, 1, 1));
        assert_eq!(
            r.notes,
            ["indicator--3: not expressed in blocklist-ip: MATCHES on ipv4-addr:value"]
        );
        let (_, r) = run(&objs, &opts(Format::ZeekIntel));
        assert_eq!((r.written, r.unexpressed, r.nothing_for_format), (2, 1, 0));
    }

    #[test]
    fn filters_revocation_and_expiry() {
        let objs = [
            ind(
                "1",
                "[ipv4-addr:value = '198.51.100.1']",
                r#","confidence":80"#,
            ),
            ind(
                "2",
                "[ipv4-addr:value = '198.51.100.2']",
                r#","confidence":20"#,
            ),
            ind("3", "[ipv4-addr:value = '198.51.100.3']", ""),
            ind(
                "4",
                "[ipv4-addr:value = '198.51.100.4']",
                r#","revoked":true"#,
            ),
            ind(
                "5",
                "[ipv4-addr:value = '198.51.100.5']",
                r#","valid_until":"2024-06-01T00:00:00Z""#,
            ),
        ];
        let mut o = opts(Format::Csv);
        o.min_confidence = Some(50);
        let (c, r) = run(&objs, &o);
        assert_eq!(
            c.metas.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
            ["indicator--1"]
        );
        assert_eq!((r.filtered, r.revoked_or_expired), (2, 2));
        let mut o = opts(Format::Csv);
        o.since = Some(since_key("2024-03-01").unwrap());
        let (c, r) = run(&objs, &o);
        assert!(c.metas.is_empty());
        assert_eq!(r.filtered, 3);
    }

    #[test]
    fn type_filter_keeps_values_of_those_types() {
        let objs = [ind(
            "1",
            "[domain-name:value = 'evil.example'] OR [network-traffic:dst_ref.value = '198.51.100.9']",
            "",
        )];
        let mut o = opts(Format::Csv);
        o.types = vec!["ipv4-addr".into()];
        let (c, _) = run(&objs, &o);
        assert_eq!(c.items.len(), 1);
        assert_eq!(c.items[0].0.value(), "198.51.100.9");
        o.types = vec!["url".into()];
        let (c, r) = run(&objs, &o);
        assert!(c.items.is_empty());
        assert_eq!(r.filtered, 1);
    }

    #[test]
    fn partly_expressed_patterns_are_written_and_listed() {
        let objs = [ind(
            "1",
            "[url:value = 'https://evil.example/a'] OR [url:value = 'http://evil.example/b']",
            "",
        )];
        let (c, r) = run(&objs, &opts(Format::Suricata));
        assert_eq!(c.items.len(), 1);
        assert_eq!(r.partly, 1);
        assert!(r.notes[0].contains("only partly expressed in suricata: url"));
        let (files, n) = suricata::render(&c.items, &c.metas);
        assert_eq!(n, 1);
        let rules = String::from_utf8(files[0].1.clone()).unwrap();
        assert!(rules.contains(
            "http.host; content:\"evil.example\"; bsize:12; http.uri.raw; content:\"/b\"; bsize:2;"
        ), "{rules}");
        assert!(rules.contains("rev:1706745600;"), "{rules}");
    }

    #[test]
    fn outputs_are_sorted_and_deduplicated() {
        let objs = [
            ind(
                "b",
                "[ipv4-addr:value IN ('10.0.0.2', '10.0.0.10', '10.0.0.2')]",
                "",
            ),
            ind(
                "a",
                "[network-traffic:dst_ref.value = '10.0.0.10'] OR [ipv4-addr:value = '9.0.0.0/8']",
                "",
            ),
        ];
        let (c, _) = run(&objs, &opts(Format::BlocklistIp));
        let mut out = Vec::new();
        let n = write(Format::BlocklistIp, &c, &mut out).unwrap();
        assert_eq!(n, 3);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "# Vigil blocklist-ip: 3 values from 2 indicators\n\
             # indicator--a\n9.0.0.0/8\n\
             # indicator--b\n10.0.0.2\n\
             # indicator--a indicator--b\n10.0.0.10\n"
        );
        let mut zeek = Vec::new();
        write(Format::ZeekIntel, &c, &mut zeek).unwrap();
        let expected = [
            zeek::HEADER,
            "10.0.0.2\tIntel::ADDR\tindicator--b\tnb\t-",
            "10.0.0.10\tIntel::ADDR\tindicator--a\tna\t-",
            "10.0.0.10\tIntel::ADDR\tindicator--b\tnb\t-",
            "9.0.0.0/8\tIntel::SUBNET\tindicator--a\tna\t-",
            "",
        ];
        assert_eq!(String::from_utf8(zeek).unwrap(), expected.join("\n"));
    }
}
