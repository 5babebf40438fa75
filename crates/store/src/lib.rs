//! The Vigil knowledge store: every version of every STIX object, and the indexes
//! analysts query (types, external ids, graph adjacency, markings, full text).
//!
//! Two traits split what readers and writers may do: [`ReadStore`] (object-safe,
//! shared by the CLI and the HTTP server) and [`WriteStore`] (imports, one
//! transaction per input). [`SqliteStore`] is the embedded backend; PostgreSQL
//! will implement the same traits.
//!
//! ```no_run
//! use vigil_store::{ReadStore, SqliteStore, SearchQuery};
//! let store = SqliteStore::open_read("vigil-data".as_ref()).unwrap();
//! for hit in store.search(&SearchQuery::text("spearphishing")).unwrap() {
//!     println!("{} {}", hit.id, hit.name.unwrap_or_default());
//! }
//! ```
//!
//! Versions are keyed by `(id, instant of modified)`: the newest is current, an
//! older one arriving late is kept in history without becoming current, and the
//! same version written with other precision is the same version.

mod pool;
mod record;
mod sqlite;

pub use pool::ReadPool;
pub use record::{Edge, EdgeKind, Record};
pub use sqlite::accounts::{Accounts, Collection, User, ACCESS_FILE};
pub use sqlite::audit::{
    AuditEntry, AuditFault, AuditLog, AuditProblem, AuditReport, StoredEntry, AUDIT_FILE,
};
pub use sqlite::feeds::{Feed, FeedAuth, Feeds};
pub use sqlite::retained::{Retained, RetainedRow, RetainedSource, RetainedStats, RETAINED_FILE};
pub use sqlite::SqliteStore;

use serde::Serialize;
use std::path::PathBuf;

/// Errors of the store. Each names the data directory or object concerned.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process holds the data directory for writing.
    #[error("data directory {dir} is locked by another Vigil process{holder}; wait for it to finish or stop it")]
    Locked {
        /// The data directory.
        dir: PathBuf,
        /// Who holds it, as far as the lock file says (" (pid N)").
        holder: String,
    },
    /// The data directory (or a file in it) cannot be created, opened or written.
    #[error("data directory {dir}: {message}")]
    Directory {
        /// The data directory.
        dir: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// There is no store in the data directory yet.
    #[error("no Vigil store in {0}; create one with `vigil init` (or `vigil serve`, or import something)")]
    Missing(PathBuf),
    /// The underlying database failed.
    #[error("store database: {0}")]
    Db(#[from] rusqlite::Error),
    /// An identifier or external id matches several objects.
    #[error("'{key}' is ambiguous; it names {}", .candidates.iter().map(|c| format!("{} ({})", c.id, c.source)).collect::<Vec<_>>().join(", "))]
    Ambiguous {
        /// What was asked for.
        key: String,
        /// The objects it could mean.
        candidates: Vec<Candidate>,
    },
    /// A query argument is malformed.
    #[error("{0}")]
    BadQuery(String),
    /// A change to accounts contradicts what is stored (a name taken, a group
    /// or user that does not exist).
    #[error("{0}")]
    Refused(String),
}

/// Result alias for the store.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// An object an external id could mean.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    /// STIX id.
    pub id: String,
    /// The external reference's `source_name`.
    pub source: String,
}

/// One stored version of an object.
#[derive(Debug, Clone, Serialize)]
pub struct Version {
    /// STIX id.
    pub id: String,
    /// The instant key of `modified` (or `created`; empty for cyber-observables).
    pub version: String,
    /// When this version entered the store (UTC, RFC 3339).
    pub added: String,
    /// Whether this is the current version.
    pub current: bool,
    /// The object, as compact JSON.
    pub json: String,
}

/// What happened to one object written by an import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PutOutcome {
    /// A new object.
    Added,
    /// A newer version of a known object; it is now current.
    Updated,
    /// An older version arrived late: kept in history, current unchanged.
    Older,
    /// This exact version was already stored.
    Unchanged,
    /// This version was stored with different content; the stored one is kept.
    Conflict,
}

/// A full-text search.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    /// Words to find in names, aliases, external ids and descriptions (all must
    /// match); empty lists objects by name.
    pub text: String,
    /// Only these types (any of them), if not empty.
    pub types: Vec<String>,
    /// At most this many hits (0 means the default, 20).
    pub limit: usize,
    /// Include revoked and deprecated objects.
    pub include_revoked: bool,
}

