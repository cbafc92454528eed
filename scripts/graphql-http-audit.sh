#!/usr/bin/env bash
# GraphQL-over-HTTP conformance: serves the hub (go run ./cmd/civiclink serve) on a fresh
# database of the server in CIVICLINK_TEST_DATABASE_URL, runs the audit suite of the npm
# package graphql-http (auditServer) against it, prints every result, and fails if any MUST
# or SHOULD audit fails. Then it stops the hub with SIGTERM and checks it shut down cleanly.
# Called by scripts/test.sh; needs node and npm.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

GRAPHQL_HTTP_VERSION=1.23.1
: "${CIVICLINK_TEST_DATABASE_URL:?set CIVICLINK_TEST_DATABASE_URL (scripts/test.sh does)}"

work=$(mktemp -d "${TMPDIR:-/tmp}/civiclink-audit.XXXXXX")
hub_pid=""
db="civiclink_audit_$$"
bindir=$(pg_config --bindir 2>/dev/null || ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
finish() {
	local rc=$?
	if [[ -n "$hub_pid" ]] && kill -0 "$hub_pid" 2>/dev/null; then
		kill -TERM "$hub_pid" 2>/dev/null || true
		wait "$hub_pid" 2>/dev/null || true
	fi
	"$bindir/dropdb" --if-exists --maintenance-db="$CIVICLINK_TEST_DATABASE_URL" "$db" 2>/dev/null || true
	rm -rf "$work"
	exit "$rc"
}
trap finish EXIT

echo "installing graphql-http@$GRAPHQL_HTTP_VERSION from the npm registry"
npm install --no-save --no-audit --no-fund --silent --prefix "$work/npm" "graphql-http@$GRAPHQL_HTTP_VERSION" graphql@16 >/dev/null

"$bindir/createdb" --maintenance-db="$CIVICLINK_TEST_DATABASE_URL" "$db"
base=${CIVICLINK_TEST_DATABASE_URL%/*}
db_url="$base/$db"
if [[ "$CIVICLINK_TEST_DATABASE_URL" == *\?* ]]; then
	db_url="$base/$db?${CIVICLINK_TEST_DATABASE_URL#*\?}"
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

go build -o "$work/civiclink" ./cmd/civiclink
hexkey() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
CIVICLINK_JWT_SECRET=$(hexkey)
export CIVICLINK_JWT_SECRET # the audit signs its bearer token with it
DATABASE_URL="$db_url" CIVICLINK_ADDR="127.0.0.1:$port" \
	CIVICLINK_PII_HMAC_KEY=$(hexkey) CIVICLINK_PII_ENC_KEY=$(hexkey) CIVICLINK_AUDIT_KEY=$(hexkey) \
	CIVICLINK_LOG_LEVEL=warn CIVICLINK_RATE_LIMIT_IP=1000 CIVICLINK_RATE_LIMIT_BURST=1000 \
	"$work/civiclink" serve 2>"$work/hub.log" &
hub_pid=$!

deadline=$((SECONDS + 60))
until curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
	if ! kill -0 "$hub_pid" 2>/dev/null || ((SECONDS > deadline)); then
		echo "the hub did not become ready:"; cat "$work/hub.log"; exit 1
	fi
	sleep 0.2
done

NODE_PATH="$work/npm/node_modules" node scripts/graphql-http-audit.mjs "http://127.0.0.1:$port/graphql"

kill -TERM "$hub_pid"
if ! wait "$hub_pid"; then
	echo "the hub did not shut down cleanly:"; cat "$work/hub.log"; exit 1
fi
hub_pid=""
echo "hub shut down cleanly on SIGTERM"
