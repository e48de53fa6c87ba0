#!/usr/bin/env bash
# Fuzzes every cargo-fuzz target in fuzz/ for a bounded time, one after the
# other, and fails on the first crash (the input is then in
# fuzz/artifacts/<target>/; reproduce it with `cargo fuzz run <target> <file>`
# or add it to fuzz/corpus/<target>/ so `cargo test` runs it from then on).
#
#   scripts/fuzz.sh [seconds-per-target] [target...]     (default: 60 s, all)
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and a C++ compiler. Runs on
# the stable toolchain: RUSTC_BOOTSTRAP=1 lets it take the nightly flags
# cargo-fuzz passes (AddressSanitizer, coverage instrumentation). Each run
# starts from the committed seed corpus (fuzz/corpus/<target>/, only read)
# and keeps what it finds in a scratch directory, printed at the end.
# Builds go to $CARGO_TARGET_DIR/fuzz (target/fuzz by default).
set -euo pipefail

SECONDS_PER_TARGET="${1:-60}"
shift || true
if ! [[ "$SECONDS_PER_TARGET" =~ ^[0-9]+$ ]]; then
  echo "usage: $0 [seconds-per-target] [target...]" >&2
  exit 2
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT/fuzz"

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "error: cargo-fuzz is not installed (cargo install cargo-fuzz)" >&2
  exit 1
fi
# The same dependency versions as the workspace.
[[ -f Cargo.lock ]] || cp "$ROOT/Cargo.lock" Cargo.lock

export RUSTC_BOOTSTRAP=1
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}/fuzz"
# Optimized, with debug assertions and overflow checks (as in `cargo test`).
BUILD=(--debug-assertions --target-dir "$TARGET_DIR")

if [[ $# -gt 0 ]]; then
  TARGETS=("$@")
else
  mapfile -t TARGETS < <(cargo fuzz list)
fi

echo "==> building ${TARGETS[*]}"
for target in "${TARGETS[@]}"; do
  cargo fuzz build "${BUILD[@]}" "$target"
done

SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/strongroom-fuzz.XXXXXX")"
for target in "${TARGETS[@]}"; do
  echo "==> $target: ${SECONDS_PER_TARGET}s"
  mkdir -p "$SCRATCH/$target" "artifacts/$target"
  dict=()
  [[ -f "dicts/$target.dict" ]] && dict=("-dict=dicts/$target.dict")
  if ! cargo fuzz run "${BUILD[@]}" "$target" "$SCRATCH/$target" "corpus/$target" -- \
    -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 "${dict[@]}"; then
    echo "error: fuzzing $target failed; a crashing input is in fuzz/artifacts/$target/" >&2
    exit 1
  fi
done
echo "==> no crash; inputs found are in $SCRATCH (add small, new ones to fuzz/corpus/)"
