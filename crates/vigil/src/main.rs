//! `vigil`: the command line of the Vigil threat-intelligence platform.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod admin;
mod attack;
mod commands;
mod hunt_cmd;
mod import;
mod input;
mod pattern_cmd;
mod pull;
mod retro;
mod sensors;
mod show;
mod when;

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Vigil: threat intelligence for defenders against espionage.
///
/// Keeps STIX 2.1 intelligence (MITRE ATT&CK included) as a versioned knowledge
/// graph in a data directory, and answers questions about it from the command
/// line and over HTTP.
#[derive(Parser, Debug)]
#[command(name = "vigil", version, about, long_about, max_term_width = 100)]
struct Invocation {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: AnyCommand,
}

/// Every command: the store's, and the patterning engine's (`pattern_cmd`).
#[derive(Subcommand, Debug)]
enum AnyCommand {
    #[command(flatten)]
    Store(Command),
    #[command(flatten)]
    Pattern(pattern_cmd::PatternCommand),
    #[command(flatten)]
    Admin(admin::AdminCommand),
    #[command(flatten)]
    Pull(pull::PullCommand),
    #[command(flatten)]
    Hunt(hunt_cmd::HuntCommand),
}

/// A store command with the options every command takes.
#[derive(Debug)]
pub struct Cli {
    pub global: Global,
    pub command: Command,
}

/// Options every command takes.
#[derive(Args, Debug, Clone)]
pub struct Global {
    /// The data directory holding the store.
    #[arg(
        long,
        global = true,
        env = "VIGIL_DATA",
        default_value = "vigil-data",
        value_name = "DIR"
    )]
    pub data: PathBuf,
    /// Machine output: the STIX objects themselves, or one JSON summary object.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the JSON API (first start: create the store and load the bundled ATT&CK).
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:7878", value_name = "ADDR")]
        listen: String,
        /// Do not load the bundled MITRE ATT&CK on first start.
        #[arg(long)]
        no_attack: bool,
        /// The largest TAXII post accepted, in bytes (suffixes K, M, G); larger get 413.
        #[arg(long, default_value = "100M", value_name = "SIZE", value_parser = parse_size)]
        max_body: usize,
        /// The marking unmarked objects are treated as having (TLP:CLEAR, TLP:GREEN, ...,
        /// or a marking-definition id); remembered in the store. Default: TLP:CLEAR.
        #[arg(long, value_name = "MARKING")]
        default_marking: Option<String>,
    },
    /// Create the store and load the bundled MITRE ATT&CK Enterprise (v18.1).
    Init {
        /// Create an empty store, without ATT&CK.
        #[arg(long)]
        no_attack: bool,
    },
    /// Import STIX 2.0/2.1 from files, directories (*.json, *.jsonl, ...), or - for stdin.
    ///
    /// Inputs may be bundles of any size, single objects, arrays of objects or
    /// JSON lines, optionally gzip- or zstd-compressed. Each input is one
    /// transaction: an input with an invalid object is rejected whole unless
    /// --lenient is given. Exit status 1 if anything was invalid or rejected.
    Import {
        /// Files, directories, or - (stdin).
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Commit the valid objects of an input and report the invalid ones.
        #[arg(long)]
        lenient: bool,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
        /// While another process writes to the store (a running `serve` keeps
        /// it for a second after each TAXII post), wait up to this many seconds
        /// for it instead of failing at once.
        #[arg(long, value_name = "SECONDS", default_value_t = 0)]
        wait: u64,
    },
    /// Show an object by STIX id or external id (T1059, T1059.001, G0022, S0154, TA0001, M1036, CVE-...).
    Get {
        /// STIX id or external id.
        key: String,
        /// The version current at this instant (a STIX timestamp or a date, YYYY-MM-DD).
        #[arg(long, value_name = "TIME")]
        as_of: Option<String>,
    },
    /// Full-text search over names, aliases, external ids and descriptions.
    Search {
        /// Words that must all match (empty: list objects by name).
        text: String,
        /// Only objects of this type (repeatable).
        #[arg(long = "type", short = 't', value_name = "TYPE")]
        types: Vec<String>,
        /// At most this many results.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Include revoked and deprecated objects.
        #[arg(long)]
        include_revoked: bool,
    },
    /// The knowledge graph around an object: relationships and references.
    Neighbors {
        /// STIX id or external id.
        key: String,
        /// Hops to walk.
        #[arg(long, default_value_t = 1)]
        depth: usize,
        /// Follow only this relationship type or reference property (repeatable).
        #[arg(long, value_name = "TYPE")]
        rel: Vec<String>,
        /// Include revoked and deprecated objects and relationships.
        #[arg(long)]
        include_revoked: bool,
        /// Stop after this many nodes.
        #[arg(long, default_value_t = 10_000)]
        max_nodes: usize,
    },
    /// Every stored version of an object, oldest first.
    History {
        /// STIX id or external id.
        key: String,
    },
    /// What the store holds.
    Stats,
    /// Write objects as a STIX 2.1 bundle (or JSON lines), or feed the sensors.
    ///
    /// The sensor formats (zeek-intel, suricata, blocklist-*, csv) write the
    /// values of the current, non-revoked, unexpired indicators' STIX patterns
    /// that the format can express; the patterns it cannot express are listed
    /// on stderr with the reason, and a summary line counts both.
    Export {
        /// Only objects of this type (repeatable); for the sensor formats, only
        /// values of this observable type (ipv4-addr, ipv6-addr, network-traffic,
        /// domain-name, url, file, email-addr, x509-certificate).
        #[arg(long = "type", short = 't', value_name = "TYPE")]
        types: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ExportFormat::Stix)]
        format: ExportFormat,
        /// Every stored version, not just the current one.
        #[arg(long)]
        all_versions: bool,
        /// Write to this file instead of stdout (suricata: the directory to
        /// write the rules, datasets and lists into).
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Export only what this clearance may see (repeatable: TLP:GREEN,
        /// TLP:AMBER, a marking-definition id, ...): objects beyond it are left
        /// out, granular-marked properties beyond it removed. Default: everything.
        #[arg(long, value_name = "MARKING")]
        clearance: Vec<String>,
        /// Only what a clearance up to this marking may see (TLP:CLEAR,
        /// TLP:GREEN, TLP:AMBER, ...): the same test as --clearance.
        #[arg(long, value_name = "MARKING")]
        max_marking: Option<String>,
        /// Sensor formats: only indicators whose confidence is at least N (0-100;
        /// indicators without a confidence are left out).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(0..=100))]
        min_confidence: Option<u8>,
        /// Sensor formats: only indicators modified at or after this time (a STIX
        /// timestamp, a date, YYYY-MM-DD, or a duration back from now: 30d, 12h).
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
    },
    /// Validate STIX objects against the STIX 2.1 spec without importing them.
    ///
    /// Prints each invalid object's findings (with --json: one line per object,
    /// `{"index","id","valid","errors","warnings"}`). Exit status 0 unless an
    /// input cannot be read.
    Validate {
        /// Files, directories, or - (stdin).
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Also print SHOULD-level warnings (human output).
        #[arg(long)]
        warnings: bool,
    },
    /// Check that the store's indexes agree with its stored versions.
    Verify,
    /// Rebuild every index from the stored versions.
    Reindex,
}

