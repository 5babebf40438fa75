//! Administration: `vigil user`, `vigil group`, `vigil collection` and `vigil audit`.
//!
//! Accounts and the audit trail have database files of their own
//! (`access.db`, `audit.db`), so every command here works while `serve` runs.
//! Each one records itself in the audit trail as `local:<OS user>`.

use crate::{show, Global};
use anyhow::{bail, Context, Result};
use clap::Subcommand;
use std::io::{BufRead, Write};
use vigil_access::{secrets, Clearance};
use vigil_store::{Accounts, AuditEntry, AuditLog, Collection, ReadStore, SqliteStore};

/// The administration commands.
#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Manage the users who may sign in to the API and TAXII.
    ///
    /// Once a user exists, `serve` asks every request for credentials (HTTP Basic
    /// or a Bearer token).
    #[command(subcommand)]
    User(UserCommand),
    /// Manage groups (collection permissions are granted to groups).
    #[command(subcommand)]
    Group(GroupCommand),
    /// Manage TAXII collections.
    #[command(subcommand)]
    Collection(CollectionCommand),
    /// Check and read the tamper-evident audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
}

/// `vigil user ...`
#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a user; the password is the first line of stdin.
    ///
    /// A clearance names the markings the user may read: TLP:CLEAR (TLP:WHITE),
    /// TLP:GREEN, TLP:AMBER, TLP:AMBER+STRICT, TLP:RED (each covers the levels
    /// below it), or the id of a marking-definition in the store (a
    /// compartment). Without one, the user reads TLP:CLEAR only.
    Add {
        /// Login name.
        name: String,
        /// Read the password from the first line of stdin (required).
        #[arg(long, required = true)]
        password_stdin: bool,
        /// A group to join (repeatable; it must exist).
        #[arg(long = "group", value_name = "GROUP")]
        groups: Vec<String>,
        /// A marking the user is cleared for (repeatable).
        #[arg(long = "clearance", value_name = "MARKING")]
        clearances: Vec<String>,
    },
    /// List users.
    List,
    /// Set a user's password to the first line of stdin.
    Password {
        /// The user.
        name: String,
        /// Read the password from the first line of stdin (required).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Create an API token for a user and print it (shown once; only its digest is kept).
    Token {
        /// The user.
        name: String,
        /// A note to remember the token by.
        #[arg(long)]
        label: Option<String>,
    },
    /// Remove a user with their tokens.
    Remove {
        /// The user.
        name: String,
    },
}

/// `vigil group ...`
#[derive(Subcommand, Debug)]
pub enum GroupCommand {
    /// Create a group.
    Add {
        /// Group name.
        name: String,
    },
    /// List groups.
    List,
    /// Add a user to a group.
    AddMember {
        /// The group.
        group: String,
        /// The user.
        user: String,
    },
}

/// `vigil collection ...`
#[derive(Subcommand, Debug)]
pub enum CollectionCommand {
    /// Create a TAXII collection; prints its id.
    Add {
        /// Title.
        title: String,
        /// Its id (a UUID); a random one when not given.
        #[arg(long, value_name = "UUID")]
        id: Option<String>,
        /// Description.
        #[arg(long)]
        description: Option<String>,
        /// A group whose members may read it (repeatable; it must exist).
        #[arg(long = "read", value_name = "GROUP")]
        read: Vec<String>,
        /// A group whose members may write to it (repeatable; it must exist).
        #[arg(long = "write", value_name = "GROUP")]
        write: Vec<String>,
    },
    /// List collections.
    List,
}

/// `vigil audit ...`
#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Check the hash chain; exit status 1 naming the first altered, missing or
    /// reordered entry.
    Verify,
    /// Show the newest entries, oldest first.
    Tail {
        /// How many.
        #[arg(short = 'n', long = "lines", default_value_t = 20)]
        n: usize,
    },
}

/// Runs an administration command; returns the exit status.
pub fn run(g: &Global, command: AdminCommand) -> Result<i32> {
    match command {
        AdminCommand::User(c) => user(g, c),
        AdminCommand::Group(c) => group(g, c),
        AdminCommand::Collection(c) => collection(g, c),
        AdminCommand::Audit(c) => audit(g, c),
    }
}

/// The audit trail's name for whoever runs this process: `local:<OS user>`.
pub fn local_actor() -> String {
    format!("local:{}", os_user())
}

