# The two commands: `make run` and `make test`. Everything they need is installed by them.
SHELL := /bin/bash
NODE_RUN := node --import tsx
STAMP := node_modules/.install-stamp

.PHONY: run test install console chromium demo dev-up dev-down lint typecheck unit bench clean

run: install console ## install and start Sentinel in one process on embedded defaults
	$(NODE_RUN) apps/sentinel/src/main.ts all

test: install console chromium ## install, start what the tests need (Kafka, Redis, RabbitMQ), and run every check and test
	$(MAKE) typecheck lint
	bash scripts/dev-up.sh
	bash scripts/ops-tools.sh
	bash scripts/test.sh

install: $(STAMP)

$(STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# The web console (apps/console), served by the api app at /: rebuilt only when a source is newer than the build.
CONSOLE_BUILD := apps/console/dist/index.html
CONSOLE_SRC := $(shell find apps/console/web -type f 2>/dev/null) apps/console/index.html apps/console/vite.config.ts apps/console/package.json
console: $(CONSOLE_BUILD)

$(CONSOLE_BUILD): $(STAMP) $(CONSOLE_SRC)
	npm run build -w @sentinel/console

# Debian's Chromium, for the console's browser tests (apps/console/test): installed once, when missing.
chromium:
	@[ -x /usr/bin/chromium ] || bash -c 'source scripts/dev-lib.sh && mkdir -p "$$CACHE" && APT_UPDATED=0 apt_install chromium' \
	  || echo "make: chromium could not be installed (apt-get install chromium); the browser tests will fail" >&2

demo: install ## send demo traffic to a running Sentinel (make run in another terminal)
	$(NODE_RUN) apps/sentinel/src/main.ts demo

typecheck: install
	npx tsc -p tsconfig.json --noEmit
	npx tsc -p apps/console/tsconfig.json --noEmit
	npx tsc -p apps/console/tsconfig.test.json --noEmit

lint: install
	npx eslint .

unit: install console ## the tests without the external services
	npx vitest run

bench: install
	npm run bench

dev-up: ## Kafka, Redis and RabbitMQ on loopback, no Docker
	bash scripts/dev-up.sh

dev-down:
	bash scripts/dev-down.sh

clean:
	rm -rf data .cache/vitest
