#!/usr/bin/env bash
# Benchmarks of the knowledge store (issue 2) and the pattern engine (issue 3), each beside
# its peer, one table at the end of each.
# Not part of ./test.sh. See bench/README.md.
#
# Usage: bench/run.sh [PART...]
#   PART: attack     1. import Enterprise ATT&CK vs CPython json.load      (~15 s)
#         million    2. import 1,000,000 generated indicators vs json.load (~3 min)
#         latency    3. get/search/neighbors as whole processes vs stix2   (~1.5 min)
#         criterion  3b. in-process search/get/neighbors (criterion)       (~1 min)
#         pattern    issue 3: vigil match vs stix2-matcher and rstix, scaling to 1M
#                    indicators, criterion (bench/pattern/run.py; ~15 min, the first
#                    run also generates the workloads under bench/out/pattern/)
#         taxii      issue 4: Vigil's TAXII 2.1 server vs medallion under wrk, Vigil at
#                    1k and 1M objects, posting 10k-object envelopes (bench/taxii/run.py;
#                    ~12 min; installs wrk with apt-get and medallion into .venv if missing)
#         hunt       issue 5: vigil hunt vs ripgrep (rg -F -f iocs.txt) on COUNT generated Zeek
#                    conn + dns records with 100,000 indicators, one core (bench/hunt/run.py;
#                    ~1.5 min; the first run also generates the logs under bench/out/hunt/;
#                    installs ripgrep with apt-get if missing)
#   No PART: all of them, in that order.
# Environment: REPS (attack, default 7; hunt, default 3), RUNS (latency, default 50), COUNT
# (million, default 1000000; also the taxii part's big collection and the hunt part's
# records), PYTHON (the CPython running json.load, default python3), TAXII_ARGS (more
# arguments for bench/taxii/run.py, e.g. --perf), NO_BUILD=1 (skip cargo build --release),
# PATTERN_PARTS (the pattern part's own parts: oasis scaling criterion; default all three
# and their summary).
set -euo pipefail
cd "$(dirname "$0")/.."

parts=()
for a in "$@"; do
  case "$a" in
    attack|million|latency|criterion|pattern|taxii|hunt) parts+=("$a") ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown part '$a' (attack, million, latency, criterion, pattern, taxii, hunt)" >&2; exit 2 ;;
  esac
done
[ ${#parts[@]} -eq 0 ] && parts=(attack million latency criterion pattern taxii hunt)

py=(python3 bench/store_bench.py --python "${PYTHON:-python3}")
started=$(date +%s)
mkdir -p bench/out
echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates || echo ' + uncommitted changes in crates/')"

if [ "${NO_BUILD:-0}" != 1 ]; then
  echo "== cargo build --release"
  cargo build --release --quiet
fi

for p in "${parts[@]}"; do
  case "$p" in
    attack) "${py[@]}" attack --reps "${REPS:-7}" ;;
    million) "${py[@]}" million --count "${COUNT:-1000000}" ;;
    latency) "${py[@]}" latency --runs "${RUNS:-50}" ;;
    criterion)
      echo "== cargo bench -p vigil-store --bench search"
      export CRITERION_HOME="$PWD/bench/out/criterion"
      cargo bench --quiet -p vigil-store --bench search 2>&1 \
        | grep -E '^(imported|neighbors |[a-z]+/[^ ]+|[[:space:]]+time:)|time:' || true
      # Ratios against stix2 need the peer's figures from the latency part.
      [ -f bench/out/tmp/peer_stix2.json ] || echo "   (run the latency part for stix2 figures beside these)"
      "${py[@]}" criterion ;;
    pattern)
      # shellcheck disable=SC2086  # PATTERN_PARTS is a list of words
      python3 bench/pattern/run.py ${PATTERN_PARTS:-} ;;
    taxii)
      command -v wrk >/dev/null || apt-get install -y wrk >/dev/null
      if ! .venv/bin/python -c 'import medallion, requests' 2>/dev/null; then
        [ -x .venv/bin/python ] || python3 -m venv .venv
        .venv/bin/pip install --quiet -r tests/interop/requirements.txt
      fi
      # shellcheck disable=SC2086  # TAXII_ARGS is a list of words
      .venv/bin/python bench/taxii/run.py --count "${COUNT:-1000000}" ${TAXII_ARGS:-} ;;
    hunt)
      # Built above (or NO_BUILD=1); run.py reads COUNT and REPS itself, REPS defaulting to 3.
      NO_BUILD=1 python3 bench/hunt/run.py ;;
  esac
done

# The store's table, when a store part ran (the pattern, taxii and hunt parts print their own).
for p in "${parts[@]}"; do
  if [ "$p" != pattern ] && [ "$p" != taxii ] && [ "$p" != hunt ]; then
    "${py[@]}" summary --since "$started"
    break
  fi
done
