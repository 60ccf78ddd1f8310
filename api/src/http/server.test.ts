import { Writable } from 'node:stream';
import { defineContract } from '@cas/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { healthRoutes } from '../health/health-routes.js';
import { ApiError } from './api-error.js';
import { createLogger } from './logger.js';
import { createMemoryLimiter } from './rate-limit.js';
import { defineRoute } from './route.js';
import { createApiServer } from './server.js';
import type { TokenCheck } from '../auth/user-token.js';
import type { AddressInfo } from 'node:net';
import type { Server } from 'restify';

const admin = {
  tenantId: 't1',
  userId: 'u1',
  userPrincipalName: 'admin@t1',
  displayName: 'Admin',
  isGlobalAdministrator: true,
  isReader: false,
  rolesFrom: 'token' as const,
};
const member = { ...admin, userId: 'u2', isGlobalAdministrator: false };
const logLines: string[] = [];
let server: Server;
let base: string;
let ready = true;

/** Stands in for real token validation: the header names the caller. */
async function validateToken(header: string | undefined): Promise<TokenCheck> {
  if (header === 'Bearer admin-token') return { ok: true, principal: admin };
  if (header === 'Bearer member-token') return { ok: true, principal: member };
  if (header === 'Bearer burst-token') return { ok: true, principal: { ...admin, userId: 'burst' } };
  return { ok: false, reason: 'token_missing', message: 'Sign in first.' };
}

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  server = createApiServer({
    logger: createLogger('info', sink),
    validateToken,
    maxBodyBytes: 256,
    limiter: createMemoryLimiter({ perUser: 20, perAddress: 1_000 }),
    routes: [
      ...healthRoutes(async () => ready),
      defineRoute(
        defineContract({
          method: 'POST',
          path: '/api/echo/:name',
          access: 'globalAdministrator',
          summary: 'test route',
          params: z.object({ name: z.string().min(3) }),
          body: z.object({ count: z.number().int().max(100) }),
          responses: {
            200: z.object({ name: z.string(), count: z.number(), tenant: z.string().optional() }),
          },
        }),
        async ({ params, body, principal }) => ({
          json: { ...params, ...body, tenant: principal?.tenantId },
        }),
      ),
      defineRoute(
        defineContract({
          method: 'GET',
          path: '/api/look',
          access: 'signedIn',
          summary: 'test route',
          responses: { 200: z.object({ seen: z.boolean() }) },
        }),
        async () => ({ json: { seen: true } }),
      ),
      defineRoute(
        defineContract({
          method: 'GET',
          path: '/api/conflict',
          access: 'signedIn',
          summary: 'test route',
          responses: { 200: z.object({}) },
          errors: { 409: ['version_conflict'] },
        }),
        async () => {
          throw new ApiError(409, 'version_conflict', 'Someone else saved first.', { currentVersion: 4 });
        },
      ),
      defineRoute(
        defineContract({
          method: 'GET',
          path: '/api/boom',
          access: 'signedIn',
          summary: 'test route',
          responses: { 200: z.object({}) },
        }),
        async () => {
          throw new Error('database password is hunter2');
        },
      ),
    ],
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function call(path: string, init: RequestInit & { token?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  const response = await fetch(`${base}${path}`, { ...init, headers });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

describe('API server', () => {
  it('answers liveness and readiness, and 503 when the database is down', async () => {
    expect(await call('/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await call('/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } });
    ready = false;
    expect(await call('/readyz')).toMatchObject({ status: 503, body: { error: { code: 'not_ready' } } });
    ready = true;
  });

  it('runs a route with validated input for a Global Administrator', async () => {
    const result = await call('/api/echo/alpha', {
      method: 'POST',
      token: 'admin-token',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: 3 }),
    });
    expect(result).toMatchObject({ status: 200, body: { name: 'alpha', count: 3, tenant: 't1' } });
    expect(result.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each([
    ['no token', undefined, 401, 'token_missing'],
    ['a non-admin', 'member-token', 403, 'global_administrator_required'],
  ])('refuses %s on an admin route', async (_case, token, status, code) => {
    const result = await call('/api/echo/alpha', {
      method: 'POST',
      ...(token ? { token } : {}),
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: 3 }),
    });
    expect(result).toMatchObject({ status, body: { error: { code } } });
  });

  it.each([
    [
      'a short path parameter',
      '/api/echo/ab',
      { 'content-type': 'application/json' },
      '{"count":1}',
      400,
      'invalid_request',
    ],
    [
      'a body that breaks the schema',
      '/api/echo/abc',
      { 'content-type': 'application/json' },
      '{"count":101}',
      400,
      'invalid_request',
    ],
    [
      'malformed JSON',
      '/api/echo/abc',
      { 'content-type': 'application/json' },
      '{"count":',
      400,
      'invalid_json',
    ],
    [
      'a body that is not JSON',
      '/api/echo/abc',
      { 'content-type': 'text/plain' },
      'count=1',
      415,
      'unsupported_media_type',
    ],
    [
      'a body over the limit',
      '/api/echo/abc',
      { 'content-type': 'application/json' },
      JSON.stringify({ count: 1, pad: 'x'.repeat(400) }),
      413,
      'body_too_large',
    ],
  ])('refuses %s with a specific error', async (_case, path, headers, body, status, code) => {
    const result = await call(path, { method: 'POST', token: 'admin-token', headers, body });
    expect(result).toMatchObject({ status, body: { error: { code } } });
    expect(typeof result.body.error.message).toBe('string');
  });

  it('lets a signed-in non-admin read', async () => {
    expect(await call('/api/look', { token: 'member-token' })).toMatchObject({
      status: 200,
      body: { seen: true },
    });
  });

  it('passes expected errors through with their status and details', async () => {
    expect(await call('/api/conflict', { token: 'member-token' })).toMatchObject({
      status: 409,
      body: { error: { code: 'version_conflict', message: 'Someone else saved first.', currentVersion: 4 } },
    });
  });

  it('answers unknown routes in the same error shape', async () => {
    expect(await call('/api/nothing-here', { token: 'admin-token' })).toMatchObject({
      status: 404,
      body: { error: { code: 'route_not_found' } },
    });
  });

  it('hides unexpected errors from the caller but logs them with the request id', async () => {
    const result = await call('/api/boom', { token: 'member-token' });
    expect(result.status).toBe(500);
    expect(JSON.stringify(result.body)).not.toContain('hunter2');
    const requestId = result.headers.get('request-id') ?? 'missing';
    expect(
      logLines.some((line) => line.includes(requestId) && line.includes('request failed unexpectedly')),
    ).toBe(true);
  });

  it('limits each caller to its budget with 429 and Retry-After', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 22; i += 1) {
      const result = await call('/api/look', { token: 'burst-token' });
      statuses.push(result.status);
      if (result.status === 429) retryAfter = result.headers.get('retry-after');
    }
    expect(statuses.slice(0, 20)).toEqual(Array<number>(20).fill(200));
    expect(statuses.slice(20)).toEqual([429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });

  it('never writes bearer tokens to the log', () => {
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join('\n')).not.toMatch(/admin-token|member-token|burst-token/);
  });
});
