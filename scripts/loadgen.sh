#!/usr/bin/env bash
# Finds or builds the serving bench's load generator (bench/loadgen, Go standard library only); prints its absolute path.
# Built with `go build` into the ignored .tools/loadgen/<source hash>/, so an edit of the source builds a new one.
# Exits non-zero with a reason on stderr when Go is missing; the bench then falls back to autocannon and says so.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/bench/loadgen"
hash="$(cat "$SRC/go.mod" "$SRC/main.go" | sha256sum | cut -c1-12)"
dir="$ROOT/.tools/loadgen/$hash"
if [ -x "$dir/loadgen" ]; then
  echo "$dir/loadgen"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "Go is needed to build bench/loadgen and is not installed" >&2
  exit 1
fi
mkdir -p "$dir"
tmp="$(mktemp -d "$dir/.build-XXXXXX")"
# build into a temporary folder, then rename: an interrupted build never leaves a half-written binary
if ! (cd "$SRC" && go build -trimpath -buildvcs=false -o "$tmp/loadgen" . >&2); then
  rm -rf "$tmp"
  echo "go build of bench/loadgen failed; see the output above" >&2
  exit 1
fi
mv "$tmp/loadgen" "$dir/loadgen"
rm -rf "$tmp"
echo "$dir/loadgen"
