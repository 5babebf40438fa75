//! A fast hasher for the engine's own tables (SipHash, the standard one, was
//! a fifth of `IndicatorSet::push`). Seeded per process, so input cannot be
//! made to collide by someone who does not see the seed; a collision costs a
//! comparison, never a wrong answer.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::OnceLock;

/// A fast hasher for keys that are already well mixed or short (FxHash's step).
/// Made only by [`FxBuild`], with the process's seed.
#[derive(Clone, Copy)]
pub(crate) struct Fx(u64);

impl Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.write_u64(u64::from_le_bytes(c.try_into().unwrap_or([0; 8])));
        }
        let mut last = [0u8; 8];
        let rest = chunks.remainder();
        last[..rest.len()].copy_from_slice(rest);
        self.write_u64(u64::from_le_bytes(last) ^ (rest.len() as u64) << 56);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

/// Builds [`Fx`] hashers from the process's seed.
#[derive(Clone, Copy)]
pub(crate) struct FxBuild(u64);

impl Default for FxBuild {
    fn default() -> FxBuild {
        static SEED: OnceLock<u64> = OnceLock::new();
        FxBuild(*SEED.get_or_init(|| std::collections::hash_map::RandomState::new().hash_one(0u64)))
    }
}

impl BuildHasher for FxBuild {
    type Hasher = Fx;
    fn build_hasher(&self) -> Fx {
        Fx(self.0)
    }
}

pub(crate) type FxMap<K, V> = HashMap<K, V, FxBuild>;