fn os_user() -> String {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // The real owner of this process, not what the environment claims.
        if let Ok(uid) = std::fs::metadata("/proc/self").map(|m| m.uid()) {
            let name = std::fs::read_to_string("/etc/passwd").ok().and_then(|p| {
                p.lines().find_map(|l| {
                    let mut f = l.split(':');
                    let name = f.next()?;
                    (f.nth(1)? == uid.to_string()).then(|| name.to_owned())
                })
            });
            return name.unwrap_or_else(|| format!("uid{uid}"));
        }
    }
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// Appends one entry by the local actor to the audit trail of `g.data`.
pub fn record(g: &Global, action: &str, target: &str, detail: String) -> Result<()> {
    record_all(
        g,
        vec![AuditEntry {
            actor: local_actor(),
            action: action.to_owned(),
            target: target.to_owned(),
            detail,
            ..AuditEntry::default()
        }],
    )
}

/// Appends entries (one transaction) to the audit trail of `g.data`.
pub fn record_all(g: &Global, entries: Vec<AuditEntry>) -> Result<()> {
    AuditLog::open(&g.data)?
        .append(&entries)
        .with_context(|| format!("cannot record in the audit trail of {}", g.data.display()))
}

/// Records an import: one `write` entry per input, with its counts.
pub fn record_import(g: &Global, report: &crate::import::Report) -> Result<()> {
    let actor = local_actor();
    let entries = report
        .inputs
        .iter()
        .map(|i| AuditEntry {
            actor: actor.clone(),
            action: "write".to_owned(),
            target: i.source.clone(),
            detail: format!(
                "import committed={} objects={} added={} updated={} unchanged={} older={} \
                 conflicts={} invalid={}",
                i.committed,
                i.objects,
                i.added,
                i.updated,
                i.unchanged,
                i.older,
                i.conflicts,
                i.invalid
            ),
            ..AuditEntry::default()
        })
        .collect();
    record_all(g, entries)
}

fn out() -> std::io::BufWriter<std::io::StdoutLock<'static>> {
    std::io::BufWriter::new(std::io::stdout().lock())
}

/// A name for a user or group: not empty, no `:` (HTTP Basic splits there),
/// no white space or control characters.
fn check_name(kind: &str, name: &str) -> Result<()> {
    if name.is_empty() {
        bail!("a {kind} name cannot be empty");
    }
    if let Some(c) = name
        .chars()
        .find(|c| *c == ':' || c.is_whitespace() || c.is_control())
    {
        bail!("{kind} name {name:?} contains {c:?}; use letters, digits, '.', '-', '_', '@'");
    }
    Ok(())
}

fn read_password() -> Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from stdin")?;
    let password = line.strip_suffix('\n').unwrap_or(&line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    if password.is_empty() {
        bail!("the password read from stdin is empty; give it on the first line of stdin");
    }
    Ok(password.to_owned())
}

/// Validates clearance items; returns them in their stored form. Marking ids
/// other than TLP's must name a marking-definition in the store.
fn clearance_items(g: &Global, items: &[String]) -> Result<Vec<String>> {
    let clearance = Clearance::parse(items)?;
    if !clearance.compartments().is_empty() {
        let store = SqliteStore::open_read(&g.data).with_context(|| {
            format!(
                "--clearance {} names a marking-definition, which must be in the store",
                clearance.compartments()[0]
            )
        })?;
        for id in clearance.compartments() {
            if store.get(id)?.is_none() {
                bail!(
                    "--clearance {id}: no such marking-definition in {}; import it first",
                    g.data.display()
                );
            }
        }
    }
    Ok(clearance.items().unwrap_or_default())
}

