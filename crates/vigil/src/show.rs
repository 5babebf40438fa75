//! Output for people (aligned text) and for machines (JSON).

use crate::import::Report;
use serde::Serialize;
use std::io::{self, Write};
use vigil_stix::parse::Position;
use vigil_stix::{Finding, Severity};
use vigil_store::{Graph, GraphEdge, Hit, Node, Stats, Version};

/// Writes one value as a JSON line.
pub fn json_line<W: Write, T: Serialize>(out: &mut W, v: &T) -> io::Result<()> {
    serde_json::to_writer(&mut *out, v).map_err(io::Error::other)?;
    out.write_all(b"\n")
}

/// Writes already-serialised JSON objects as one JSON array.
pub fn json_array<'a, W: Write>(
    out: &mut W,
    items: impl Iterator<Item = &'a str>,
) -> io::Result<()> {
    out.write_all(b"[")?;
    for (i, it) in items.enumerate() {
        if i > 0 {
            out.write_all(b",\n")?;
        }
        out.write_all(it.as_bytes())?;
    }
    out.write_all(b"]\n")
}

fn field<'a>(o: &'a serde_json::Value, k: &str) -> Option<&'a str> {
    o.get(k).and_then(|v| v.as_str())
}

/// One object: a header for people, then its JSON.
pub fn object<W: Write>(out: &mut W, v: &Version, versions: usize) -> io::Result<()> {
    let o: serde_json::Value = serde_json::from_str(&v.json).map_err(io::Error::other)?;
    let ext = o
        .get("external_references")
        .and_then(|r| r.as_array())
        .and_then(|refs| {
            refs.iter()
                .find_map(|r| r.get("external_id").and_then(|e| e.as_str()))
        });
    let mut title = vec![field(&o, "type").unwrap_or("?")];
    title.extend(ext);
    title.extend(field(&o, "name"));
    writeln!(out, "{}", title.join("  "))?;
    writeln!(out, "  id        {}", v.id)?;
    if let Some(m) = field(&o, "modified").or_else(|| field(&o, "created")) {
        writeln!(out, "  modified  {m}")?;
    }
    let mut status = vec![if v.current {
        "current version".to_string()
    } else {
        "an older version".to_string()
    }];
    status.push(format!("{versions} stored"));
    if o.get("revoked").and_then(|r| r.as_bool()) == Some(true) {
        status.push("REVOKED".into());
    }
    if o.get("x_mitre_deprecated").and_then(|r| r.as_bool()) == Some(true) {
        status.push("DEPRECATED".into());
    }
    writeln!(out, "  status    {}", status.join(", "))?;
    writeln!(out, "  added     {}", v.added)?;
    writeln!(out)?;
    serde_json::to_writer_pretty(&mut *out, &o).map_err(io::Error::other)?;
    writeln!(out)
}

/// Search results, one a line.
pub fn hits<W: Write>(out: &mut W, hits: &[Hit]) -> io::Result<()> {
    if hits.is_empty() {
        return writeln!(out, "no matches");
    }
    let w_ext = hits
        .iter()
        .map(|h| h.external_id.as_deref().unwrap_or("-").len())
        .max()
        .unwrap_or(1);
    let w_type = hits.iter().map(|h| h.object_type.len()).max().unwrap_or(1);
    for h in hits {
        writeln!(
            out,
            "{:<w_ext$}  {:<w_type$}  {}  {}",
            h.external_id.as_deref().unwrap_or("-"),
            h.object_type,
            h.name.as_deref().unwrap_or("(no name)"),
            h.id
        )?;
    }
    Ok(())
}

/// A neighbourhood: every node with the edge that reached it.
pub fn graph<W: Write>(out: &mut W, g: &Graph) -> io::Result<()> {
    // By id, the first node of each (lookups by scanning made APT3's 996 nodes
    // at depth 2 quadratic: a third of the command's 25 ms).
    let mut by_id: std::collections::HashMap<&str, &Node> = std::collections::HashMap::new();
    for n in &g.nodes {
        by_id.entry(n.id.as_str()).or_insert(n);
    }
    let depth = |id: &str| by_id.get(id).map(|n| n.depth);
    // For each node, the first edge (in the graph's order) that reached it
    // from the previous ring.
    let mut via: std::collections::HashMap<&str, &GraphEdge> = std::collections::HashMap::new();
    for e in &g.edges {
        let (s, t) = (depth(&e.source), depth(&e.target));
        if let (Some(s), Some(t)) = (s, t) {
            if s + 1 == t {
                via.entry(e.target.as_str()).or_insert(e);
            }
            if t + 1 == s {
                via.entry(e.source.as_str()).or_insert(e);
            }
        }
    }
    let label = |id: &str| -> String {
        match by_id.get(id) {
            Some(n) => {
                let mut s = n.object_type.clone();
                if let Some(e) = &n.external_id {
                    s = format!("{s} {e}");
                }
                if let Some(name) = &n.name {
                    s = format!("{s} \"{name}\"");
                }
                if !n.known {
                    s = format!("{s} (not in the store)");
                }
                s
            }
            None => id.to_string(),
        }
    };
    if let Some(root) = g.nodes.first() {
        writeln!(out, "{}  {}", label(&root.id), root.id)?;
    }
    for n in g.nodes.iter().skip(1) {
        // The edge that reached this node from the previous ring.
        let arrow = match via.get(n.id.as_str()).copied() {
            Some(e) if e.target == n.id => format!("{} --{}-->", short(&e.source, &label), e.rel),
            Some(e) => format!("{} <--{}--", short(&e.target, &label), e.rel),
            None => String::new(),
        };
        writeln!(
            out,
            "{}{arrow} {}  {}",
            "  ".repeat(n.depth),
            label(&n.id),
            n.id
        )?;
    }
    writeln!(
        out,
        "{} nodes, {} edges{}",
        g.nodes.len(),
        g.edges.len(),
        if g.truncated { " (truncated)" } else { "" }
    )
}

