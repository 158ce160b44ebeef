#!/usr/bin/env bash
# Prints the Python of the Python training worker's venv (.venv-python-worker, python/requirements.txt from PyPI, every
# version pinned), creating it once and again only when the requirements change.
# Exits non-zero with a reason on stderr when Python 3 or the packages are not available: the Python trainers are then off.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-python-worker
PY="$VENV/bin/python"
REQ=python/requirements.txt
STAMP="$VENV/.requirements-$(sha256sum "$REQ" | cut -c1-16)"
if [ -x "$PY" ] && [ -f "$STAMP" ]; then
  echo "$PWD/$PY"
  exit 0
fi
command -v python3 >/dev/null || { echo "python3 not found" >&2; exit 1; }
python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' || { echo "python3 is older than 3.10" >&2; exit 1; }
[ -x "$PY" ] || python3 -m venv "$VENV" >&2 || { echo "python3 -m venv failed (Debian: apt-get install python3-venv)" >&2; exit 1; }
echo "installing the Python training worker's packages into $VENV (once; a few minutes)" >&2
"$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQ" >&2 || { echo "pip install -r $REQ failed" >&2; exit 1; }
rm -f "$VENV"/.requirements-*
touch "$STAMP"
echo "$PWD/$PY"
