//! One function per command: open the store, call the library, print.

use crate::{attack, import, input, sensors, show, Cli, Command, ExportFormat, Global};
use anyhow::{bail, Context, Result};
use std::io::{BufWriter, IsTerminal, Write};
use std::ops::ControlFlow;
use vigil_stix::parse::{parse_reader, Item};
use vigil_stix::{check, Finding, Severity, Timestamp};
use vigil_store::{ExportFilter, NeighborQuery, ReadStore, SearchQuery, SqliteStore, WriteStore};

/// Runs a command; returns the exit status.
pub fn run(cli: Cli) -> Result<i32> {
    let g = cli.global;
    match cli.command {
        Command::Serve {
            listen,
            no_attack,
            max_body,
            default_marking,
        } => serve(&g, &listen, no_attack, max_body, default_marking.as_deref()),
        Command::Init { no_attack } => init(&g, no_attack),
        Command::Import {
            paths,
            lenient,
            quiet,
            wait,
        } => import_cmd(&g, &paths, lenient, quiet, wait),
        Command::Get { key, as_of } => get(&g, &key, as_of.as_deref()),
        Command::Search {
            text,
            types,
            limit,
            include_revoked,
        } => search(
            &g,
            &SearchQuery {
                text,
                types,
                limit,
                include_revoked,
            },
        ),
        Command::Neighbors {
            key,
            depth,
            rel,
            include_revoked,
            max_nodes,
        } => neighbors(&g, &key, depth, rel, include_revoked, max_nodes),
        Command::History { key } => history(&g, &key),
        Command::Stats => stats(&g),
        Command::Export {
            types,
            format,
            all_versions,
            output,
            mut clearance,
            max_marking,
            min_confidence,
            since,
        } => {
            clearance.extend(max_marking);
            match sensor_format(format) {
                Some(sensor) => {
                    if all_versions {
                        bail!("--all-versions: the sensor formats export current indicators");
                    }
                    if let Some(t) = types
                        .iter()
                        .find(|t| !vigil_stix::object::is_sco_type(t) && !t.starts_with("x-"))
                    {
                        bail!("--type {t}: the sensor formats select values by observable type (ipv4-addr, domain-name, url, file, ...)");
                    }
                    export_sensors(
                        &g,
                        sensors::Options {
                            format: sensor,
                            min_confidence,
                            since: since.as_deref().map(sensors::since_key).transpose()?,
                            types,
                            clearance: export_clearance(&clearance)?,
                            policy: export_policy(&g)?,
                            now: Timestamp::now_micros().instant_key(),
                        },
                        output.as_deref(),
                    )
                }
                None => {
                    if min_confidence.is_some() || since.is_some() {
                        bail!("--min-confidence and --since apply to the sensor formats (zeek-intel, suricata, blocklist-*, csv)");
                    }
                    export(
                        &g,
                        ExportFilter {
                            types,
                            all_versions,
                        },
                        format,
                        output.as_deref(),
                        &clearance,
                    )
                }
            }
        }
        Command::Validate { paths, warnings } => validate(&g, &paths, warnings),
        Command::Verify => verify(&g),
        Command::Reindex => {
            let mut s = SqliteStore::open_write(&g.data)?;
            s.reindex()?;
            eprintln!("reindexed {}", g.data.display());
            Ok(0)
        }
    }
}

fn stdout() -> BufWriter<std::io::StdoutLock<'static>> {
    BufWriter::with_capacity(1 << 16, std::io::stdout().lock())
}

/// Loads the bundled ATT&CK into the store unless it was loaded before.
fn ensure_attack(store: &mut SqliteStore, progress: bool) -> Result<Option<import::Report>> {
    if store.meta(attack::META_KEY)?.is_some() {
        return Ok(None);
    }
    eprintln!(
        "loading the bundled MITRE ATT&CK Enterprise {} ...",
        attack::VERSION
    );
    let report = import::run(
        store,
        vec![attack::input()?],
        import::Options {
            lenient: false,
            progress,
            collection: None,
        },
    )?;
    if !report.clean() {
        bail!(
            "the bundled ATT&CK did not import cleanly: {}",
            show::first_problem(&report)
        );
    }
    let mut tx = store.begin_import()?;
    tx.set_meta(attack::META_KEY, attack::VERSION)?;
    tx.commit()?;
    eprintln!(
        "loaded {} ATT&CK objects in {:.2} s",
        report.objects, report.seconds
    );
    Ok(Some(report))
}

