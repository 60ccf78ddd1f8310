/**
 * Brings a database to the latest schema at start-up. Safe when several processes start at
 * once: each backend serialises migrators with its own lock, so the second process waits and
 * then finds nothing left to do.
 */
import { Migrator, sql } from 'kysely';
import { beginImmediate } from './dialects.js';
import { inCodeMigrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';
import type SqliteDatabase from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type pg from 'pg';

/**
 * Lettered migrations (0010a…0010d) were added after 0011 existed: a database that already applied
 * 0011 applies a newer lettered one too instead of refusing to start.
 */
const UNORDERED = true;

/** Where the migrations run and how to lock them out from other processes. */
export type MigrationTarget =
  | {
      readonly kind: 'sqlite';
      readonly db: Kysely<Database>;
      readonly raw: SqliteDatabase.Database;
      readonly busyTimeoutMs: number;
    }
  | {
      readonly kind: 'postgres';
      readonly db: Kysely<Database>;
      readonly pool: pg.Pool;
      readonly schema: string;
    };

/** Applies every pending migration and returns the names it applied (empty when up to date). */
export async function migrateToLatest(target: MigrationTarget): Promise<string[]> {
  return target.kind === 'sqlite' ? migrateSqlite(target) : migratePostgres(target);
}

/**
 * SQLite: one write transaction (BEGIN IMMEDIATE) around the migrator, including its own
 * bookkeeping tables. Kysely's migration lock is a no-op on SQLite because it assumes one
 * connection; a second process has its own, so the file lock is what keeps them apart.
 */
async function migrateSqlite(target: Extract<MigrationTarget, { kind: 'sqlite' }>): Promise<string[]> {
  await beginImmediate(target.raw, target.busyTimeoutMs);
  try {
    const applied = await runMigrator(
      new Migrator({
        db: target.db,
        provider: inCodeMigrationProvider,
        disableTransactions: true,
        allowUnorderedMigrations: UNORDERED,
      }),
    );
    target.raw.exec('COMMIT');
    return applied;
  } catch (error) {
    if (target.raw.inTransaction) target.raw.exec('ROLLBACK');
    throw error;
  }
}

/**
 * PostgreSQL: Kysely's migrator already takes a session `pg_advisory_lock` around applying
 * migrations (in one transaction), but creates its bookkeeping tables and our schema before
 * that. We hold our own advisory lock, keyed by schema, on a dedicated connection around the
 * whole run, so concurrent start-ups never race on DDL at all.
 */
async function migratePostgres(target: Extract<MigrationTarget, { kind: 'postgres' }>): Promise<string[]> {
  const lockClient = await target.pool.connect();
  const lockKey = `cas-store-migrations:${target.schema}`;
  try {
    await lockClient.query('select pg_advisory_lock(hashtext($1))', [lockKey]);
    try {
      await sql`create schema if not exists ${sql.id(target.schema)}`.execute(target.db);
      return await runMigrator(
        new Migrator({
          db: target.db,
          provider: inCodeMigrationProvider,
          migrationTableSchema: target.schema,
          allowUnorderedMigrations: UNORDERED,
        }),
      );
    } finally {
      await lockClient.query('select pg_advisory_unlock(hashtext($1))', [lockKey]);
    }
  } finally {
    lockClient.release();
  }
}

async function runMigrator(migrator: Migrator): Promise<string[]> {
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    throw new Error(`Database migration ${failed ?? '(before any migration ran)'} failed`, { cause: error });
  }
  return (results ?? [])
    .filter((result) => result.status === 'Success')
    .map((result) => result.migrationName);
}
