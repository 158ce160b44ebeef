#!/usr/bin/env bash
# Installs Debian packages the tests need (`apt-install.sh <what, for messages> <package>...`) when allowed: as root, or
# with passwordless sudo. Otherwise prints the exact command to run and exits 1, so the caller can say why it skips.
set -euo pipefail

what="$1"
shift
install_cmd="apt-get update && apt-get install -y --no-install-recommends $*"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "$what is not installed and this system has no apt-get; install it and run again." >&2
  exit 1
fi
if [ "$(id -u)" = 0 ]; then
  echo "$what is not installed; installing the Debian package (once)..." >&2
  DEBIAN_FRONTEND=noninteractive bash -c "$install_cmd" >&2
elif sudo -n true 2>/dev/null; then
  echo "$what is not installed; installing the Debian package with sudo (once)..." >&2
  sudo DEBIAN_FRONTEND=noninteractive bash -c "$install_cmd" >&2
else
  echo "$what is not installed. Run: sudo $install_cmd" >&2
  exit 1
fi
