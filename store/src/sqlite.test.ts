/** The store contract against embedded SQLite, each database a temp file. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SQLITE_FILE_NAME } from './create-store.js';
import { describeStoreContract } from './store.contract.js';
import type { ContractBackend } from './store.contract.js';

describeStoreContract('SQLite store', async (): Promise<ContractBackend> => {
  const directories: string[] = [];
  return {
    kind: 'sqlite',
    async freshDatabase() {
      const dataDir = await mkdtemp(join(tmpdir(), 'cas-store-'));
      directories.push(dataDir);
      return { dataDir };
    },
    async query(options, sqlText) {
      const raw = new Database(join(options.dataDir ?? '', SQLITE_FILE_NAME));
      try {
        raw.pragma('busy_timeout = 5000');
        const statement = raw.prepare(sqlText);
        if (statement.reader) return statement.all() as Record<string, unknown>[];
        statement.run();
        return [];
      } finally {
        raw.close();
      }
    },
    async dispose() {
      await Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true })));
    },
  };
});
