#!/usr/bin/env bash
# What the audit trail costs: GetSecretValue on the same release build with
# `--audit-log off` and with the default `--audit-log file` (every answer
# waits for its record to be durable), alternating, ROUNDS times each, in
# one run; prints each run and the medians.
#
#   scripts/bench-audit.sh [strongroom-bench args...]   default: --ops get --concurrency 64 --duration 10
#   ROUNDS=5 scripts/bench-audit.sh --concurrency 16
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p strongroom-server -p strongroom-bench
rounds=${ROUNDS:-3}
args=("$@")
if [[ ${#args[@]} -eq 0 ]]; then
    args=(--ops get --concurrency 64 --duration 10)
fi
results=$(mktemp)
trap 'rm -f "$results"' EXIT
for round in $(seq 1 "$rounds"); do
    for mode in off file; do
        out=$(BENCH_NO_BUILD=1 STRONGROOM_SERVE_ARGS="--audit-log $mode" scripts/bench.sh --json "${args[@]}")
        python3 - "$mode" "$round" "$out" >>"$results" <<'PY'
import json, sys
mode, round_, doc = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
for s in doc["scenarios"]:
    print(json.dumps({"mode": mode, "round": int(round_), "scenario": s["operation"] + "/" + s["caller"],
                      "rps": s["requests_per_sec"], "p99": s["latency_ms"]["p99"], "errors": s["errors"]}))
PY
        tail -n 1 "$results" >&2
    done
done
python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {}
for r in rows:
    by.setdefault((r["scenario"], r["mode"]), []).append(r)
for scenario in sorted({k[0] for k in by}):
    off, on = by.get((scenario, "off"), []), by.get((scenario, "file"), [])
    if not off or not on:
        continue
    m = lambda rs, k: statistics.median(r[k] for r in rs)
    print(f"{scenario}: audit off {m(off,'rps'):.0f} req/s (p99 {m(off,'p99'):.2f} ms) | "
          f"audit file {m(on,'rps'):.0f} req/s (p99 {m(on,'p99'):.2f} ms) | "
          f"ratio {m(on,'rps')/m(off,'rps')*100:.1f} %  [medians of {len(on)} runs]")
PY
