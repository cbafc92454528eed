// Runs one GraphQL operation through a real client library and prints, one JSON line each,
// what the client reports: {"next": <result>}, {"error": <error>}, {"complete": true}.
//
//   node clients.mjs sse|ws URL '{"headers": {...}, "query": "...", "variables": {...}, "count": N}'
//
// sse uses the graphql-sse client (distinct connections mode), ws the graphql-ws client
// (graphql-transport-ws) with the ws package; headers go in connection_init for ws. After
// count results (0 = no limit) the client unsubscribes and the script exits. With
// "lazy": false the ws client keeps its socket open without subscriptions and the script
// exits at the first close of the socket rather than at the operation's end. The packages
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
    url, webSocketImpl: WebSocket, connectionParams: cfg.headers || {}, retryAttempts: 0, lazy: cfg.lazy !== false,
    on: { closed: (e) => { print({ closed: describe(e) }); if (cfg.lazy === false) finish(0); } },
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
    error: (err) => { print({ error: describe(err) }); if (cfg.lazy !== false) finish(1); },
    complete: () => { print({ complete: true }); if (cfg.lazy !== false) finish(0); },
  },
);

let finishing = false;
function finish(code) {
  if (finishing) return;
  finishing = true;
  Promise.resolve(client.dispose && client.dispose()).finally(() => process.exit(code));
}
