# The two commands: `make up` runs the whole system in the foreground, `make test` checks it.
SHELL := /bin/bash
export ONNXRUNTIME_NODE_INSTALL := skip
export npm_config_audit := false
export npm_config_fund := false

.PHONY: up test build deps temporal-cli bench clean typecheck

up: build temporal-cli
	TEMPORAL_CLI="$$(./scripts/temporal-cli.sh)" node dist/src/up/main.js

test: build temporal-cli
	TEMPORAL_CLI="$$(./scripts/temporal-cli.sh)" npx mocha

bench: build
	node dist/bench/run.js

# Installs npm dependencies when node_modules is missing or older than the lock file.
deps: node_modules/.deps-stamp
node_modules/.deps-stamp: package-lock.json package.json
	npm ci --no-audit --no-fund
	@touch $@

build: deps
	npx tsc -p tsconfig.json
	node dist/src/worker/build-bundle.js

typecheck: deps
	npx tsc -p tsconfig.json --noEmit

temporal-cli:
	@./scripts/temporal-cli.sh >/dev/null

clean:
	rm -rf dist
