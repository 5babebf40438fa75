//! Detection over the organisation's own logs.
//!
//! - [`lines`]: where records come from: files, directories, `.gz`/`.zst`,
//!   stdin, and files followed while they are written (rotation handled),
//!   cut into lines with their file and 1-based line number.
//! - [`json`]: a scanner that walks a JSON line's members without building a tree.
//! - [`adapters`]: Zeek, Suricata EVE, ECS and mapped JSON lines to
//!   [`fact::Record`]s, as MAPPING.md (beside Cargo.toml) specifies.
//! - [`fact`]: records as facts (values at STIX object paths), and the STIX
//!   observation a record is.
//! - [`hunter`]: the pre-filter and the indicator set; hits with their records.
//! - [`drive`]: per-file format recognition, `--since`, problems reported by line.
//! - [`retain`]: the distinct observables of a hunt, kept for retro-hunting.
//! - [`sighting`]: sightings, observed-data and SCOs with deterministic ids.
//!
//! No store and no output here: `vigil hunt` (crates/vigil) loads the
//! indicators, prints hits and records sightings.

pub mod adapters;
pub mod drive;
pub mod fact;
pub mod hunter;
pub mod json;
pub mod lines;
pub mod retain;
pub mod sighting;
pub mod time;

/// The log formats read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Zeek JSON logs.
    Zeek,
    /// Suricata EVE JSON.
    Suricata,
    /// Elastic Common Schema JSON.
    Ecs,
    /// STIX observed-data.
    Stix,
    /// JSON lines through a mapping file.
    Mapping,
}

impl Format {
    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Zeek => "zeek",
            Format::Suricata => "suricata",
            Format::Ecs => "ecs",
            Format::Stix => "stix",
            Format::Mapping => "mapping",
        }
    }
}
