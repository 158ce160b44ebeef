#!/usr/bin/env bash
# `make images`: builds this project's images (Dockerfile: target runtime as ml-pipeline:latest, python-worker as
# ml-pipeline-python-worker:latest), and the images
# docker-compose.temporal.yml names, with podman. When an image registry answers, the Dockerfile's own bases are used
# (node:24-bookworm-slim...). When none does, the bases are made here: Debian by debootstrap, Node.js 24 and npm from
# the npm registry, the Go components from .tools/cluster (`make cluster-deps`), and images/local.Containerfile keeps
# each official image's contract. Prints the compose variables that select the local images (images/local.env).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PODMAN=(podman --runtime "$ROOT/scripts/podman-runc.sh")
# --format docker on every build: the OCI format drops HEALTHCHECK.
NODE_PACKAGE_VERSION="${NODE_PACKAGE_VERSION:-24.21.0}"
NPM_VERSION="${NPM_VERSION:-11}"
BASE=localhost/ml-pipeline-base
LOCAL=localhost/ml-pipeline-local
# The machine's CA bundle: registries may be reached through a proxy whose CA only this bundle holds.
CA_BUNDLE="${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
say() { echo "[images] $*" >&2; }

command -v podman >/dev/null || { echo "podman is needed: apt-get install podman runc (and debootstrap when no registry is reachable)" >&2; exit 1; }

# auto: try the registry once; LOCAL_BASES=1 forces the local bases, 0 the official ones.
mode="${LOCAL_BASES:-auto}"
if [ "$mode" = auto ]; then
  if timeout 30 "${PODMAN[@]}" pull --quiet docker.io/library/node:24-bookworm-slim >/dev/null 2>&1; then mode=0; else mode=1; fi
  say "image registry $([ "$mode" = 0 ] && echo reachable: official bases || echo unreachable: bases made locally)"
fi

exists() { "${PODMAN[@]}" image exists "$1"; }

if [ "$mode" = 0 ]; then
  "${PODMAN[@]}" build --format docker --network host -f Dockerfile --target runtime -t ml-pipeline:latest .
  "${PODMAN[@]}" build --format docker --network host -f Dockerfile --target minio -t ml-pipeline-minio:latest .
  "${PODMAN[@]}" build --format docker --network host -f Dockerfile --target python-worker -t ml-pipeline-python-worker:latest .
  : >images/local.env
  exit 0
fi

# 1. Debian bookworm minbase with the machine's CA bundle, once.
if ! exists "$BASE/debian:bookworm"; then
  command -v debootstrap >/dev/null || { echo "debootstrap is needed to make the base image: apt-get install debootstrap" >&2; exit 1; }
  rootfs="$(mktemp -d)"
  say "debootstrap --variant=minbase bookworm (about a minute)"
  debootstrap --variant=minbase bookworm "$rootfs" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" >/dev/null
  install -D -m 0644 "$CA_BUNDLE" "$rootfs/etc/ssl/certs/ca-certificates.crt"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | "${PODMAN[@]}" import \
    --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
    --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' - "$BASE/debian:bookworm" >/dev/null
  rm -rf "$rootfs"
fi

# 2. The build context of images/local.Containerfile.
ctx="$(mktemp -d)"
trap 'rm -rf "$ctx"' EXIT
case "$(uname -m)" in x86_64) arch=x64 ;; aarch64) arch=arm64 ;; *) arch="$(uname -m)" ;; esac
(cd "$ctx" && npm pack --silent "node-linux-$arch@$NODE_PACKAGE_VERSION" "npm@$NPM_VERSION" >/dev/null)
mkdir -p "$ctx/node" "$ctx/npm" && tar -xzf "$ctx"/node-linux-*.tgz -C "$ctx/node" --strip-components=1 && tar -xzf "$ctx"/npm-*.tgz -C "$ctx/npm" --strip-components=1
cp images/postgres-entrypoint.sh "$ctx/"
tool() { ./scripts/go-tool.sh "$1"; }
# The config templates the official images render, from the same Go modules the binaries were built from.
module_dir() { (cd "$ctx" && GOFLAGS=-mod=mod go mod download -json "$1" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p'); }
server_pin="$(sed -n 's/^ *temporal-server) module="\([^"]*\)".*/\1/p' scripts/go-tool.sh)"
ui_pin="$(sed -n 's/^ *temporal-ui) module="\([^"]*\)".*/\1/p' scripts/go-tool.sh)"
server_mod="$(module_dir "go.temporal.io/server@${server_pin##*@}")"
ui_mod="$(module_dir "github.com/temporalio/ui-server/v2@${ui_pin##*@}")"
mkdir -p "$ctx/temporal/config" "$ctx/ui/config" "$ctx/minio"
cp "$(tool temporal-server)" "$ctx/temporal/server"
cp "$(tool temporal-sql)" "$ctx/temporal/sql"
cp "$(./scripts/temporal-cli.sh)" "$ctx/temporal/temporal"
cp "$server_mod/config/docker.yaml" "$ctx/temporal/config/" && cp -r "$server_mod/config/dynamicconfig" "$ctx/temporal/config/"
cp "$(tool temporal-ui)" "$ctx/ui/server"
cp "$ui_mod"/config/{base,docker}.yaml "$ctx/ui/config/"
cp "$(tool minio)" "$ctx/minio/minio"
chmod -R u+w "$ctx"

server_v="${server_pin##*@v}"; ui_v="${ui_pin##*@v}"
build_local() { say "building $2"; "${PODMAN[@]}" build --format docker --network host -q -f images/local.Containerfile --target "$1" -t "$2" "$ctx" >/dev/null; }
build_local node "$BASE/node:24"
build_local postgres "$LOCAL/postgres:15"
build_local temporal-server "$LOCAL/temporal-server:$server_v"
build_local temporal-admin-tools "$LOCAL/temporal-admin-tools:$server_v"
build_local temporal-ui "$LOCAL/temporal-ui:$ui_v"
build_local minio ml-pipeline-minio:latest

# 3. The project's image from its own Dockerfile, on the local Node base.
say "building ml-pipeline:latest from the Dockerfile (NODE_IMAGE=$BASE/node:24)"
"${PODMAN[@]}" build --format docker --network host -f Dockerfile --target runtime --build-arg "NODE_IMAGE=$BASE/node:24" -t ml-pipeline:latest .

say "building ml-pipeline-python-worker:latest from the Dockerfile (PYTHON_BASE_IMAGE=$BASE/debian:bookworm; pip from PyPI)"
"${PODMAN[@]}" build --format docker --network host -f Dockerfile --target python-worker --build-arg "PYTHON_BASE_IMAGE=$BASE/debian:bookworm" -t ml-pipeline-python-worker:latest .

cat >images/local.env <<ENV
# Written by scripts/container-images.sh: the local stand-ins for the official images (see docker-compose.temporal.yml).
POSTGRES_IMAGE=$LOCAL/postgres:15
TEMPORAL_SERVER_IMAGE=$LOCAL/temporal-server:$server_v
TEMPORAL_ADMIN_TOOLS_IMAGE=$LOCAL/temporal-admin-tools:$server_v
TEMPORAL_UI_IMAGE=$LOCAL/temporal-ui:$ui_v
ENV
say "done: ml-pipeline:latest, ml-pipeline-python-worker:latest, ml-pipeline-minio:latest and the local stand-ins in images/local.env"
