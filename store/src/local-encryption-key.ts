/**
 * Zero set-up for local runs: the first start generates the data encryption key into the
 * git-ignored env file, and later starts read it back, so encrypted rows stay readable.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SecretCipher } from './secret-cipher.js';

/** Name of the env variable holding the key (the `SECRET_` prefix keeps it out of logs and commits). */
export const ENCRYPTION_KEY_VARIABLE = 'SECRET_DATA_ENCRYPTION_KEY';

/**
 * Returns the key stored in `envFilePath` (e.g. `env/.env.local.user`), generating and appending
 * one when the file or the variable is absent. Throws when the variable is present but invalid,
 * rather than silently replacing a key that existing data may depend on.
 */
export async function ensureLocalEncryptionKey(envFilePath: string): Promise<string> {
  const existing = await readKey(envFilePath);
  if (existing !== undefined) return existing;

  const key = SecretCipher.generateKey();
  await mkdir(dirname(envFilePath), { recursive: true });
  const current = await readFile(envFilePath, 'utf8').catch(() => '');
  const separator = current === '' || current.endsWith('\n') ? '' : '\n';
  // One append of a short line is atomic, so two first starts cannot interleave bytes; both
  // then re-read and agree on whichever line came first.
  await writeFile(
    envFilePath,
    `${separator}# Generated on first start: encrypts secrets in the local database. Keep it; do not commit it.\n` +
      `${ENCRYPTION_KEY_VARIABLE}=${key}\n`,
    { flag: 'a', mode: 0o600 },
  );
  const stored = await readKey(envFilePath);
  if (stored === undefined) throw new Error(`Could not store ${ENCRYPTION_KEY_VARIABLE} in ${envFilePath}`);
  return stored;
}

/** The first value of the variable in the file, validated; undefined when file or variable is absent. */
async function readKey(envFilePath: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(envFilePath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (match?.[1] !== ENCRYPTION_KEY_VARIABLE) continue;
    const value = (match[2] ?? '').replace(/^(['"])(.*)\1$/, '$2');
    if (value === '') continue;
    if (Buffer.from(value, 'base64').length !== 32) {
      throw new Error(`${ENCRYPTION_KEY_VARIABLE} in ${envFilePath} must be 32 bytes, base64-encoded`);
    }
    return value;
  }
  return undefined;
}
