//! Where imports and validation read from: files, directories, stdin, each
//! optionally gzip- or zstd-compressed (recognised by their magic bytes).

use anyhow::{Context, Result};
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use vigil_hunt::lines::{read_head, Compression, Counting};

/// One input: a named byte stream and, for files, its size on disk.
pub struct Input {
    /// How to name it in messages: the path, or `<stdin>`.
    pub name: String,
    /// The (decompressed) bytes.
    pub reader: Box<dyn Read + Send>,
    /// Size on disk (compressed size for compressed files), when known.
    pub size: Option<u64>,
    /// Bytes read from disk so far (before decompression), for progress.
    pub read_bytes: Arc<AtomicU64>,
}

impl Input {
    /// An input held in memory (a TAXII page, built-in data).
    pub fn from_bytes(name: &str, bytes: Vec<u8>) -> Input {
        Input {
            name: name.to_string(),
            size: Some(bytes.len() as u64),
            reader: Box::new(std::io::Cursor::new(bytes)),
            read_bytes: Arc::new(AtomicU64::new(0)),
        }
    }
}

const EXTENSIONS: &[&str] = &[".json", ".jsonl", ".ndjson", ".stix"];

fn wanted(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let base = name
        .strip_suffix(".gz")
        .or_else(|| name.strip_suffix(".zst"))
        .unwrap_or(&name);
    EXTENSIONS.iter().any(|e| base.ends_with(e))
}

/// Expands the command line's paths: `-` is stdin, a directory is every
/// `*.json`/`*.jsonl`/`*.ndjson`/`*.stix` file below it (optionally `.gz`/`.zst`),
/// in name order.
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            out.push(p.clone());
        } else if p.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found)
                .with_context(|| format!("cannot read directory {}", p.display()))?;
            found.sort();
            out.extend(found);
        } else if p.exists() {
            out.push(p.clone());
        } else {
            anyhow::bail!("{}: no such file or directory", p.display());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if wanted(&path) {
            out.push(path);
        }
    }
    Ok(())
}

/// Opens one path (`-` for stdin), decompressing gzip or zstd when the content says so.
pub fn open(path: &Path) -> Result<Input> {
    let count = Arc::new(AtomicU64::new(0));
    let (name, raw, size): (String, Box<dyn Read + Send>, Option<u64>) = if path.as_os_str() == "-"
    {
        ("<stdin>".into(), Box::new(std::io::stdin()), None)
    } else {
        let f =
            std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let size = f.metadata().ok().map(|m| m.len());
        (path.display().to_string(), Box::new(f), size)
    };
    let counted = Counting::new(raw, &count);
    let reader = decompress(BufReader::with_capacity(1 << 16, counted))
        .with_context(|| format!("cannot read {name}"))?;
    Ok(Input {
        name,
        reader,
        size,
        read_bytes: count,
    })
}

/// Wraps `r` in a decoder if it starts with the gzip or zstd magic bytes
/// (told as the hunt's line reader tells them).
pub fn decompress<R: Read + Send + 'static>(mut r: R) -> std::io::Result<Box<dyn Read + Send>> {
    let (head, n) = read_head(&mut r)?;
    let whole = std::io::Cursor::new(head).take(n as u64).chain(r);
    Ok(match Compression::of(&head[..n]) {
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(whole)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(whole)?),
        Compression::Plain => Box::new(whole),
    })
}
