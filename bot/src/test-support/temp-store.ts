/** A real SQLite store in a temporary directory, for tests that need durable state. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, SecretCipher } from '@cas/store';
import type { DurableStore } from '@cas/store';

/** A fresh store and its disposal. */
export async function tempStore(): Promise<{
  store: DurableStore;
  dataDir: string;
  dispose(): Promise<void>;
}> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cas-bot-'));
  const store = await createStore({ dataDir, encryptionKey: SecretCipher.generateKey() });
  return {
    store,
    dataDir,
    async dispose() {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
