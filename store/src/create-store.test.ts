import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createStore, defaultDataDir, SQLITE_FILE_NAME } from './create-store.js';
import { databaseKind } from './dialects.js';
import { SecretCipher } from './secret-cipher.js';

describe('databaseKind', () => {
  it.each([
    [undefined, 'sqlite'],
    ['', 'sqlite'],
    ['  ', 'sqlite'],
    ['postgres://postgres@127.0.0.1:5432/test', 'postgres'],
    ['postgresql://u:p@db.example.com/cas?sslmode=require', 'postgres'],
  ] as const)('%j → %s', (url, kind) => {
    expect(databaseKind(url)).toBe(kind);
  });

  it('rejects other schemes without echoing the URL, which may hold a password', () => {
    expect(() => databaseKind('mysql://user:hunter2@host/db')).toThrow(/DATABASE_URL/);
    expect(() => databaseKind('mysql://user:hunter2@host/db')).not.toThrow(/hunter2/);
  });
});

describe('createStore (SQLite)', () => {
  it('defaults to .data/ at the repository root', () => {
    expect(defaultDataDir()).toMatch(/[/\\]\.data[/\\]$/);
    expect(existsSync(join(defaultDataDir(), '..', 'tsconfig.base.json'))).toBe(true);
  });

  it('creates the data directory and a WAL database with foreign keys', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'cas-store-'));
    try {
      const dataDir = join(parent, 'nested', 'data');
      const store = await createStore({ dataDir, encryptionKey: SecretCipher.generateKey() });
      expect(store.kind).toBe('sqlite');
      expect(existsSync(join(dataDir, SQLITE_FILE_NAME))).toBe(true);
      const raw = new Database(join(dataDir, SQLITE_FILE_NAME), { readonly: true });
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      raw.close();
      await store.close();
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });

  it('rejects a bad encryption key before touching the database', async () => {
    await expect(createStore({ encryptionKey: 'short', dataDir: join(tmpdir(), 'never') })).rejects.toThrow(
      /32 bytes/,
    );
    expect(existsSync(join(tmpdir(), 'never'))).toBe(false);
  });
});
