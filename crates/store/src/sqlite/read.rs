//! Reads: objects, history, as-of, search, neighbours, stats, export, checks.

use super::{id_hash, SqliteStore};
use crate::{
    Candidate, Consistency, EdgeKind, ExportFilter, Graph, GraphEdge, Hit, NeighborQuery, Node,
    ReadStore, Record, Result, SearchQuery, Stats, StoreError, Version,
};
use rusqlite::{params, OptionalExtension};
use std::collections::{BTreeMap, HashMap, HashSet};
use vigil_stix::StixObject;

const DEFAULT_LIMIT: usize = 20;

/// Turns what a person typed into an FTS5 query: every word must match, as a
/// literal (quotes doubled), so no input is an FTS5 syntax error.
fn fts_query(text: &str) -> Option<String> {
    let terms: Vec<String> = text
        .split_whitespace()
        .filter(|t| t.chars().any(char::is_alphanumeric))
        .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

/// A list of strings as a JSON array, for `json_each` (`[]` for none).
fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

fn version_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Version> {
    Ok(Version {
        id: r.get(0)?,
        version: r.get(1)?,
        added: r.get(2)?,
        current: r.get(3)?,
        json: r.get(4)?,
    })
}

impl SqliteStore {
    fn node(&self, id: &str, depth: usize) -> Result<(Node, bool)> {
        let row: Option<(String, Option<String>, Option<String>, bool)> = self
            .conn
            .prepare_cached(
                "SELECT type, name, ext_id, hidden FROM objects WHERE idh = ?1 AND id = ?2",
            )?
            .query_row(params![id_hash(id), id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()?;
        Ok(match row {
            Some((object_type, name, external_id, hidden)) => (
                Node {
                    id: id.to_string(),
                    object_type,
                    name,
                    external_id,
                    depth,
                    known: true,
                },
                hidden,
            ),
            None => {
                let object_type = id.split_once("--").map_or("", |(t, _)| t).to_string();
                (
                    Node {
                        id: id.to_string(),
                        object_type,
                        name: None,
                        external_id: None,
                        depth,
                        known: false,
                    },
                    false,
                )
            }
        })
    }

    /// The edges at `id` (either end), with whether the object behind each is
    /// hidden; only those of the relationship types or properties in `rels`
    /// (a JSON array; `[]` for all), chosen by SQLite rather than after every
    /// row was read (APT3's "uses" at depth 2 had 40% of the command's time
    /// in rows thrown away).
    fn edges_of(&self, id: &str, rels: &str) -> Result<Vec<(GraphEdge, bool)>> {
        let mut out = Vec::new();
        for sql in [
            "SELECT e.source, e.target, e.rel, h.id, e.kind, h.hidden FROM edges e
             JOIN objects h ON h.oid = e.via WHERE e.source = ?1
               AND (?2 = '[]' OR e.rel IN (SELECT value FROM json_each(?2)))",
            "SELECT e.source, e.target, e.rel, h.id, e.kind, h.hidden FROM edges e
             JOIN objects h ON h.oid = e.via WHERE e.target = ?1
               AND (?2 = '[]' OR e.rel IN (SELECT value FROM json_each(?2)))",
        ] {
            let mut st = self.conn.prepare_cached(sql)?;
            let rows = st.query_map(params![id, rels], |r| {
                Ok((
                    GraphEdge {
                        source: r.get(0)?,
                        target: r.get(1)?,
                        rel: r.get(2)?,
                        via: r.get(3)?,
                        kind: EdgeKind::from_code(r.get(4)?),
                    },
                    r.get::<_, bool>(5)?,
                ))
            })?;
            for row in rows {
                out.push(row?);
            }
        }
        Ok(out)
    }
}

impl SqliteStore {
    /// The text index holds one row for each object with text, of the
    /// generation the main database expects, and nothing else.
    fn verify_text(&self, expected: i64, problems: &mut Vec<String>) -> Result<()> {
        let Some(text) = self.text.as_ref() else {
            problems.push(format!(
                "{} is missing or cannot be opened",
                super::text::TEXT_FILE
            ));
            return Ok(());
        };
        let (want, have) = (
            super::text::main_generation(&self.conn)?,
            super::text::generation(text)?,
        );
        if want != have {
            problems.push(format!(
                "the text index is generation {have}, the store expects {want}"
            ));
        }
        let integrity: String = text.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if integrity != "ok" {
            problems.push(format!(
                "SQLite integrity check of the text index: {integrity}"
            ));
        }
        let mut strays = 0;
        let mut n = 0i64;
        let mut known = self
            .conn
            .prepare_cached("SELECT 1 FROM objects WHERE oid = ?1")?;
        let mut st = text.prepare("SELECT rowid FROM fts")?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            n += 1;
            let oid: i64 = r.get(0)?;
            strays += i64::from(!known.exists([oid])?);
        }
        if strays > 0 {
            problems.push(format!(
                "{strays} text-index rows for objects not in the store"
            ));
        }
        if n != expected {
            problems.push(format!(
                "text-index rows: {n} indexed, {expected} expected from the stored objects"
            ));
        }
        Ok(())
    }
}

impl ReadStore for SqliteStore {
    fn get(&self, id: &str) -> Result<Option<Version>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT o.id, v.version, v.added, 1, v.json FROM objects o JOIN versions v ON v.oid = o.oid AND v.version = o.version
                 WHERE o.idh = ?1 AND o.id = ?2",
            )?
            .query_row(params![id_hash(id), id], version_row)
            .optional()?)
    }

    fn get_as_of(&self, id: &str, instant_key: &str) -> Result<Option<Version>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT o.id, v.version, v.added, v.version = o.version, v.json FROM objects o JOIN versions v ON v.oid = o.oid
                 WHERE o.idh = ?1 AND o.id = ?2 AND v.version <= ?3 ORDER BY v.version DESC LIMIT 1",
            )?
            .query_row(params![id_hash(id), id, instant_key], version_row)
            .optional()?)
    }

    fn resolve(&self, key: &str) -> Result<Option<String>> {
        let key = key.trim();
        // Anything shaped like `type--…` is looked up as a STIX id, as written.
        if key.contains("--") {
            let known: Option<String> = self
                .conn
                .prepare_cached("SELECT id FROM objects WHERE idh = ?1 AND id = ?2")?
                .query_row(params![id_hash(key), key], |r| r.get(0))
                .optional()?;
            return Ok(known);
        }
        let mut st = self.conn.prepare_cached(
            "SELECT o.id, x.source, o.hidden FROM ext_ids x JOIN objects o ON o.oid = x.oid WHERE x.ext_id = ?1",
        )?;
        let mut rows: Vec<(String, String, bool)> = st
            .query_map([key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        rows.sort();
        rows.dedup_by(|a, b| a.0 == b.0);
        // Prefer what is in force (not revoked or deprecated), then MITRE's own ids.
        let rank = |r: &(String, String, bool)| (r.2, !r.1.starts_with("mitre-"));
        let Some(best) = rows.iter().map(rank).min() else {
            return Ok(None);
        };
        let winners: Vec<_> = rows.iter().filter(|r| rank(r) == best).collect();
        if winners.len() == 1 {
            return Ok(Some(winners[0].0.clone()));
        }
        Err(StoreError::Ambiguous {
            key: key.to_string(),
            candidates: winners
                .iter()
                .map(|r| Candidate {
                    id: r.0.clone(),
                    source: r.1.clone(),
                })
                .collect(),
        })
    }

    fn history(&self, id: &str) -> Result<Vec<Version>> {
        let mut st = self.conn.prepare_cached(
            "SELECT o.id, v.version, v.added, v.version = o.version, v.json FROM objects o JOIN versions v ON v.oid = o.oid
             WHERE o.idh = ?1 AND o.id = ?2 ORDER BY v.version",
        )?;
        let rows = st.query_map(params![id_hash(id), id], version_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn search(&self, q: &SearchQuery) -> Result<Vec<Hit>> {
        let limit = if q.limit == 0 { DEFAULT_LIMIT } else { q.limit } as i64;
        let types = json_list(&q.types);
        let hit = |r: &rusqlite::Row<'_>| {
            Ok(Hit {
                id: r.get(0)?,
                object_type: r.get(1)?,
                name: r.get(2)?,
                external_id: r.get(3)?,
                json: r.get(4)?,
                score: r.get(5)?,
            })
        };
        let hits = match fts_query(&q.text) {
            Some(m) => {
                // The text index ranks (in its own file); the main database says
                // what each hit is, and whether it passes the filters.
                let text = self.text.as_ref().ok_or_else(|| {
                    StoreError::BadQuery(format!(
                        "the text index of {} cannot be opened; run `vigil reindex`",
                        self.dir.display()
                    ))
                })?;
                let mut ranked = text.prepare_cached(
                    "SELECT rowid, -bm25(fts, 10.0, 8.0, 10.0, 1.0) AS score FROM fts WHERE fts MATCH ?1 ORDER BY score DESC",
                )?;
                let mut lookup = self.conn.prepare_cached(
                    "SELECT c.id, c.type, c.name, c.ext_id, v.json, ?2 FROM objects c
                     JOIN versions v ON v.oid = c.oid AND v.version = c.version
                     WHERE c.oid = ?1 AND (?3 OR c.hidden = 0)
                       AND (?4 = '[]' OR c.type IN (SELECT value FROM json_each(?4)))",
                )?;
                let mut rows = ranked.query([m])?;
                let mut hits = Vec::new();
                while let Some(r) = rows.next()? {
                    let (oid, score): (i64, f64) = (r.get(0)?, r.get(1)?);
                    if let Some(h) = lookup
                        .query_row(params![oid, score, q.include_revoked, types], hit)
                        .optional()?
                    {
                        hits.push(h);
                        if hits.len() as i64 >= limit {
                            break;
                        }
                    }
                }
                hits
            }
            None if !q.text.trim().is_empty() => Vec::new(),
            None => {
                let mut st = self.conn.prepare_cached(
                    "SELECT c.id, c.type, c.name, c.ext_id, v.json, 0.0
                     FROM objects c JOIN versions v ON v.oid = c.oid AND v.version = c.version
                     WHERE (?1 OR c.hidden = 0) AND (?2 = '[]' OR c.type IN (SELECT value FROM json_each(?2)))
                     ORDER BY c.name IS NULL, c.name, c.id LIMIT ?3",
                )?;
                let rows = st.query_map(params![q.include_revoked, types, limit], hit)?;
                rows.collect::<Result<Vec<_>, _>>()?
            }
        };
        Ok(hits)
    }

    fn neighbors(&self, q: &NeighborQuery) -> Result<Graph> {
        let max_nodes = if q.max_nodes == 0 {
            10_000
        } else {
            q.max_nodes
        };
        let (root, _) = self.node(&q.id, 0)?;
        if !root.known {
            return Err(StoreError::BadQuery(format!(
                "no object {} in the store",
                q.id
            )));
        }
        let mut seen: HashMap<String, usize> = HashMap::from([(q.id.clone(), 0)]);
        let mut nodes = vec![root];
        let mut edges = Vec::new();
        let mut edge_keys: HashSet<(String, String, String, String)> = HashSet::new();
        let mut frontier = vec![q.id.clone()];
        let mut truncated = false;
        let rels = json_list(&q.rel);
        for depth in 1..=q.depth {
            let mut next = Vec::new();
            for id in &frontier {
                for (edge, via_hidden) in self.edges_of(id, &rels)? {
                    if via_hidden && !q.include_revoked {
                        continue;
                    }
                    let other = if &edge.source == id {
                        edge.target.clone()
                    } else {
                        edge.source.clone()
                    };
                    if !seen.contains_key(&other) {
                        let (node, hidden) = self.node(&other, depth)?;
                        if hidden && !q.include_revoked {
                            continue;
                        }
                        if nodes.len() >= max_nodes {
                            truncated = true;
                            continue;
                        }
                        seen.insert(other.clone(), depth);
                        nodes.push(node);
                        next.push(other);
                    }
                    let key = (
                        edge.via.clone(),
                        edge.source.clone(),
                        edge.target.clone(),
                        edge.rel.clone(),
                    );
                    if edge_keys.insert(key) {
                        edges.push(edge);
                    }
                }
            }
            frontier = next;
            if frontier.is_empty() {
                break;
            }
        }
        Ok(Graph {
            root: q.id.clone(),
            nodes,
            edges,
            truncated,
        })
    }

    fn stats(&self) -> Result<Stats> {
        let mut by_type = BTreeMap::new();
        let mut objects = 0;
        let mut revoked_or_deprecated = 0;
        {
            let mut st = self
                .conn
                .prepare_cached("SELECT type, count(*), sum(hidden) FROM objects GROUP BY type")?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                let n: u64 = r.get(1)?;
                objects += n;
                revoked_or_deprecated += r.get::<_, u64>(2)?;
                by_type.insert(r.get(0)?, n);
            }
        }
        let count = |sql: &str| -> Result<u64> { Ok(self.conn.query_row(sql, [], |r| r.get(0))?) };
        Ok(Stats {
            objects,
            by_type,
            versions: count("SELECT count(*) FROM versions")?,
            revoked_or_deprecated,
            edges: count("SELECT count(*) FROM edges")?,
        })
    }

    fn stats_visible(&self, visible: &mut dyn FnMut(&[String]) -> bool) -> Result<Stats> {
        // Decide once per distinct marking set, then add up what passes.
        let mut sets: std::collections::HashMap<Option<i64>, bool> = Default::default();
        {
            let mut st = self
                .conn
                .prepare_cached("SELECT set_id, markings FROM marking_sets")?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                let markings: Vec<String> =
                    serde_json::from_str(&r.get::<_, String>(1)?).unwrap_or_default();
                // An unreadable set passes nothing (it names no marking we could clear).
                let ok = !markings.is_empty() && visible(&markings);
                sets.insert(Some(r.get(0)?), ok);
            }
        }
        sets.insert(None, visible(&[]));
        let pass = |set: Option<i64>| sets.get(&set).copied().unwrap_or(false);
        let mut stats = Stats {
            objects: 0,
            by_type: BTreeMap::new(),
            versions: 0,
            revoked_or_deprecated: 0,
            edges: 0,
        };
        let mut st = self.conn.prepare_cached(
            "SELECT marking_set, type, count(*), sum(hidden) FROM objects GROUP BY marking_set, type",
        )?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            if pass(r.get(0)?) {
                let n: u64 = r.get(2)?;
                stats.objects += n;
                stats.revoked_or_deprecated += r.get::<_, u64>(3)?;
                *stats.by_type.entry(r.get(1)?).or_insert(0) += n;
            }
        }
        for (sql, field) in [
            ("SELECT o.marking_set, count(*) FROM versions v JOIN objects o ON o.oid = v.oid GROUP BY o.marking_set", 0),
            ("SELECT o.marking_set, count(*) FROM edges e JOIN objects o ON o.oid = e.via GROUP BY o.marking_set", 1),
        ] {
            let mut st = self.conn.prepare_cached(sql)?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                if pass(r.get(0)?) {
                    let n: u64 = r.get(1)?;
                    if field == 0 {
                        stats.versions += n;
                    } else {
                        stats.edges += n;
                    }
                }
            }
        }
        Ok(stats)
    }

    fn export(
        &self,
        filter: &ExportFilter,
        sink: &mut dyn FnMut(&str) -> std::io::Result<()>,
    ) -> Result<u64> {
        let types = json_list(&filter.types);
        let sql = if filter.all_versions {
            "SELECT v.json FROM objects c JOIN versions v ON v.oid = c.oid
             WHERE ?1 = '[]' OR c.type IN (SELECT value FROM json_each(?1)) ORDER BY c.oid, v.version"
        } else {
            "SELECT v.json FROM objects c JOIN versions v ON v.oid = c.oid AND v.version = c.version
             WHERE ?1 = '[]' OR c.type IN (SELECT value FROM json_each(?1)) ORDER BY c.oid"
        };
        let mut st = self.conn.prepare(sql)?;
        let mut rows = st.query([types])?;
        let mut n = 0;
        while let Some(r) = rows.next()? {
            let json: String = r.get(0)?;
            sink(&json).map_err(|e| StoreError::BadQuery(format!("export stopped: {e}")))?;
            n += 1;
        }
        Ok(n)
    }

    fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?)
    }

    fn verify(&self) -> Result<Consistency> {
        let mut problems = Vec::new();
        let integrity: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if integrity != "ok" {
            problems.push(format!("SQLite integrity check: {integrity}"));
        }
        let count = |sql: &str| -> Result<i64> { Ok(self.conn.query_row(sql, [], |r| r.get(0))?) };
        let checks = [
            (
                "objects that do not point at a version of their own",
                "SELECT count(*) FROM objects o LEFT JOIN versions v ON v.oid = o.oid AND v.version = o.version
                 WHERE v.oid IS NULL",
            ),
            (
                "objects whose current version is not their newest",
                "SELECT count(*) FROM (SELECT oid, max(version) AS m FROM versions GROUP BY oid) x
                 LEFT JOIN objects o ON o.oid = x.oid WHERE o.oid IS NULL OR o.version != x.m",
            ),
            (
                "index rows for objects not in the store",
                "SELECT (SELECT count(*) FROM ext_ids WHERE oid NOT IN (SELECT oid FROM objects))
                      + (SELECT count(*) FROM edges WHERE via NOT IN (SELECT oid FROM objects))",
            ),
        ];
        for (what, sql) in checks {
            let n = count(sql)?;
            if n != 0 {
                problems.push(format!("{n} {what}"));
            }
        }
        // Recompute every current object's derived rows and compare the totals.
        let (mut ext, mut edges, mut texts) = (0i64, 0i64, 0i64);
        let mut wrong_marks = 0;
        let mut wrong_ids = 0;
        {
            let mut st = self.conn.prepare(
                "SELECT v.json, coalesce(m.markings, '[]'), c.id, c.idh FROM objects c
                 JOIN versions v ON v.oid = c.oid AND v.version = c.version
                 LEFT JOIN marking_sets m ON m.set_id = c.marking_set",
            )?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                let json: String = r.get(0)?;
                let Ok(map) = serde_json::from_str(&json) else {
                    problems.push("a stored version is not JSON".into());
                    continue;
                };
                let rec = Record::with_json(&StixObject::new(map), Some(json));
                let set: String = r.get(1)?;
                let (id, idh): (String, i64) = (r.get(2)?, r.get(3)?);
                if rec.id != id || idh != id_hash(&id) {
                    wrong_ids += 1;
                }
                if serde_json::from_str::<Vec<String>>(&set).ok().as_ref() != Some(&rec.markings) {
                    wrong_marks += 1;
                }
                ext += rec.ext_ids.len() as i64;
                let mut distinct: Vec<_> = rec
                    .edges
                    .iter()
                    .map(|e| (&e.source, &e.target, &e.rel))
                    .collect();
                distinct.sort();
                distinct.dedup();
                edges += distinct.len() as i64;
                texts += i64::from(rec.has_text());
            }
        }
        if wrong_ids > 0 {
            problems.push(format!(
                "{wrong_ids} objects whose id or id hash does not match their stored version"
            ));
        }
        if wrong_marks > 0 {
            problems.push(format!(
                "{wrong_marks} objects whose marking set does not match their markings"
            ));
        }
        for (what, expected, sql) in [
            ("external ids", ext, "SELECT count(*) FROM ext_ids"),
            ("edges", edges, "SELECT count(*) FROM edges"),
        ] {
            let n = count(sql)?;
            if n != expected {
                problems.push(format!(
                    "{what}: {n} indexed, {expected} expected from the stored objects"
                ));
            }
        }
        self.verify_text(texts, &mut problems)?;
        Ok(Consistency { problems })
    }
}

