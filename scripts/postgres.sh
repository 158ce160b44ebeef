#!/usr/bin/env bash
# Makes sure a PostgreSQL server (initdb, postgres, pg_isready) is installed for `make cluster`; prints its bin folder.
# Installs the distribution's package with apt-get when missing and allowed (root, or passwordless sudo); otherwise
# says exactly what to run. The cluster never uses a system-wide instance: it makes its own with initdb.
set -euo pipefail

find_bin() {
  local d
  if command -v pg_config >/dev/null 2>&1; then
    d="$(pg_config --bindir)"
    if [ -x "$d/initdb" ] && [ -x "$d/postgres" ]; then echo "$d"; return 0; fi
  fi
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -n -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/postgres" ]; then echo "$d"; return 0; fi
  done
  return 1
}

if bin="$(find_bin)"; then
  echo "$bin"
  exit 0
fi

"$(dirname "$0")/apt-install.sh" PostgreSQL postgresql
bin="$(find_bin)" || { echo "apt-get installed postgresql but initdb was not found under /usr/lib/postgresql/*/bin" >&2; exit 1; }
echo "$bin"