impl SearchQuery {
    /// A search for `text` with the defaults.
    pub fn text(text: &str) -> SearchQuery {
        SearchQuery {
            text: text.to_string(),
            ..SearchQuery::default()
        }
    }
}

/// One search result.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    /// STIX id.
    pub id: String,
    /// STIX type.
    #[serde(rename = "type")]
    pub object_type: String,
    /// Name, when the object has one.
    pub name: Option<String>,
    /// The object's ATT&CK (or first) external id, if any.
    pub external_id: Option<String>,
    /// Relevance (higher is better).
    pub score: f64,
    /// The object, as compact JSON.
    #[serde(skip)]
    pub json: String,
}

/// A walk of the graph around one object.
#[derive(Debug, Clone)]
pub struct NeighborQuery {
    /// The STIX id to start from.
    pub id: String,
    /// How many hops (1 = direct neighbours).
    pub depth: usize,
    /// Follow only these relationship types / reference properties, if not empty.
    pub rel: Vec<String>,
    /// Include revoked and deprecated objects and relationships.
    pub include_revoked: bool,
    /// Stop after this many nodes.
    pub max_nodes: usize,
}

/// A node of a neighbourhood.
#[derive(Debug, Clone, Serialize)]
pub struct Node {
    /// STIX id.
    pub id: String,
    /// STIX type (from the id when the object is not in the store).
    #[serde(rename = "type")]
    pub object_type: String,
    /// Name.
    pub name: Option<String>,
    /// ATT&CK (or first) external id.
    pub external_id: Option<String>,
    /// Hops from the start.
    pub depth: usize,
    /// Whether the object is in the store (a reference may point outside it).
    pub known: bool,
}

/// An edge of a neighbourhood.
#[derive(Debug, Clone, Serialize)]
pub struct GraphEdge {
    /// Where the edge starts.
    pub source: String,
    /// Where it ends.
    pub target: String,
    /// The relationship type, or the reference property.
    pub rel: String,
    /// The relationship object, or the object holding the reference.
    pub via: String,
    /// Relationship or embedded reference.
    pub kind: EdgeKind,
}

/// The neighbourhood of an object.
#[derive(Debug, Clone, Serialize)]
pub struct Graph {
    /// The start.
    pub root: String,
    /// Every node reached, the start first.
    pub nodes: Vec<Node>,
    /// Every edge walked.
    pub edges: Vec<GraphEdge>,
    /// Whether `max_nodes` cut the walk short.
    pub truncated: bool,
}

/// Counts of what the store holds.
#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    /// Objects (current versions).
    pub objects: u64,
    /// Current versions per type.
    pub by_type: std::collections::BTreeMap<String, u64>,
    /// All stored versions.
    pub versions: u64,
    /// Current objects that are revoked or deprecated.
    pub revoked_or_deprecated: u64,
    /// Relationship objects' edges and embedded references in the graph.
    pub edges: u64,
}

/// What `export` writes.
#[derive(Debug, Clone, Default)]
pub struct ExportFilter {
    /// Only these types, if not empty.
    pub types: Vec<String>,
    /// Every version, not just the current one.
    pub all_versions: bool,
}

/// What a consistency check found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Consistency {
    /// Problems found; empty means consistent.
    pub problems: Vec<String>,
}

/// Reading the store. Object-safe, so servers can hold `Box<dyn ReadStore>`.
pub trait ReadStore {
    /// The current version of an object by STIX id.
    fn get(&self, id: &str) -> Result<Option<Version>>;
    /// The version current at an instant (`modified` at or before it).
    fn get_as_of(&self, id: &str, instant_key: &str) -> Result<Option<Version>>;
    /// Resolves a STIX id or an external id (T1059, G0022, CVE-…) to a STIX id.
    fn resolve(&self, key: &str) -> Result<Option<String>>;
    /// Every stored version of an object, oldest first.
    fn history(&self, id: &str) -> Result<Vec<Version>>;
    /// Full-text search.
    fn search(&self, q: &SearchQuery) -> Result<Vec<Hit>>;
    /// The graph around an object.
    fn neighbors(&self, q: &NeighborQuery) -> Result<Graph>;
    /// Counts.
    fn stats(&self) -> Result<Stats>;
    /// Counts of the objects whose current version's `object_marking_refs`
    /// pass `visible` (called once per distinct set; empty for unmarked objects).
    fn stats_visible(&self, visible: &mut dyn FnMut(&[String]) -> bool) -> Result<Stats>;
    /// Streams objects (compact JSON) to `sink`; returns how many.
    fn export(
        &self,
        filter: &ExportFilter,
        sink: &mut dyn FnMut(&str) -> std::io::Result<()>,
    ) -> Result<u64>;
    /// A value recorded in the store's metadata.
    fn meta(&self, key: &str) -> Result<Option<String>>;
    /// Checks that every derived index agrees with the stored versions.
    fn verify(&self) -> Result<Consistency>;
}

