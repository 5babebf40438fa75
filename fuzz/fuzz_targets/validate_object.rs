//! The validator on arbitrary JSON objects (seeded from real STIX): it must
//! never panic, whatever the object holds.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vigil_stix::fuzzing::validate_object(data));
