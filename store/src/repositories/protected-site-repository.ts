/**
 * SharePoint Online's protected site collections per tenant (issue 17, ADR 0015): one page of
 * `getAllSites` (or one `$batch` of selected sites) is written in one statement per chunk, marked
 * with the run, in the page's transaction with its checkpoint; the run's end sweeps the sites it
 * did not see.
 */
import type { Database } from '../schema.js';
import type { ProtectedSiteRepository, SiteTarget } from '@cas/core';
import type { Kysely } from 'kysely';

// 500 rows × 5 columns stays far under both drivers' parameter limits.
const CHUNK = 500;

/** Protected site collections over either backend. */
export class SqlProtectedSiteRepository implements ProtectedSiteRepository {
  readonly #db: Kysely<Database>;

  /** `db` may be the root instance or a transaction. */
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async upsert(tenantId: string, sites: readonly SiteTarget[], round: string): Promise<void> {
    // Last entry per id wins: one statement must not name a row twice.
    const unique = [...new Map(sites.map((site) => [site.siteId, site])).values()];
    for (let start = 0; start < unique.length; start += CHUNK) {
      await this.#db
        .insertInto('protected_site_collections')
        .values(
          unique.slice(start, start + CHUNK).map((site) => ({
            tenant_id: tenantId,
            site_id: site.siteId,
            web_url: site.webUrl,
            display_name: site.displayName,
            seen_round: round,
          })),
        )
        .onConflict((conflict) =>
          conflict.columns(['tenant_id', 'site_id']).doUpdateSet((eb) => ({
            web_url: eb.ref('excluded.web_url'),
            display_name: eb.ref('excluded.display_name'),
            seen_round: eb.ref('excluded.seen_round'),
          })),
        )
        .execute();
    }
  }

  async sweep(tenantId: string, round: string): Promise<number> {
    const result = await this.#db
      .deleteFrom('protected_site_collections')
      .where('tenant_id', '=', tenantId)
      .where('seen_round', '<>', round)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async count(tenantId: string): Promise<number> {
    const row = await this.#db
      .selectFrom('protected_site_collections')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
    return Number(row?.count ?? 0);
  }

  async list(tenantId: string, options: { after?: string; limit?: number } = {}): Promise<SiteTarget[]> {
    let query = this.#db
      .selectFrom('protected_site_collections')
      .select(['site_id', 'web_url', 'display_name'])
      .where('tenant_id', '=', tenantId)
      .orderBy('site_id', 'asc')
      .limit(options.limit ?? 1_000);
    if (options.after !== undefined) query = query.where('site_id', '>', options.after);
    return (await query.execute()).map((row) => ({
      siteId: row.site_id,
      webUrl: row.web_url,
      displayName: row.display_name,
    }));
  }

  async lastEnumeratedAt(tenantId: string): Promise<string | null> {
    const row = await this.#db
      .selectFrom('site_collection_rounds')
      .select('last_enumerated_at')
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
    return row?.last_enumerated_at ?? null;
  }

  async recordEnumeration(tenantId: string, at: string | null): Promise<void> {
    await this.#db
      .insertInto('site_collection_rounds')
      .values({ tenant_id: tenantId, last_enumerated_at: at })
      .onConflict((conflict) => conflict.column('tenant_id').doUpdateSet({ last_enumerated_at: at }))
      .execute();
  }
}