/// Loads the TLP 1.0 and 2.0 marking definitions into the store once, so that
/// clients (TAXII, export) can resolve the markings Vigil knows by id.
fn ensure_markings(store: &mut SqliteStore) -> Result<()> {
    const KEY: &str = "tlp_definitions";
    if store.meta(KEY)?.is_some() {
        return Ok(());
    }
    let bundle = format!("[{}]", vigil_access::tlp::DEFINITIONS.join(","));
    let report = import::run(
        store,
        vec![input::Input::from_bytes(
            "the TLP marking definitions",
            bundle.into_bytes(),
        )],
        import::Options::default(),
    )?;
    if !report.clean() {
        bail!(
            "the TLP marking definitions did not import cleanly: {}",
            show::first_problem(&report)
        );
    }
    let mut tx = store.begin_import()?;
    tx.set_meta(KEY, "1")?;
    tx.commit()?;
    Ok(())
}

fn init(g: &Global, no_attack: bool) -> Result<i32> {
    let mut store = SqliteStore::open_write(&g.data)?;
    ensure_markings(&mut store)?;
    if !no_attack {
        ensure_attack(&mut store, std::io::stderr().is_terminal())?;
    }
    let stats = store.stats()?;
    if g.json {
        show::json_line(&mut stdout(), &stats)?;
    } else {
        println!(
            "store ready in {} ({} objects)",
            g.data.display(),
            stats.objects
        );
    }
    Ok(0)
}

fn serve(
    g: &Global,
    listen: &str,
    no_attack: bool,
    max_body: usize,
    default_marking: Option<&str>,
) -> Result<i32> {
    {
        let mut store = SqliteStore::open_write(&g.data)?;
        ensure_markings(&mut store)?;
        if !no_attack {
            ensure_attack(&mut store, std::io::stderr().is_terminal())?;
        }
    }
    if let Some(m) = default_marking {
        let policy = vigil_access::Policy::with_default(m)
            .map_err(|e| anyhow::anyhow!("--default-marking: {e}"))?;
        vigil_store::Accounts::open(&g.data)?
            .set_setting("default_marking", &policy.default_marking)?;
    }
    let addr: std::net::SocketAddr = listen
        .parse()
        .with_context(|| format!("--listen {listen}: expected an address like 127.0.0.1:7878"))?;
    crate::pull::spawn_scheduler(g.data.clone()).context("cannot start the feed scheduler")?;
    crate::retro::spawn_watcher(g.data.clone()).context("cannot start the retro-hunter")?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(vigil_server::serve(
        g.data.clone(),
        addr,
        vigil_server::Options {
            max_body,
            ..vigil_server::Options::default()
        },
    ))?;
    Ok(0)
}

fn import_cmd(
    g: &Global,
    paths: &[std::path::PathBuf],
    lenient: bool,
    quiet: bool,
    wait: u64,
) -> Result<i32> {
    let files = input::expand(paths)?;
    let mut store = SqliteStore::open_write_waiting(&g.data, std::time::Duration::from_secs(wait))?;
    let mut inputs = Vec::with_capacity(files.len());
    for f in &files {
        inputs.push(input::open(f)?);
    }
    let progress = !quiet && std::io::stderr().is_terminal();
    let report = import::run(
        &mut store,
        inputs,
        import::Options {
            lenient,
            progress,
            collection: None,
        },
    )?;
    drop(store);
    crate::admin::record_import(g, &report)?;
    let mut out = stdout();
    if g.json {
        show::json_line(&mut out, &report)?;
    } else {
        show::import_report(&mut out, &report)?;
    }
    out.flush()?;
    crate::retro::after_import(&g.data, report.by_type.contains_key("indicator"));
    Ok(if report.clean() { 0 } else { 1 })
}

