#!/usr/bin/env bash
# Finds the Temporal CLI, building it into the project's ignored .tools/ folder when needed; prints its absolute path.
# Order: $TEMPORAL_CLI, then `temporal` on PATH, then .tools/bin/temporal, then `go install` into .tools/bin.
# It never downloads a prebuilt binary: the only network use is Go's module proxy, and only when building.
set -euo pipefail

TEMPORAL_CLI_VERSION="${TEMPORAL_CLI_VERSION:-v1.5.1}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL_BIN="$ROOT/.tools/bin"

works() { [ -x "$1" ] && "$1" --version >/dev/null 2>&1; }

if [ -n "${TEMPORAL_CLI:-}" ]; then
  if works "$TEMPORAL_CLI"; then
    cd "$(dirname "$TEMPORAL_CLI")" && echo "$(pwd)/$(basename "$TEMPORAL_CLI")"
    exit 0
  fi
  echo "TEMPORAL_CLI=$TEMPORAL_CLI is set but is not a working temporal binary" >&2
  exit 1
fi

if on_path="$(command -v temporal 2>/dev/null)" && works "$on_path"; then
  echo "$on_path"
  exit 0
fi

if works "$LOCAL_BIN/temporal"; then
  echo "$LOCAL_BIN/temporal"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<MSG
The Temporal CLI was not found, and Go is not installed to build it.
Install it one of these ways, then run the command again:
  - Homebrew:        brew install temporal
  - Official binary: download it from https://temporal.io/setup/install-temporal-cli and put it on PATH
                     (or set TEMPORAL_CLI=/absolute/path/to/temporal)
  - Go 1.23+:        go install github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}
MSG
  exit 1
fi

echo "Building the Temporal CLI ${TEMPORAL_CLI_VERSION} into .tools/bin (first time only; a few minutes)..." >&2
mkdir -p "$LOCAL_BIN"
# v1.5.1 is the last release `go install` accepts (later tags carry replace directives).
if ! GOBIN="$LOCAL_BIN" GOFLAGS="${GOFLAGS:-} -mod=mod" go install "github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}" >&2; then
  echo "go install of the Temporal CLI failed; see the output above. You can also set TEMPORAL_CLI to an existing binary." >&2
  exit 1
fi
works "$LOCAL_BIN/temporal" || { echo "the built temporal binary does not run" >&2; exit 1; }
echo "$LOCAL_BIN/temporal"
