#!/usr/bin/env bash
# Regenerates internal/server/testdata/graphql-js-introspection.graphql: the exact text of
# graphql-js's getIntrospectionQuery with every option on, the query the playground,
# get-graphql-schema and graphql-inspector send. Needs node and npm; works in a temp folder.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=internal/server/testdata/graphql-js-introspection.graphql
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && echo '{"private":true}' >package.json && npm install --silent --no-audit --no-fund graphql@16.15.0 >/dev/null)
NODE_PATH="$tmp/node_modules" node -e 'process.stdout.write(require("graphql").getIntrospectionQuery({
  descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true,
  schemaDescription: true, inputValueDeprecation: true, oneOf: true }))' >"$out"
echo "wrote $out"