/// Resolves a STIX id or external id; `None` (after saying so) if nothing matches.
fn resolve(store: &SqliteStore, key: &str) -> Result<Option<String>> {
    let found = store.resolve(key)?;
    if found.is_none() {
        eprintln!(
            "vigil: no object matches '{key}' in {}",
            store.dir().display()
        );
    }
    Ok(found)
}

/// Parses `--as-of`: a STIX timestamp, or a date meaning its midnight UTC.
fn as_of_key(t: &str) -> Result<String> {
    let ts = Timestamp::parse_instant(t).map_err(|e| anyhow::anyhow!("--as-of: {e}"))?;
    Ok(ts.instant_key())
}

fn get(g: &Global, key: &str, as_of: Option<&str>) -> Result<i32> {
    let instant = as_of.map(as_of_key).transpose()?;
    let store = SqliteStore::open_read(&g.data)?;
    let Some(id) = resolve(&store, key)? else {
        return Ok(1);
    };
    let version = match (&instant, as_of) {
        (Some(k), Some(t)) => {
            let v = store.get_as_of(&id, k)?;
            if v.is_none() {
                eprintln!("vigil: {id} has no version at or before {t}");
                return Ok(1);
            }
            v
        }
        _ => store.get(&id)?,
    };
    let Some(v) = version else {
        eprintln!("vigil: no object {id}");
        return Ok(1);
    };
    let mut out = stdout();
    if g.json {
        writeln!(out, "{}", v.json)?;
    } else {
        let versions = store.history(&id)?.len();
        show::object(&mut out, &v, versions)?;
    }
    out.flush()?;
    Ok(0)
}

fn search(g: &Global, q: &SearchQuery) -> Result<i32> {
    let store = SqliteStore::open_read(&g.data)?;
    let hits = store.search(q)?;
    let mut out = stdout();
    if g.json {
        show::json_array(&mut out, hits.iter().map(|h| h.json.as_str()))?;
    } else {
        show::hits(&mut out, &hits)?;
    }
    out.flush()?;
    Ok(if hits.is_empty() { 1 } else { 0 })
}

fn neighbors(
    g: &Global,
    key: &str,
    depth: usize,
    rel: Vec<String>,
    include_revoked: bool,
    max_nodes: usize,
) -> Result<i32> {
    let store = SqliteStore::open_read(&g.data)?;
    let Some(id) = resolve(&store, key)? else {
        return Ok(1);
    };
    let graph = store.neighbors(&NeighborQuery {
        id,
        depth,
        rel,
        include_revoked,
        max_nodes,
    })?;
    let mut out = stdout();
    if g.json {
        show::json_line(&mut out, &graph)?;
    } else {
        show::graph(&mut out, &graph)?;
    }
    out.flush()?;
    Ok(0)
}

fn history(g: &Global, key: &str) -> Result<i32> {
    let store = SqliteStore::open_read(&g.data)?;
    let Some(id) = resolve(&store, key)? else {
        return Ok(1);
    };
    let versions = store.history(&id)?;
    let mut out = stdout();
    if g.json {
        show::json_array(&mut out, versions.iter().map(|v| v.json.as_str()))?;
    } else {
        show::history(&mut out, &versions)?;
    }
    out.flush()?;
    Ok(0)
}

fn stats(g: &Global) -> Result<i32> {
    let store = SqliteStore::open_read(&g.data)?;
    let stats = store.stats()?;
    let mut out = stdout();
    if g.json {
        show::json_line(&mut out, &stats)?;
    } else {
        show::stats(&mut out, &stats, store.meta(attack::META_KEY)?.as_deref())?;
    }
    out.flush()?;
    Ok(0)
}

/// The clearance an export reads with: the operator's full clearance by
/// default, or the one asked for (--clearance, --max-marking). Every object
/// goes through the access view with it.
fn export_clearance(items: &[String]) -> Result<vigil_access::Clearance> {
    if items.is_empty() {
        Ok(vigil_access::Clearance::full())
    } else {
        vigil_access::Clearance::parse(items)
            .map_err(|e| anyhow::anyhow!("--clearance/--max-marking: {e}"))
    }
}

