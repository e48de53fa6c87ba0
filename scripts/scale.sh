#!/usr/bin/env bash
# Listing at scale: seeds many secrets through the real API and measures
# what issue 7 asks of 1,000,000 of them. Not part of CI (it takes a while).
#
#   scripts/scale.sh                       1,000,000 secrets (SCALE_N)
#   SCALE_N=20000 scripts/scale.sh         a quick run
#
# Builds the release binaries, starts a server on a fresh data directory,
# seeds SCALE_N secrets with CreateSecret over SCALE_CONCURRENCY connections
# (strongroom-bench seed: ~1 KiB values, a description and two tags each,
# every call audited as usual), then reports:
#   - the seeding rate and the seeding server's peak RSS (VmHWM);
#   - bytes per secret in the data directory: strongroom.db (+ WAL) apart
#     from the audit trail (audit/ and audit-index.db), and, with python3,
#     strongroom.db's bytes per table and index (SQLite's dbstat);
#   - the restart: the server is stopped and started again on the same data,
#     and the time from its start to its first answered ListSecrets;
#   - strongroom-bench list against the restarted server: p50/p99 of the
#     first ListSecrets page (MaxResults 100) with no filter, a name prefix,
#     `all` filters and others (SCALE_SAMPLES each), BatchGetSecretValue by
#     the same filters, and the cost of pages 1, 10, 100, 1000 paging on
#     through NextToken (SCALE_PAGES pages at most);
#   - the restarted server's peak RSS over all that.
#
# SCALE_DATA_DIR=/path keeps the data directory there: a first run seeds it
# (credentials go to /path.credentials), later runs skip the seeding and
# only measure. SCALE_NO_BUILD=1 skips the build. Run it niced on a shared
# machine: nice scripts/scale.sh.
set -euo pipefail

cd "$(dirname "$0")/.."
n=${SCALE_N:-1000000}
samples=${SCALE_SAMPLES:-200}
pages=${SCALE_PAGES:-1000}
concurrency=${SCALE_CONCURRENCY:-64}
value_size=${SCALE_VALUE_SIZE:-1024}
target=${CARGO_TARGET_DIR:-target}
if [[ -z "${SCALE_NO_BUILD:-}" ]]; then
    cargo build --release -p strongroom-server -p strongroom-bench
fi
server_bin=$target/release/strongroom
bench=$target/release/strongroom-bench

work=$(mktemp -d "${TMPDIR:-/tmp}/strongroom-scale.XXXXXX")
if [[ -n "${SCALE_DATA_DIR:-}" ]]; then
    data=$SCALE_DATA_DIR
    credentials=$data.credentials
else
    data=$work/data
    credentials=$work/credentials
fi
server_pid=""

stop_server() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        for _ in $(seq 1 600); do
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    server_pid=""
}
cleanup() {
    stop_server
    rm -rf "$work"
}
trap cleanup EXIT

# start_server LISTEN: starts the server in the background (server_pid).
start_server() {
    "$server_bin" serve --listen "$1" --data-dir "$data" --account-id 123456789012 \
        ${STRONGROOM_SERVE_ARGS:-} >"$work/server.out" 2>>"$work/server.err" &
    server_pid=$!
}

# wait_listening: sets `endpoint` from the server's "listening on" line.
wait_listening() {
    endpoint=""
    for _ in $(seq 1 600); do
        endpoint=$(sed -n 's/^strongroom listening on \(http:\/\/[^[:space:]]*\).*/\1/p' "$work/server.out" | head -n 1)
        [[ -n "$endpoint" ]] && return 0
        if ! kill -0 "$server_pid" 2>/dev/null; then
            echo "scale.sh: the server exited; its output:" >&2
            cat "$work/server.out" "$work/server.err" >&2
            exit 1
        fi
        sleep 0.1
    done
    echo "scale.sh: the server did not listen within 60 s" >&2
    exit 1
}

