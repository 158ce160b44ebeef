#!/usr/bin/env bash
# Makes sure Debian's headless-capable Chromium is at /usr/bin/chromium for the console's browser test; prints its path.
# Installs the distribution's package with apt-get when missing and allowed (root, or passwordless sudo); otherwise
# says exactly what to run and exits 1 (the browser test then reports itself skipped with this message).
set -euo pipefail

bin=/usr/bin/chromium
if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi

install_cmd="apt-get update && apt-get install -y --no-install-recommends chromium"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "Chromium is not installed and this system has no apt-get; install Chromium at $bin and run again." >&2
  exit 1
fi
if [ "$(id -u)" = 0 ]; then
  echo "Chromium is not installed; installing the Debian package (once)..." >&2
  DEBIAN_FRONTEND=noninteractive bash -c "$install_cmd" >&2
elif sudo -n true 2>/dev/null; then
  echo "Chromium is not installed; installing the Debian package with sudo (once)..." >&2
  sudo DEBIAN_FRONTEND=noninteractive bash -c "$install_cmd" >&2
else
  echo "Chromium is not installed. Run: sudo $install_cmd" >&2
  exit 1
fi
[ -x "$bin" ] || { echo "apt-get installed chromium but $bin is missing" >&2; exit 1; }
echo "$bin"
