//! Leak test of `vigil export --clearance` (issue 4): the random objects,
//! markings and principals of the server's leak test (`leak/model.rs` there),
//! exported with each principal's clearance, current versions and
//! `--all-versions`, compared with the same oracle. Each object exported,
//! without `granular_markings`, must equal the stored version with exactly the
//! parts removed that granular markings beyond the clearance select; the
//! `granular_markings` kept must name only covered markings and select
//! something; nothing beyond the clearance is exported, everything within it
//! is, and no token the clearance sees in no version appears in the output.

mod common;
#[path = "../../server/tests/leak/model.rs"]
mod model;

use common::{run, stderr, vigil, TempDir};
use model::*;
use proptest::prelude::*;
use serde_json::Value;
use std::collections::BTreeSet;

/// What is wrong with one export of the world for `who`.
fn check(world: &World, who: &Cleared, all_versions: bool, out: &str, problems: &mut Vec<String>) {
    let mut want: Vec<Value> = if all_versions {
        world
            .objects
            .iter()
            .flatten()
            .filter_map(|o| expect(world.default, who, &o.value).map(Value::Object))
            .collect()
    } else {
        world
            .current()
            .filter_map(|o| expect(world.default, who, &o.value).map(Value::Object))
            .collect()
    };
    let what = if all_versions {
        "--all-versions"
    } else {
        "current"
    };
    for line in out.lines() {
        let got: Value = serde_json::from_str(line).unwrap();
        let bare = without_granular(&got);
        match want.iter().position(|w| *w == bare) {
            Some(i) => {
                want.swap_remove(i);
            }
            None => problems.push(format!(
                "{what} {who:?}: exported {got}, which is no visible version's view"
            )),
        }
        if let Some(p) = check_granular(who, &got) {
            problems.push(format!("{what} {who:?}: {p} in {got}"));
        }
    }
    for w in want {
        problems.push(format!("{what} {who:?}: not exported: {w}"));
    }
    let forbidden: BTreeSet<String> = forbidden(world, who);
    for t in forbidden.iter().filter(|t| out.contains(t.as_str())) {
        problems.push(format!("{what} {who:?}: {t} exported"));
    }
}

proptest! {
    // Each case builds a store and runs the binary eight times.
    #![proptest_config(ProptestConfig {
        cases: 12,
        max_shrink_iters: 32,
        ..ProptestConfig::default()
    })]

    #[test]
    fn export_gives_exactly_what_the_clearance_covers(spec in world()) {
        let world = World::build(&spec);
        let dir = TempDir::new("leak-export");
        world.store(dir.path());
        let mut problems = Vec::new();
        for who in &world.principals {
            for all_versions in [false, true] {
                let mut args = vec!["export".to_owned(), "--format".into(), "jsonl".into()];
                for item in who.items() {
                    args.push("--clearance".into());
                    args.push(item);
                }
                if all_versions {
                    args.push("--all-versions".into());
                }
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let out = run(vigil(dir.path(), &args));
                prop_assert!(out.status.success(), "vigil export failed: {}", stderr(&out));
                let text = String::from_utf8(out.stdout).unwrap();
                check(&world, who, all_versions, &text, &mut problems);
            }
        }
        prop_assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}
