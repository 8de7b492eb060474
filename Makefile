# trading-bot: the two commands a newcomer needs are `make up` and `make test`.
SHELL := /bin/bash
TEST_STAGES ?= backend frontend e2e images deploy

.PHONY: up down status test test-vm bench bench-deploy bench-api bench-hostile lock

up: ## Deploy the full stack on a throwaway local VPS (offline defaults: simulated market).
	scripts/up.sh

down: ## Stop what `make up` started.
	scripts/down.sh

status: ## Read-only report of the `make up` VPS: units, containers, release, backup, disk, TLS.
	scripts/status.sh

test: ## Every check and test; installs what it needs.
	scripts/test.sh $(TEST_STAGES)

test-vm: ## On demand: deploy to a real Debian VM (QEMU) over SSH, check, reboot, re-run, tear down.
	scripts/test-vm.sh $(VM_ARGS)

bench: ## Benchmarks: print figures, run on demand.
	scripts/bench.sh

bench-deploy: ## Deployment benchmarks: cold make up, no-change re-run, redeploy, memory at rest.
	scripts/bench-deploy.sh

bench-api: ## The API through nginx under load beside nginx's static speed, with the engine (after make up).
	scripts/bench-api.sh

bench-hostile: ## The stack as a hostile outsider sees it (after make up): fuzzing, bad input, forged tokens, spoofing; HOSTILE_ARGS=--faults adds faults.
	scripts/bench-hostile.sh $(HOSTILE_ARGS)

lock: ## Re-resolve backend/requirements.lock (pinned, hashed runtime dependencies) from backend/pyproject.toml.
	scripts/lock.sh
