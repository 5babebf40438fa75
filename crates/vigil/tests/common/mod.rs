//! Helpers shared by the CLI tests: run the real binary on a fresh data directory.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// A file under tests/data.
pub fn data(rel: &str) -> PathBuf {
    repo().join("tests/data").join(rel)
}

/// A temporary directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let p = std::env::temp_dir().join(format!("vigil-test-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
    pub fn join(&self, p: &str) -> PathBuf {
        self.0.join(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `vigil --data DIR ARGS...`.
pub fn vigil(data: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vigil"));
    c.arg("--data")
        .arg(data)
        .args(args)
        .env_remove("VIGIL_DATA");
    c
}

/// Runs a command, asserting it did not panic; returns its output.
pub fn run(mut c: Command) -> Output {
    let out = c.output().expect("run vigil");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "vigil panicked: {err}");
    out
}

/// Runs and parses stdout as one JSON value.
pub fn run_json(c: Command) -> (Output, serde_json::Value) {
    let out = run(c);
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out, v)
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Decompresses a .zst file.
pub fn unzstd(path: &Path) -> Vec<u8> {
    zstd::decode_all(std::fs::File::open(path).unwrap()).unwrap()
}

/// The objects of a bundle file, or the object itself if the file holds one object.
pub fn objects_of(bytes: &[u8]) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    match v.get("type").and_then(|t| t.as_str()) {
        Some("bundle") => v["objects"].as_array().cloned().unwrap_or_default(),
        _ => vec![v],
    }
}

/// Exports the whole store as a bundle and returns its objects by id.
pub fn export_by_id(
    data: &Path,
    extra: &[&str],
) -> std::collections::HashMap<String, serde_json::Value> {
    let mut args = vec!["export"];
    args.extend_from_slice(extra);
    let (out, v) = run_json(vigil(data, &args));
    assert!(out.status.success(), "export failed: {}", stderr(&out));
    assert_eq!(v["type"], "bundle");
    v["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["id"].as_str().unwrap().to_string(), o.clone()))
        .collect()
}
