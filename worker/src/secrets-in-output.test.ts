// No log line of the worker may carry a client secret, a key, an SMTP password or any token: runs
// the worker as `startWorker` composes it, with its own logger at debug level, through a sync that
// succeeds and one that fails, a token health check that finds the app deleted, a token request
// that times out and email that cannot be delivered — then searches everything it wrote. The
// logger's redaction is checked on its own too: a careless `log.info({ req })` writes no credential.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { emptyProvisioning, type TenantProvisioning } from '@cas/core';
import {
  CLOUD_APP_SECURITY_CLIENT_ID,
  CLOUD_APP_SECURITY_CLIENT_SECRET,
  CONTOSO_TENANT_ID,
  FABRIKAM_TENANT_ID,
  startEmulator,
  type RunningEmulator,
} from '@cas/m365-emulator';
import { emulatorControl } from '@cas/m365-emulator/testing';
import { consentAppEnvironment, everyConsentApp } from '@cas/microsoft365';
import { createStore, SecretCipher, type DurableStore } from '@cas/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWorkerConfig } from './config.js';
import { createLogger } from './logger.js';
import { startWorker, type RunningWorker } from './main.js';
import { pendingRun } from './test-support/sync-fixtures.js';

const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/;
const SMTP_PASSWORD = 'Smtp-Relay-Pa55word';
const encryptionKey = SecretCipher.generateKey();

let emulator: RunningEmulator;
let store: DurableStore;
let worker: RunningWorker;
let dataDir: string;
const logLines: string[] = [];

/** Collects what a logger writes, line by line. */
function collector(lines: string[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
}

function protectedTenant(tenantId: string): TenantProvisioning {
  const base = emptyProvisioning(tenantId);
  return {
    ...base,
    services: {
      ...base.services,
      exchangeOnline: {
        ...base.services.exchangeOnline,
        status: 'protected',
        scope: 'allUsersAndGroups',
        protectedAt: '2025-01-01T00:00:00.000Z',
        consents: [
          {
            step: 'microsoftGraph',
            grantedAt: '2025-01-01T00:00:00.000Z',
            grantedBy: { kind: 'user', userId: 'admin-id', userPrincipalName: 'admin@example.com' },
            roles: ['User.Read.All'],
          },
        ],
      },
    },
  };
}

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (await condition()) return;
    await new Promise((wake) => setTimeout(wake, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, throttling: false });
  const control = (method: string, path: string, body?: unknown) =>
    emulatorControl(emulator.origin, method, path, body);
  await control(
    'PUT',
    `/tenants/${CONTOSO_TENANT_ID}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`,
    {},
  );
  dataDir = await mkdtemp(join(tmpdir(), 'cas-worker-secrets-'));
  const seed = await createStore({ dataDir, encryptionKey });
  await seed.provisioning.save(protectedTenant(CONTOSO_TENANT_ID), 0);
  // Fabrikam never consented: its sync and its health check fail.
  await seed.provisioning.save(protectedTenant(FABRIKAM_TENANT_ID), 0);
  await seed.close();

  worker = await startWorker(
    loadWorkerConfig({
      DATA_DIR: dataDir,
      SECRET_DATA_ENCRYPTION_KEY: encryptionKey,
      AAD_APP_OAUTH_AUTHORITY_HOST: emulator.origin,
      GRAPH_BASE_URL: emulator.origin,
      // One registration stands in for every consent app: these tests are not about the split.
      ...consentAppEnvironment(
        everyConsentApp({
          clientId: CLOUD_APP_SECURITY_CLIENT_ID,
          clientSecret: CLOUD_APP_SECURITY_CLIENT_SECRET,
        }),
      ),
      // A relay that refuses the connection: every email fails, with the password in the URL.
      SMTP_URL: `smtp://cas:${SMTP_PASSWORD}@127.0.0.1:9`,
      SYNC_POLL_INTERVAL_SECONDS: '0.2',
      SYNC_DELTA_INTERVAL_MINUTES: '1440',
      TOKEN_HEALTH_INTERVAL_MINUTES: '1440',
      EMAIL_DELIVERY_INTERVAL_SECONDS: '0.2',
      ENTRA_TIMEOUT_SECONDS: '0.3',
      LOG_LEVEL: 'debug',
    }),
    { logger: createLogger('debug', collector(logLines)) },
  );
  store = worker.store;

  // A sync that succeeds and one that fails.
  const good = pendingRun(CONTOSO_TENANT_ID);
  const bad = pendingRun(FABRIKAM_TENANT_ID);
  await store.syncRuns.create(good);
  await store.syncRuns.create(bad);
  worker.wakeSync();
  for (const run of [good, bad]) {
    await until(async () => {
      const status = (await store.syncRuns.get(run.tenantId, run.id))?.status;
      return status === 'succeeded' || status === 'failed';
    }, `sync run of ${run.tenantId}`);
  }
  // Token health: the app deleted in Contoso (an incident, a notification, an email that fails)…
  await control('DELETE', `/tenants/${CONTOSO_TENANT_ID}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`);
  await worker.health.checkTenant(CONTOSO_TENANT_ID);
  await worker.health.checkTenant(FABRIKAM_TENANT_ID);
  // …and a token endpoint that never answers.
  await control('POST', '/faults', { pattern: '*/oauth2/v2.0/token', latencyMs: 2000 });
  await worker.health.checkTenant(CONTOSO_TENANT_ID);
  await control('DELETE', '/faults');
  await worker.email.deliverAll();
}, 60_000);

afterAll(async () => {
  await worker?.close();
  await emulator?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('secrets and tokens never reach the worker log', () => {
  it('ran enough to mean something: syncs, health checks and failing email were logged', () => {
    const text = logLines.join('\n');
    expect(logLines.length).toBeGreaterThan(5);
    expect(text).toContain('access token invalid');
    expect(logLines.some((line) => /"level":(40|50)/.test(line))).toBe(true);
  });

  it.each([
    ['the client secret', () => CLOUD_APP_SECURITY_CLIENT_SECRET],
    ['the encryption key', () => encryptionKey],
    ['the SMTP password', () => SMTP_PASSWORD],
  ])('no log line contains %s', (_name, secret) => {
    expect(logLines.filter((line) => line.includes(secret()))).toEqual([]);
  });

  it('no log line contains a token', () => {
    expect(logLines.filter((line) => JWT.test(line))).toEqual([]);
  });

  it.each([
    [
      'a request with an Authorization header',
      { req: { headers: { authorization: 'Bearer eyJhbGciOi.eyJ0aWQiOi.sig' } } },
    ],
    ['an access token', { accessToken: 'the-access-token' }],
    ['an OAuth token response', { response: { access_token: 'the-access-token' } }],
    ['a client secret', { options: { clientSecret: 'the-client-secret' } }],
    ['a client_secret form field', { form: { client_secret: 'the-client-secret' } }],
    ['a password', { password: 'the-password' }],
    ['a connection string', { smtpUrl: 'smtp://user:the-password@relay' }],
    ['headers of a nested request', { request: { headers: { authorization: 'Bearer the-token' } } }],
  ])('the logger writes no credential from %s', (_name, record) => {
    const lines: string[] = [];
    createLogger('info', collector(lines)).info(record, 'logged');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('[redacted]');
    expect(lines[0]).not.toMatch(/the-access-token|the-client-secret|the-password|the-token|eyJhbGciOi/);
  });
});
