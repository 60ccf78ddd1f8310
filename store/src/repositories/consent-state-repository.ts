/**
 * Consumed consent-state nonces. The insert is the check: the primary key makes the second
 * consumer of a nonce lose, atomically, whichever process it runs in.
 */
import type { Database } from '../schema.js';
import type { ConsentStateRepository } from '@cas/core';
import type { Kysely } from 'kysely';

/** Consent states over either backend. */
export class SqlConsentStateRepository implements ConsentStateRepository {
  readonly #db: Kysely<Database>;

  /** `db` may be the root instance or a transaction. */
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async consume(nonce: string, expiresAt: string, now: string): Promise<boolean> {
    // Expired nonces can no longer be replayed (their state fails its expiry check), so they
    // are pruned here rather than by a separate job.
    await this.#db.deleteFrom('consent_states').where('expires_at', '<', now).execute();
    const result = await this.#db
      .insertInto('consent_states')
      .values({ nonce, expires_at: expiresAt, consumed_at: now })
      .onConflict((conflict) => conflict.column('nonce').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }
}