/// One import: all of its writes commit together or not at all.
pub trait ImportTx {
    /// Writes one object. The text it indexes is moved out of the record
    /// (`name`, `aliases`, `ext_text` and `description` come back empty once the
    /// version is new or current) rather than copied; the rest is left as it was.
    fn put(&mut self, record: &mut Record) -> Result<PutOutcome>;
    /// Adds the version just `put` to a TAXII collection, dated now (each entry
    /// of the store gets a later date than every entry before it). Adding a
    /// version the collection holds already changes nothing.
    fn collect(&mut self, collection: &str, record: &Record) -> Result<()>;
    /// Records a metadata value in the same transaction.
    fn set_meta(&mut self, key: &str, value: &str) -> Result<()>;
    /// Makes every write of this import durable and visible.
    fn commit(self: Box<Self>) -> Result<()>;
}

/// Writing the store.
pub trait WriteStore: ReadStore {
    /// Starts an import; dropping it without `commit` rolls everything back.
    fn begin_import(&mut self) -> Result<Box<dyn ImportTx + '_>>;
    /// Rebuilds every derived index from the stored versions.
    fn reindex(&mut self) -> Result<()>;
}

/// Which versions of an object a collection query returns (TAXII `match[version]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionMatch {
    /// The newest version in the collection (the default).
    Last,
    /// The oldest version in the collection.
    First,
    /// Every version.
    All,
    /// The version at this instant key (see `Timestamp::instant_key`).
    At(String),
}

/// A query over the objects of a collection (TAXII `GET objects`, `manifest`,
/// `versions`). Entries come in the order they were added.
#[derive(Debug, Clone)]
pub struct CollectionQuery {
    /// The collection's id.
    pub collection: String,
    /// Only entries added after this sequence number (a page cursor; 0 = start).
    pub after_seq: i64,
    /// Only entries added after this instant (microseconds since the epoch).
    pub added_after_us: Option<i64>,
    /// Only these STIX ids, if not empty.
    pub ids: Vec<String>,
    /// Only these types, if not empty.
    pub types: Vec<String>,
    /// Any of these versions (empty means `Last`).
    pub versions: Vec<VersionMatch>,
    /// Only these spec versions, if not empty (everything is stored as 2.1).
    pub spec_versions: Vec<String>,
    /// At most this many entries kept.
    pub limit: usize,
    /// Stop looking after this many entries read (kept or not); the page then
    /// ends early with `more` set.
    pub max_scan: usize,
}

/// One object version in a collection.
#[derive(Debug, Clone)]
pub struct CollectionEntry {
    /// Order of addition (the page cursor).
    pub seq: i64,
    /// STIX id.
    pub id: String,
    /// STIX type.
    pub object_type: String,
    /// The version's instant key.
    pub version: String,
    /// When it was added to the collection (microseconds since the epoch);
    /// strictly increasing with `seq`.
    pub added_us: i64,
    /// The object, as compact JSON.
    pub json: String,
}

/// A page of a collection query.
#[derive(Debug, Clone, Default)]
pub struct CollectionPage {
    /// The entries kept, in order.
    pub entries: Vec<CollectionEntry>,
    /// Whether more entries may follow.
    pub more: bool,
    /// The cursor to continue from (the last entry read, kept or not).
    pub next_seq: i64,
}

/// Reading the objects of TAXII collections.
pub trait CollectionRead {
    /// Entries of a collection matching `q`, in order of addition; `keep` sees
    /// each candidate and returns it (possibly changed, e.g. redacted) or `None`
    /// to leave it out (access control); left-out entries do not count towards
    /// `limit`.
    fn collection_page(
        &self,
        q: &CollectionQuery,
        keep: &mut dyn FnMut(CollectionEntry) -> Option<CollectionEntry>,
    ) -> Result<CollectionPage>;
}

/// Writing TAXII collections (outside an import).
pub trait CollectionWrite {
    /// Removes versions of an object from a collection (all of them when
    /// `versions` is empty); returns how many entries were removed. The
    /// versions stay in the store's history.
    fn remove_from_collection(
        &mut self,
        collection: &str,
        id: &str,
        versions: &[VersionMatch],
        spec_versions: &[String],
    ) -> Result<u64>;
}
