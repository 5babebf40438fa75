//! The administration CLI's contract (`vigil user|group|collection|audit`), the
//! audit trail it and `vigil import` write, and `vigil audit verify` finding an
//! edited, deleted, reordered or truncated entry.

mod common;
use common::*;
use serde_json::json;
use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};

/// Runs `vigil --data DIR ARGS...` with `input` on stdin.
fn with_stdin(data: &Path, args: &[&str], input: &str) -> Output {
    let mut c = vigil(data, args);
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("run vigil");
    // vigil may exit before reading (a refusal); a broken pipe is fine then.
    let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    let out = child.wait_with_output().unwrap();
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    out
}

fn ok(data: &Path, args: &[&str]) -> String {
    let out = run(vigil(data, args));
    assert_eq!(
        out.status.code(),
        Some(0),
        "vigil {args:?}: {}",
        stderr(&out)
    );
    stdout(&out)
}

fn json_of(data: &Path, args: &[&str]) -> serde_json::Value {
    let (out, v) = run_json(vigil(data, args));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    v
}

fn actions(data: &Path) -> Vec<String> {
    json_of(data, &["audit", "tail", "-n", "1000", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn users_groups_and_tokens() {
    let dir = TempDir::new("admin-users");
    let data = dir.join("data");

    // A group must exist before a user joins it.
    let out = with_stdin(
        &data,
        &[
            "user",
            "add",
            "alice",
            "--password-stdin",
            "--group",
            "analysts",
        ],
        "pw\n",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("'analysts'"), "{}", stderr(&out));

    ok(&data, &["group", "add", "analysts"]);
    let out = run(vigil(&data, &["group", "add", "analysts"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("analysts"));
    ok(&data, &["group", "add", "partners"]);
    assert_eq!(
        json_of(&data, &["group", "list", "--json"]),
        json!(["analysts", "partners"])
    );
    assert_eq!(ok(&data, &["group", "list"]), "analysts\npartners\n");

    let out = with_stdin(
        &data,
        &[
            "user",
            "add",
            "alice",
            "--password-stdin",
            "--group",
            "analysts",
            "--group",
            "partners",
            "--clearance",
            "TLP:GREEN",
            "--clearance",
            "tlp:amber",
        ],
        "correct horse\r\nsecond line ignored\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // Refusals: no password, an existing name, a bad clearance, no --password-stdin.
    for (args, input, says) in [
        (
            vec!["user", "add", "bob", "--password-stdin"],
            "\n",
            "empty",
        ),
        (vec!["user", "add", "bob", "--password-stdin"], "", "empty"),
        (
            vec!["user", "add", "alice", "--password-stdin"],
            "x\n",
            "alice",
        ),
        (
            vec![
                "user",
                "add",
                "bob",
                "--password-stdin",
                "--clearance",
                "TLP:PINK",
            ],
            "x\n",
            "TLP:PINK",
        ),
        (
            vec!["user", "add", "b:ob", "--password-stdin"],
            "x\n",
            "':'",
        ),
    ] {
        let out = with_stdin(&data, &args, input);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
    let out = run(vigil(&data, &["user", "add", "bob"]));
    assert_eq!(out.status.code(), Some(2), "--password-stdin is required");

    let users = json_of(&data, &["user", "list", "--json"]);
    assert_eq!(users.as_array().unwrap().len(), 1);
    assert_eq!(users[0]["name"], "alice");
    assert_eq!(users[0]["groups"], json!(["analysts", "partners"]));
    assert_eq!(users[0]["clearances"], json!(["TLP:AMBER"]));
    assert!(users[0].get("password_phc").is_none(), "never shown");
    assert!(ok(&data, &["user", "list"]).starts_with("alice\t"));

    // The password is stored as an argon2id hash of the first line only.
    let db = rusqlite::Connection::open(data.join("access.db")).unwrap();
    let phc: String = db
        .query_row("SELECT password FROM users WHERE name = 'alice'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(phc.starts_with("$argon2id$"), "{phc}");
    assert!(vigil_access::secrets::verify_password(
        "correct horse",
        &phc
    ));

    // A token: only the token on stdout; only its digest stored.
    let token = ok(&data, &["user", "token", "alice"]);
    let token = token.strip_suffix('\n').unwrap();
    assert!(token.starts_with("vgl_") && token.len() == 68, "{token:?}");
    let digest: String = db
        .query_row("SELECT digest FROM tokens WHERE user = 'alice'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(digest, vigil_access::secrets::token_digest(token));
    let v = json_of(
        &data,
        &["user", "token", "alice", "--label", "ci", "--json"],
    );
    assert_eq!(v["user"], "alice");
    assert!(v["token"].as_str().unwrap().starts_with("vgl_"));

    let out = run(vigil(&data, &["user", "token", "nobody"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).is_empty());
    assert!(stderr(&out).contains("nobody"));

    // A new password, and a new group for an existing user.
    let out = with_stdin(
        &data,
        &["user", "password", "alice", "--password-stdin"],
        "new\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let phc: String = db
        .query_row("SELECT password FROM users WHERE name = 'alice'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(vigil_access::secrets::verify_password("new", &phc));
    let out = with_stdin(
        &data,
        &["user", "password", "nobody", "--password-stdin"],
        "x\n",
    );
    assert_eq!(out.status.code(), Some(1));
    ok(&data, &["group", "add", "admins"]);
    ok(&data, &["group", "add-member", "admins", "alice"]);
    let users = json_of(&data, &["user", "list", "--json"]);
    assert_eq!(
        users[0]["groups"],
        json!(["admins", "analysts", "partners"])
    );
    let out = run(vigil(&data, &["group", "add-member", "ghosts", "alice"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("ghosts"), "{}", stderr(&out));

    let out = ok(&data, &["user", "remove", "alice"]);
    assert!(out.contains("2 tokens revoked"), "{out}");
    let out = run(vigil(&data, &["user", "remove", "alice"]));
    assert_eq!(out.status.code(), Some(1));
    let n: i64 = db
        .query_row("SELECT count(*) FROM tokens", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0);

    assert_eq!(
        actions(&data),
        [
            "group-add",
            "group-add",
            "group-list",
            "group-list",
            "user-add",
            "user-list",
            "user-list",
            "token-create",
            "token-create",
            "user-password",
            "group-add",
            "member-add",
            "user-list",
            "user-remove",
        ]
    );
    assert!(ok(&data, &["audit", "verify"]).contains("intact, 15 entries"));
}

#[test]
fn clearance_by_marking_definition_must_be_in_the_store() {
    let dir = TempDir::new("admin-marking");
    let data = dir.join("data");
    let id = "marking-definition--3b8f5b2c-1d4e-4f6a-9b7c-2e1d0c9b8a7f";
    let args = ["user", "add", "eve", "--password-stdin", "--clearance", id];
    let out = with_stdin(&data, &args, "pw\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(id), "{}", stderr(&out));

    let f = dir.join("marking.json");
    let marking = json!({"type": "marking-definition", "spec_version": "2.1", "id": id,
        "created": "2024-01-01T00:00:00.000Z", "name": "Project Lantern",
        "definition_type": "statement", "definition": {"statement": "Lantern partners only"}});
    std::fs::write(&f, marking.to_string()).unwrap();
    ok(&data, &["import", "--quiet", f.to_str().unwrap()]);

    let out = with_stdin(&data, &args, "pw\n");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let users = json_of(&data, &["user", "list", "--json"]);
    assert_eq!(users[0]["clearances"], json!(["TLP:CLEAR", id]));

    // The import was audited: one write entry per input with its counts.
    let tail = json_of(&data, &["audit", "tail", "--json"]);
    let write = tail
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "write")
        .expect("a write entry");
    assert_eq!(write["target"], f.to_str().unwrap());
    let detail = write["detail"].as_str().unwrap();
    assert!(
        detail.contains("committed=true") && detail.contains("added=1"),
        "{detail}"
    );
    assert!(write["actor"].as_str().unwrap().starts_with("local:"));
}

#[test]
fn collections() {
    let dir = TempDir::new("admin-collections");
    let data = dir.join("data");
    ok(&data, &["group", "add", "readers"]);
    ok(&data, &["group", "add", "writers"]);

    let id = ok(
        &data,
        &["collection", "add", "Partners", "--read", "readers"],
    );
    let id = id.trim_end();
    let parts: Vec<&str> = id.split('-').collect();
    assert_eq!(
        parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
        [8, 4, 4, 4, 12],
        "{id}"
    );
    assert!(parts[2].starts_with('4'), "a version 4 UUID: {id}");

    let given = "6BA7B810-9DAD-41D1-80B4-00C04FD430C8";
    let v = json_of(
        &data,
        &[
            "collection",
            "add",
            "Shared",
            "--id",
            given,
            "--description",
            "for everyone",
            "--read",
            "readers",
            "--read",
            "writers",
            "--write",
            "writers",
            "--json",
        ],
    );
    assert_eq!(v["id"], given.to_lowercase());
    assert_eq!(v["read_groups"], json!(["readers", "writers"]));
    assert_eq!(v["write_groups"], json!(["writers"]));
    assert_eq!(v["description"], "for everyone");

    for (args, says) in [
        (vec!["collection", "add", "Again", "--id", given], "exists"),
        (vec!["collection", "add", "Bad", "--id", "12345"], "12345"),
        (
            vec!["collection", "add", "Ghost", "--write", "ghosts"],
            "ghosts",
        ),
    ] {
        let out = run(vigil(&data, &args));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }

    let all = json_of(&data, &["collection", "list", "--json"]);
    let ids: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&id) && ids.contains(&given.to_lowercase().as_str()));
    let text = ok(&data, &["collection", "list"]);
    assert!(
        text.contains(&format!("{id}\tPartners\tread: readers\twrite: none")),
        "{text}"
    );
    assert!(actions(&data).contains(&"collection-add".to_owned()));
}

#[test]
fn admin_commands_need_no_writer_lock() {
    let dir = TempDir::new("admin-lock");
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    // Hold the store's writer lock as an import or an older serve would.
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(data.join("lock"))
        .unwrap();
    lock.try_lock().unwrap();
    ok(&data, &["group", "add", "g"]);
    let out = with_stdin(&data, &["user", "add", "u", "--password-stdin"], "pw\n");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    ok(&data, &["collection", "add", "C", "--read", "g"]);
    ok(&data, &["audit", "verify"]);
    drop(lock);
}

#[test]
fn concurrent_processes_keep_one_chain() {
    let dir = TempDir::new("admin-concurrent");
    let data = dir.join("data");
    let children: Vec<_> = (0..8)
        .map(|i| {
            vigil(&data, &["group", "add", &format!("g{i}")])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let v = json_of(&data, &["audit", "verify", "--json"]);
    assert_eq!(v["intact"], true, "{v}");
    assert_eq!(v["entries"], 8);
    assert_eq!(
        json_of(&data, &["group", "list", "--json"])
            .as_array()
            .unwrap()
            .len(),
        8
    );
}

/// A data directory with audit entries 1..=8 (group-add) and a raw connection
/// to its audit.db.
fn audited() -> (TempDir, std::path::PathBuf, rusqlite::Connection) {
    let dir = TempDir::new("admin-tamper");
    let data = dir.join("data");
    for i in 1..=8 {
        ok(&data, &["group", "add", &format!("g{i}")]);
    }
    let db = rusqlite::Connection::open(data.join("audit.db")).unwrap();
    (dir, data, db)
}

/// `vigil audit verify --json` fails (exit 1) naming `seq` and `fault`;
/// returns the message. (Verifying is itself audited, so a second verify of a
/// truncated log sees the gap as missing entries instead.)
fn broken_at(data: &Path, seq: u64, fault: &str) -> String {
    let (out, v) = run_json(vigil(data, &["audit", "verify", "--json"]));
    assert_eq!(out.status.code(), Some(1), "{v}");
    assert_eq!(v["intact"], false);
    assert_eq!(v["problem"]["seq"], seq, "{v}");
    assert_eq!(v["problem"]["fault"], fault, "{v}");
    v["problem"]["message"].as_str().unwrap().to_owned()
}

#[test]
fn verify_finds_an_edited_entry() {
    let (_dir, data, db) = audited();
    ok(&data, &["audit", "verify"]);
    db.execute("UPDATE entries SET target = 'other' WHERE seq = 3", [])
        .unwrap();
    let text = broken_at(&data, 3, "altered");
    assert!(text.contains("entry 3 was altered"), "{text}");
    let out = run(vigil(&data, &["audit", "verify"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("broken at entry 3: entry 3 was altered"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn verify_finds_a_deleted_entry() {
    let (_dir, data, db) = audited();
    db.execute("DELETE FROM entries WHERE seq = 4", []).unwrap();
    let text = broken_at(&data, 4, "missing");
    assert!(text.contains("entry 4 is missing"), "{text}");
}

#[test]
fn verify_finds_reordered_entries() {
    let (_dir, data, db) = audited();
    db.execute_batch(
        "UPDATE entries SET seq = -1 WHERE seq = 2;
         UPDATE entries SET seq = 2 WHERE seq = 5;
         UPDATE entries SET seq = 5 WHERE seq = -1;",
    )
    .unwrap();
    let text = broken_at(&data, 2, "reordered");
    assert!(text.contains("written as entry 5"), "{text}");
}

#[test]
fn verify_finds_a_truncated_tail() {
    let (_dir, data, db) = audited();
    db.execute("DELETE FROM entries WHERE seq >= 7", [])
        .unwrap();
    let text = broken_at(&data, 7, "truncated");
    assert!(text.contains("missing from the end"), "{text}");
    // Appending after the cut (that verify did) keeps the gap in view.
    let text = broken_at(&data, 7, "missing");
    assert!(text.contains("entries 7 to 8 are missing"), "{text}");
}
