#!/usr/bin/env bash
# Runs every test of Vigil. Installs what the tests need and is missing:
# a Python venv (.venv) with the OASIS peers from tests/interop/requirements.txt,
# and cargo-fuzz (crates.io) for a 30 s run of each fuzz target.
# Usage: ./test.sh            (everything)
#        ./test.sh --quick    (Rust tests only, no lint, no interop)
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
quick=0
[ "${1:-}" = "--quick" ] && quick=1

step() { printf '\n== %s\n' "$*"; }

if [ "$quick" = 0 ]; then
  step "format and lint"
  cargo fmt --all -- --check
  cargo clippy --release --workspace --all-targets --quiet -- -D warnings
fi

step "build (release)"
cargo build --release --workspace --quiet

step "Rust tests"
set +e
cargo test --release --workspace --no-fail-fast 2>&1 | tee target/rust-tests.log
rust_status=${PIPESTATUS[0]}
set -e
sum_field() { grep -E '^test result:' target/rust-tests.log | grep -Eo "[0-9]+ $1" | awk '{s+=$1} END {print s+0}'; }
rust_passed=$(sum_field passed)
rust_failed=$(sum_field failed)

if [ "$rust_status" != 0 ] && [ "$rust_failed" = 0 ]; then rust_failed=1; fi

py_passed=0; py_failed=0
if [ "$quick" = 0 ] && [ -f tests/interop/requirements.txt ]; then
  step "Python peers (venv)"
  if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys' 2>/dev/null; then
    python3 -m venv .venv
  fi
  # Reinstall only when the requirements changed.
  stamp=.venv/.requirements.sha256
  want=$(sha256sum tests/interop/requirements.txt | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    .venv/bin/pip install --quiet --disable-pip-version-check -r tests/interop/requirements.txt
    echo "$want" > "$stamp"
  fi
  step "interoperability tests (pytest)"
  set +e
  VIGIL_BIN="$PWD/target/release/vigil" .venv/bin/python -m pytest -q tests/interop 2>&1 | tee target/py-tests.log
  py_status=${PIPESTATUS[0]}
  set -e
  py_passed=$(grep -Eo '[0-9]+ passed' target/py-tests.log | tail -1 | grep -Eo '[0-9]+' || echo 0)
  py_failed=$(grep -Eo '[0-9]+ failed' target/py-tests.log | tail -1 | grep -Eo '[0-9]+' || echo 0)
  if [ "$py_status" != 0 ] && [ "$py_failed" = 0 ]; then py_failed=1; fi
fi

if [ "$quick" = 0 ] && [ -d fuzz ] && ! command -v cargo-fuzz >/dev/null 2>&1; then
  step "installing cargo-fuzz (crates.io, once per machine)"
  cargo install cargo-fuzz --locked --quiet || cargo install cargo-fuzz --locked --quiet
fi
if command -v cargo-fuzz >/dev/null 2>&1 && [ "$quick" = 0 ] && [ -d fuzz ]; then
  step "fuzz smoke (30 s per target)"
  for t in $(ls fuzz/fuzz_targets | sed 's/\.rs$//'); do
    mkdir -p "fuzz/corpus/$t"
    # RUSTC_BOOTSTRAP: cargo-fuzz needs nightly flags; this machine has only stable.
    RUSTC_BOOTSTRAP=1 cargo fuzz run "$t" "fuzz/corpus/$t" "fuzz/seeds/$t" -- -max_total_time=30 -rss_limit_mb=2048 \
      || { echo "fuzz target $t found a crash: it is in fuzz/artifacts/$t; add it to tests/data/fuzz-regressions/$t"; py_failed=$((py_failed+1)); }
  done
fi

passed=$((rust_passed + py_passed))
failed=$((rust_failed + py_failed))
echo
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