impl SqliteStore {
    /// A number that changes with every committed write to the store (by
    /// this or any other process). Cheap: one row.
    pub fn generation(&self) -> Result<i64> {
        Ok(super::text::main_generation(&self.conn)?)
    }

    /// The newest `added` time of the current versions of type `ty`.
    pub fn newest_added(&self, ty: &str) -> Result<Option<String>> {
        Ok(self.conn.query_row(
            "SELECT max(v.added) FROM objects c JOIN versions v ON v.oid = c.oid AND v.version = c.version
             WHERE c.type = ?1",
            [ty],
            |r| r.get(0),
        )?)
    }

    /// The current versions of the objects of type `ty` whose version was
    /// stored at or after `added` (the store's own time of the write, as
    /// kept in `versions.added`; `None`: all), with that time: `f(added, json)`.
    pub fn current_added_since(
        &self,
        ty: &str,
        added: Option<&str>,
        f: &mut dyn FnMut(&str, &str) -> Result<()>,
    ) -> Result<u64> {
        let mut st = self.conn.prepare(
            "SELECT v.added, v.json FROM objects c JOIN versions v ON v.oid = c.oid AND v.version = c.version
             WHERE c.type = ?1 AND v.added >= ?2 ORDER BY c.oid",
        )?;
        let mut rows = st.query(params![ty, added.unwrap_or("")])?;
        let mut n = 0;
        while let Some(r) = rows.next()? {
            let a: String = r.get(0)?;
            let json: String = r.get(1)?;
            f(&a, &json)?;
            n += 1;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn fts_query_quotes_everything() {
        assert_eq!(
            fts_query("spear phishing").unwrap(),
            "\"spear\" \"phishing\""
        );
        assert_eq!(
            fts_query("a\"b OR NEAR(").unwrap(),
            "\"a\"\"b\" \"OR\" \"NEAR(\""
        );
        assert_eq!(fts_query(" * - ( "), None);
    }
}
