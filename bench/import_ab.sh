#!/usr/bin/env bash
# Import A/B: the 1M-indicator bundle into a new data directory with each
# build in turn, ROUNDS times alternating; prints each run's seconds,
# objects/s, wall, user and system CPU and peak RSS. For comparing two
# builds on a noisy machine, where whole bench/run.sh runs minutes apart
# differ by more than the change being measured. Not part of ./test.sh.
#
# Usage: bench/import_ab.sh ROUNDS path/to/vigil [path/to/vigil ...]
#   e.g. git worktree add /tmp/old <commit> &&
#        (cd /tmp/old && CARGO_TARGET_DIR=/tmp/old-target cargo build --release -p vigil) &&
#        bench/import_ab.sh 3 /tmp/old-target/release/vigil target/release/vigil
# Input: bench/out/indicators-1000000-s42.json (bench/run.sh million makes it).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=$1; shift
input=bench/out/indicators-1000000-s42.json
[ -f "$input" ] || { echo "bench/import_ab.sh: $input is missing; run bench/run.sh million first" >&2; exit 2; }
data=bench/out/tmp/import-ab
mkdir -p bench/out/tmp
for _ in $(seq "$rounds"); do
  for bin in "$@"; do
    rm -rf "$data"; sync
    t=$( { /usr/bin/time -f "wall %e s, user %U s, sys %S s, peak RSS %M kB" "$bin" --data "$data" import --json "$input" > "$data.json"; } 2>&1 | tail -1)
    r=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(f\"{r['seconds']:.2f} s, {r['objects_per_second']:,.0f} objects/s, added {r['added']}\")" "$data.json")
    echo "$bin: $r; $t"
  done
done
rm -rf "$data" "$data.json"
