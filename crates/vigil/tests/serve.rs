//! `vigil serve`: first start creates the store and loads ATT&CK; the JSON API
//! answers over real HTTP on loopback.

mod common;
use common::*;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

/// A minimal HTTP/1.1 GET; returns (status, body).
fn get(port: u16, path: &str) -> Option<(u16, String)> {
    get_with(port, path, "")
}

/// A GET with extra header lines (each ending in CRLF).
fn get_with(port: u16, path: &str, headers: &str) -> Option<(u16, String)> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{headers}\r\n"
    )
    .ok()?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).ok()?;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    // Undo chunked transfer encoding if the server used it.
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        let mut out = String::new();
        let mut rest = body;
        while let Some((len, tail)) = rest.split_once("\r\n") {
            let n = usize::from_str_radix(len.trim(), 16).ok()?;
            if n == 0 {
                break;
            }
            out.push_str(&tail[..n]);
            rest = &tail[n + 2..];
        }
        out
    } else {
        body.to_string()
    };
    Some((status, body))
}

fn json(port: u16, path: &str) -> (u16, serde_json::Value) {
    let (status, body) = get(port, path).unwrap_or_else(|| panic!("no answer for {path}"));
    (
        status,
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {body}")),
    )
}

struct Server(std::process::Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn first_start_loads_attack_and_serves_the_api() {
    let dir = TempDir::new("serve");
    let (mut server, port) = start(&dir.join("data"), &[]);
    let (s, h) = json(port, "/healthz");
    assert_eq!((s, h["status"].as_str()), (200, Some("ok")));

    let (s, stats) = json(port, "/api/v1/stats");
    assert_eq!(s, 200);
    // ATT&CK Enterprise 18.1, and the nine TLP 1.0/2.0 marking definitions
    // Vigil loads on first start.
    assert_eq!(stats["objects"], 24772 + 9);
    assert_eq!(stats["by_type"]["intrusion-set"], 187);

    let (s, t) = json(port, "/api/v1/objects/T1059");
    assert_eq!(s, 200);
    assert_eq!(t["type"], "attack-pattern");
    assert_eq!(t["name"], "Command and Scripting Interpreter");
    let id = t["id"].as_str().unwrap().to_string();
    let (s, same) = json(port, &format!("/api/v1/objects/{id}"));
    assert_eq!((s, &same), (200, &t));
    let (s, past) = json(port, &format!("/api/v1/objects/{id}?as_of=2000-01-01"));
    assert_eq!(s, 404, "{past}");
    let (s, bad) = json(port, &format!("/api/v1/objects/{id}?as_of=soon"));
    assert_eq!(s, 400, "{bad}");
    let (s, h) = json(port, "/api/v1/objects/T1059/history");
    assert_eq!(s, 200);
    assert_eq!(h["versions"].as_array().unwrap().len(), 1);

    let (s, r) = json(
        port,
        "/api/v1/search?q=spearphishing&type=attack-pattern&limit=5",
    );
    assert_eq!(s, 200);
    let hits = r["hits"].as_array().unwrap();
    assert!(!hits.is_empty() && hits.len() <= 5);
    assert!(hits.iter().all(|h| h["type"] == "attack-pattern"));
    assert!(hits[0]["object"]["name"]
        .as_str()
        .unwrap()
        .contains("Spearphishing"));

    let (s, g) = json(port, "/api/v1/objects/G0022/neighbors?depth=1&rel=uses");
    assert_eq!(s, 200);
    assert!(g["nodes"].as_array().unwrap().len() > 20);
    assert_eq!(g["nodes"][0]["external_id"], "G0022");

    let (s, e) = json(port, "/api/v1/objects/T9999");
    assert_eq!(s, 404);
    assert!(e["error"].as_str().unwrap().contains("T9999"));
    let (s, _) = json(port, "/api/v1/nothing-here");
    assert_eq!(s, 404);

    // A second start finds ATT&CK loaded and does not load it again.
    let _ = std::process::Command::new("kill")
        .arg("-TERM")
        .arg(server.0.id().to_string())
        .status();
    let status = server.0.wait().unwrap();
    assert!(
        status.success(),
        "serve did not shut down cleanly on SIGTERM: {status}"
    );
    let mut err = String::new();
    server
        .0
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(err.contains("loading the bundled MITRE ATT&CK"), "{err}");
    let out = run(vigil(&dir.join("data"), &["init"]));
    assert!(out.status.success());
    assert!(
        !stderr(&out).contains("loading the bundled"),
        "{}",
        stderr(&out)
    );
}

/// Starts `vigil serve` (with `extra` arguments) on a free port; waits for
/// /healthz (a first start loads ATT&CK, hence the generous limit).
fn start(data: &std::path::Path, extra: &[&str]) -> (Server, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let mut args = vec!["serve", "--listen", &listen];
    args.extend_from_slice(extra);
    // stderr is kept for the test to read (a first start says what it loads).
    let child = vigil(data, &args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut server = Server(child);
    let start = Instant::now();
    while get(port, "/healthz").is_none() {
        assert!(server.0.try_wait().unwrap().is_none(), "serve exited early");
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "serve did not come up"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (server, port)
}

fn basic(user: &str, password: &str) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let raw = format!("{user}:{password}").into_bytes();
    let mut out = String::new();
    for c in raw.chunks(3) {
        let b = [c[0], *c.get(1).unwrap_or(&0), *c.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    format!("Authorization: Basic {out}\r\n")
}

#[test]
fn credentials_are_required_once_a_user_exists() {
    let dir = TempDir::new("serve-auth");
    let data = dir.join("data");
    let (_server, port) = start(&data, &["--no-attack"]);
    // No user yet: loopback is served anonymously, with full clearance.
    assert_eq!(get(port, "/api/v1/stats").unwrap().0, 200);

    let out = vigil(
        &data,
        &[
            "user",
            "add",
            "ana",
            "--password-stdin",
            "--clearance",
            "TLP:GREEN",
        ],
    )
    .stdin(std::process::Stdio::piped())
    .stdout(std::process::Stdio::piped())
    .spawn()
    .and_then(|mut c| {
        c.stdin.take().unwrap().write_all(b"s3cret-pass\n")?;
        c.wait_with_output()
    })
    .unwrap();
    assert!(out.status.success());
    // From the next request on, credentials are needed (the health check excepted).
    let (s, body) = get(port, "/api/v1/stats").unwrap();
    assert_eq!(s, 401, "{body}");
    assert_eq!(get(port, "/healthz").unwrap().0, 200);
    let (s, body) = get_with(
        port,
        "/taxii2/",
        "Accept: application/taxii+json;version=2.1\r\n",
    )
    .unwrap();
    assert_eq!(s, 401);
    assert!(
        body.contains("\"http_status\":\"401\""),
        "a TAXII error message: {body}"
    );
    assert_eq!(
        get_with(port, "/api/v1/stats", &basic("ana", "s3cret-pass"))
            .unwrap()
            .0,
        200
    );

    let token = vigil(&data, &["user", "token", "ana"]).output().unwrap();
    assert!(token.status.success());
    let token = String::from_utf8(token.stdout).unwrap().trim().to_string();
    let bearer = format!("Authorization: Bearer {token}\r\n");
    assert_eq!(get_with(port, "/api/v1/stats", &bearer).unwrap().0, 200);
    assert_eq!(
        get_with(port, "/api/v1/stats", "Authorization: Bearer vgl_0000\r\n")
            .unwrap()
            .0,
        401
    );

    // Failed logins are rate limited per user and address: the sixth try is
    // refused without checking the password, even a right one...
    for _ in 0..5 {
        assert_eq!(
            get_with(port, "/api/v1/stats", &basic("ana", "wrong"))
                .unwrap()
                .0,
            401
        );
    }
    let (s, _) = get_with(port, "/api/v1/stats", &basic("ana", "s3cret-pass")).unwrap();
    assert_eq!(s, 429);
    // ...while the token still works.
    assert_eq!(get_with(port, "/api/v1/stats", &bearer).unwrap().0, 200);

    // Every failure and the token's creation are in the audit trail, intact.
    let tail = vigil(&data, &["audit", "tail", "-n", "50", "--json"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&tail.stdout);
    assert!(text.matches("login-failure").count() >= 6, "{text}");
    assert!(text.contains("token-create"), "{text}");
    let verify = vigil(&data, &["audit", "verify"]).output().unwrap();
    assert!(verify.status.success());
}
