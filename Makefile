# Switchboard. `make run` starts everything locally; `make test` checks
# everything. SAM calls the build-<LogicalId> targets during `sam build`.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO          ?= go
API_PORT    ?= 3000
INVOKE_PORT ?= 3001
FUZZTIME    ?= 20s
COLDSTARTS  ?= 15x
NODE_DEPS   := infra/node_modules/.package-lock.json

.PHONY: help run test test-go lint bench load fuzz invoke reset deploy deps chromium java

help: ## list the verbs
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

# --- SAM builds (arm64 Lambda, provided.al2023) -----------------------------
# One target per function of template.yaml; the folder is the logical ID in
# kebab case without "Function".
define build_function
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -tags lambda.norpc -trimpath \
		-ldflags='-s -w' -o $(ARTIFACTS_DIR)/bootstrap ./functions/$(1)
endef

build-HealthFunction:
	$(call build_function,health)

build-ListAppsFunction:
	$(call build_function,list-apps)

build-CreateSessionFunction:
	$(call build_function,create-session)

build-DeleteSessionFunction:
	$(call build_function,delete-session)

build-GetMeFunction:
	$(call build_function,get-me)

build-ListUsersFunction:
	$(call build_function,list-users)

build-InviteUserFunction:
	$(call build_function,invite-user)

build-UpdateUserFunction:
	$(call build_function,update-user)

build-RevokeInvitationFunction:
	$(call build_function,revoke-invitation)

build-AcceptInvitationFunction:
	$(call build_function,accept-invitation)

build-ListTeamsFunction:
	$(call build_function,list-teams)

build-CreateTeamFunction:
	$(call build_function,create-team)

build-RenameTeamFunction:
	$(call build_function,rename-team)

build-DeleteTeamFunction:
	$(call build_function,delete-team)

build-AddTeamMemberFunction:
	$(call build_function,add-team-member)

build-RemoveTeamMemberFunction:
	$(call build_function,remove-team-member)

build-ListNotificationRulesFunction:
	$(call build_function,list-notification-rules)

build-CreateNotificationRuleFunction:
	$(call build_function,create-notification-rule)

build-GetNotificationRuleFunction:
	$(call build_function,get-notification-rule)

build-UpdateNotificationRuleFunction:
	$(call build_function,update-notification-rule)

build-DeleteNotificationRuleFunction:
	$(call build_function,delete-notification-rule)

build-SendHourlyDigestsFunction:
	$(call build_function,send-hourly-digests)

build-SendDailyDigestsFunction:
	$(call build_function,send-daily-digests)

build-SendWeeklyDigestsFunction:
	$(call build_function,send-weekly-digests)

build-SendMonthlyDigestsFunction:
	$(call build_function,send-monthly-digests)

build-AuthorizeFunction:
	$(call build_function,authorize)

build-DecideFunction:
	$(call build_function,decide)

build-TokenFunction:
	$(call build_function,token)

build-RevokeFunction:
	$(call build_function,revoke)

build-GetAppFunction:
	$(call build_function,get-app)

build-ListConnectionsFunction:
	$(call build_function,list-connections)

build-GetConnectionFunction:
	$(call build_function,get-connection)

build-ListConnectionLogsFunction:
	$(call build_function,list-connection-logs)

build-GetConnectionLogFunction:
	$(call build_function,get-connection-log)

build-DownloadLogBodyFunction:
	$(call build_function,download-log-body)

build-ListAppLogFunction:
	$(call build_function,list-app-log)

build-ExportAppLogFunction:
	$(call build_function,export-app-log)

build-GetConnectionActivityFunction:
	$(call build_function,get-connection-activity)

build-GetOverviewFunction:
	$(call build_function,get-overview)

build-RollUpCallsFunction:
	$(call build_function,roll-up-calls)

build-ListDeveloperAppsFunction:
	$(call build_function,list-developer-apps)

build-RegisterAppFunction:
	$(call build_function,register-app)

build-GetDeveloperAppFunction:
	$(call build_function,get-developer-app)

build-UpdateDeveloperAppFunction:
	$(call build_function,update-developer-app)

build-RotateAppSecretFunction:
	$(call build_function,rotate-app-secret)

