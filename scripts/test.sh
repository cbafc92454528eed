#!/usr/bin/env bash
# The whole test suite, as run by `make test` and CI (.ci/run):
#   1. makes sure PostgreSQL is installed (scripts/install-postgres.sh);
#   2. starts one ephemeral PostgreSQL cluster for the whole run (cmd/pgtest)
#      and exports CIVICLINK_TEST_DATABASE_URL, unless that is already set;
#   3. gofmt, go vet, staticcheck (pinned as a go tool) and that gqlgen's and sqlc's output
#      is current;
#   4. go test -count=1 -timeout 20m ./...
#   5. the GraphQL-over-HTTP audit of the npm package graphql-http against a running hub
#      (scripts/graphql-http-audit.sh): every MUST and SHOULD must pass;
#   6. a short fuzz run of the request decoding (FuzzDecodeRequest, 100,000 inputs:
#      a count, not a duration, since a -fuzztime duration fails spuriously with
#      "context deadline exceeded" on a loaded machine, go.dev/issue/75804, fixed in Go 1.27).
# Every step runs even if an earlier check failed; the script exits 1 if any
# failed. The cluster is always stopped and removed on exit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==> %s\n' "$*"; }
failed=()

step "PostgreSQL binaries"
scripts/install-postgres.sh

workdir=$(mktemp -d "${TMPDIR:-/tmp}/civiclink-test.XXXXXX")
pgdir="$workdir/pg"
cleanup() {
	local rc=$?
	if [[ -x "$workdir/pgtest" ]]; then
		"$workdir/pgtest" stop "$pgdir" || echo "warning: could not stop the test cluster in $pgdir" >&2
	fi
	rm -rf "$workdir"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ -z "${CIVICLINK_TEST_DATABASE_URL:-}" ]]; then
	step "Start test PostgreSQL cluster"
	go build -o "$workdir/pgtest" ./cmd/pgtest
	CIVICLINK_TEST_DATABASE_URL=$("$workdir/pgtest" start "$pgdir")
	export CIVICLINK_TEST_DATABASE_URL
	echo "CIVICLINK_TEST_DATABASE_URL=$CIVICLINK_TEST_DATABASE_URL"
else
	echo "using the existing server in CIVICLINK_TEST_DATABASE_URL"
fi

step "gofmt"
unformatted=$(find . -name '*.go' -not -path './.git/*' -not -path '*/node_modules/*' \
	-not -path './vendor/*' -not -path '*/testdata/*' -print0 | xargs -0 -r gofmt -l)
if [[ -n "$unformatted" ]]; then
	echo "these files need gofmt -w:"
	echo "$unformatted"
	failed+=(gofmt)
fi

step "go vet"
go vet ./... || failed+=("go vet")

step "staticcheck"
go tool staticcheck ./... || failed+=(staticcheck)

step "generated code is current"
snapshot() { find graph resolvers -type f -name '*.go' -print0 | sort -z | xargs -0 sha256sum | sha256sum; }
before=$(snapshot)
if ! go tool gqlgen generate; then
	failed+=("gqlgen generate")
elif [[ "$(snapshot)" != "$before" ]]; then
	echo "graph/ or resolvers/ changed when regenerated from schema/ and gqlgen.yml: run make generate and commit"
	git diff --stat -- graph resolvers 2>/dev/null || true
	failed+=("generated code")
fi

step "sqlc's code is current"
# Every domain's db/<domain>/sqlcdb is regenerated from scratch from its queries and the
# migrations (sqlc.yaml), so a removed query leaves no stale file behind.
sqlc_snapshot() { find db -path '*/sqlcdb/*' -type f -print0 | sort -z | xargs -0 -r sha256sum | sha256sum; }
before=$(sqlc_snapshot)
find db -path '*/sqlcdb/*' -type f -name '*.go' -delete
if ! go tool sqlc generate; then
	failed+=("sqlc generate")
elif [[ "$(sqlc_snapshot)" != "$before" ]]; then
	echo "db/*/sqlcdb changed when regenerated from db/*/queries, db/migrations and sqlc.yaml: run make generate and commit"
	git status --short -- db 2>/dev/null | grep sqlcdb || true
	failed+=("sqlc generated code")
fi

step "go test"
go test -count=1 -timeout 20m ./... || failed+=("go test")

step "GraphQL-over-HTTP audit (graphql-http auditServer)"
scripts/graphql-http-audit.sh || failed+=("graphql-http audit")

step "fuzz the request decoding"
go test -run '^$' -fuzz '^FuzzDecodeRequest$' -fuzztime 100000x ./internal/gqlhttp || failed+=("fuzz")

if ((${#failed[@]} > 0)); then
	printf '\nFAILED steps: %s\n' "$(IFS=,; echo "${failed[*]}")"
	exit 1
fi
printf '\nall checks passed\n'
