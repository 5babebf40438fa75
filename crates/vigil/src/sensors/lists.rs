//! Plain lists (one value per line) and CSV.
//!
//! Blocklists take one kind of value each and write each value once, sorted
//! (addresses numerically), preceded by a comment line naming the indicators
//! it comes from; comments are whole lines starting with `#`, the form the
//! list consumers (firewalls, proxies, DNS filters) accept:
//!
//! ```text
//! # Vigil blocklist-ip: 2 values from 2 indicators
//! # indicator--0a1b...
//! 198.51.100.1
//! # indicator--2c3d... indicator--4e5f...
//! 203.0.113.0/24
//! ```
//!
//! - `blocklist-ip`: addresses and CIDR networks (IPv4 first), whichever
//!   end of a flow the pattern names;
//! - `blocklist-domain`: lowercase domain names, IDNs as A-labels;
//! - `blocklist-url`: URLs (scheme and host lowercased, the rest as written);
//! - `blocklist-hash`: file digests in lowercase hex, the comment naming the
//!   algorithm (MD5, SHA-1, SHA-256, SHA-512, SHA3-256, SHA3-512).
//!
//! CSV (RFC 4180: CRLF line ends, fields quoted when they hold a comma, a
//! quote or a line break, quotes doubled) has one row per (value, indicator):
//! `kind,value,stix_path,indicator_id,indicator_name,confidence,modified`.

use super::extract::{Kind, Observable};
use super::{ip_sort_key, Meta};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

/// Which blocklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List {
    /// Addresses and networks.
    Ip,
    /// Domain names.
    Domain,
    /// URLs.
    Url,
    /// File digests.
    Hash,
}

impl List {
    /// The kind of observable it takes.
    pub fn kind(self) -> Kind {
        match self {
            List::Ip => Kind::Ip,
            List::Domain => Kind::Domain,
            List::Url => Kind::Url,
            List::Hash => Kind::FileHash,
        }
    }

    fn name(self) -> &'static str {
        match self {
            List::Ip => "blocklist-ip",
            List::Domain => "blocklist-domain",
            List::Url => "blocklist-url",
            List::Hash => "blocklist-hash",
        }
    }
}

/// Writes a blocklist; returns the number of values written.
pub fn write_list(
    list: List,
    items: &[(Observable, usize)],
    metas: &[Meta],
    out: &mut dyn Write,
) -> io::Result<u64> {
    // (sort key, value) -> (comment prefix, indicator ids)
    let mut values: BTreeMap<(String, String), (String, BTreeSet<&str>)> = BTreeMap::new();
    for (o, m) in items {
        if o.kind() != list.kind() {
            continue;
        }
        let (key, prefix) = match o {
            Observable::Ip { net, .. } => (ip_sort_key(net), String::new()),
            Observable::FileHash { algo, .. } => {
                (algo.short().to_owned(), format!("{} ", algo.stix_name()))
            }
            _ => (String::new(), String::new()),
        };
        let value = o.value();
        values
            .entry((key, value))
            .or_insert_with(|| (prefix, BTreeSet::new()))
            .1
            .insert(metas[*m].id.as_str());
    }
    let indicators: BTreeSet<&str> = values
        .values()
        .flat_map(|(_, ids)| ids.iter().copied())
        .collect();
    writeln!(
        out,
        "# Vigil {}: {} values from {} indicators",
        list.name(),
        values.len(),
        indicators.len()
    )?;
    for ((_, value), (prefix, ids)) in &values {
        let ids: Vec<&str> = ids.iter().copied().collect();
        writeln!(out, "# {prefix}{}", ids.join(" "))?;
        writeln!(out, "{value}")?;
    }
    Ok(values.len() as u64)
}

/// The CSV header.
pub const CSV_HEADER: &str = "kind,value,stix_path,indicator_id,indicator_name,confidence,modified";

/// A CSV field (RFC 4180 §2).
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\r', '\n']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// Writes the CSV; returns the number of distinct values written.
pub fn write_csv(
    items: &[(Observable, usize)],
    metas: &[Meta],
    out: &mut dyn Write,
) -> io::Result<u64> {
    let mut rows: BTreeSet<(String, String, String, String, usize)> = BTreeSet::new();
    for (o, m) in items {
        let key = match o {
            Observable::Ip { net, .. } => ip_sort_key(net),
            _ => o.value(),
        };
        rows.insert((o.kind_name(), key, o.value(), o.stix_path(), *m));
    }
    write!(out, "{CSV_HEADER}\r\n")?;
    let mut values = BTreeSet::new();
    let mut sorted: Vec<_> = rows.iter().collect();
    sorted.sort_by(|a, b| {
        (&a.0, &a.1, &a.3, &metas[a.4].id).cmp(&(&b.0, &b.1, &b.3, &metas[b.4].id))
    });
    for (kind, _, value, path, m) in sorted {
        let meta = &metas[*m];
        let fields = [
            kind.clone(),
            value.clone(),
            path.clone(),
            meta.id.clone(),
            meta.name.clone().unwrap_or_default(),
            meta.confidence.map(|c| c.to_string()).unwrap_or_default(),
            meta.modified.clone(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        write!(out, "{}\r\n", line.join(","))?;
        values.insert((kind, value));
    }
    Ok(values.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_quote_what_rfc_4180_needs() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
    }
}