build-GetLocationFunction:
	$(call build_function,get-location)

build-GetAccountFunction:
	$(call build_function,get-account)

build-ListOrdersFunction:
	$(call build_function,list-orders)

build-CreateOrderFunction:
	$(call build_function,create-order)

build-GetOrderFunction:
	$(call build_function,get-order)

build-UpdateOrderFunction:
	$(call build_function,update-order)

build-ListCustomersFunction:
	$(call build_function,list-customers)

build-CreateCustomerFunction:
	$(call build_function,create-customer)

build-GetCustomerFunction:
	$(call build_function,get-customer)

build-UpdateCustomerFunction:
	$(call build_function,update-customer)

build-GetCatalogFunction:
	$(call build_function,get-catalog)

build-ListProductsFunction:
	$(call build_function,list-products)

build-CreateProductFunction:
	$(call build_function,create-product)

build-BlockConnectionFunction:
	$(call build_function,block-connection)

build-UnblockConnectionFunction:
	$(call build_function,unblock-connection)

build-DisconnectConnectionFunction:
	$(call build_function,disconnect-connection)

build-ListConnectionDeliveriesFunction:
	$(call build_function,list-connection-deliveries)

build-RedeliverConnectionFunction:
	$(call build_function,redeliver-connection)

build-ListConnectedAppDeliveriesFunction:
	$(call build_function,list-connected-app-deliveries)

build-RedeliverConnectedAppFunction:
	$(call build_function,redeliver-connected-app)

build-ListAppDeliveriesFunction:
	$(call build_function,list-app-deliveries)

build-RedeliverAppFunction:
	$(call build_function,redeliver-app)

build-UnblockExpiredFunction:
	$(call build_function,unblock-expired)

build-RetryDeliveriesFunction:
	$(call build_function,retry-deliveries)

# --- Local ------------------------------------------------------------------
run: deps ## the whole system on http://localhost:$(API_PORT), seeded with demo data
	$(GO) run ./infra/cmd/local -port $(API_PORT) -invoke-port $(INVOKE_PORT)

invoke: ## invoke a function of the running stack: make invoke FN=HealthFunction EVENT=events/health.json
	@test -n "$(FN)" || { echo "usage: make invoke FN=<LogicalId> [EVENT=events/<file>.json]"; exit 2; }
	@curl -sS --fail-with-body -X POST -H 'Content-Type: application/json' \
		--data-binary @$(or $(EVENT),/dev/null) \
		-D >(grep -i '^x-amz-function-error' >&2 || true) \
		http://127.0.0.1:$(INVOKE_PORT)/2015-03-31/functions/$(FN)/invocations \
		|| { echo "is the stack running (make run)?" >&2; exit 1; }
	@echo

reset: ## wipe local data (tables, buckets, screenshots); the next run reseeds
	rm -rf .local/data .local/screenshots

# --- Checks -----------------------------------------------------------------
deps: $(NODE_DEPS) java

# A missing Node or an unreachable registry ends in one line that says so,
# within about a minute, rather than npm's page of output or a long hang.
$(NODE_DEPS): infra/package.json infra/package-lock.json
	@command -v node >/dev/null && command -v npm >/dev/null \
		|| { echo "switchboard needs Node.js and npm on PATH (https://nodejs.org); install them and run make again" >&2; exit 1; }
	@cd infra && npm ci --no-audit --no-fund --loglevel=error --fetch-timeout=20000 --fetch-retries=2 >.npm-ci.log 2>&1 \
		|| { echo "npm ci failed in infra/ (registry unreachable or offline?); npm's output is in infra/.npm-ci.log" >&2; exit 1; }
	@touch $@

java: ## Debian's Java runtime for DynamoDB Local, when missing
	@infra/install-java.sh

chromium: ## Debian's chromium for the browser test, when missing
	@infra/install-chromium.sh

test: deps chromium lint test-go ## everything: lint, unit, integration, end-to-end and browser tests

test-go:
	$(GO) test -count=1 -timeout 20m ./...

lint: ## gofmt, go vet, staticcheck, errcheck
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './infra/node_modules/*')); \
		if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	$(GO) tool errcheck -exclude .errcheck-exclude ./...

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
