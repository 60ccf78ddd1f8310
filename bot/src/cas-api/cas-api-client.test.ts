import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisioningView, syncRun } from '../test-support/fake-api.js';
import { createAdministratorCheck } from './administrator-check.js';
import { createCasApiClient } from './cas-api-client.js';
import { CasApiError } from './cas-api-error.js';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const key = randomBytes(32).toString('base64');
const user = { tenantId: 'tenant-1', userId: 'user-1', name: 'Alex' };

/** A tiny stand-in of the API that checks the bot credential like the real one and answers from a table. */
let server: Server;
let origin: string;
const seen: { method: string; path: string; claims: Record<string, unknown>; body: unknown }[] = [];
const answers = new Map<string, (res: ServerResponse) => void>();

function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return (res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
}

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      let text = '';
      for await (const chunk of req) text += (chunk as Buffer).toString();
      try {
        const { payload, protectedHeader } = await jwtVerify(token, Buffer.from(key, 'base64'), {
          issuer: 'cas-bot',
          audience: 'cas-api',
          algorithms: ['HS256'],
        });
        seen.push({
          method: req.method ?? '',
          path: req.url ?? '',
          claims: { ...payload, alg: protectedHeader.alg },
          body: text === '' ? undefined : JSON.parse(text),
        });
      } catch {
        return json(401, { error: { code: 'unauthorized', message: 'bad credential' } })(res);
      }
      const answer = answers.get(`${req.method} ${req.url}`);
      return (answer ?? json(404, { error: { code: 'route_not_found', message: 'no' } }))(res);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

/** A queued run as `POST /api/sync` answers it, and the same run in the history. */
const queued = syncRun();
const { alreadyQueued: _queued, ...run } = queued;

