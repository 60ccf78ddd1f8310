// A token health check against an Entra or Graph that accepts the connection and never answers
// must end after its timeout with no verdict: slowness says nothing about the token, so it raises
// no incident (and no email) and leaves the service protected.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyProvisioning } from '@cas/core';
import {
  CLOUD_APP_SECURITY_CLIENT_ID,
  CLOUD_APP_SECURITY_CLIENT_SECRET,
  FABRIKAM_TENANT_ID,
  startEmulator,
  type RunningEmulator,
} from '@cas/m365-emulator';
import { emulatorControl } from '@cas/m365-emulator/testing';
import { createAppTokenSource } from '@cas/microsoft365';
import { createStore, SecretCipher, type DurableStore } from '@cas/store';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../test-support/sync-fixtures.js';
import { TokenHealthMonitor } from './token-health-monitor.js';

const TENANT = FABRIKAM_TENANT_ID;
let emulator: RunningEmulator;
let store: DurableStore;
let dataDir: string;
let monitor: TokenHealthMonitor;

const control = (method: string, path: string, body?: unknown) =>
  emulatorControl(emulator.origin, method, path, body);

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, throttling: false });
  await control('PUT', `/tenants/${TENANT}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`, {});
  dataDir = await mkdtemp(join(tmpdir(), 'cas-worker-hung-'));
  store = await createStore({ dataDir, encryptionKey: SecretCipher.generateKey() });
  const base = emptyProvisioning(TENANT);
  await store.provisioning.save(
    {
      ...base,
      services: {
        ...base.services,
        exchangeOnline: {
          ...base.services.exchangeOnline,
          status: 'protected',
          scope: 'allUsersAndGroups',
          protectedAt: '2025-01-01T00:00:00.000Z',
        },
      },
    },
    0,
  );
  monitor = new TokenHealthMonitor({
    store,
    tokens: createAppTokenSource({
      authorityHost: emulator.origin,
      clientId: CLOUD_APP_SECURITY_CLIENT_ID,
      clientSecret: CLOUD_APP_SECURITY_CLIENT_SECRET,
      timeoutMs: 300,
    }),
    graphBaseUrl: emulator.origin,
    ewsEnabled: false,
    graphTimeoutMs: 300,
    now: () => new Date().toISOString(),
    logger: silentLogger,
  });
  // A healthy check first, so discovery is done and the service is known to be fine.
  expect(await monitor.checkTenant(TENANT)).toEqual({ ok: true });
});
afterEach(async () => {
  await control('DELETE', '/faults');
});
afterAll(async () => {
  await store?.close();
  await emulator?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('token health against a hung Microsoft endpoint', () => {
  it.each([
    ['the token endpoint', '*/oauth2/v2.0/token'],
    ['Graph', '/v1.0/users*'],
  ])('%s never answering gives no verdict and raises no incident', async (_name, pattern) => {
    await control('POST', '/faults', { pattern, latencyMs: 4000 });
    expect(await monitor.checkTenant(TENANT)).toBeUndefined();
    const provisioning = await store.provisioning.get(TENANT);
    expect(provisioning?.services.exchangeOnline.status).toBe('protected');
  });
});
