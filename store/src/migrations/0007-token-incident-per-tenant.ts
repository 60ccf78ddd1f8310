/**
 * Migration 0007: one token incident per tenant (R9). The app-only token belongs to the tenant, so
 * one outage is one incident listing the services it breaks (`services_json`) and the roles the
 * token lacks (`missing_roles_json`), instead of one incident per service. Open incidents of the
 * same tenant are merged into the oldest one, which lists all their services; the others are
 * closed at their own last failure (their alert was sent; the merged incident's recovery speaks
 * for them).
 */
import { sql, type Kysely } from 'kysely';

const PRODUCT_ORDER = ['exchangeOnline', 'sharePointOnline', 'oneDrive'];

interface OpenRow {
  id: string;
  tenant_id: string;
  service: string;
  opened_at: string;
  last_failure_at: string;
  failure_count: number | string;
}

/** Replaces the per-service column and index with per-tenant ones, merging open incidents. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('token_incidents')
    .addColumn('services_json', 'text', (column) => column.notNull().defaultTo('[]'))
    .execute();
  await db.schema
    .alterTable('token_incidents')
    .addColumn('missing_roles_json', 'text', (column) => column.notNull().defaultTo('[]'))
    .execute();
  await sql`update token_incidents set services_json = '["' || service || '"]'`.execute(db);

  const open = await sql<OpenRow>`
    select id, tenant_id, service, opened_at, last_failure_at, failure_count
    from token_incidents where closed_at is null
    order by tenant_id, opened_at, id`.execute(db);
  const byTenant = new Map<string, OpenRow[]>();
  for (const row of open.rows) byTenant.set(row.tenant_id, [...(byTenant.get(row.tenant_id) ?? []), row]);
  for (const rows of byTenant.values()) {
    const [kept, ...merged] = rows;
    if (kept === undefined || merged.length === 0) continue;
    const services = PRODUCT_ORDER.filter((service) => rows.some((row) => row.service === service));
    const lastFailureAt =
      rows
        .map((row) => row.last_failure_at)
        .sort()
        .at(-1) ?? kept.last_failure_at;
    const failures = Math.max(...rows.map((row) => Number(row.failure_count)));
    await sql`update token_incidents
      set services_json = ${JSON.stringify(services)}, last_failure_at = ${lastFailureAt},
          failure_count = ${failures}
      where id = ${kept.id}`.execute(db);
    for (const row of merged) {
      await sql`update token_incidents set closed_at = ${row.last_failure_at} where id = ${row.id}`.execute(
        db,
      );
    }
  }

  await db.schema.dropIndex('token_incidents_one_open_idx').execute();
  await db.schema.alterTable('token_incidents').dropColumn('service').execute();
  // R9: at most one open incident per tenant, even with several workers racing.
  await db.schema
    .createIndex('token_incidents_one_open_per_tenant_idx')
    .on('token_incidents')
    .column('tenant_id')
    .unique()
    .where(sql.ref('closed_at'), 'is', null)
    .execute();
}

/** Back to one incident per service: each incident keeps its first service; merged ones stay closed. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('token_incidents_one_open_per_tenant_idx').execute();
  await db.schema
    .alterTable('token_incidents')
    .addColumn('service', 'text', (column) => column.notNull().defaultTo('exchangeOnline'))
    .execute();
  const rows = await sql<{ id: string; services_json: string }>`
    select id, services_json from token_incidents`.execute(db);
  for (const row of rows.rows) {
    const [first] = JSON.parse(row.services_json) as string[];
    if (first !== undefined)
      await sql`update token_incidents set service = ${first} where id = ${row.id}`.execute(db);
  }
  await db.schema.alterTable('token_incidents').dropColumn('missing_roles_json').execute();
  await db.schema.alterTable('token_incidents').dropColumn('services_json').execute();
  await db.schema
    .createIndex('token_incidents_one_open_idx')
    .on('token_incidents')
    .columns(['tenant_id', 'service'])
    .unique()
    .where(sql.ref('closed_at'), 'is', null)
    .execute();
}
