// The tab server's `/api` proxy as a deployment uses it: a real API over a real emulator, the tab
// server on TLS in front, keep-alive connections to the API shared by every visitor, and clients
// that write whatever bytes they like — pipelined requests, chunked bodies, broken framing.
// Every answer must belong to the request it answers, whoever else shares the connections.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadApiConfig, startApi, type RunningApi } from '@cas/api';
import {
  CLOUD_APP_SECURITY_API_CLIENT_ID,
  CLOUD_APP_SECURITY_API_ID_URI,
  CLOUD_APP_SECURITY_CLIENT_ID,
  CLOUD_APP_SECURITY_CLIENT_SECRET,
  CONTOSO_ADMIN_UPN,
  CONTOSO_TENANT_ID,
  CONTOSO_USER_UPN,
  DEFAULT_DATA_DIR,
  ensureTlsMaterial,
  FABRIKAM_ADMIN_UPN,
  FABRIKAM_TENANT_ID,
  FABRIKAM_USER_UPN,
  startEmulator,
  type RunningEmulator,
} from '@cas/m365-emulator';
import { emulatorControl } from '@cas/m365-emulator/testing';
import { consentAppEnvironment, everyConsentApp } from '@cas/microsoft365';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTabServer, type RunningTabServer } from './tab-server.js';
import { chunked, exchange, httpRequest, type RawResponse } from './test-support/raw-https-client.js';

interface Caller {
  readonly upn: string;
  readonly tenantId: string;
  readonly admin: boolean;
  token: string;
}

const callers: Caller[] = [
  { upn: CONTOSO_ADMIN_UPN, tenantId: CONTOSO_TENANT_ID, admin: true, token: '' },
  { upn: CONTOSO_USER_UPN, tenantId: CONTOSO_TENANT_ID, admin: false, token: '' },
  { upn: FABRIKAM_ADMIN_UPN, tenantId: FABRIKAM_TENANT_ID, admin: true, token: '' },
  { upn: FABRIKAM_USER_UPN, tenantId: FABRIKAM_TENANT_ID, admin: false, token: '' },
];
const [contosoAdmin, , fabrikamAdmin, fabrikamUser] = callers as [Caller, Caller, Caller, Caller];

let emulator: RunningEmulator;
let api: RunningApi;
let tab: RunningTabServer;
let ca: string;
let temp: string;

beforeAll(async () => {
  temp = mkdtempSync(join(tmpdir(), 'cas-tab-proxy-'));
  const distDir = join(temp, 'dist');
  mkdirSync(distDir);
  writeFileSync(join(distDir, 'index.html'), '<!doctype html><title>tab</title>');
  emulator = await startEmulator({ port: 0, throttling: false });
  const tls = ensureTlsMaterial({ dir: join(DEFAULT_DATA_DIR, 'tls') });
  ca = tls.caPem;
  api = await startApi(
    loadApiConfig({
      API_HOST: '127.0.0.1',
      API_PORT: '0',
      TAB_ORIGIN: 'https://localhost:53000',
      AAD_APP_OAUTH_AUTHORITY_HOST: emulator.origin,
      GRAPH_BASE_URL: emulator.origin,
      AAD_APP_CLIENT_ID: CLOUD_APP_SECURITY_CLIENT_ID,
      // One registration stands in for every consent app: these tests are not about the split.
      ...consentAppEnvironment(
        everyConsentApp({
          clientId: CLOUD_APP_SECURITY_CLIENT_ID,
          clientSecret: CLOUD_APP_SECURITY_CLIENT_SECRET,
        }),
      ),
      SSO_APP_CLIENT_ID: CLOUD_APP_SECURITY_API_CLIENT_ID,
      AAD_APP_ID_URI: CLOUD_APP_SECURITY_API_ID_URI,
      DATA_DIR: join(temp, 'data'),
      SECRET_DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'silent',
    }),
  );
  tab = await startTabServer({
    port: 0,
    apiOrigin: api.origin,
    // Two connections to the API for every visitor: requests of both tenants share them.
    apiConnections: 2,
    distDir,
    tls: { cert: tls.certPem, key: tls.keyPem },
    config: {
      authority: emulator.origin,
      clientId: CLOUD_APP_SECURITY_API_CLIENT_ID,
      scope: 'x',
      consentClientIds: [CLOUD_APP_SECURITY_API_CLIENT_ID],
      consentRedirectUri: 'https://localhost:53000/api/consent/callback',
    },
  });
  for (const caller of callers) {
    const minted = await emulatorControl<{ token: string }>(
      emulator.origin,
      'POST',
      `/tenants/${caller.tenantId}/sso-token`,
      { upn: caller.upn },
    );
    caller.token = minted.token;
  }
}, 60_000);

