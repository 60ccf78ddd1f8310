// The email deliverer is woken by new notifications: an idle pass costs one indexed query however
// many tenants there are, and a new notification wakes only its own tenant.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyProvisioning } from '@cas/core';
import { createStore, SecretCipher, type DurableStore } from '@cas/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../test-support/sync-fixtures.js';
import { EmailDeliverer } from './email-deliverer.js';

let store: DurableStore;
let dataDir: string;
const queries: string[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cas-worker-email-'));
  store = await createStore({
    dataDir,
    encryptionKey: SecretCipher.generateKey(),
    onQuery: (text) => queries.push(text),
  });
  for (let index = 0; index < 25; index++) {
    const tenantId = `tenant-${index}`;
    await store.provisioning.save(emptyProvisioning(tenantId), 0);
  }
});

afterAll(async () => {
  await store?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('EmailDeliverer.deliverAll', () => {
  it('costs one query when nothing was raised, and serves only the tenant a notification woke', async () => {
    const email = new EmailDeliverer({
      store,
      smtpUrl: 'smtp://127.0.0.1:9',
      from: 'Cloud App Security <no-reply@example.test>',
      now: () => new Date().toISOString(),
      logger: silentLogger,
    });
    try {
      queries.length = 0;
      expect(await email.deliverAll()).toBe(0);
      expect(queries).toHaveLength(1);
      expect(queries[0]).toMatch(/from "notification_wakeups"/);

      await store.notifications.raise({
        id: 'n-1',
        tenantId: 'tenant-7',
        kind: 'syncFailed',
        service: 'exchangeOnline',
        message: 'Synchronization of Exchange Online failed.',
        dedupeKey: 'test:n-1',
        createdAt: new Date().toISOString(),
        readAt: null,
      });
      queries.length = 0;
      await email.deliverAll();
      // The wakeup, the woken tenant's provisioning (it has no admins to email yet), the settle:
      // a few statements, not a read per tenant of the 25.
      expect(queries.length).toBeLessThan(10);
      expect(queries.at(-1)).toMatch(/notification_wakeups/);
      queries.length = 0;
      expect(await email.deliverAll()).toBe(0);
      expect(queries).toHaveLength(1);
    } finally {
      email.close();
    }
  });
});
