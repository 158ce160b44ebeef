#!/usr/bin/env bash
# Runs a script on the project's Node.js (22+, see node-runtime.sh), so `npm run ...` works on a machine whose node is older.
set -euo pipefail
bin="$("$(dirname "${BASH_SOURCE[0]}")/node-runtime.sh")"
exec "$bin/node" "$@"
