//! The pattern parser on arbitrary text (seeded from the OASIS conformance
//! patterns): it must never panic, its errors' spans lie inside the input,
//! and what it accepts prints to a normalised form that parses back the same.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vigil_pattern::fuzzing::parse_pattern(data));
