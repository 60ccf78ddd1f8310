import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTOSO_SPEC } from '../directory/development-tenants.js';
import { describeGraphRoute } from './graph-routes.js';
import { startGraphTestServer, type GraphTestServer } from './test-support/graph-test-server.js';
import type { GraphCaller } from '../contracts.js';

const CONTOSO = CONTOSO_SPEC.id as string;
let server: GraphTestServer;
const clock = Date.UTC(2025, 0, 1);

beforeAll(async () => {
  server = await startGraphTestServer({ now: () => clock });
});
afterAll(() => server.close());

async function call(
  path: string,
  init: {
    method?: string;
    body?: unknown;
    headers?: Record<string, string>;
    caller?: Partial<GraphCaller> & { expiresAt?: number };
    token?: string | null;
  } = {},
) {
  const headers: Record<string, string> = { ...init.headers };
  const token =
    init.token === undefined
      ? server.token({
          tid: CONTOSO,
          appId: 'app',
          roles: ['Directory.Read.All', 'Mail.Send'],
          scopes: [],
          ...init.caller,
        })
      : init.token;
  if (token !== null) headers['authorization'] = `Bearer ${token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${server.origin}${path}`, {
    method: init.method ?? 'GET',
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: text ? (JSON.parse(text) as Record<string, never>) : undefined,
  };
}

describe('authentication', () => {
  it.each([
    ['no token', null, 'Access token is empty.'],
    ['an expired token', 'expired', 'Lifetime validation failed, the token is expired.'],
  ])(
    'answers 401 InvalidAuthenticationToken for %s with a WWW-Authenticate challenge',
    async (_case, kind, message) => {
      const token =
        kind === null
          ? null
          : server.token({ tid: CONTOSO, appId: 'app', roles: [], scopes: [], expiresAt: clock - 1 });
      const response = await call('/v1.0/users', { token });
      expect(response.status).toBe(401);
      expect(response.json).toMatchObject({
        error: {
          code: 'InvalidAuthenticationToken',
          message,
          innerError: { 'request-id': expect.any(String) },
        },
      });
      expect(response.headers.get('www-authenticate')).toBe(
        `Bearer realm="", authorization_uri="${server.origin}/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`,
      );
    },
  );
});

describe('routing', () => {
  it('answers an unknown segment like Graph', async () => {
    const response = await call('/v1.0/contacts');
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({
      error: { code: 'BadRequest', message: "Resource not found for the segment 'contacts'." },
    });
  });

  it('refuses a wrong method with 405', async () => {
    expect((await call('/v1.0/users', { method: 'DELETE' })).status).toBe(405);
  });

  it('answers $count as plain text only with ConsistencyLevel', async () => {
    expect((await call('/v1.0/users/$count')).status).toBe(400);
    const counted = await call('/v1.0/users/$count', { headers: { ConsistencyLevel: 'eventual' } });
    expect(counted.text).toBe('60');
  });

  it('reads a guest by its #EXT# UPN and the mailbox type of a shared mailbox', async () => {
    const contoso = server.registry.get(CONTOSO);
    const guest = contoso?.userSlots.find((user) => user?.userType === 'Guest');
    const response = await call(
      `/v1.0/users/${encodeURIComponent(guest?.userPrincipalName ?? '')}?$select=userType,mail`,
    );
    expect(response.json).toMatchObject({ userType: 'Guest', mail: guest?.mail });
    const shared = contoso?.userSlots.find((user) => user?.mailboxType === 'shared');
    const settings = await call(`/v1.0/users/${shared?.id ?? ''}/mailboxSettings`, {
      caller: { roles: ['MailboxSettings.Read'] },
    });
    expect(settings.json).toMatchObject({ userPurpose: 'shared' });
  });

  it('rejects an unknown $select property', async () => {
    const response = await call('/v1.0/users?$select=displayName,shoeSize');
    expect(response.json).toMatchObject({
      error: {
        code: 'Request_BadRequest',
        message: "Could not find a property named 'shoeSize' on type 'Microsoft.DirectoryServices.User'.",
      },
    });
  });

  it.each([
    ['GET', '/v1.0/users', 'GET /v1.0/users'],
    ['GET', "/v1.0/users/conor.o'neil%40contoso.com", 'GET /v1.0/users/{id}'],
    [
      'GET',
      '/v1.0/groups/abc/transitiveMembers/microsoft.graph.user',
      'GET /v1.0/groups/{id}/transitiveMembers/microsoft.graph.user',
    ],
    ['POST', '/v1.0/users/abc/sendMail', 'POST /v1.0/users/{id}/sendMail'],
    ['GET', '/other', undefined],
  ])('labels %s %s as %s', (method, path, label) => {
    expect(describeGraphRoute(method, path)).toBe(label);
  });
});

