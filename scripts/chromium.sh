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

"$(dirname "$0")/apt-install.sh" Chromium chromium
[ -x "$bin" ] || { echo "apt-get installed chromium but $bin is missing" >&2; exit 1; }
echo "$bin"
