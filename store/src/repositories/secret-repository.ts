/**
 * Secrets encrypted with `SecretCipher`; the tenant and name are the cipher's authenticated
 * context, so a ciphertext copied to another row fails to decrypt instead of leaking.
 */
import type { Database } from '../schema.js';
import type { SecretCipher } from '../secret-cipher.js';
import type { SecretRepository } from '@cas/core';
import type { Kysely } from 'kysely';

/** Secrets over either backend. */
export class SqlSecretRepository implements SecretRepository {
  readonly #db: Kysely<Database>;
  readonly #cipher: SecretCipher;
  readonly #now: () => string;

  /** `db` may be the root instance or a transaction. */
  constructor(db: Kysely<Database>, cipher: SecretCipher, now: () => string) {
    this.#db = db;
    this.#cipher = cipher;
    this.#now = now;
  }

  async put(tenantId: string, name: string, plaintext: string): Promise<void> {
    const ciphertext = this.#cipher.encrypt(plaintext, context(tenantId, name));
    const updated_at = this.#now();
    await this.#db
      .insertInto('secrets')
      .values({ tenant_id: tenantId, name, ciphertext, updated_at })
      .onConflict((conflict) =>
        conflict.columns(['tenant_id', 'name']).doUpdateSet({ ciphertext, updated_at }),
      )
      .execute();
  }

  async get(tenantId: string, name: string): Promise<string | undefined> {
    const row = await this.#db
      .selectFrom('secrets')
      .select('ciphertext')
      .where('tenant_id', '=', tenantId)
      .where('name', '=', name)
      .executeTakeFirst();
    return row === undefined ? undefined : this.#cipher.decrypt(row.ciphertext, context(tenantId, name));
  }

  async delete(tenantId: string, name: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('secrets')
      .where('tenant_id', '=', tenantId)
      .where('name', '=', name)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}

/** Unambiguous even when names contain the separator, since the tenant id is length-prefixed. */
function context(tenantId: string, name: string): string {
  return `secrets:${tenantId.length}:${tenantId}:${name}`;
}
