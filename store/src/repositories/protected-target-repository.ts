/**
 * What each service protects after its last successful run: one row per tenant and service,
 * replaced by the run that ends (issue 17).
 */
import {
  SERVICE_IDS,
  type ProtectedTargetCount,
  type ProtectedTargetRepository,
  type ServiceId,
} from '@cas/core';
import type { Database } from '../schema.js';
import type { Kysely } from 'kysely';

/** Protected-target counts over either backend. */
export class SqlProtectedTargetRepository implements ProtectedTargetRepository {
  readonly #db: Kysely<Database>;

  /** `db` may be the root instance or a transaction. */
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async record(count: ProtectedTargetCount & { readonly tenantId: string }): Promise<void> {
    const changes = { count: count.count, last_synchronized_at: count.lastSynchronizedAt };
    await this.#db
      .insertInto('protected_target_counts')
      .values({ tenant_id: count.tenantId, service: count.service, ...changes })
      .onConflict((conflict) => conflict.columns(['tenant_id', 'service']).doUpdateSet(changes))
      .execute();
  }

  async countsFor(tenantId: string): Promise<ProtectedTargetCount[]> {
    const rows = await this.#db
      .selectFrom('protected_target_counts')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .execute();
    return SERVICE_IDS.flatMap((service) => {
      const row = rows.find((candidate) => candidate.service === service);
      return row === undefined
        ? []
        : [{ service, count: Number(row.count), lastSynchronizedAt: row.last_synchronized_at }];
    });
  }

  async forget(tenantId: string, service: ServiceId): Promise<void> {
    await this.#db
      .deleteFrom('protected_target_counts')
      .where('tenant_id', '=', tenantId)
      .where('service', '=', service)
      .execute();
  }
}
