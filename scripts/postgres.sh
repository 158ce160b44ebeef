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

install_cmd="apt-get update && apt-get install -y --no-install-recommends postgresql"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "PostgreSQL is not installed and this system has no apt-get; install the PostgreSQL server package (initdb, postgres) and run again." >&2
  exit 1
fi
if [ "$(id -u)" = 0 ]; then
  echo "PostgreSQL is not installed; installing the Debian package (once)..." >&2
  DEBIAN_FRONTEND=noninteractive bash -c "$install_cmd" >&2
elif sudo -n true 2>/dev/null; then
  echo "PostgreSQL is not installed; installing the Debian package with sudo (once)..." >&2
  sudo DEBIAN_FRONTEND=noninteractive bash -c "$install_cmd" >&2
else
  echo "PostgreSQL is not installed. Run: sudo $install_cmd" >&2
  exit 1
fi
bin="$(find_bin)" || { echo "apt-get installed postgresql but initdb was not found under /usr/lib/postgresql/*/bin" >&2; exit 1; }
echo "$bin"