describe('mail', () => {
  it('validates recipients and mailboxes', async () => {
    const noRecipients = await call('/v1.0/users/admin@contoso.onmicrosoft.com/sendMail', {
      method: 'POST',
      body: { message: { subject: 'x' } },
    });
    expect(noRecipients.json).toMatchObject({
      error: {
        code: 'ErrorInvalidRecipients',
        message: 'At least one recipient is required, but none were found.',
      },
    });
    const contoso = server.registry.get(CONTOSO);
    const unlicensed = contoso?.userSlots.find(
      (user) => user?.userType === 'Member' && user.mailboxType === null,
    );
    const noMailbox = await call(`/v1.0/users/${unlicensed?.id ?? ''}/sendMail`, {
      method: 'POST',
      body: { message: { toRecipients: [{ emailAddress: { address: 'a@b.c' } }] } },
    });
    expect(noMailbox.status).toBe(404);
    expect(noMailbox.json).toMatchObject({ error: { code: 'MailboxNotEnabledForRESTAPI' } });
  });

  it('lists and clears captured mail through the control route', async () => {
    await call('/v1.0/users/admin@contoso.onmicrosoft.com/sendMail', {
      method: 'POST',
      body: {
        message: {
          subject: 'Hi',
          toRecipients: [{ emailAddress: { address: 'user@contoso.onmicrosoft.com' } }],
        },
      },
    });
    const listed = await call('/_emulator/tenants/contoso.onmicrosoft.com/mail', { token: null });
    expect(listed.json).toMatchObject({
      tenantId: CONTOSO,
      value: [expect.objectContaining({ subject: 'Hi' })],
    });
    const cleared = await call('/_emulator/tenants/contoso.onmicrosoft.com/mail', {
      method: 'DELETE',
      token: null,
    });
    expect(cleared.json).toMatchObject({ deleted: 1 });
    expect(server.outbox.list(CONTOSO)).toEqual([]);
  });
});

describe('$batch details', () => {
  it('requires a Content-Type on inner write requests and records inner requests', async () => {
    const before = server.stats.requests.length;
    const response = await call('/v1.0/$batch', {
      method: 'POST',
      body: {
        requests: [
          {
            id: '1',
            method: 'POST',
            url: '/users/admin@contoso.onmicrosoft.com/sendMail',
            body: { message: {} },
          },
          { id: '2', method: 'GET', url: 'users?$top=1' },
        ],
      },
    });
    expect(response.status).toBe(200);
    const responses = (
      response.json as unknown as { responses: { id: string; status: number; body: unknown }[] }
    ).responses;
    expect(responses.find((item) => item.id === '1')).toMatchObject({
      status: 400,
      body: { error: { message: 'Write request id : 1 does not contain Content-Type header or body.' } },
    });
    expect(responses.find((item) => item.id === '2')?.status).toBe(200);
    expect(server.stats.requests.slice(before)).toEqual([{ route: 'GET /v1.0/users', status: 200 }]);
  });
});