fn short(id: &str, label: &dyn Fn(&str) -> String) -> String {
    let l = label(id);
    match l.split_once(" \"") {
        Some((head, _)) => head.to_string(),
        None => l,
    }
}

/// Versions, oldest first.
pub fn history<W: Write>(out: &mut W, versions: &[Version]) -> io::Result<()> {
    for v in versions {
        let o: serde_json::Value = serde_json::from_str(&v.json).map_err(io::Error::other)?;
        let when = field(&o, "modified")
            .or_else(|| field(&o, "created"))
            .unwrap_or("(unversioned)");
        let mut notes = Vec::new();
        if v.current {
            notes.push("current");
        }
        if o.get("revoked").and_then(|r| r.as_bool()) == Some(true) {
            notes.push("revoked");
        }
        writeln!(
            out,
            "{when}  added {}  {}  {}",
            v.added,
            field(&o, "name").unwrap_or(""),
            notes.join(", ")
        )?;
    }
    writeln!(out, "{} versions", versions.len())
}

/// Store counts.
pub fn stats<W: Write>(out: &mut W, s: &Stats, attack: Option<&str>) -> io::Result<()> {
    let w = s.by_type.keys().map(String::len).max().unwrap_or(4).max(7);
    for (t, n) in &s.by_type {
        writeln!(out, "{t:<w$}  {n:>8}")?;
    }
    writeln!(out, "{:<w$}  {:>8}", "objects", s.objects)?;
    writeln!(out, "{:<w$}  {:>8}", "versions", s.versions)?;
    writeln!(
        out,
        "{:<w$}  {:>8}",
        "revoked or deprecated", s.revoked_or_deprecated
    )?;
    writeln!(out, "{:<w$}  {:>8}", "graph edges", s.edges)?;
    if let Some(a) = attack {
        writeln!(out, "bundled ATT&CK: {a}")?;
    }
    Ok(())
}

/// What went wrong first in an import, for one-line messages.
pub fn first_problem(r: &Report) -> String {
    for i in &r.inputs {
        if let Some(e) = &i.error {
            return e.clone();
        }
        if let Some(inv) = i.invalid_objects.first() {
            let msg = inv
                .errors
                .first()
                .map(|f| f.to_string())
                .unwrap_or_default();
            return format!(
                "{}:{}:{}: {} {msg}",
                i.source,
                inv.line,
                inv.column,
                inv.id.as_deref().unwrap_or("object")
            );
        }
    }
    "no problem recorded".into()
}

/// The import report for people.
pub fn import_report<W: Write>(out: &mut W, r: &Report) -> io::Result<()> {
    for i in &r.inputs {
        for inv in &i.invalid_objects {
            for f in &inv.errors {
                writeln!(
                    out,
                    "{}:{}:{}: {}: {f}",
                    i.source,
                    inv.line,
                    inv.column,
                    inv.id.as_deref().unwrap_or("(no id)")
                )?;
            }
        }
        if i.invalid as usize > i.invalid_objects.len() {
            writeln!(
                out,
                "{}: ... and {} more invalid objects",
                i.source,
                i.invalid as usize - i.invalid_objects.len()
            )?;
        }
        if let Some(e) = &i.error {
            writeln!(out, "{e}")?;
        }
        for id in &i.conflict_ids {
            writeln!(
                out,
                "{}: {id}: this version is already stored with other content; kept the stored one",
                i.source
            )?;
        }
        let verdict = if i.committed {
            if i.invalid > 0 || i.error.is_some() {
                "committed the valid objects (--lenient)"
            } else {
                "committed"
            }
        } else {
            "REJECTED, nothing written (use --lenient to keep the valid objects)"
        };
        writeln!(
            out,
            "{}: {} objects: {} added, {} updated, {} unchanged, {} older, {} conflicts, {} invalid; {verdict}",
            i.source, i.objects, i.added, i.updated, i.unchanged, i.older, i.conflicts, i.invalid
        )?;
    }
    writeln!(
        out,
        "read {} objects from {} input(s) in {:.2} s ({:.0} objects/s)",
        r.objects,
        r.inputs.len(),
        r.seconds,
        r.objects_per_second
    )
}

/// Validation findings of one object, for people (errors always; warnings if asked).
pub fn findings<W: Write>(
    out: &mut W,
    source: &str,
    pos: Position,
    id: Option<&str>,
    findings: &[Finding],
    warnings: bool,
) -> io::Result<()> {
    for f in findings
        .iter()
        .filter(|f| warnings || f.severity == Severity::Error)
    {
        writeln!(
            out,
            "{source}:{}:{}: {}: {f}",
            pos.line,
            pos.column,
            id.unwrap_or("(no id)")
        )?;
    }
    Ok(())
}
