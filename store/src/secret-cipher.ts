/**
 * AES-256-GCM encryption for values kept at rest (client secrets, cached tokens). Each value is
 * `enc:v1:<keyId>:<iv>:<tag>:<ciphertext>` (base64url parts): a fresh 12-byte IV per value, the
 * GCM tag to detect tampering, and the id of the key so old values stay readable after rotation.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const FORMAT = 'enc:v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A stored value could not be decrypted: wrong or missing key, or the value was altered. */
export class SecretDecryptionError extends Error {
  /** Why decryption failed, without any part of the value. */
  readonly reason: 'malformed' | 'unknownKey' | 'authenticationFailed';

  constructor(reason: SecretDecryptionError['reason'], message: string) {
    super(message);
    this.name = 'SecretDecryptionError';
    this.reason = reason;
  }
}

/** Options of a `SecretCipher`. */
export interface SecretCipherOptions {
  /** Older keys (base64, 32 bytes) still accepted for decryption while values are re-encrypted. */
  readonly previousKeys?: readonly string[];
}

/** Encrypts with the current key; decrypts with any configured key. */
export class SecretCipher {
  /** Id of the current key as written into new values (a fingerprint, not the key). */
  readonly keyId: string;
  readonly #current: Buffer;
  readonly #keys: ReadonlyMap<string, Buffer>;

  /** `key` is 32 random bytes, base64-encoded (config `SECRET_DATA_ENCRYPTION_KEY`). */
  constructor(key: string, options: SecretCipherOptions = {}) {
    this.#current = decodeKey(key, 'encryption key');
    this.keyId = fingerprint(this.#current);
    const keys = new Map<string, Buffer>([[this.keyId, this.#current]]);
    (options.previousKeys ?? []).forEach((previous, index) => {
      const bytes = decodeKey(previous, `previous encryption key #${index + 1}`);
      keys.set(fingerprint(bytes), bytes);
    });
    this.#keys = keys;
  }

  /** Generates a new random key in the format the constructor expects. */
  static generateKey(): string {
    return randomBytes(32).toString('base64');
  }

  /**
   * Encrypts `plaintext`. `context` (e.g. the row's tenant and name) is authenticated but not
   * stored, so a value copied into another row no longer decrypts.
   */
  encrypt(plaintext: string, context = ''): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#current, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [FORMAT, this.keyId, b64(iv), b64(tag), b64(ciphertext)].join(':');
  }

  /** Decrypts a value written by `encrypt` with the same `context`; throws `SecretDecryptionError` otherwise. */
  decrypt(value: string, context = ''): string {
    const parts = value.split(':');
    if (parts.length !== 6 || `${parts[0]}:${parts[1]}` !== FORMAT) {
      throw new SecretDecryptionError('malformed', 'Encrypted value is not in the enc:v1 format');
    }
    const [, , keyId = '', ivText = '', tagText = '', ciphertextText = ''] = parts;
    const key = this.#keys.get(keyId);
    if (key === undefined) {
      throw new SecretDecryptionError(
        'unknownKey',
        `Encrypted value uses key ${keyId}, which is not configured (current key is ${this.keyId}); ` +
          'was SECRET_DATA_ENCRYPTION_KEY changed without keeping the old key?',
      );
    }
    const iv = Buffer.from(ivText, 'base64url');
    const tag = Buffer.from(tagText, 'base64url');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
      throw new SecretDecryptionError(
        'malformed',
        'Encrypted value has a bad IV or authentication tag length',
      );
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(tag);
      const plaintext = Buffer.concat([
        decipher.update(Buffer.from(ciphertextText, 'base64url')),
        decipher.final(),
      ]);
      return plaintext.toString('utf8');
    } catch {
      // Deliberately no cause: node's message adds nothing, and nothing of the value may leak.
      throw new SecretDecryptionError(
        'authenticationFailed',
        `Encrypted value failed authentication with key ${keyId}: it was altered, moved to another row, or the key is wrong`,
      );
    }
  }

  /** True when `value` was encrypted with an older key and should be re-encrypted. */
  needsReencryption(value: string): boolean {
    return value.split(':')[2] !== this.keyId;
  }
}

function decodeKey(text: string, label: string): Buffer {
  const bytes = Buffer.from(text.trim(), 'base64');
  if (bytes.length !== 32) {
    throw new Error(`The ${label} must be 32 bytes, base64-encoded (got ${bytes.length} bytes)`);
  }
  return bytes;
}

/** Short, non-reversible id of a key, so values name the key they need without revealing it. */
function fingerprint(key: Buffer): string {
  return createHash('sha256').update('cas-secret-key-id\0').update(key).digest('base64url').slice(0, 8);
}

function b64(bytes: Buffer): string {
  return bytes.toString('base64url');
}
