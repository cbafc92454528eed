// Runs one GraphQL operation through a real client library and prints, one JSON line each,
// what the client reports: {"next": <result>}, {"error": <error>}, {"complete": true}.
//
//   node clients.mjs sse|ws URL '{"headers": {...}, "query": "...", "variables": {...}, "count": N}'
//
// sse uses the graphql-sse client (distinct connections mode), ws the graphql-ws client
// (graphql-transport-ws) with the ws package; headers go in connection_init for ws. After
// count results (0 = no limit) the client unsubscribes and the script exits. The packages
// are resolved from NODE_PATH (the Go test installs them).
import { createRequire } from 'node:module';
import path from 'node:path';

const [mode, url, raw] = process.argv.slice(2);
const cfg = JSON.parse(raw || '{}');
const require = createRequire(path.join(process.env.NODE_PATH || process.cwd(), 'noop.js'));
const print = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const describe = (err) => {
  if (err && typeof err === 'object' && 'code' in err && 'reason' in err) return { closeCode: err.code, reason: err.reason };
  if (Array.isArray(err)) return { graphQLErrors: err };
  if (err instanceof Error) return { message: err.message };
  return { message: String(err) };
};

let client;
if (mode === 'sse') {
  const { createClient } = require('graphql-sse');
  client = createClient({ url, headers: cfg.headers || {}, retryAttempts: 0 });
} else if (mode === 'ws') {
  const { createClient } = require('graphql-ws');
  const WebSocket = require('ws');
  client = createClient({
    url, webSocketImpl: WebSocket, connectionParams: cfg.headers || {}, retryAttempts: 0, lazy: true,
    on: { closed: (e) => print({ closed: describe(e) }) },
  });
} else {
  console.error('usage: node clients.mjs sse|ws URL CONFIG');
  process.exit(2);
}

let seen = 0;
const unsubscribe = client.subscribe(
  { query: cfg.query, variables: cfg.variables || {} },
  {
    next: (result) => {
      print({ next: result });
      seen++;
      if (cfg.count && seen >= cfg.count) {
        unsubscribe();
        finish(0);
      }
    },
    error: (err) => { print({ error: describe(err) }); finish(1); },
    complete: () => { print({ complete: true }); finish(0); },
  },
);

function finish(code) {
  Promise.resolve(client.dispose && client.dispose()).finally(() => process.exit(code));
}
