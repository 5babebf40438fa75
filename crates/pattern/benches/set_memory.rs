//! Memory of an `IndicatorSet` per equality indicator (issue 3: under 300
//! bytes on average), counted by a global allocator: the heap bytes live
//! after inserting N indicators minus those live before, divided by N. The
//! patterns are parsed one at a time and moved into the set, so what remains
//! is what the set holds (ids, patterns, indexes).
//!
//! Run with `cargo bench -p vigil-pattern --bench set_memory`: one JSON line
//! per size on stdout (bench/pattern/run.py reads them).

#[allow(dead_code)]
mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;
use vigil_pattern::IndicatorSet;

/// The system allocator, counting the bytes currently allocated.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to `System` unchanged; only a counter is kept beside it.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size(), Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(l) }
    }

    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(p, l) }
    }

    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size(), Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc_zeroed(l) }
    }

    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        LIVE.fetch_add(new, Ordering::Relaxed);
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument selects nothing here.
    for n in [1_000usize, 100_000, 1_000_000] {
        let mut r = common::Rng::new(42);
        let before = LIVE.load(Ordering::Relaxed);
        let t = Instant::now();
        let mut set = IndicatorSet::new();
        for i in 0..n {
            let kind = common::Kind::pick(&mut r);
            let value = common::ind_value(&mut r, kind);
            let pattern = vigil_pattern::Pattern::parse(&common::eq_pattern(kind, &value))
                .expect("generated pattern parses");
            set.insert(vigil_pattern::Entry {
                id: format!(
                    "indicator--{:08x}-0000-4000-8000-{:012x}",
                    i,
                    r.next() >> 16
                )
                .into(),
                pattern,
                valid_from: None,
                valid_until: None,
            });
        }
        let secs = t.elapsed().as_secs_f64();
        let heap = LIVE.load(Ordering::Relaxed).saturating_sub(before);
        println!(
            "{{\"indicators\": {n}, \"heap_bytes\": {heap}, \"bytes_per_indicator\": {:.1}, \"insert_seconds\": {secs:.3}, \"rss_kb\": {}}}",
            heap as f64 / n as f64,
            rss_kb()
        );
        assert_eq!(set.len(), n);
        drop(set);
    }
}
