/**
 * Migration 0010a: drops the index of directory memberships by member. Profiled (issue 16,
 * docs/benchmarks.md): with random object ids every row of a page of memberships lands on a random
 * leaf of that index; on SQLite every dirtied page is written to the WAL at each commit (two thirds
 * of a full sync's time went there), and on PostgreSQL the full sync of 1.4 M memberships took
 * about 25 s longer with it. Only a delta round that removes users or groups looks memberships up
 * by member; it now scans the tenant's own memberships (the primary key's tenant prefix bounds the
 * scan) once per batch of removals.
 */
import type { Kysely } from 'kysely';

/** Drops `directory_memberships_member_idx`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('directory_memberships_member_idx').execute();
}

/** Recreates it as migration 0004 made it (with the column renamed by 0010). */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('directory_memberships_member_idx')
    .on('directory_memberships')
    .columns(['tenant_id', 'snapshot', 'member_id'])
    .execute();
}
