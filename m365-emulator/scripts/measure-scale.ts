/**
 * Measures the directory + Graph half at the scale target: a 100,000-user, 10,000-group
 * tenant generated in < 10 s, held in < 500 MB, serving a 999-user page in well under 50 ms.
 * Run: `node --expose-gc --import tsx m365-emulator/scripts/measure-scale.ts [users] [groups]`.
 */
import { performance } from 'node:perf_hooks';
import { createDirectoryRegistry } from '../src/directory/directory-registry.js';
import { createGraphHandler } from '../src/graph/graph-handler.js';
import { createFakeTokenVerifier, mintTestToken } from '../src/graph/test-support/fake-token-verifier.js';
import { startGraphTestServer } from '../src/graph/test-support/graph-test-server.js';
import { createMailOutbox } from '../src/mail/mail-outbox.js';
import { createGraphThrottling } from '../src/throttling/graph-throttling.js';
import type { IncomingMessage, ServerResponse } from 'node:http';

const users = Number(process.argv[2] ?? 100_000);
const groups = Number(process.argv[3] ?? 10_000);
const gc = (globalThis as { gc?: () => void }).gc;
const mb = (bytes: number): string => `${(bytes / 1_048_576).toFixed(0)} MB`;

gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const started = performance.now();
const registry = createDirectoryRegistry();
const directory = registry.create({ seed: 'scale', users, groups });
const generationMs = performance.now() - started;
gc?.();
const memory = process.memoryUsage();
let memberships = 0;
for (const record of directory.groupSlots) memberships += record?.members.length ?? 0;
console.log(
  `generated ${users} users, ${groups} groups, ${memberships} memberships in ${(generationMs / 1000).toFixed(2)} s`,
);
console.log(
  `heap held by the tenant ${mb(memory.heapUsed - heapBefore)}; heap ${mb(memory.heapUsed)}, RSS ${mb(memory.rss)}${gc ? '' : ' (run with --expose-gc for exact heap)'}`,
);

// Server-side time of a 999-user page: the handler called in-process, response body included.
const handler = createGraphHandler({
  directories: registry,
  verifier: createFakeTokenVerifier(),
  mail: createMailOutbox(),
  throttling: createGraphThrottling({ enabled: false }),
});
const authorization = `Bearer ${mintTestToken({ tid: directory.tenant.id, appId: 'measure', roles: ['User.Read.All'], scopes: [] })}`;
const serverSide = async (path: string): Promise<{ ms: number; next: string | undefined }> => {
  let payload = '';
  const res = {
    writeHead: () => res,
    end: (chunk: string) => void (payload = chunk),
  } as unknown as ServerResponse;
  const req = { method: 'GET', headers: { authorization } } as unknown as IncomingMessage;
  const t0 = performance.now();
  await handler({
    req,
    res,
    url: new URL(path, 'https://127.0.0.1:8443'),
    origin: 'https://127.0.0.1:8443',
    body: Buffer.alloc(0),
  });
  const ms = performance.now() - t0;
  const next = (JSON.parse(payload) as { '@odata.nextLink'?: string })['@odata.nextLink'];
  return { ms, next: next?.replace('https://127.0.0.1:8443', '') };
};
const inProcess: number[] = [];
let path: string | undefined = '/v1.0/users?$top=999';
for (let page = 0; path && page < 40; page++) {
  const result = await serverSide(path);
  if (page > 4) inProcess.push(result.ms);
  path = result.next;
}
inProcess.sort((a, b) => a - b);
console.log(
  `999-user page (server side, JSON included): median ${(inProcess[Math.floor(inProcess.length / 2)] ?? NaN).toFixed(1)} ms, p95 ${(inProcess[Math.floor(inProcess.length * 0.95)] ?? NaN).toFixed(1)} ms`,
);
const filteredServer = await serverSide(
  `/v1.0/users?$top=999&$filter=${encodeURIComponent("startswith(displayName,'Zoë')")}`,
);
console.log(`filtered 999-user page (server side, startswith scan): ${filteredServer.ms.toFixed(1)} ms`);

// Serve the same tenant over HTTP and time 999-user pages end to end (client parse included).
const server = await startGraphTestServer({ tenants: [{ seed: 'scale', users, groups }] });
const tenant = server.registry.list()[0];
if (!tenant) throw new Error('tenant missing');
const token = server.token({ tid: tenant.id, appId: 'measure', roles: ['User.Read.All'], scopes: [] });
const timed = async (url: string): Promise<{ ms: number; next: string | undefined; count: number }> => {
  const t0 = performance.now();
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const body = (await response.json()) as { value: unknown[]; '@odata.nextLink'?: string };
  return { ms: performance.now() - t0, next: body['@odata.nextLink'], count: body.value.length };
};
const samples: number[] = [];
let url: string | undefined = `${server.origin}/v1.0/users?$top=999`;
for (let page = 0; url && page < 30; page++) {
  const result = await timed(url);
  if (page > 2) samples.push(result.ms); // the first pages warm up the JIT
  url = result.next;
}
samples.sort((a, b) => a - b);
const median = samples[Math.floor(samples.length / 2)] ?? NaN;
const p95 = samples[Math.floor(samples.length * 0.95)] ?? NaN;
console.log(
  `999-user page (HTTP round trip, default properties): median ${median.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms`,
);
// The sync engine's read: only the fields the product keeps.
const selectedSamples: number[] = [];
url = `${server.origin}/v1.0/users?$top=999&$select=id,userPrincipalName,displayName,mail,accountEnabled,userType`;
for (let page = 0; url && page < 30; page++) {
  const result = await timed(url);
  if (page > 2) selectedSamples.push(result.ms);
  url = result.next;
}
selectedSamples.sort((a, b) => a - b);
console.log(
  `999-user page (HTTP round trip, sync's $select): median ${(selectedSamples[Math.floor(selectedSamples.length / 2)] ?? NaN).toFixed(1)} ms, p95 ${(selectedSamples[Math.floor(selectedSamples.length * 0.95)] ?? NaN).toFixed(1)} ms`,
);
const filtered = await timed(
  `${server.origin}/v1.0/users?$top=999&$filter=${encodeURIComponent("startswith(displayName,'Zoë')")}`,
);
console.log(
  `filtered 999-user page (startswith over ${users} users): ${filtered.ms.toFixed(1)} ms, ${filtered.count} items`,
);
await server.close();