peak_rss() {
    awk '/^VmHWM/ {printf "%.0f MiB", $2 / 1024}' "/proc/$server_pid/status"
}

# bytes FILE...: their total apparent size (missing files count 0).
bytes() {
    local total=0 f
    for f in "$@"; do
        if [[ -d "$f" ]]; then
            total=$((total + $(du -sb "$f" | cut -f1)))
        elif [[ -e "$f" ]]; then
            total=$((total + $(stat -c %s "$f")))
        fi
    done
    echo "$total"
}

report_sizes() {
    local db audit count
    count=$1
    db=$(bytes "$data/strongroom.db" "$data/strongroom.db-wal")
    audit=$(bytes "$data/audit" "$data/audit-index.db" "$data/audit-index.db-wal")
    echo "data directory, $2:"
    awk -v b="$db" -v n="$count" 'BEGIN {printf "  strongroom.db + WAL  %12.0f bytes  %7.0f bytes a secret\n", b, b / n}'
    awk -v b="$audit" -v n="$count" 'BEGIN {printf "  audit trail + index  %12.0f bytes  %7.0f bytes a secret (one CreateSecret record each)\n", b, b / n}'
}

report_tables() {
    command -v python3 >/dev/null || return 0
    python3 - "$data/strongroom.db" "$1" <<'EOF' || true
import sqlite3, sys
path, n = sys.argv[1], int(sys.argv[2])
db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
rows = db.execute(
    "SELECT name, SUM(pgsize), SUM(pgsize - unused) FROM dbstat GROUP BY name ORDER BY 2 DESC"
).fetchall()
print("strongroom.db by table and index (dbstat; bytes a secret, used share of pages):")
for name, size, used in rows[:14]:
    print(f"  {name:<34} {size / n:8.0f}  {100 * used / size:4.0f}%")
EOF
}

mkdir -p "$(dirname "$data")"
seeded=0
if [[ -n "${SCALE_DATA_DIR:-}" && -s "$data.seeded" ]]; then
    seeded=$(cat "$data.seeded")
fi

if [[ "$seeded" -eq 0 ]]; then
    [[ -d "$data" ]] || mkdir -m 700 "$data"
    start_server 127.0.0.1:0
    wait_listening
    export_value() {
        sed -n "s/^export $1=//p" "$work/server.out" | head -n 1 | sed -e "s/^['\"]//" -e "s/['\"]\$//"
    }
    umask 077
    {
        echo "AWS_ACCESS_KEY_ID=$(export_value AWS_ACCESS_KEY_ID)"
        echo "AWS_SECRET_ACCESS_KEY=$(export_value AWS_SECRET_ACCESS_KEY)"
    } >"$credentials"
    set -a
    # shellcheck disable=SC1090
    . "$credentials"
    set +a
    echo "scale.sh: seeding $n secrets at $endpoint (server pid $server_pid)" >&2
    "$bench" --endpoint "$endpoint" --value-size "$value_size" --request-timeout 60 \
        seed --count "$n" --concurrency "$concurrency"
    seeded=$n
    [[ -n "${SCALE_DATA_DIR:-}" ]] && echo "$n" >"$data.seeded"
    echo "seeding server's peak RSS: $(peak_rss)"
    report_sizes "$seeded" "running, after seeding"
    stop_server
else
    set -a
    # shellcheck disable=SC1090
    . "$credentials"
    set +a
    echo "scale.sh: $seeded secrets already in $data" >&2
fi
report_sizes "$seeded" "stopped"
report_tables "$seeded"

# The restart: from the server's start to its first answer.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo 4599)
start_server "127.0.0.1:$port"
echo -n "restart on $seeded secrets: "
"$bench" --endpoint "http://127.0.0.1:$port" ready --timeout 300
endpoint=http://127.0.0.1:$port

echo
"$bench" --endpoint "$endpoint" --request-timeout 120 list --samples "$samples" --pages "$pages"
echo
echo "restarted server's peak RSS (start, then every measurement above): $(peak_rss)"
stop_server
