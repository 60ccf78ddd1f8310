/** The API client over a stubbed fetch (the HTTP boundary): bearer token, JSON, errors as Results. */
import { describe, expect, it } from 'vitest';
import { createApiClient } from './api-client.js';
import { parseRoute, routeId } from './routes.js';

function stubFetch(
  status: number,
  body: string,
): { fetch: typeof fetch; calls: { url: string; init: RequestInit }[] } {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetchStub = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(body, { status, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof fetch;
  return { fetch: fetchStub, calls };
}

describe('createApiClient', () => {
  it('sends the bearer token and encodes query values', async () => {
    const user = {
      id: '1',
      userPrincipalName: "o'neil+x@contoso.com",
      displayName: "Pat O'Neil",
      mail: null,
      accountEnabled: true,
      userType: 'Member',
    };
    const stub = stubFetch(200, JSON.stringify({ user }));
    const api = createApiClient({ getToken: async () => 'token-1', fetch: stub.fetch });
    const result = await api.findUser("o'neil+x@contoso.com");
    expect(result).toEqual({ ok: true, value: { user } });
    expect(stub.calls[0]?.url).toBe('/api/targets/users?upn=o%27neil%2Bx%40contoso.com');
    expect((stub.calls[0]?.init.headers as Record<string, string>)['Authorization']).toBe('Bearer token-1');
  });

  it.each([
    [
      422,
      { error: { code: 'target_limit_exceeded', message: 'Full.', remaining: 0 } },
      'target_limit_exceeded',
      'Full.',
    ],
    [
      403,
      { error: { code: 'administrator_required', message: 'Not an admin.' } },
      'administrator_required',
      'Not an admin.',
    ],
    [502, 'not json', 'http_502', 'Cloud App Security answered 502. Try again.'],
  ])('turns a %s answer into an error Result', async (status, body, code, message) => {
    const stub = stubFetch(status, typeof body === 'string' ? body : JSON.stringify(body));
    const api = createApiClient({ getToken: async () => 't', fetch: stub.fetch });
    const result = await api.provisioning();
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatchObject({ status, code, message });
  });

  it('reports an answer outside the contract instead of handing it to the screen', async () => {
    const stub = stubFetch(200, JSON.stringify({ user: { id: '1' } }));
    const api = createApiClient({ getToken: async () => 't', fetch: stub.fetch });
    expect(await api.findUser('a@contoso.com')).toMatchObject({
      ok: false,
      error: { status: 200, code: 'unexpected_answer' },
    });
  });

  it('reports an unreachable API and a failed sign-in without throwing', async () => {
    const offline = createApiClient({
      getToken: async () => 't',
      fetch: (async () => {
        throw new TypeError('fetch failed');
      }) as unknown as typeof fetch,
    });
    expect(await offline.me()).toMatchObject({ ok: false, error: { status: 0, code: 'network_error' } });
    const signedOut = createApiClient({
      getToken: async () => {
        throw new Error('interaction required');
      },
      fetch: stubFetch(200, '{}').fetch,
    });
    expect(await signedOut.me()).toMatchObject({ ok: false, error: { status: 401, code: 'token_error' } });
  });
});

describe('deep links', () => {
  it.each([
    ['provision/oneDrive', { page: 'provision', service: 'oneDrive' }],
    ['service-account', { page: 'serviceAccount' }],
    ['policies/sharePointOnline', { page: 'policies', service: 'sharePointOnline' }],
    ['#/notifications', { page: 'notifications' }],
    ['provision/teams', { page: 'dashboard' }],
    [null, { page: 'dashboard' }],
  ] as const)('%s opens %o', (pageId, route) => {
    expect(parseRoute(pageId)).toEqual(route);
  });

  it('round-trips every route through its page id', () => {
    for (const id of [
      'dashboard',
      'provision/exchangeOnline',
      'notifications',
      'extend',
      'service-account',
      'policies',
      'policies/oneDrive',
    ]) {
      expect(routeId(parseRoute(id))).toBe(id);
    }
  });
});