afterAll(async () => {
  await tab?.close();
  await api?.close();
  await emulator?.close();
  if (temp) rmSync(temp, { recursive: true, force: true });
});

const host = 'localhost';

/** `GET /api/me` of a caller; its answer names the caller. */
function me(caller: Caller, extra: Record<string, string> = {}): string {
  return httpRequest('GET', '/api/me', { Host: host, Authorization: `Bearer ${caller.token}`, ...extra });
}

/** Starts a consent step with a chunked JSON body the route ignores; the answer names the tenant. */
function consentStart(caller: Caller, note: string): string {
  return httpRequest(
    'POST',
    '/api/services/exchangeOnline/consent/exchangeWebServices',
    {
      Host: host,
      Authorization: `Bearer ${caller.token}`,
      'Content-Type': 'application/json',
      'Transfer-Encoding': 'chunked',
    },
    chunked('{"note":', JSON.stringify(note), '}'),
  );
}

/** Whether `response` is the answer to `caller`'s request of `kind`. */
function answers(response: RawResponse | undefined, caller: Caller, kind: 'me' | 'consent'): boolean {
  if (response === undefined) return false;
  const body = JSON.parse(response.body || '{}') as Record<string, unknown>;
  if (kind === 'me') return response.status === 200 && body['userPrincipalName'] === caller.upn;
  if (!caller.admin) return response.status === 403;
  return (
    response.status === 200 &&
    typeof body['url'] === 'string' &&
    new URL(body['url']).pathname.startsWith(`/${caller.tenantId}/`)
  );
}

