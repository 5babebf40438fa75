//! The streaming STIX parser on arbitrary bytes: it must never panic, and every
//! object it hands out must be the same JSON as its compact source text.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vigil_stix::fuzzing::parse_stix(data));
