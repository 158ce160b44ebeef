#!/usr/bin/env bash
# Finds or builds one pinned Go component of the cluster topology; prints its absolute path.
# Names: temporal-server, temporal-sql, temporal-ui, minio. Built with `go install` into the ignored
# .tools/cluster/ (each in its own GOBIN, since several are called `server`); never a prebuilt download.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BASE="$ROOT/.tools/cluster"
name="${1:-}"

case "$name" in
  temporal-server) module="go.temporal.io/server/cmd/server@v1.29.1"; bin="server" ;;
  temporal-sql) module="go.temporal.io/server/cmd/tools/sql@v1.29.1"; bin="sql" ;;
  temporal-ui) module="github.com/temporalio/ui-server/v2/cmd/server@v2.42.1"; bin="server" ;;
  # MinIO publishes no tagged Go module versions; this pseudo-version is the one `@latest` resolved to on 2026-11-30.
  minio) module="github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c"; bin="minio" ;;
  *) echo "usage: $0 temporal-server|temporal-sql|temporal-ui|minio" >&2; exit 2 ;;
esac

dir="$BASE/$name"
if [ -x "$dir/$bin" ]; then
  echo "$dir/$bin"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "Go is needed to build $name ($module) and is not installed; install Go 1.24+ and run again." >&2
  exit 1
fi
echo "Building $name from $module into .tools/cluster/$name (first time only; minutes when Go's caches are cold)..." >&2
mkdir -p "$dir"
tmp="$(mktemp -d "$BASE/.build-XXXXXX")"
# Build into a temporary GOBIN, then rename: an interrupted build never leaves a half-written binary behind.
if ! (cd "$tmp" && GOBIN="$tmp" GOFLAGS="${GOFLAGS:-} -mod=mod" go install "$module" >&2); then
  rm -rf "$tmp"
  echo "go install $module failed; see the output above" >&2
  exit 1
fi
mv "$tmp/$bin" "$dir/$bin"
rm -rf "$tmp"
echo "$dir/$bin"
