#!/usr/bin/env bash
# The project's test command: the Rust tests, then the Python end-to-end
# suite (boto3, raw SigV4 requests and the AWS CLI against the real binary).
# Runs from any directory. Extra arguments go to pytest, e.g.
#   scripts/test.sh -k lifecycle -x
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# 1. Python tools for the end-to-end suite, in .venv.
VENV="$ROOT/.venv"
if [[ ! -x "$VENV/bin/python" ]]; then
  echo "==> creating $VENV"
  python3 -m venv "$VENV"
fi
# PyGreSQL builds from source: a compiler and headers, from apt when root
scripts/python-build-deps.sh "$VENV/bin/python"
echo "==> installing tests/python/requirements.txt into .venv"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r tests/python/requirements.txt

# 2. Rust: build and run the workspace's tests.
echo "==> cargo test --workspace"
cargo test --workspace

# The server crate's integration tests need target/debug/strongroom, so
# `cargo test --workspace` has just built it with the same features: no
# second build.
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
case "$TARGET_DIR" in
  /*) ;;
  *) TARGET_DIR="$ROOT/$TARGET_DIR" ;;
esac
export STRONGROOM_BIN="$TARGET_DIR/debug/strongroom"
if [[ ! -x "$STRONGROOM_BIN" ]]; then
  echo "error: $STRONGROOM_BIN was not built" >&2
  exit 1
fi

# 3. The end-to-end suite, with the venv's `aws` first on PATH.
export PATH="$VENV/bin:$PATH"
echo "==> pytest tests/python (STRONGROOM_BIN=$STRONGROOM_BIN)"
"$VENV/bin/python" -m pytest -q tests/python "$@"
