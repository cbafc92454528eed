#!/usr/bin/env bash
# Makes sure PostgreSQL server binaries (initdb, pg_ctl, postgres) are installed,
# installing Debian's "postgresql" package with apt-get if they are not. It looks
# where the hub looks (internal/pglocal findBinaries): $PG_BIN, `pg_config --bindir`,
# /usr/lib/postgresql/<version>/bin (highest first), the folder of initdb on PATH.
# Idempotent. Prints the bin folder.
#
# Needs root to install: as non-root it tries `sudo -n`, else explains and exits 1.
set -euo pipefail

has_binaries() {
	[[ -x "$1/initdb" && -x "$1/pg_ctl" && -x "$1/postgres" ]]
}

find_bindir() {
	local dir best="" best_ver=-1 ver
	if [[ -n "${PG_BIN:-}" ]]; then
		# The hub uses $PG_BIN alone when it is set.
		has_binaries "$PG_BIN" && echo "$PG_BIN"
		return
	fi
	if dir=$(pg_config --bindir 2>/dev/null) && has_binaries "$dir"; then
		echo "$dir"
		return
	fi
	for dir in /usr/lib/postgresql/*/bin; do
		has_binaries "$dir" || continue
		ver=$(basename "$(dirname "$dir")")
		ver=${ver%%.*}
		[[ "$ver" =~ ^[0-9]+$ ]] || continue
		if ((ver > best_ver)); then
			best=$dir
			best_ver=$ver
		fi
	done
	if [[ -z "$best" ]] && dir=$(command -v initdb 2>/dev/null); then
		dir=$(dirname "$(readlink -f "$dir")")
		has_binaries "$dir" && best=$dir
	fi
	[[ -n "$best" ]] && echo "$best"
}

if bindir=$(find_bindir); then
	echo "PostgreSQL server binaries: $bindir"
	exit 0
fi

if [[ -n "${PG_BIN:-}" ]]; then
	echo "error: PG_BIN=$PG_BIN holds no initdb, pg_ctl and postgres" >&2
	exit 1
fi
echo "PostgreSQL server binaries not found (pg_config --bindir, /usr/lib/postgresql/*/bin, PATH); installing the postgresql package" >&2
if [[ $(id -u) -eq 0 ]]; then
	as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	as_root=(sudo -n)
else
	echo "error: installing PostgreSQL needs root. Run as root, or: sudo apt-get install -y --no-install-recommends postgresql" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql

if ! bindir=$(find_bindir); then
	echo "error: installed the postgresql package but found no initdb/pg_ctl/postgres under /usr/lib/postgresql/*/bin" >&2
	exit 1
fi
echo "PostgreSQL server binaries: $bindir"
