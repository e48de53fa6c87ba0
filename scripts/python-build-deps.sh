#!/usr/bin/env bash
# What pip needs to build tests/python/requirements.txt's one source-only
# package, PyGreSQL (AWS's PostgreSQL rotation function imports it; it has no
# Linux wheel): a C compiler, the Python headers of the interpreter that
# builds it, and libpq's headers and library through `pg_config`.
#
#   scripts/python-build-deps.sh PYTHON
#
# Checks each for PYTHON (the venv's python). Whatever is missing is
# installed from Debian's packages when we are root (gcc, python3-dev,
# libpq-dev); otherwise it is named on stderr and pip is left to try (a
# wheel it built before may be in its cache). Nothing happens when all are
# present. Python headers come with the interpreter (pyenv's, say) or, for
# Debian's python3, with python3-dev: it is installed only when PYTHON's own
# include directory has no Python.h.
set -euo pipefail

log() { echo "python-build-deps.sh: $*" >&2; }

PYTHON="${1:?usage: python-build-deps.sh PYTHON}"

# the include directory and compiler setuptools will use for PYTHON
probe="$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["include"]); print(sysconfig.get_config_var("CC") or "cc")')"
include="${probe%%$'\n'*}"
cc="${CC:-${probe#*$'\n'}}"

# Debian packages for what is missing, one a line
missing_packages() {
  local libpq_include libpq_lib
  # CC may carry flags ("gcc -pthread"): the compiler is its first word
  command -v "${cc%% *}" >/dev/null 2>&1 || echo gcc
  [[ -f "$include/Python.h" ]] || echo python3-dev
  # PyGreSQL's setup.py runs `pg_config` from PATH for libpq's directories
  if libpq_include="$(pg_config --includedir 2>/dev/null)" && libpq_lib="$(pg_config --libdir 2>/dev/null)" &&
    [[ -f "$libpq_include/libpq-fe.h" && -e "$libpq_lib/libpq.so" ]]; then
    :
  else
    echo libpq-dev
  fi
}

mapfile -t packages < <(missing_packages)
if [[ ${#packages[@]} -eq 0 ]]; then
  exit 0
fi
if [[ "$(id -u)" != 0 ]]; then
  log "missing to build PyGreSQL: ${packages[*]} (as root: apt-get install ${packages[*]}); pip may fail"
  exit 0
fi
log "installing Debian's ${packages[*]} to build PyGreSQL"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq "${packages[@]}" >&2
mapfile -t packages < <(missing_packages)
if [[ ${#packages[@]} -ne 0 ]]; then
  # e.g. a python of its own without headers: python3-dev is Debian's python3's
  log "still missing after apt-get: ${packages[*]} for $PYTHON; pip may fail"
fi
