# Switchboard. `make run` starts everything locally; `make test` checks
# everything. SAM calls the build-<LogicalId> targets during `sam build`.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO          ?= go
API_PORT    ?= 3000
INVOKE_PORT ?= 3001
SAMPLE_PORT ?= 3002
# The running stack's Invoke API port (make run records it), unless
# INVOKE_PORT is given here.
RUNNING_INVOKE_PORT = $(if $(filter command line environment,$(origin INVOKE_PORT)),$(INVOKE_PORT),$(or $(shell cat .local/invoke-port 2>/dev/null),$(INVOKE_PORT)))
FUZZTIME    ?= 20s
COLDSTARTS  ?= 15x
NODE_DEPS   := infra/node_modules/.package-lock.json

.PHONY: help run test test-go lint bench load fuzz invoke reset deploy bootstrap-operator deps chromium java

help: ## list the verbs
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

# --- SAM builds (arm64 Lambda, provided.al2023) -----------------------------
# Every function runs the same binary, functions/bootstrap: its Handler in
# template.yaml (the logical ID) picks the constructor from
# functions/registry.go. SAM calls build-<LogicalId> once per function; all
# of them share one link, kept beside the artifacts, which go build leaves
# alone while it is up to date, so each further function costs a copy.
LAMBDA_BINARY = $(abspath $(ARTIFACTS_DIR)/..)/.bootstrap-linux-arm64

build-%Function:
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -tags lambda.norpc -trimpath \
		-ldflags='-s -w' -o $(LAMBDA_BINARY) ./functions/bootstrap
	cp $(LAMBDA_BINARY) $(ARTIFACTS_DIR)/bootstrap

# --- Local ------------------------------------------------------------------
run: deps ## the whole system on http://localhost:$(API_PORT), seeded with demo data
	@echo "· compiling the local stack (go run ./infra/cmd/local)…"
	@$(GO) run ./infra/cmd/local -port $(API_PORT) -invoke-port $(INVOKE_PORT) -sample-port $(SAMPLE_PORT)

invoke: ## invoke a function of the running stack: make invoke FN=HealthFunction EVENT=events/health.json [TIME=now|RFC3339|keep]
	@test -n "$(FN)" || { echo "usage: make invoke FN=<LogicalId> [EVENT=events/<file>.json] [TIME=2026-11-24T10:05:00Z|keep]"; exit 2; }
	@$(GO) run ./infra/cmd/invoke -port $(RUNNING_INVOKE_PORT) -time "$(TIME)" $(FN) $(EVENT)

reset: ## wipe local data (tables, buckets, screenshots); the next run reseeds
	rm -rf .local/data .local/screenshots

# --- Checks -----------------------------------------------------------------
deps: $(NODE_DEPS) java

# A missing Node or an unreachable registry ends in one line that says so,
# within about a minute, rather than npm's page of output or a long hang.
$(NODE_DEPS): infra/package.json infra/package-lock.json
	@command -v node >/dev/null && command -v npm >/dev/null \
		|| { echo "switchboard needs Node.js and npm on PATH (https://nodejs.org); install them and run make again" >&2; exit 1; }
	@echo "· installing the emulators' npm packages (infra/package-lock.json)…"
	@cd infra && npm ci --no-audit --no-fund --loglevel=error --fetch-timeout=20000 --fetch-retries=2 >.npm-ci.log 2>&1 \
		|| { echo "npm ci failed in infra/ (registry unreachable or offline?); npm's output is in infra/.npm-ci.log" >&2; exit 1; }
	@touch $@

java: ## Debian's Java runtime for DynamoDB Local, when missing
	@infra/install-debian.sh openjdk-17-jre-headless "DynamoDB Local (Java 17+)" command -v java

chromium: ## Debian's chromium for the browser test, when missing
	@infra/install-debian.sh chromium "the browser test" test -x $${CHROMIUM_PATH:-/usr/bin/chromium}

test: deps chromium lint test-go ## everything: lint, unit, integration, end-to-end and browser tests

test-go:
	$(GO) test -count=1 -timeout 20m ./...

# The packages whose tests use infra/testenv: the integration tests, which
# run on whatever backend SWITCHBOARD_TEST_ENDPOINT names. The built-in
# emulators' and the local stack's own tests start what they test.
BACKEND_PKGS = $$($(GO) list -f '{{.ImportPath}} {{join .TestImports " "}} {{join .XTestImports " "}}' ./... \
	| awk '/infra\/testenv( |$$)/ && $$1 !~ /infra\/(testenv|emulators|local)$$/ {print $$1}')

.PHONY: test-backend
test-backend: deps ## the integration tests on an existing backend: make test-backend ENDPOINT=http://127.0.0.1:4566 (LocalStack, moto_server) or ENDPOINT=aws
	@test -n "$(ENDPOINT)" || { echo "usage: make test-backend ENDPOINT=<URL of LocalStack or moto_server, or aws>" >&2; exit 2; }
	SWITCHBOARD_TEST_ENDPOINT=$(ENDPOINT) $(GO) test -count=1 -timeout 30m $(BACKEND_PKGS)

lint: ## gofmt, go vet, staticcheck, errcheck, cfn-lint on template.yaml
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './infra/node_modules/*')); \
		if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	$(GO) tool errcheck -exclude .errcheck-exclude ./...
	@# cfn-lint comes from pip (pip install cfn-lint), not from Go or npm, so a
	@# machine without it says so and goes on; errors fail, warnings are shown.
	@if command -v cfn-lint >/dev/null; then echo "cfn-lint template.yaml"; cfn-lint --non-zero-exit-code error template.yaml; \
		else echo "cfn-lint not found: template.yaml not linted (pip install cfn-lint)"; fi

bench: deps ## binary sizes, cold starts (median of COLDSTARTS) and other figures (testing.B)
	@mkdir -p .local
	{ $(GO) test -run '^$$' -bench . -benchmem $$($(GO) list ./... | grep -v /infra/local$$); \
	  $(GO) test -run '^$$' -bench . -benchmem -benchtime $(COLDSTARTS) ./infra/local/; } | tee .local/bench.txt

load: deps ## drive the local stack from several processes (LOAD_FLAGS, e.g. -duration 30s -workers 4)
	$(GO) run ./infra/cmd/load $(LOAD_FLAGS)

fuzz: deps ## every fuzz target for FUZZTIME each, then a summary of executions
	FUZZTIME=$(FUZZTIME) GO=$(GO) infra/fuzz.sh

# --- AWS --------------------------------------------------------------------
deploy: ## sam build && sam deploy, then upload site/ (STAGE=dev by default)
	infra/deploy.sh $(or $(STAGE),dev)

bootstrap-operator: ## make a platform operator, emailed a set-password link: make bootstrap-operator EMAIL=… [NAME=…] [STAGE=dev | LOCAL=1]
	@STAGE=$(or $(STAGE),dev) LOCAL=$(LOCAL) INVOKE_PORT=$(RUNNING_INVOKE_PORT) infra/bootstrap-operator.sh "$(EMAIL)" "$(NAME)"
