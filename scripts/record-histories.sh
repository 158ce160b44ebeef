#!/usr/bin/env bash
# Re-records test/fixtures/histories from real runs on a dev server: the tests that run each workflow type write the
# histories of their runs (RECORD_HISTORIES=1), and test/pipeline/replay.test.ts replays them all in `make test`.
# Record only from the code that is deployed (main), never from a branch that changes a workflow: a history recorded
# by the changed code proves nothing about the runs still open on the old one. See docs/workflow-changes.md.
# Usage: scripts/record-histories.sh [test file under test/, e.g. test/drift/drift-monitor-workflow.test.ts]...   (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
PATH="$(./scripts/node-runtime.sh):$PATH"
export PATH
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  # every test file that calls maybeRecord, i.e. every workflow type the worker registers
  mapfile -t files < <(grep -l "maybeRecord(" -r test --include '*.test.ts' | sort)
fi
specs=()
for f in "${files[@]}"; do specs+=("dist/${f%.ts}.js"); done
make --no-print-directory build >/dev/null
RECORD_HISTORIES=1 TEMPORAL_CLI="$(./scripts/temporal-cli.sh)" npx mocha --no-config --require dist/test/support/root-hooks.js \
  --timeout 900000 --exit "${specs[@]}"
git status --short test/fixtures/histories
