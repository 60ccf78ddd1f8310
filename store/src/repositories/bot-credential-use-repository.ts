/**
 * Used bot credentials. The insert is the check: the primary key makes the second use of a `jti`
 * lose, atomically, whichever API process it reaches.
 */
import type { Database } from '../schema.js';
import type { BotCredentialUseRepository } from '@cas/core';
import type { Kysely } from 'kysely';

/** Least time between two prunings of expired ids by one repository instance. */
const PRUNE_INTERVAL_MS = 30_000;

/** Bot credential uses over either backend. */
export class SqlBotCredentialUseRepository implements BotCredentialUseRepository {
  readonly #db: Kysely<Database>;
  #prunedAt = Number.NEGATIVE_INFINITY;

  /** `db` may be the root instance or a transaction. */
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async consume(jti: string, expiresAt: string, now: string): Promise<boolean> {
    // An expired credential fails its own expiry check, so its id need not be kept. Pruning at
    // most every 30 s keeps a busy bot from adding a delete to every call.
    const nowMs = Date.parse(now);
    if (nowMs - this.#prunedAt >= PRUNE_INTERVAL_MS) {
      this.#prunedAt = nowMs;
      await this.#db.deleteFrom('bot_credential_uses').where('expires_at', '<', now).execute();
    }
    const result = await this.#db
      .insertInto('bot_credential_uses')
      .values({ jti, expires_at: expiresAt })
      .onConflict((conflict) => conflict.column('jti').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }
}
