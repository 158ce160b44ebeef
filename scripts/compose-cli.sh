#!/usr/bin/env bash
# Finds or builds the Docker Compose CLI (the Go module github.com/docker/compose/v5, pinned) and prints its path.
# Built once into the ignored .tools/compose/. `go install` refuses this module (its go.mod has exclude directives),
# so the module is downloaded from the Go proxy and built as the main module.
# Used by `make container-test` to run docker-compose.temporal.yml exactly as Docker users do, against podman's Docker API.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODULE="github.com/docker/compose/v5@v5.6.0"
OUT="$ROOT/.tools/compose/docker-compose"

if [ -x "$OUT" ]; then echo "$OUT"; exit 0; fi
if command -v go >/dev/null 2>&1; then :; else echo "Go is needed to build the Docker Compose CLI ($MODULE)" >&2; exit 1; fi
echo "Building the Docker Compose CLI from $MODULE into .tools/compose (first time only, minutes)..." >&2
mkdir -p "$ROOT/.tools/compose"
src="$(mktemp -d)"
trap 'rm -rf "$src"' EXIT
dir="$(cd "$src" && GOFLAGS=-mod=mod go mod download -json "$MODULE" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')"
cp -r "$dir/." "$src/module" && chmod -R u+w "$src/module"
(cd "$src/module" && go build -trimpath -o "$OUT.tmp" ./cmd >&2)
mv "$OUT.tmp" "$OUT"
echo "$OUT"
