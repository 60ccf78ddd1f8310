import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureLocalEncryptionKey } from './local-encryption-key.js';
import { SecretCipher } from './secret-cipher.js';

describe('ensureLocalEncryptionKey', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'cas-env-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('generates a key into a new env file on first start and returns the same one afterwards', async () => {
    const file = join(directory, 'env', '.env.local.user');
    const first = await ensureLocalEncryptionKey(file);
    expect(Buffer.from(first, 'base64')).toHaveLength(32);
    expect(() => new SecretCipher(first)).not.toThrow();
    expect(await ensureLocalEncryptionKey(file)).toBe(first);
    expect(await readFile(file, 'utf8')).toContain(`SECRET_DATA_ENCRYPTION_KEY=${first}\n`);
    expect((await stat(file)).mode & 0o077).toBe(0);
  });

  it('appends to an existing env file without touching its other variables', async () => {
    const file = join(directory, '.env.local.user');
    await writeFile(file, 'SECRET_BOT_PASSWORD=abc');
    const key = await ensureLocalEncryptionKey(file);
    expect(await readFile(file, 'utf8')).toMatch(
      /^SECRET_BOT_PASSWORD=abc\n#.*\nSECRET_DATA_ENCRYPTION_KEY=/,
    );
    expect(await ensureLocalEncryptionKey(file)).toBe(key);
  });

  it('reads an existing (quoted) key rather than replacing it', async () => {
    const file = join(directory, '.env.local.user');
    const existing = SecretCipher.generateKey();
    await writeFile(file, `# local\nSECRET_DATA_ENCRYPTION_KEY="${existing}"\n`);
    expect(await ensureLocalEncryptionKey(file)).toBe(existing);
  });

  it('refuses an invalid key instead of silently replacing it', async () => {
    const file = join(directory, '.env.local.user');
    await writeFile(file, 'SECRET_DATA_ENCRYPTION_KEY=too-short\n');
    await expect(ensureLocalEncryptionKey(file)).rejects.toThrow(/32 bytes/);
  });

  it('agrees on one key when two processes start for the first time together', async () => {
    const file = join(directory, '.env.local.user');
    const [a, b] = await Promise.all([ensureLocalEncryptionKey(file), ensureLocalEncryptionKey(file)]);
    expect(a).toBe(b);
  });
});
