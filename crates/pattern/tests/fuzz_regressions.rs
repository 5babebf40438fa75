//! Replays every input that once crashed a pattern fuzz target
//! (tests/data/fuzz-regressions/parse_pattern, match_pattern).

fn inputs(target: &str) -> Vec<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/fuzz-regressions")
        .join(target);
    let mut v: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn parse_pattern_regressions() {
    for f in inputs("parse_pattern") {
        vigil_pattern::fuzzing::parse_pattern(&std::fs::read(&f).unwrap());
    }
}

#[test]
fn match_pattern_regressions() {
    for f in inputs("match_pattern") {
        vigil_pattern::fuzzing::match_pattern(&std::fs::read(&f).unwrap());
    }
}
