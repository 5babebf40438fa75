//! The evaluator and the IndicatorSet on arbitrary patterns and observations
//! (first line: the pattern; the rest: observations as JSON, or fixed ones):
//! never a panic, and the two agree.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vigil_pattern::fuzzing::match_pattern(data));
