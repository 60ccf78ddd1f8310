// The contracts themselves: the OpenAPI description documents every answer of every route, and the
// shared client builds requests from a contract and reads answers with it.
import { describe, expect, it } from 'vitest';
import { callApi, ContractViolation, requestFor, type ApiReply, type ApiRequest } from './client.js';
import { openApiDocument } from './openapi.js';
import * as routes from './routes.js';
import { ROUTES } from './routes.js';

type Operation = { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> };

describe('the OpenAPI description', () => {
  const document = openApiDocument(ROUTES, { title: 't', version: '1' }) as {
    paths: Record<string, Record<string, Operation>>;
  };

  it('has a response schema for every status every route can answer', () => {
    for (const route of ROUTES) {
      const operation =
        document.paths[route.path.replace(/:([A-Za-z]+)/g, '{$1}')]?.[route.method.toLowerCase()];
      const statuses = [...Object.keys(route.responses), ...Object.keys(route.errorCodes)].sort();
      expect(Object.keys(operation?.responses ?? {}).sort(), `${route.method} ${route.path}`).toEqual(
        statuses,
      );
      for (const [status, response] of Object.entries(operation?.responses ?? {})) {
        const schema = Object.values(response.content ?? {})[0]?.schema;
        expect(schema, `${route.method} ${route.path} ${status}`).toBeTypeOf('object');
      }
    }
  });

  it('names the error codes each status carries, common ones included', () => {
    const done = document.paths['/api/services/{service}/provisioning']?.put;
    const conflict = JSON.stringify(done?.responses['409']);
    expect(conflict).toContain('version_conflict');
    expect(conflict).toContain('consent_required');
    expect(JSON.stringify(done?.responses['403'])).toContain('global_administrator_required');
    expect(JSON.stringify(done?.responses['502'])).toContain('graph_failed');
    expect(document.paths['/healthz']?.get?.responses['401']).toBeUndefined();
  });
});

describe('the shared client', () => {
  it('fills the path, encodes the query and sends {} as the body of a change without input', () => {
    expect(requestFor(routes.groupUsers, { params: { groupId: 'a/b' }, query: {} })).toEqual({
      method: 'GET',
      path: '/api/targets/groups/a%2Fb/users',
    });
    expect(requestFor(routes.syncRuns, { query: { service: 'oneDrive', limit: 5 } }).path).toBe(
      '/api/sync-runs?service=oneDrive&limit=5',
    );
    expect(requestFor(routes.extend, {})).toEqual({ method: 'POST', path: '/api/extend', body: {} });
  });

  const answering =
    (reply: ApiReply) =>
    async (_request: ApiRequest): Promise<ApiReply> =>
      reply;

  it('reads a success with the route’s schema and refuses one outside it', async () => {
    expect(await callApi(answering({ status: 200, body: { status: 'ok' } }), routes.healthz, {})).toEqual({
      ok: true,
      value: { status: 'ok' },
    });
    await expect(
      callApi(answering({ status: 200, body: { status: 'ok', extra: 1 } }), routes.healthz, {}),
    ).rejects.toBeInstanceOf(ContractViolation);
  });

  it('returns a refusal with its details and the Retry-After of a 429', async () => {
    const body = { error: { code: 'too_many_requests', message: 'Wait.' } };
    expect(await callApi(answering({ status: 429, body, retryAfterSeconds: 7 }), routes.extend, {})).toEqual({
      ok: false,
      error: { status: 429, code: 'too_many_requests', message: 'Wait.', details: { retryAfterSeconds: 7 } },
    });
    expect(await callApi(answering({ status: 502, body: undefined }), routes.extend, {})).toMatchObject({
      ok: false,
      error: { status: 502, code: 'http_502' },
    });
  });
});
