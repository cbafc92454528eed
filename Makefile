# Run `make` or `make help` for the list of targets.
.DEFAULT_GOAL := help
.PHONY: help run test generate bench

help: ## List the targets
	@awk 'BEGIN { FS = ":.*## " } /^[a-zA-Z0-9_-]+:.*## / { printf "  %-10s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

# The binary is cached in .civiclink/bin: go build is incremental, so a second `make run`
# starts at once, and the hub runs in place of the shell (exec), so a clean Ctrl-C or
# SIGHUP exits 0 and make reports no error. Without DATABASE_URL the hub starts a local
# PostgreSQL, whose binaries scripts/install-postgres.sh installs first when they are missing
# (the hub itself never installs packages).
BIN := .civiclink/bin/civiclink

run: ## Build the hub into .civiclink/bin (incremental) and serve; without DATABASE_URL it installs PostgreSQL if needed and starts a local cluster
	@echo "building $(BIN) (go build; the first build takes a minute or two, later ones seconds)…"
	@go build -buildvcs=auto -o $(BIN) ./cmd/civiclink
	@if [ -z "$${DATABASE_URL:-}" ]; then scripts/install-postgres.sh; fi
	@exec $(BIN) serve

test: ## Run the whole test suite: gofmt, vet, staticcheck, go test against a local PostgreSQL (scripts/test.sh)
	scripts/test.sh

generate: ## Regenerate GraphQL code (go tool gqlgen generate) and each domain's SQL code (go tool sqlc generate)
	go tool gqlgen generate
	go tool sqlc generate

bench: ## Run the load benchmark (go run ./bench/load)
	go run ./bench/load
