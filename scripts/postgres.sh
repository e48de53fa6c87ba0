#!/usr/bin/env bash
# A throwaway PostgreSQL for the tests of the built-in rotators.
#
#   scripts/postgres.sh start    starts one; prints shell assignments
#                                (PGHOST PGPORT PGUSER PGPASSWORD PG_TEST_DIR
#                                PG_CA_FILE: the CA of its TLS certificate)
#   scripts/postgres.sh stop DIR stops the one in DIR (PG_TEST_DIR) and removes it
#
# Uses initdb/pg_ctl from PATH or /usr/lib/postgresql/*/bin; if there are
# none and we are root, installs Debian's postgresql package. PostgreSQL
# refuses to run as root, so as root the server runs as the `postgres` user
# (created by the package). It listens on 127.0.0.1 on a free port with
# SCRAM password authentication over TCP, TLS offered (a CA made here signs
# the certificate for 127.0.0.1 and localhost; members of the role
# `tls_only` may log in over TLS only); data is not fsynced.
set -euo pipefail

log() { echo "postgres.sh: $*" >&2; }

find_bin() {
  local p
  if p="$(command -v pg_ctl 2>/dev/null)"; then
    dirname "$(readlink -f "$p")"
    return 0
  fi
  for p in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [[ -x "$p/pg_ctl" && -x "$p/initdb" ]]; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

as_db_user() {
  if [[ "$(id -u)" == 0 ]]; then
    runuser -u "$DB_USER" -- "$@"
  else
    "$@"
  fi
}

make_certificate() {
  local dir="$1"
  (
    cd "$dir"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
      -subj "/CN=strongroom test CA" -keyout ca.key -out ca.crt
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -subj "/CN=localhost" -keyout server.key -out server.csr
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
      -extfile server.ext -out server.crt
    rm -f ca.key server.csr server.ext ca.srl
    chmod 600 server.key
    chmod 644 ca.crt
  ) >"$dir/openssl.log" 2>&1 || { cat "$dir/openssl.log" >&2; exit 1; }
  [[ "$(id -u)" == 0 ]] && chown "$DB_USER" "$dir/server.key" "$dir/server.crt"
  return 0
}

start() {
  local bin
  if ! bin="$(find_bin)"; then
    if [[ "$(id -u)" != 0 ]]; then
      log "no PostgreSQL found (pg_ctl, /usr/lib/postgresql/*/bin) and not root to install it"
      exit 1
    fi
    log "installing Debian's postgresql package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
    bin="$(find_bin)"
  fi
  DB_USER=postgres
  if [[ "$(id -u)" == 0 ]] && ! id "$DB_USER" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$DB_USER"
  fi
  local dir port password
  dir="$(mktemp -d /tmp/strongroom-pg.XXXXXX)"
  chmod 700 "$dir"
  [[ "$(id -u)" == 0 ]] && chown "$DB_USER" "$dir"
  password="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  printf '%s\n' "$password" >"$dir/pwfile"
  [[ "$(id -u)" == 0 ]] && chown "$DB_USER" "$dir/pwfile"
  as_db_user "$bin/initdb" -D "$dir/data" -U postgres --pwfile="$dir/pwfile" \
    --auth-local=trust --auth-host=scram-sha-256 --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  rm -f "$dir/pwfile"
  make_certificate "$dir"
  # first match wins: members of tls_only are refused without TLS
  sed -i '/^# TYPE/a hostnossl all +tls_only 127.0.0.1/32 reject' "$dir/data/pg_hba.conf"
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  as_db_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c ssl=on -c ssl_cert_file=$dir/server.crt -c ssl_key_file=$dir/server.key" \
    start >&2 || { cat "$dir/server.log" >&2; exit 1; }
  echo "PGHOST=127.0.0.1"
  echo "PGPORT=$port"
  echo "PGUSER=postgres"
  echo "PGPASSWORD=$password"
  echo "PG_TEST_DIR=$dir"
  echo "PG_BIN=$bin"
  echo "PG_CA_FILE=$dir/ca.crt"
}

stop() {
  local dir="${1:?usage: postgres.sh stop DIR}"
  [[ -d "$dir/data" ]] || { log "$dir is not a test cluster"; exit 1; }
  local bin
  bin="$(find_bin)"
  DB_USER="$(stat -c %U "$dir/data")"
  as_db_user "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >&2 || true
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: $0 start | stop DIR" >&2; exit 2 ;;
esac
