import { describe, expect, it } from 'vitest';
import { SecretCipher, SecretDecryptionError } from './secret-cipher.js';

const key = SecretCipher.generateKey();

describe('SecretCipher', () => {
  it.each(['', 'plain', 'Zoë 山田 🚀', 'x'.repeat(100_000)])('round-trips %#', (plaintext) => {
    const cipher = new SecretCipher(key);
    expect(cipher.decrypt(cipher.encrypt(plaintext, 'ctx'), 'ctx')).toBe(plaintext);
  });

  it('uses a fresh IV per value and names the key, never the plaintext', () => {
    const cipher = new SecretCipher(key);
    const [a, b] = [cipher.encrypt('same'), cipher.encrypt('same')];
    expect(a).not.toBe(b);
    expect(a.startsWith(`enc:v1:${cipher.keyId}:`)).toBe(true);
    expect(a).not.toContain('same');
    expect(Buffer.from(a.split(':')[3] ?? '', 'base64url')).toHaveLength(12);
  });

  it.each([
    ['a different context', (value: string) => value, 'other', 'authenticationFailed'],
    ['a flipped ciphertext bit', (value: string) => flipLast(value), 'ctx', 'authenticationFailed'],
    ['a cut tag', (value: string) => value.replace(/:([^:]+):([^:]+)$/, ':AAAA:$2'), 'ctx', 'malformed'],
    ['not our format', () => 'hello', 'ctx', 'malformed'],
  ] as const)('refuses %s', (_label, alter, context, reason) => {
    const cipher = new SecretCipher(key);
    const secret = 'top secret value';
    const attempt = (): string => cipher.decrypt(alter(cipher.encrypt(secret, 'ctx')), context);
    expect(attempt).toThrow(SecretDecryptionError);
    try {
      attempt();
    } catch (error) {
      expect(error).toMatchObject({ reason });
      expect((error as Error).message).not.toContain(secret);
    }
  });

  it('refuses a value from an unknown key, and accepts it once the key is listed as previous', () => {
    const old = new SecretCipher(key);
    const value = old.encrypt('v');
    const current = new SecretCipher(SecretCipher.generateKey());
    expect(() => current.decrypt(value)).toThrow(/not configured/);
    const rotating = new SecretCipher(SecretCipher.generateKey(), { previousKeys: [key] });
    expect(rotating.decrypt(value)).toBe('v');
    expect(rotating.needsReencryption(value)).toBe(true);
    expect(rotating.needsReencryption(rotating.encrypt('v'))).toBe(false);
  });

  it.each(['', 'c2hvcnQ=', Buffer.alloc(31).toString('base64')])(
    'rejects a key that is not 32 bytes: %j',
    (bad) => {
      expect(() => new SecretCipher(bad)).toThrow(/32 bytes/);
    },
  );
});

function flipLast(value: string): string {
  const bytes = Buffer.from(value.split(':')[5] ?? '', 'base64url');
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
  return [...value.split(':').slice(0, 5), bytes.toString('base64url')].join(':');
}