describe('the tab server proxies /api like a deployment', () => {
  it('pipelined and chunked requests of two tenants on shared upstream connections each get their own answer', async () => {
    const connections = Array.from({ length: 4 }, (_, connection) =>
      Array.from({ length: 8 }, (_, index) => {
        const caller = callers[(connection + index) % callers.length] as Caller;
        const kind: 'me' | 'consent' = index % 2 === 0 ? 'me' : 'consent';
        return {
          caller,
          kind,
          bytes: kind === 'me' ? me(caller) : consentStart(caller, `${connection}-${index}`),
        };
      }),
    );
    const results = await Promise.all(
      connections.map((requests) =>
        // Every request of a connection in one write: pipelined, as a hostile client may send them.
        exchange(requests.map((request) => request.bytes).join(''), {
          port: tab.port,
          ca,
          responses: requests.length,
        }),
      ),
    );
    connections.forEach((requests, connection) => {
      const got = results[connection]?.responses ?? [];
      expect(got).toHaveLength(requests.length);
      requests.forEach((request, index) => {
        expect({
          connection,
          index,
          caller: request.caller.upn,
          kind: request.kind,
          own: answers(got[index], request.caller, request.kind),
        }).toEqual({ connection, index, caller: request.caller.upn, kind: request.kind, own: true });
      });
    });
  });

  it("a GET with a chunked body is refused, so a request hidden in it never answers another tenant's admin", async () => {
    for (let round = 0; round < 6; round += 1) {
      // Fabrikam's admin hides a request in the body of a GET: one that waits for a body, so
      // whatever comes next on the same upstream connection would be read as that body…
      const hidden = httpRequest('PUT', '/api/services/exchangeOnline/provisioning', {
        Host: host,
        Authorization: `Bearer ${fabrikamAdmin.token}`,
        'Content-Type': 'application/json',
        'Content-Length': '40',
      });
      const attack = await exchange(
        httpRequest(
          'GET',
          '/api/me',
          { Host: host, Authorization: `Bearer ${fabrikamAdmin.token}`, 'Transfer-Encoding': 'chunked' },
          chunked(hidden),
        ),
        { port: tab.port, ca, responses: 1, waitMs: 3000 },
      );
      // …and Contoso's admin, next on the shared connections, must still get Contoso's audit log.
      const victim = await exchange(
        httpRequest('GET', '/api/audit', { Host: host, Authorization: `Bearer ${contosoAdmin.token}` }),
        { port: tab.port, ca, responses: 1, waitMs: 3000 },
      );
      const answer = victim.responses[0];
      expect({ round, status: answer?.status, body: answer?.body.slice(0, 120) }).toEqual({
        round,
        status: 200,
        body: expect.stringMatching(/^\{"events":\[/) as unknown as string,
      });
      expect(attack.responses[0]?.status).toBe(400);
      expect(JSON.parse(attack.responses[0]?.body ?? '{}')).toMatchObject({
        error: { code: 'request_body_not_allowed' },
      });
    }
  });

  it.each([
    ['GET with a Content-Length body', 'GET', { 'Content-Length': '5' }, 'hello'],
    ['HEAD with a chunked body', 'HEAD', { 'Transfer-Encoding': 'chunked' }, chunked('hello')],
    ['DELETE with a chunked body', 'DELETE', { 'Transfer-Encoding': 'chunked' }, chunked('hello')],
    ['OPTIONS with a Content-Length body', 'OPTIONS', { 'Content-Length': '5' }, 'hello'],
    [
      'POST with both Content-Length and Transfer-Encoding',
      'POST',
      { 'Content-Length': '5', 'Transfer-Encoding': 'chunked' },
      chunked('hello'),
    ],
  ])('a %s is refused with 400 before it reaches the API', async (_name, method, headers, body) => {
    const result = await exchange(
      httpRequest(
        method,
        '/api/me',
        { Host: host, Authorization: `Bearer ${contosoAdmin.token}`, ...headers },
        body,
      ),
      { port: tab.port, ca, waitMs: 3000, head: method === 'HEAD' },
    );
    expect(result.responses[0]?.status).toBe(400);
    expect(result.closed).toBe(true);
  });

  it('a client whose chunked body breaks off midway leaves no half request on a shared upstream connection', async () => {
    const broken = httpRequest(
      'POST',
      '/api/services/exchangeOnline/consent/exchangeWebServices',
      {
        Host: host,
        Authorization: `Bearer ${contosoAdmin.token}`,
        'Content-Type': 'application/json',
        'Transfer-Encoding': 'chunked',
      },
      // A first chunk, then a size line that is not hexadecimal.
      `5\r\n{"a":\r\nzz\r\n`,
    );
    // Enough broken requests to occupy both upstream connections if either were kept.
    await Promise.all([1, 2, 3].map(() => exchange(broken, { port: tab.port, ca, waitMs: 2000 })));
    const after = await Promise.all(
      [fabrikamUser, contosoAdmin].map((caller) =>
        exchange(me(caller), { port: tab.port, ca, responses: 1, waitMs: 5000 }),
      ),
    );
    expect(answers(after[0]?.responses[0], fabrikamUser, 'me')).toBe(true);
    expect(answers(after[1]?.responses[0], contosoAdmin, 'me')).toBe(true);
  });

  it.each([['/%E0'], ['/api/%E0'], ['/assets/%E0.js']])(
    'a malformed path %s is answered 400, not 500',
    async (path) => {
      const result = await exchange(httpRequest('GET', path, { Host: host }), {
        port: tab.port,
        ca,
        responses: 1,
      });
      expect(result.responses[0]?.status).toBe(400);
    },
  );
});
