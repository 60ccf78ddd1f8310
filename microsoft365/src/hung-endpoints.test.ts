// Entra or Graph that accepts a connection and never answers must not hold a request, a sync run
// or a health check forever: every token request and Graph call gives up after its timeout with
// an error that says so. The emulator's fault injection holds the endpoint.
import {
  CLOUD_APP_SECURITY_CLIENT_ID,
  CLOUD_APP_SECURITY_CLIENT_SECRET,
  CONTOSO_TENANT_ID,
  CONTOSO_USER_UPN,
  startEmulator,
  type RunningEmulator,
} from '@cas/m365-emulator';
import { emulatorControl } from '@cas/m365-emulator/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAppTokenSource } from './entra/app-token-source.js';
import { EntraError } from './entra/entra-error.js';
import { createGraphDirectory } from './graph/graph-directory.js';
import { GraphError } from './graph/graph-error.js';
import { createGraphSyncClient } from './graph/graph-sync-client.js';

/** Longer than every timeout below, shorter than the test's own. */
const HUNG_MS = 4000;
const TIMEOUT_MS = 300;

let emulator: RunningEmulator;

function control(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  return emulatorControl(emulator.origin, method, path, body);
}

/** Holds every matching request for HUNG_MS before the emulator answers it. */
async function hang(pattern: string): Promise<void> {
  await control('POST', '/faults', { pattern, latencyMs: HUNG_MS });
}

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, throttling: false });
  await control(
    'PUT',
    `/tenants/${CONTOSO_TENANT_ID}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`,
    {},
  );
});
afterEach(async () => {
  await control('DELETE', '/faults');
});
afterAll(async () => {
  await emulator?.close();
});

function tokenSource(timeoutMs?: number) {
  return createAppTokenSource({
    authorityHost: emulator.origin,
    clientId: CLOUD_APP_SECURITY_CLIENT_ID,
    clientSecret: CLOUD_APP_SECURITY_CLIENT_SECRET,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
}

describe('a hung Microsoft endpoint', () => {
  it('a token endpoint that never answers yields an EntraError named request_timeout', async () => {
    const tokens = tokenSource(TIMEOUT_MS);
    // Discovery first, so only the token request meets the hung endpoint.
    await tokens.acquire(CONTOSO_TENANT_ID, 'exchangeOnlineGraph', { fresh: true });
    await hang('*/oauth2/v2.0/token');
    const failure: unknown = await tokens
      .acquire(CONTOSO_TENANT_ID, 'exchangeOnlineGraph', { fresh: true })
      .then(
        () => 'answered',
        (error: unknown) => error,
      );
    expect(failure).toBeInstanceOf(EntraError);
    expect(failure).toMatchObject({ code: 'request_timeout' });
    expect(String((failure as Error).message)).toContain(`${TIMEOUT_MS} ms`);
  });

  it('the discovery document that never arrives yields the same named timeout', async () => {
    await hang('*/.well-known/openid-configuration');
    const failure: unknown = await tokenSource(TIMEOUT_MS)
      .acquire(CONTOSO_TENANT_ID, 'exchangeOnlineGraph', { fresh: true })
      .then(
        () => 'answered',
        (error: unknown) => error,
      );
    expect(failure).toBeInstanceOf(EntraError);
    expect(failure).toMatchObject({ code: 'request_timeout' });
  });

  it('a Graph call through the SDK that never answers yields a GraphError named RequestTimeout', async () => {
    const directory = createGraphDirectory({
      graphBaseUrl: emulator.origin,
      tokens: tokenSource(),
      timeoutMs: TIMEOUT_MS,
    });
    await hang('/v1.0/users*');
    const failure: unknown = await directory
      .findUserByPrincipalName(CONTOSO_TENANT_ID, CONTOSO_USER_UPN)
      .then(
        () => 'answered',
        (error: unknown) => error,
      );
    expect(failure).toBeInstanceOf(GraphError);
    expect(failure).toMatchObject({ code: 'RequestTimeout', statusCode: 0 });
  });

  it('a sync read that never answers is retried, then yields a GraphError named RequestTimeout', async () => {
    const sync = createGraphSyncClient({
      graphBaseUrl: emulator.origin,
      tokens: tokenSource(),
      timeoutMs: TIMEOUT_MS,
      maxRetries: 1,
      sleep: async () => {},
    });
    await hang('/v1.0/users*');
    const session = sync.session(CONTOSO_TENANT_ID);
    const failure: unknown = await session.get('/users?$select=id').then(
      () => 'answered',
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(GraphError);
    expect(failure).toMatchObject({ code: 'RequestTimeout', statusCode: 0 });
    expect(session.meter.requests).toBe(2);
  });
});
