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

.PHONY: up test build deps temporal-cli bench clean typecheck node-version drift-peer

up: node-version build temporal-cli
	TEMPORAL_CLI="$$(./scripts/temporal-cli.sh)" node dist/src/up/main.js

test: node-version build temporal-cli
	TEMPORAL_CLI="$$(./scripts/temporal-cli.sh)" npx mocha

bench: node-version build
	node dist/bench/run.js

# Installs npm dependencies when node_modules is missing or older than the lock file.
deps: node_modules/.deps-abi-$(NODE_ABI)
node_modules/.deps-abi-$(NODE_ABI): package-lock.json package.json
	npm ci --no-audit --no-fund
	@touch $@

node-version:
	@echo "Using Node.js $$(node --version) from $(NODE_BIN)"

build: deps
	npx tsc -p tsconfig.json
	node dist/src/worker/build-bundle.js

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