/// The store's access policy (its default marking, if one was set).
fn export_policy(g: &Global) -> Result<vigil_access::Policy> {
    let setting = if g.data.join(vigil_store::ACCESS_FILE).is_file() {
        vigil_store::Accounts::open(&g.data)?.setting("default_marking")?
    } else {
        None
    };
    Ok(match setting {
        Some(m) => vigil_access::Policy { default_marking: m },
        None => vigil_access::Policy::default(),
    })
}

/// The sensor format an export format is, if it is one.
fn sensor_format(format: ExportFormat) -> Option<sensors::Format> {
    Some(match format {
        ExportFormat::Stix | ExportFormat::Jsonl => return None,
        ExportFormat::ZeekIntel => sensors::Format::ZeekIntel,
        ExportFormat::Suricata => sensors::Format::Suricata,
        ExportFormat::BlocklistIp => sensors::Format::BlocklistIp,
        ExportFormat::BlocklistDomain => sensors::Format::BlocklistDomain,
        ExportFormat::BlocklistUrl => sensors::Format::BlocklistUrl,
        ExportFormat::BlocklistHash => sensors::Format::BlocklistHash,
        ExportFormat::Csv => sensors::Format::Csv,
    })
}

/// `vigil export --format <sensor format>`: what the indicators' patterns
/// can say in that format; what they cannot, listed on stderr.
fn export_sensors(
    g: &Global,
    opts: sensors::Options,
    output: Option<&std::path::Path>,
) -> Result<i32> {
    let format = opts.format;
    if format == sensors::Format::Suricata && output.is_none() {
        bail!("--format suricata writes a directory of rules and datasets: give --output DIR");
    }
    let store = SqliteStore::open_read(&g.data)?;
    let (collected, mut report) = sensors::collect(&store, &opts)?;
    report.values = match (format, output) {
        (sensors::Format::Suricata, Some(dir)) => sensors::write_suricata(&collected, dir)?,
        (_, Some(file)) => {
            let mut bytes = Vec::new();
            let n = sensors::write(format, &collected, &mut bytes)?;
            sensors::write_atomically(file, &bytes)?;
            n
        }
        (_, None) => {
            let mut out = stdout();
            let written = sensors::write(format, &collected, &mut out).and_then(|n| {
                out.flush()?;
                Ok(n)
            });
            match written {
                Ok(n) => n,
                // A reader that stops early (`| head`) is not an error.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(0),
                Err(e) => return Err(e.into()),
            }
        }
    };
    let mut err = std::io::stderr().lock();
    for note in &report.notes {
        writeln!(err, "vigil: {note}")?;
    }
    writeln!(err, "vigil: {}", sensors::summary(format, &report))?;
    if report.sensitive > 0 {
        crate::admin::record(
            g,
            "read",
            "export",
            format!(
                "{} indicators marked TLP:AMBER or above ({})",
                report.sensitive,
                format.name()
            ),
        )?;
    }
    Ok(0)
}