/// Export formats.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// A STIX 2.1 bundle.
    Stix,
    /// One object per line.
    Jsonl,
    /// Zeek Intel framework input file (Intel::read_files).
    ZeekIntel,
    /// Suricata 7 rules with datasets and hash lists, into the --output directory.
    Suricata,
    /// IP addresses and CIDR networks, one per line.
    BlocklistIp,
    /// Domain names, one per line.
    BlocklistDomain,
    /// URLs, one per line.
    BlocklistUrl,
    /// File hashes (hex), one per line.
    BlocklistHash,
    /// CSV: one row per value and indicator.
    Csv,
}

fn main() {
    let invocation = Invocation::parse();
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("VIGIL_LOG").unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
    let result = match invocation.command {
        AnyCommand::Store(command) => commands::run(Cli {
            global: invocation.global,
            command,
        }),
        AnyCommand::Pattern(command) => pattern_cmd::run(&invocation.global, command),
        AnyCommand::Admin(command) => admin::run(&invocation.global, command),
        AnyCommand::Pull(command) => pull::run(&invocation.global, command),
        AnyCommand::Hunt(command) => hunt_cmd::run(&invocation.global, command),
    };
    let code = match result {
        Ok(code) => code,
        Err(e) => {
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            {
                0
            } else {
                eprintln!("vigil: {e:#}");
                2
            }
        }
    };
    std::process::exit(code);
}

/// A byte size: digits with an optional K, M or G (powers of 1024).
fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let (digits, shift) = match t.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (&t[..t.len() - 1], 10),
        Some('M') => (&t[..t.len() - 1], 20),
        Some('G') => (&t[..t.len() - 1], 30),
        _ => (t, 0),
    };
    digits
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(1usize << shift))
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("'{s}' is not a size like 1048576, 512K, 100M or 1G"))
}
