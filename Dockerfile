# syntax=docker/dockerfile:1
# One image for both roles of this project on a cluster: the Temporal worker (default) and the prediction API
# (`node dist/src/serving/main.js`). Three stages: build with dev tools, production dependencies, a slim runtime.
# Built by `make images` (podman; base-image arguments pointed at local bases when no registry is reachable) and tested by
# `make container-test`; see README "Cluster and containers" and docs/store-and-cluster.md.

ARG NODE_IMAGE=node:24-bookworm-slim
# The Python training worker's base (target python-worker): Debian's python3 (3.11 on bookworm), so a local debootstrap
# base serves too when no registry is reachable.
ARG PYTHON_BASE_IMAGE=debian:bookworm-slim

# 1. Build: type-check and compile, then pre-bundle the workflows (workers load the bundle, never bundle at start).
FROM ${NODE_IMAGE} AS build
WORKDIR /src
# onnxruntime-node's install script would download GPU libraries; the CPU runtime ships in the package.
ENV ONNXRUNTIME_NODE_INSTALL=skip npm_config_audit=false npm_config_fund=false
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
# Only the code the image ships is compiled: tests, benches and scripts stay out, so editing them rebuilds nothing here.
RUN printf '{"extends":"./tsconfig.json","include":["src","workflows","activities"]}' >tsconfig.image.json \
 && npx tsc -p tsconfig.image.json && node dist/src/worker/build-bundle.js

# 2. Production dependencies only: no TypeScript, mocha or other dev tools.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip npm_config_audit=false npm_config_fund=false
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

# MinIO for docker-compose.temporal.yml, built from the same pinned module as scripts/go-tool.sh (not part of the app image).
FROM golang:1.26-bookworm AS minio-build
ARG MINIO_MODULE=github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c
RUN GOBIN=/out GOFLAGS=-mod=mod go install "${MINIO_MODULE}"

FROM debian:bookworm-slim AS minio
COPY --from=minio-build /out/minio /usr/local/bin/minio
RUN useradd --system --uid 1001 --home-dir /data minio && mkdir -p /data && chown minio /data
USER minio
EXPOSE 9000 9001
HEALTHCHECK --interval=5s --timeout=5s --retries=30 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9000 && printf 'GET /minio/health/ready HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["minio"]

# ---- Python training worker (issue 23; its own target, not part of the app image) ----------------------------------
# python/ml_worker with the pinned python/requirements.txt: polls PYTHON_TASK_QUEUE (default ml-train-python) on
# TEMPORAL_ADDRESS and reads/writes the artifact store with the app's settings (ARTIFACT_STORE, S3_ENDPOINT, AWS_*).
# Build: docker build --target python-worker -t ml-pipeline-python-worker .   (compose: --profile python)
FROM ${PYTHON_BASE_IMAGE} AS python-worker-deps
# pip trusts the base's own CA bundle when it has one: a local base carries the machine's (proxy CA included), and
# installing python3 pulls in Debian's ca-certificates, which regenerates the bundle without it. So the base's bundle is
# kept aside first and handed to pip through PIP_CERT (its own certifi lacks the proxy CA too); an official base has
# none, and then Debian's is used. libgomp1: the import check below loads LightGBM. pip leaves the venv once it is done.
RUN { cp /etc/ssl/certs/ca-certificates.crt /opt/pip-ca.crt 2>/dev/null || true; } \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv ca-certificates libgomp1 \
 && { test -s /opt/pip-ca.crt || cp /etc/ssl/certs/ca-certificates.crt /opt/pip-ca.crt; } \
 && rm -rf /var/lib/apt/lists/*
COPY python/requirements.txt /tmp/requirements.txt
RUN python3 -m venv /opt/venv \
 && PIP_CERT=/opt/pip-ca.crt /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check -r /tmp/requirements.txt \
 && /opt/venv/bin/python -c "import temporalio, sklearn, skl2onnx, onnxmltools, lightgbm, xgboost, onnxruntime, boto3" \
 && /opt/venv/bin/python -m pip uninstall --yes --quiet pip

FROM ${PYTHON_BASE_IMAGE} AS python-worker
# libgomp1: LightGBM's OpenMP runtime (its wheel does not bundle one). No pip, no compilers at run time.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 libgomp1 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 1000 --home-dir /data worker && mkdir -p /data && chown worker /data
COPY --from=python-worker-deps --chown=root:root /opt/venv /opt/venv
WORKDIR /app/python
COPY --chown=root:root python/ml_worker ./ml_worker
COPY --chown=root:root python/examples ./examples
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VAR_DIR=/data \
    PYTHON_TASK_QUEUE=ml-train-python
# Users' own trainers: mount them and set PYTHON_TRAINER_PATH (folders on the import path, e.g. /trainers).
# The code is read-only to the process; /data is scratch (and the store when ARTIFACT_STORE is unset).
USER worker
VOLUME ["/data"]
# No HTTP port: the worker's health is its poller on ml-train-python, visible in the Web UI.
ENTRYPOINT ["python", "-m", "ml_worker"]
# ---- end of the Python training worker -----------------------------------------------------------------------------

# 3. Runtime (the default target, last on purpose): compiled code, production node_modules, dataset specs; no npm, no compilers, a non-root user.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    VAR_DIR=/data \
    API_HOST=0.0.0.0 \
    API_PORT=8080
WORKDIR /app
# The image's package manager is a dev tool here: nothing installs at run time.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
 && mkdir -p /data && chown node:node /data
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /src/dist/src ./dist/src
COPY --from=build --chown=root:root /src/dist/workflows ./dist/workflows
COPY --from=build --chown=root:root /src/dist/activities ./dist/activities
COPY --from=build --chown=root:root /src/dist/workflow-bundle.js ./dist/workflow-bundle.js
COPY --chown=root:root package.json ./
COPY --chown=root:root datasets ./datasets
# The code is read-only to the process; only /data (local scratch and cache) is writable.
USER node
VOLUME ["/data"]
EXPOSE 8080
# The API is healthy when ready to serve (/readyz: a champion loaded, captures writable); the worker role has no HTTP
# port and disables this check (see docker-compose.temporal.yml).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.API_PORT||8080)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/src/worker/main.js"]
