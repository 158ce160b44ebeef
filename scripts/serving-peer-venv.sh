#!/usr/bin/env bash
# Prints the Python of the serving bench peer's venv (.venv-serving: Flask, gunicorn, onnxruntime, numpy from PyPI), creating it once.
# Exits non-zero with a reason on stderr when Python 3 or the packages are not available; the bench then skips the peer.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-serving
PY="$VENV/bin/python"
if [ -x "$PY" ] && "$PY" -c 'import flask, gunicorn, onnxruntime, numpy' 2>/dev/null; then
  echo "$PWD/$PY"
  exit 0
fi
command -v python3 >/dev/null || { echo "python3 not found" >&2; exit 1; }
python3 -m venv "$VENV" >&2 || { echo "python3 -m venv failed (Debian: apt-get install python3-venv)" >&2; exit 1; }
"$VENV/bin/pip" install --quiet --disable-pip-version-check 'flask>=3,<4' 'gunicorn>=23,<24' 'onnxruntime>=1.20,<2' 'numpy>=1.26,<3' >&2 \
  || { echo "pip install of flask, gunicorn, onnxruntime, numpy failed" >&2; exit 1; }
echo "$PWD/$PY"
