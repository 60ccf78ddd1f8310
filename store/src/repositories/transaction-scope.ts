/** Lets a multi-statement repository method join the caller's transaction or open its own. */
import type { Database } from '../schema.js';
import type { Kysely, Transaction } from 'kysely';

/** Runs `work` in `db` when it already is a transaction, otherwise in a new one. */
export function inTransaction<T>(
  db: Kysely<Database>,
  work: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute((trx: Transaction<Database>) => work(trx));
}
