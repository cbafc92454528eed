// Runs the GraphQL-over-HTTP audit suite of the graphql-http package (auditServer) against
// a running hub and prints every result. Exits 1 when any MUST or SHOULD audit fails; MAY
// audits are reported but optional.
//
//   node scripts/graphql-http-audit.mjs http://127.0.0.1:8080/graphql
//
// graphql-http is resolved from NODE_PATH (scripts/graphql-http-audit.sh installs it). The
// hub needs credentials on every request: with CIVICLINK_JWT_SECRET set, each audit request
// carries an HS256 bearer token for an ADMIN signed with it.
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';

const url = process.argv[2];
if (!url) {
  console.error('usage: node graphql-http-audit.mjs URL');
  process.exit(2);
}
const require = createRequire(path.join(process.env.NODE_PATH || process.cwd(), 'noop.js'));
const { auditServer } = require('graphql-http');

function bearerToken(secret) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'graphql-http-audit', role: 'ADMIN', iat: now, exp: now + 3600 })}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

const secret = process.env.CIVICLINK_JWT_SECRET;
const authorization = secret ? `Bearer ${bearerToken(secret)}` : undefined;
const fetchFn = (input, init = {}) => {
  if (!authorization) return fetch(input, init);
  const headers = new Headers(init.headers);
  headers.set('authorization', authorization);
  return fetch(input, { ...init, headers });
};

const results = await auditServer({ url, fetchFn });
const tally = { MUST: { ok: 0, failed: 0 }, SHOULD: { ok: 0, failed: 0 }, MAY: { ok: 0, failed: 0 } };
const failures = [];
for (const r of results) {
  const level = r.name.split(' ')[0] === 'MAY' ? 'MAY' : r.name.startsWith('SHOULD') ? 'SHOULD' : 'MUST';
  const ok = r.status === 'ok';
  tally[level][ok ? 'ok' : 'failed']++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${r.id} ${r.name}${ok ? '' : ' — ' + r.reason}`);
  if (!ok && level !== 'MAY') failures.push(r);
}
console.log(
  `\ngraphql-http ${require('graphql-http/package.json').version} audit of ${url}: ` +
    Object.entries(tally).map(([k, v]) => `${k} ${v.ok}/${v.ok + v.failed}`).join(', '),
);
if (failures.length > 0) {
  console.error(`${failures.length} MUST/SHOULD audit(s) failed`);
  process.exit(1);
}
