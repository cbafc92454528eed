# Run `make` or `make help` for the list of targets.
.DEFAULT_GOAL := help
.PHONY: help run test generate bench

help: ## List the targets
	@awk 'BEGIN { FS = ":.*## " } /^[a-zA-Z0-9_-]+:.*## / { printf "  %-10s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

run: ## Run the server (go run ./cmd/civiclink serve); without DATABASE_URL it starts a local PostgreSQL
	go run ./cmd/civiclink serve

test: ## Run the whole test suite: gofmt, vet, staticcheck, go test against a local PostgreSQL (scripts/test.sh)
	scripts/test.sh

generate: ## Regenerate GraphQL code (go tool gqlgen generate)
	go tool gqlgen generate

bench: ## Run the load benchmark (go run ./bench/load)
	go run ./bench/load
