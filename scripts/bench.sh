#!/usr/bin/env bash
# Load benchmark for strongroom.
#
#   scripts/bench.sh [strongroom-bench args...]     e.g. --concurrency 16 --duration 10
#   scripts/bench.sh --ops mix --secrets 1000 --mix-put-percent 10
#                                 GetSecretValue under 10 % writes vs pure reads
#   scripts/bench.sh --ops get --kms-key customer       (secrets under a customer managed key)
#
# Builds the release binaries, starts a throwaway server on a free port with a
# fresh data directory, runs strongroom-bench against it, then stops the
# server (SIGTERM) and removes the directory, whatever happens.
#
# BENCH_ENDPOINT=http://host:port  skips the server and benchmarks an existing
# one; credentials then come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
# STRONGROOM_SERVE_ARGS="--audit-log off"  adds flags to the throwaway server.
# BENCH_NO_BUILD=1  skips the build (scripts/bench-audit.sh builds once).
# CARGO_TARGET_DIR is honoured (binaries in $CARGO_TARGET_DIR/release).
set -euo pipefail

cd "$(dirname "$0")/.."
if [[ -z "${BENCH_NO_BUILD:-}" ]]; then
    cargo build --release -p strongroom-server -p strongroom-bench
fi
release="${CARGO_TARGET_DIR:-target}/release"
bench="$release/strongroom-bench"

if [[ -n "${BENCH_ENDPOINT:-}" ]]; then
    exec "$bench" --endpoint "$BENCH_ENDPOINT" "$@"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/strongroom-bench.XXXXXX")
server_pid=""

stop_server() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        # Give it 10 s to shut down gracefully, then insist.
        for _ in $(seq 1 100); do
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap stop_server EXIT

mkdir -m 700 "$tmp/data"
"$release/strongroom" serve --listen 127.0.0.1:0 --data-dir "$tmp/data" \
    --account-id 123456789012 ${STRONGROOM_SERVE_ARGS:-} >"$tmp/server.out" 2>"$tmp/server.err" &
server_pid=$!

# Wait (up to 30 s) for "strongroom listening on http://127.0.0.1:PORT"
# (https:// when serving TLS).
endpoint=""
for _ in $(seq 1 300); do
    endpoint=$(sed -n 's/^strongroom listening on \(https\{0,1\}:\/\/[^[:space:]]*\).*/\1/p' "$tmp/server.out" | head -n 1)
    [[ -n "$endpoint" ]] && break
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "bench.sh: the server exited before listening; its output:" >&2
        cat "$tmp/server.out" "$tmp/server.err" >&2
        exit 1
    fi
    sleep 0.1
done
if [[ -z "$endpoint" ]]; then
    echo "bench.sh: the server did not report its address within 30 s; stderr:" >&2
    cat "$tmp/server.err" >&2
    exit 1
fi

# The first start prints `export NAME=value` lines (the value maybe quoted).
export_value() {
    sed -n "s/^export $1=//p" "$tmp/server.out" | head -n 1 | sed -e "s/^['\"]//" -e "s/['\"]\$//"
}
AWS_ACCESS_KEY_ID=$(export_value AWS_ACCESS_KEY_ID)
AWS_SECRET_ACCESS_KEY=$(export_value AWS_SECRET_ACCESS_KEY)
if [[ -z "$AWS_ACCESS_KEY_ID" || -z "$AWS_SECRET_ACCESS_KEY" ]]; then
    echo "bench.sh: no credentials found in the server's output" >&2
    exit 1
fi
# Passed through the environment, not argv, so they do not show in `ps`.
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY

echo "bench.sh: server pid $server_pid at $endpoint" >&2
status=0
"$bench" --endpoint "$endpoint" "$@" || status=$?
if [[ $status -ne 0 && -s "$tmp/server.err" ]]; then
    echo "bench.sh: last server log lines:" >&2
    tail -n 20 "$tmp/server.err" >&2
fi
exit "$status"