describe('createCasApiClient', () => {
  it('signs a fresh bot credential per request: HS256, iss/aud, sub, tid, at most a minute, unique jti', async () => {
    answers.set('GET /api/provisioning', json(200, provisioningView('selectedUsers')));
    const api = createCasApiClient({ origin, botApiKey: key })(user);
    seen.length = 0;
    expect(await api.provisioning()).toEqual({
      ok: true,
      value: expect.objectContaining({ tenantId: 'tenant-1' }),
    });
    expect(await api.provisioning()).toMatchObject({ ok: true });
    const [first, second] = seen;
    expect(first?.claims).toMatchObject({
      alg: 'HS256',
      iss: 'cas-bot',
      aud: 'cas-api',
      sub: 'user-1',
      tid: 'tenant-1',
    });
    const lifetime = Number(first?.claims.exp) - Number(first?.claims.iat);
    expect(lifetime).toBeGreaterThan(0);
    expect(lifetime).toBeLessThanOrEqual(60);
    expect(first?.claims.jti).not.toBe(second?.claims.jti);
  });

  it('posts a manual synchronization and reads the queued runs', async () => {
    answers.set('POST /api/sync', json(202, { syncRuns: [queued] }));
    const result = await createCasApiClient({ origin, botApiKey: key })(user).sync();
    expect(result).toEqual({
      ok: true,
      value: { syncRuns: [expect.objectContaining({ id: 'run-1', status: 'pending' })] },
    });
  });

  it('returns the R3 refusal as a value with its reason', async () => {
    answers.set(
      'POST /api/sync',
      json(409, {
        error: {
          code: 'manual_sync_not_allowed',
          message: 'Selected users are not synchronized manually.',
          reason: 'sync_selected_users',
        },
      }),
    );
    const result = await createCasApiClient({ origin, botApiKey: key })(user).sync();
    expect(result).toEqual({
      ok: false,
      error: {
        status: 409,
        code: 'manual_sync_not_allowed',
        message: 'Selected users are not synchronized manually.',
        details: { reason: 'sync_selected_users' },
      },
    });
  });

  it('keeps Retry-After of a 429 with the refusal', async () => {
    answers.set(
      'POST /api/extend',
      json(429, { error: { code: 'rate_limited', message: 'Too many requests.' } }, { 'retry-after': '7' }),
    );
    const result = await createCasApiClient({ origin, botApiKey: key })(user).extend();
    expect(result).toMatchObject({ ok: false, error: { status: 429, details: { retryAfterSeconds: 7 } } });
  });

  it('asks whether the user is a Global Administrator, and reads "Graph cannot tell" as unknown', async () => {
    const api = createCasApiClient({ origin, botApiKey: key });
    answers.set(
      'GET /api/bot/global-administrator',
      json(200, { tenantId: 'tenant-1', userId: 'user-1', isGlobalAdministrator: true }),
    );
    expect(await createAdministratorCheck(api)('tenant-1', 'user-1')).toBe('administrator');
    expect(seen.at(-1)?.claims).toMatchObject({ sub: 'user-1', tid: 'tenant-1' });
    answers.set(
      'GET /api/bot/global-administrator',
      json(200, { tenantId: 'tenant-1', userId: 'user-1', isGlobalAdministrator: false }),
    );
    expect(await createAdministratorCheck(api)('tenant-1', 'user-1')).toBe('notAdministrator');
    answers.set(
      'GET /api/bot/global-administrator',
      json(503, { error: { code: 'role_check_unavailable', message: 'Graph cannot tell.' } }),
    );
    expect(await createAdministratorCheck(api)('tenant-1', 'user-1')).toBe('unknown');
    // Trouble with the API itself is not an answer about the user.
    answers.set(
      'GET /api/bot/global-administrator',
      json(429, { error: { code: 'too_many_requests', message: 'Wait.' } }, { 'retry-after': '3' }),
    );
    await expect(createAdministratorCheck(api)('tenant-1', 'user-1')).rejects.toBeInstanceOf(CasApiError);
  });

  it('posts notify here with the conversation and reads the new setting', async () => {
    answers.set(
      'POST /api/bot/channel-notifications',
      json(200, {
        conversationId: '19:c@thread.tacv2',
        enabled: true,
        enabledBy: 'user-1',
        enabledAt: '2026-11-27T12:00:00.000Z',
      }),
    );
    const result = await createCasApiClient({ origin, botApiKey: key })(user).setChannelNotifications(
      '19:c@thread.tacv2',
      true,
    );
    expect(result).toMatchObject({ ok: true, value: { enabled: true, enabledBy: 'user-1' } });
    expect(seen.at(-1)?.body).toEqual({ conversationId: '19:c@thread.tacv2', enabled: true });
  });

  it('passes filters of sync runs as query parameters', async () => {
    answers.set('GET /api/sync-runs?service=oneDrive&limit=5', json(200, { runs: [run] }));
    const result = await createCasApiClient({ origin, botApiKey: key })(user).syncRuns({
      service: 'oneDrive',
      limit: 5,
    });
    expect(result).toMatchObject({ ok: true, value: [{ id: 'run-1' }] });
  });

  it('is refused with a credential signed by another key', async () => {
    const result = await createCasApiClient({ origin, botApiKey: randomBytes(32).toString('base64') })(
      user,
    ).provisioning();
    expect(result).toMatchObject({ ok: false, error: { status: 401 } });
  });

  it.each([
    ['a server error', json(500, { error: { code: 'internal', message: 'boom' } })],
    ['an answer outside the contract', json(200, { unexpected: true })],
    ['non-JSON', (res: ServerResponse) => res.writeHead(200).end('<html>')],
  ])('throws CasApiError on %s', async (_name, answer) => {
    answers.set('GET /api/provisioning', answer);
    await expect(createCasApiClient({ origin, botApiKey: key })(user).provisioning()).rejects.toBeInstanceOf(
      CasApiError,
    );
  });

  it('throws CasApiError when the API does not answer', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(
      createCasApiClient({ origin: `http://127.0.0.1:${port}`, botApiKey: key })(user).provisioning(),
    ).rejects.toThrow(/did not answer/);
  });
});
