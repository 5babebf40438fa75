//! Log lines through every adapter and the STIX observation they make:
//! never a panic, whatever the bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vigil_hunt::adapters;
use vigil_hunt::fact::{observation, PathTable, Record};

fuzz_target!(|data: &[u8]| {
    let table = PathTable::new();
    let _ = adapters::recognise(data);
    for read in [adapters::zeek, adapters::suricata, adapters::ecs] {
        let mut rec = Record::default();
        if read(data, &mut rec).is_ok() {
            let _ = observation(&table, &rec);
        }
    }
});
