#!/usr/bin/env bash
# Makes sure PostgreSQL server binaries (initdb, pg_ctl, postgres) are installed
# under /usr/lib/postgresql/<version>/bin, installing Debian's "postgresql"
# package with apt-get if they are not. Idempotent. Prints the bin folder.
#
# Needs root to install: as non-root it tries `sudo -n`, else explains and exits 1.
set -euo pipefail

find_bindir() {
	local dir best="" best_ver=-1 ver
	for dir in /usr/lib/postgresql/*/bin; do
		[[ -x "$dir/initdb" && -x "$dir/pg_ctl" && -x "$dir/postgres" ]] || continue
		ver=$(basename "$(dirname "$dir")")
		ver=${ver%%.*}
		[[ "$ver" =~ ^[0-9]+$ ]] || continue
		if ((ver > best_ver)); then
			best=$dir
			best_ver=$ver
		fi
	done
	[[ -n "$best" ]] && echo "$best"
}

if bindir=$(find_bindir); then
	echo "PostgreSQL server binaries: $bindir"
	exit 0
fi

echo "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin; installing the postgresql package" >&2
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
