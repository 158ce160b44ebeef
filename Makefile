# The two commands: `make up` runs the whole system in the foreground, `make test` checks it.
SHELL := /bin/bash
export ONNXRUNTIME_NODE_INSTALL := skip
export npm_config_audit := false
export npm_config_fund := false

# Every target runs on Node 22+: the system one when it is new enough, else node@24 from npm in .tools/node.
NODE_BIN := $(shell ./scripts/node-runtime.sh)
ifeq ($(NODE_BIN),)
$(error no supported Node.js: see the message from scripts/node-runtime.sh above)
endif
export PATH := $(NODE_BIN):$(PATH)
# Native modules (onnxruntime-node, DuckDB, Temporal's core bridge) are built for one ABI: reinstall when it changes.
NODE_ABI := $(shell $(NODE_BIN)/node -p process.versions.modules)

.PHONY: settings-doc
# `make lint` checks the tree (ESLint with type-aware rules, then Prettier); `make format` rewrites it in Prettier's style.
.PHONY: lint format
.PHONY: up test build deps temporal-cli python-worker-venv bench bench-peers drift-peer clean typecheck node-version cluster cluster-test cluster-deps

up: node-version build temporal-cli python-worker-venv
	TEMPORAL_CLI="$$(./scripts/temporal-cli.sh)" node dist/src/up/main.js

# Every test, the cluster's included (test/cluster boots PostgreSQL, a Temporal server, MinIO, workers and API replicas).
# test/containers runs too when `make images` and `make container-test` have built the images and the Compose CLI; else it skips, saying so.
test: node-version build lint temporal-cli cluster-deps python-worker-venv
	TEMPORAL_CLI="$$(./scripts/temporal-cli.sh)" npx mocha

# The production topology on this machine, in the foreground, state under var/cluster/; Ctrl-C stops all.
cluster: node-version build cluster-deps python-worker-venv
	node dist/src/cluster/main.js

cluster-test: node-version build temporal-cli cluster-deps python-worker-venv
	TEMPORAL_CLI="$$(./scripts/temporal-cli.sh)" npx mocha --no-config --require dist/test/support/root-hooks.js --timeout 120000 --exit 'dist/test/cluster/**/*.test.js'

# The Python training worker's venv (.venv-python-worker, pinned python/requirements.txt from PyPI), made once when
# python3 is present; without it the Python trainers are off and everything else runs (their tests say they are skipped).
python-worker-venv:
	@if ./scripts/python-worker-venv.sh >/dev/null; then echo "Python trainers: .venv-python-worker ready (python/requirements.txt)"; \
	else echo "Python trainers unavailable (reason above): GBDT training and everything else run"; fi

# PostgreSQL from the distribution (installed with apt-get when missing and allowed), and the pinned Go components
# built once into .tools/cluster (minutes with cold Go caches, nothing afterwards).
cluster-deps:
	@./scripts/postgres.sh >/dev/null
	@for tool in temporal-server temporal-sql temporal-ui minio; do ./scripts/go-tool.sh $$tool >/dev/null || exit 1; done

bench: node-version build
	node dist/bench/run.js

# Every same-run peer of the bench, each in its ignored venv: LightGBM (training), Flask + gunicorn + onnxruntime
# (serving, made by the serving bench itself when missing), Evidently (drift). `npm run bench` skips a missing peer, saying so.
bench-peers:
	@command -v wrk >/dev/null || echo "no wrk: the serving bench's unpaced part will use bench/loadgen (apt-get install wrk)"
	@command -v python3 >/dev/null || { echo "no python3: the bench will skip its Python peers"; exit 0; }; \
	test -x .tools-venv/bin/python || python3 -m venv .tools-venv; \
	.tools-venv/bin/pip install --quiet -r bench/peers/requirements.txt; \
	./scripts/serving-peer-venv.sh >/dev/null; \
	$(MAKE) --no-print-directory drift-peer

# Installs npm dependencies when node_modules was not installed from this lock file's content on this Node ABI
# (content, not file times: a checkout or a merge that leaves the lock unchanged must not reinstall).
DEPS_STAMP = node_modules/.deps-$(NODE_ABI)-$(shell cat package-lock.json package.json | sha1sum | cut -c1-12)
deps:
	@test -f $(DEPS_STAMP) || { npm ci --no-audit --no-fund && touch $(DEPS_STAMP); }

node-version:
	@echo "Using Node.js $$(node --version) from $(NODE_BIN)"

build: deps
	npx tsc -p tsconfig.json
	node dist/src/worker/build-bundle.js

# docs/settings.md from the settings schemas and their comments (a test fails when it is out of date).
settings-doc: build
	node dist/scripts/settings-reference.js --write

lint: deps
	npx eslint --cache --cache-location node_modules/.cache/eslint/ .
	npx prettier --check .

format: deps
	npx prettier --write .

typecheck: deps
	npx tsc -p tsconfig.json --noEmit

temporal-cli:
	@./scripts/temporal-cli.sh >/dev/null

# The drift bench's peer (Evidently) and scripts/drift-vectors.py's SciPy, in an ignored venv.
drift-peer:
	python3 -m venv .venv-drift
	.venv-drift/bin/pip install -q -r scripts/drift-requirements.txt

clean:
	rm -rf dist

# Containers, with podman (apt-get install podman runc debootstrap). `make images` builds ml-pipeline:latest from the
# Dockerfile and the other images docker-compose.temporal.yml names: the official bases when a registry answers, else
# local stand-ins made from a debootstrap base (scripts/container-images.sh). `make container-test` runs the image's
# structure checks (container-structure-test.yaml) and boots the compose topology (test/containers). `make test` runs
# the same tests only when the images are already built, and says so when it skips them.
.PHONY: images container-test compose-cli
images: cluster-deps temporal-cli
	./scripts/container-images.sh

compose-cli:
	@./scripts/compose-cli.sh >/dev/null

container-test: node-version build temporal-cli images compose-cli
	CONTAINER_TEST=1 TEMPORAL_CLI="$$(./scripts/temporal-cli.sh)" npx mocha --no-config --require dist/test/support/root-hooks.js --timeout 120000 --exit 'dist/test/containers/**/*.test.js'