fn user(g: &Global, c: UserCommand) -> Result<i32> {
    match c {
        UserCommand::Add {
            name,
            password_stdin: _,
            groups,
            clearances,
        } => {
            check_name("user", &name)?;
            let clearances = clearance_items(g, &clearances)?;
            let password = read_password()?;
            let phc = secrets::hash_password(&password)?;
            let accounts = Accounts::open(&g.data)?;
            accounts.add_user(&name, &phc, &groups, &clearances)?;
            let detail = format!(
                "groups={} clearance={}",
                groups.join(","),
                clearances.join(",")
            );
            record(g, "user-add", &name, detail)?;
            let user = accounts
                .user(&name)?
                .context("the user just added is gone")?;
            let mut o = out();
            if g.json {
                show::json_line(&mut o, &user)?;
            } else {
                writeln!(
                    o,
                    "added user {name} (groups: {}; clearance: {})",
                    list_or_none(&user.groups),
                    user.clearances.join(", ")
                )?;
            }
            o.flush()?;
            Ok(0)
        }
        UserCommand::List => {
            let users = Accounts::open(&g.data)?.users()?;
            record(g, "user-list", "", format!("{} users", users.len()))?;
            let mut o = out();
            if g.json {
                show::json_line(&mut o, &users)?;
            } else if users.is_empty() {
                writeln!(o, "no users (serve answers loopback only, unauthenticated)")?;
            } else {
                for u in &users {
                    writeln!(
                        o,
                        "{}\tgroups: {}\tclearance: {}\tcreated {}",
                        u.name,
                        list_or_none(&u.groups),
                        u.clearances.join(", "),
                        u.created
                    )?;
                }
            }
            o.flush()?;
            Ok(0)
        }
        UserCommand::Password {
            name,
            password_stdin: _,
        } => {
            let accounts = Accounts::open(&g.data)?;
            if accounts.user(&name)?.is_none() {
                eprintln!("vigil: no user '{name}' in {}", g.data.display());
                return Ok(1);
            }
            let phc = secrets::hash_password(&read_password()?)?;
            if !accounts.set_password(&name, &phc)? {
                eprintln!("vigil: no user '{name}' in {}", g.data.display());
                return Ok(1);
            }
            record(g, "user-password", &name, String::new())?;
            let mut o = out();
            if g.json {
                show::json_line(&mut o, &serde_json::json!({"password_set": name}))?;
            } else {
                writeln!(o, "set the password of {name}")?;
            }
            o.flush()?;
            Ok(0)
        }
        UserCommand::Token { name, label } => {
            let accounts = Accounts::open(&g.data)?;
            if accounts.user(&name)?.is_none() {
                eprintln!("vigil: no user '{name}' in {}", g.data.display());
                return Ok(1);
            }
            let token = secrets::new_token();
            accounts.add_token(&name, &secrets::token_digest(&token), label.as_deref())?;
            record(
                g,
                "token-create",
                &name,
                label.map(|l| format!("label={l}")).unwrap_or_default(),
            )?;
            let mut o = out();
            if g.json {
                show::json_line(&mut o, &serde_json::json!({"user": name, "token": token}))?;
            } else {
                writeln!(o, "{token}")?;
            }
            o.flush()?;
            Ok(0)
        }
        UserCommand::Remove { name } => {
            let accounts = Accounts::open(&g.data)?;
            let tokens = accounts.revoke_tokens(&name)?;
            if !accounts.remove_user(&name)? {
                eprintln!("vigil: no user '{name}' in {}", g.data.display());
                return Ok(1);
            }
            record(g, "user-remove", &name, format!("{tokens} tokens revoked"))?;
            let mut o = out();
            if g.json {
                show::json_line(
                    &mut o,
                    &serde_json::json!({"removed": name, "tokens_revoked": tokens}),
                )?;
            } else {
                writeln!(o, "removed user {name} ({tokens} tokens revoked)")?;
            }
            o.flush()?;
            Ok(0)
        }
    }
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}

fn group(g: &Global, c: GroupCommand) -> Result<i32> {
    let accounts = Accounts::open(&g.data)?;
    let mut o = out();
    match c {
        GroupCommand::Add { name } => {
            check_name("group", &name)?;
            accounts.add_group(&name)?;
            record(g, "group-add", &name, String::new())?;
            if g.json {
                show::json_line(&mut o, &serde_json::json!({"added": name}))?;
            } else {
                writeln!(o, "added group {name}")?;
            }
        }
        GroupCommand::List => {
            let groups = accounts.groups()?;
            record(g, "group-list", "", format!("{} groups", groups.len()))?;
            if g.json {
                show::json_line(&mut o, &groups)?;
            } else {
                for name in &groups {
                    writeln!(o, "{name}")?;
                }
            }
        }
        GroupCommand::AddMember { group, user } => {
            accounts.add_member(&user, &group)?;
            record(g, "member-add", &group, format!("user={user}"))?;
            if g.json {
                show::json_line(&mut o, &serde_json::json!({"group": group, "added": user}))?;
            } else {
                writeln!(o, "added {user} to {group}")?;
            }
        }
    }
    o.flush()?;
    Ok(0)
}

/// A UUID as `8-4-4-4-12` hex digits, lowercased.
fn parse_uuid(s: &str) -> Option<String> {
    let lengths: Vec<usize> = s.split('-').map(str::len).collect();
    let ok = lengths == [8, 4, 4, 4, 12] && s.chars().all(|c| c == '-' || c.is_ascii_hexdigit());
    ok.then(|| s.to_ascii_lowercase())
}

