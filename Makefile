# The two commands: `make run` and `make test`. Everything they need is installed by them.
SHELL := /bin/bash
NODE_RUN := node --import tsx
STAMP := node_modules/.install-stamp

.PHONY: run test install demo dev-up dev-down lint typecheck unit bench clean

run: install ## install and start Sentinel in one process on embedded defaults
	$(NODE_RUN) apps/sentinel/src/main.ts all

test: install ## install, start what the tests need (Kafka, Redis, RabbitMQ), and run every check and test
	$(MAKE) typecheck lint
	bash scripts/dev-up.sh
	bash scripts/test.sh

install: $(STAMP)

$(STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

demo: install ## send demo traffic to a running Sentinel (make run in another terminal)
	$(NODE_RUN) apps/sentinel/src/main.ts demo

typecheck: install
	npx tsc -p tsconfig.json --noEmit

lint: install
	npx eslint .

unit: install ## the tests without the external services
	npx vitest run

bench: install
	npm run bench

dev-up: ## Kafka, Redis and RabbitMQ on loopback, no Docker
	bash scripts/dev-up.sh

dev-down:
	bash scripts/dev-down.sh

clean:
	rm -rf data .cache/vitest
