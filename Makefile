# trading-bot: the two commands a newcomer needs are `make up` and `make test`.
SHELL := /bin/bash
TEST_STAGES ?= backend frontend e2e images deploy

.PHONY: up down test bench

up: ## Run the bot on the offline defaults (simulated market, no Alpaca keys).
	scripts/up.sh

down: ## Stop what `make up` started.
	scripts/down.sh

test: ## Every check and test; installs what it needs.
	scripts/test.sh $(TEST_STAGES)

bench: ## Benchmarks: print figures, run on demand.
	scripts/bench.sh