fn collection(g: &Global, c: CollectionCommand) -> Result<i32> {
    let accounts = Accounts::open(&g.data)?;
    let mut o = out();
    match c {
        CollectionCommand::Add {
            title,
            id,
            description,
            read,
            write,
        } => {
            let id = match id {
                Some(id) => parse_uuid(&id).with_context(|| {
                    format!("--id {id:?} is not a UUID (like 6ba7b810-9dad-41d1-80b4-00c04fd430c8)")
                })?,
                None => vigil_access::secrets::new_uuid(),
            };
            if title.trim().is_empty() {
                bail!("a collection needs a title");
            }
            accounts.add_collection(&Collection {
                id: id.clone(),
                title,
                description,
                read_groups: read,
                write_groups: write,
                created: String::new(),
            })?;
            let added = accounts
                .collection(&id)?
                .context("the collection just added is gone")?;
            record(
                g,
                "collection-add",
                &id,
                format!(
                    "title={:?} read={} write={}",
                    added.title,
                    added.read_groups.join(","),
                    added.write_groups.join(",")
                ),
            )?;
            if g.json {
                show::json_line(&mut o, &added)?;
            } else {
                writeln!(o, "{id}")?;
            }
        }
        CollectionCommand::List => {
            let all = accounts.collections()?;
            record(
                g,
                "collection-list",
                "",
                format!("{} collections", all.len()),
            )?;
            if g.json {
                show::json_line(&mut o, &all)?;
            } else {
                for c in &all {
                    writeln!(
                        o,
                        "{}\t{}\tread: {}\twrite: {}",
                        c.id,
                        c.title,
                        list_or_none(&c.read_groups),
                        list_or_none(&c.write_groups)
                    )?;
                }
            }
        }
    }
    o.flush()?;
    Ok(0)
}

fn audit(g: &Global, c: AuditCommand) -> Result<i32> {
    let log = AuditLog::open(&g.data)?;
    let mut o = out();
    let status = match c {
        AuditCommand::Verify => {
            let report = log.verify()?;
            let summary = match &report.problem {
                None => format!("intact, {} entries", report.entries),
                Some(p) => format!("broken at entry {}: {}", p.seq, p.message),
            };
            log.append(&[AuditEntry {
                actor: local_actor(),
                action: "audit-verify".into(),
                detail: summary.clone(),
                ..AuditEntry::default()
            }])?;
            if g.json {
                show::json_line(
                    &mut o,
                    &serde_json::json!({
                        "intact": report.intact(),
                        "entries": report.entries,
                        "last_seq": report.last_seq,
                        "anchor_seq": report.anchor_seq,
                        "problem": report.problem,
                    }),
                )?;
            } else {
                writeln!(o, "audit trail of {}: {summary}", g.data.display())?;
            }
            if report.intact() {
                0
            } else {
                1
            }
        }
        AuditCommand::Tail { n } => {
            let entries = log.tail(n)?;
            log.append(&[AuditEntry {
                actor: local_actor(),
                action: "audit-tail".into(),
                detail: format!("{} entries", entries.len()),
                ..AuditEntry::default()
            }])?;
            if g.json {
                show::json_line(&mut o, &entries)?;
            } else {
                for e in &entries {
                    let e2 = &e.entry;
                    write!(
                        o,
                        "{:>6} {} {} {} {}",
                        e.seq, e2.time, e2.actor, e2.action, e2.target
                    )?;
                    if !e2.detail.is_empty() {
                        write!(o, " ({})", e2.detail)?;
                    }
                    if let Some(r) = &e2.remote {
                        write!(o, " from {r}")?;
                    }
                    writeln!(o)?;
                }
            }
            0
        }
    };
    o.flush()?;
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::parse_uuid;

    #[test]
    fn uuids() {
        assert_eq!(
            parse_uuid("6BA7B810-9dad-41d1-80b4-00c04fd430c8").as_deref(),
            Some("6ba7b810-9dad-41d1-80b4-00c04fd430c8")
        );
        assert!(parse_uuid("6ba7b810-9dad-41d1-80b4-00c04fd430c").is_none());
        assert!(parse_uuid("6ba7b810-9dad-41d1-80b4-00c04fd430cg").is_none());
        assert!(parse_uuid("6ba7b8109dad41d180b400c04fd430c8").is_none());
    }
}