fn export(
    g: &Global,
    filter: ExportFilter,
    format: ExportFormat,
    output: Option<&std::path::Path>,
    clearance: &[String],
) -> Result<i32> {
    let store = SqliteStore::open_read(&g.data)?;
    let clearance = export_clearance(clearance)?;
    let policy = export_policy(g)?;
    let mut sensitive = 0u64;
    let mut seen = |json: &str| -> Option<String> {
        let text = match vigil_access::view(&policy, &clearance, json) {
            vigil_access::View::Hidden => return None,
            vigil_access::View::Whole(t) => t.to_string(),
            vigil_access::View::Redacted(t) => t,
        };
        if vigil_access::needs_read_audit(&text) {
            sensitive += 1;
        }
        Some(text)
    };
    let mut out: Box<dyn Write> = match output {
        Some(p) => Box::new(BufWriter::with_capacity(
            1 << 16,
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => Box::new(stdout()),
    };
    // A reader that stops early (`| head`) is not an error.
    let mut closed = false;
    let mut guard = |r: std::io::Result<()>| -> std::io::Result<()> {
        if let Err(e) = &r {
            closed |= e.kind() == std::io::ErrorKind::BrokenPipe;
        }
        r
    };
    let result = match format {
        ExportFormat::Stix => {
            write!(
                out,
                "{{\"type\":\"bundle\",\"id\":\"bundle--{}\",\"objects\":[",
                vigil_access::secrets::new_uuid()
            )?;
            let mut first = true;
            let n = store.export(&filter, &mut |json| {
                let Some(json) = seen(json) else {
                    return Ok(());
                };
                let sep: &[u8] = if first { b"\n" } else { b",\n" };
                first = false;
                guard(
                    out.write_all(sep)
                        .and_then(|()| out.write_all(json.as_bytes())),
                )
            });
            n.map(|n| (n, writeln!(out, "\n]}}")))
        }
        ExportFormat::Jsonl => store
            .export(&filter, &mut |json| {
                let Some(json) = seen(json) else {
                    return Ok(());
                };
                guard(
                    out.write_all(json.as_bytes())
                        .and_then(|()| out.write_all(b"\n")),
                )
            })
            .map(|n| (n, Ok(()))),
        sensor => bail!("{sensor:?} is a sensor format, exported by export_sensors"),
    };
    if closed {
        return Ok(0);
    }
    let (n, tail) = result?;
    tail?;
    out.flush()?;
    tracing::debug!("exported {n} objects");
    if sensitive > 0 {
        crate::admin::record(
            g,
            "read",
            "export",
            format!("{sensitive} objects marked TLP:AMBER or above"),
        )?;
    }
    Ok(0)
}

fn validate(g: &Global, paths: &[std::path::PathBuf], warnings: bool) -> Result<i32> {
    let files = input::expand(paths)?;
    let mut out = stdout();
    let (mut total, mut invalid, mut status) = (0u64, 0u64, 0);
    for f in &files {
        let inp = input::open(f)?;
        let name = inp.name.clone();
        let mut io_err: Option<std::io::Error> = None;
        let res = parse_reader(inp.reader, |item| {
            let Item::Object(raw) = item else {
                return ControlFlow::Continue(());
            };
            total += 1;
            let (id, findings, pos) = match raw.value {
                Err(e) => (
                    None,
                    vec![Finding::error("", "json-syntax", e.message)],
                    e.position,
                ),
                Ok(map) => {
                    let c = check(map, raw.bundle_spec_version.as_deref());
                    (
                        c.object.str("id").map(str::to_string),
                        c.findings,
                        raw.position,
                    )
                }
            };
            let valid = !findings.iter().any(|f| f.severity == Severity::Error);
            invalid += u64::from(!valid);
            let r = if g.json {
                let (errors, warns): (Vec<_>, Vec<_>) =
                    findings.iter().partition(|f| f.severity == Severity::Error);
                show::json_line(
                    &mut out,
                    &serde_json::json!({"index": raw.index, "id": id, "valid": valid, "errors": errors, "warnings": warns}),
                )
            } else {
                show::findings(&mut out, &name, pos, id.as_deref(), &findings, warnings)
            };
            match r {
                Ok(()) => ControlFlow::Continue(()),
                Err(e) => {
                    io_err = Some(e);
                    ControlFlow::Break(())
                }
            }
        });
        if let Some(e) = io_err {
            return Err(e.into());
        }
        if let Err(e) = res {
            eprintln!("vigil: {name}: {e}");
            status = 1;
        }
    }
    if !g.json {
        writeln!(
            out,
            "{total} objects, {} valid, {invalid} invalid",
            total - invalid
        )?;
    }
    out.flush()?;
    Ok(status)
}

fn verify(g: &Global) -> Result<i32> {
    let store = SqliteStore::open_read(&g.data)?;
    let c = store.verify()?;
    if g.json {
        show::json_line(
            &mut stdout(),
            &serde_json::json!({"consistent": c.problems.is_empty(), "problems": c.problems}),
        )?;
    } else if c.problems.is_empty() {
        println!("{}: consistent", g.data.display());
    } else {
        for p in &c.problems {
            println!("{}: {p}", g.data.display());
        }
    }
    Ok(if c.problems.is_empty() { 0 } else { 1 })
}
