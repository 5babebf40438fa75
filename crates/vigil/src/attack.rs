//! The bundled MITRE ATT&CK Enterprise bundle (v18.1, STIX 2.1), compressed into
//! the binary so `vigil init` and the first `vigil serve` need nothing else.
//! ATT&CK is © The MITRE Corporation, used under its terms of use
//! (assets/attack/LICENSE-*.txt).

use crate::input::{decompress, Input};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

/// The ATT&CK release bundled.
pub const VERSION: &str = "enterprise-attack-18.1";
/// The store metadata key recording that the bundled ATT&CK was loaded.
pub const META_KEY: &str = "bundled_attack";

static BUNDLE: &[u8] = include_bytes!("../../../assets/attack/enterprise-attack-18.1.json.zst");

/// The bundled ATT&CK as an import input.
pub fn input() -> std::io::Result<Input> {
    Ok(Input {
        name: format!("bundled {VERSION}"),
        reader: decompress(std::io::BufReader::new(BUNDLE))?,
        size: Some(BUNDLE.len() as u64),
        read_bytes: Arc::new(AtomicU64::new(0)),
    })
}
