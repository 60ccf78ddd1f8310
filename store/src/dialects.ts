/**
 * Everything that differs between SQLite and PostgreSQL lives here: opening the connection,
 * how a write transaction starts, and how each driver reports a unique violation. The schema,
 * migrations and queries elsewhere are written once for both.
 */
import SqliteDatabase from 'better-sqlite3';
import { CompiledQuery, PostgresDialect, SqliteDialect, SqliteDriver } from 'kysely';
import pg from 'pg';
import type { DatabaseConnection, Dialect, Driver } from 'kysely';

/** The two supported backends. */
export type DatabaseKind = 'sqlite' | 'postgres';

/** Which backend a `DATABASE_URL` selects: unset or empty → SQLite, `postgres://` → PostgreSQL. */
export function databaseKind(url: string | undefined): DatabaseKind {
  if (url === undefined || url.trim() === '') return 'sqlite';
  if (/^postgres(ql)?:\/\//i.test(url.trim())) return 'postgres';
  // Never echo the URL: it may carry a password.
  throw new Error(
    'DATABASE_URL must be unset (embedded SQLite) or a postgres:// or postgresql:// URL; got another scheme',
  );
}

/** A PostgreSQL schema name we are willing to interpolate into `search_path` and DDL. */
export function assertSchemaName(schema: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`PostgreSQL schema name must match [a-z_][a-z0-9_]*, got "${schema}"`);
  }
}

/** An opened SQLite database: the Kysely dialect plus the raw handle for start-up locking. */
export interface SqliteConnectionSet {
  readonly dialect: Dialect;
  readonly raw: SqliteDatabase.Database;
}

/** Opens (creating if needed) the SQLite file with WAL, a busy timeout and foreign keys. */
export function openSqlite(file: string, busyTimeoutMs: number): SqliteConnectionSet {
  const raw = new SqliteDatabase(file);
  // busy_timeout first, so switching to WAL waits for another process instead of failing.
  raw.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
  raw.pragma('journal_mode = WAL');
  // NORMAL is durable across application crashes in WAL mode and much faster than FULL.
  raw.pragma('synchronous = NORMAL');
  // A sync page dirties pages all over the snapshot's B-trees (random object ids): a 32 MB page
  // cache keeps the hot ones, and checkpointing the WAL every ~40 MB rather than every 4 MB writes
  // each hot page back once per checkpoint instead of ten times (profiled in docs/benchmarks.md).
  raw.pragma('cache_size = -32000');
  raw.pragma('wal_autocheckpoint = 10000');
  raw.pragma('foreign_keys = ON');
  return { dialect: new ImmediateSqliteDialect(raw, busyTimeoutMs), raw };
}

/** An opened PostgreSQL pool and its dialect. */
export interface PostgresConnectionSet {
  readonly dialect: Dialect;
  readonly pool: pg.Pool;
}

/** Creates a pool whose connections see only `schema` (so tests and tenants of a server can be isolated). */
export function openPostgres(
  url: string,
  schema: string,
  poolMax: number,
  onBackgroundError: (error: Error) => void,
): PostgresConnectionSet {
  assertSchemaName(schema);
  const pool = new pg.Pool({ connectionString: url, max: poolMax, options: `-c search_path=${schema}` });
  // An idle client losing its connection emits on the pool; unhandled, that would kill the process.
  pool.on('error', onBackgroundError);
  return { dialect: new PostgresDialect({ pool }), pool };
}

/**
 * Starts a write transaction on the raw SQLite handle, waiting asynchronously for another
 * connection's write lock. SQLite's own busy handler would block the event loop (better-sqlite3
 * is synchronous), and a connection in the same process could then never finish and release it.
 */
export async function beginImmediate(raw: SqliteDatabase.Database, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const previous = Number(raw.pragma('busy_timeout', { simple: true }));
  raw.pragma('busy_timeout = 0');
  try {
    for (;;) {
      try {
        raw.exec('BEGIN IMMEDIATE');
        return;
      } catch (error) {
        if (!isSqliteBusy(error) || Date.now() >= deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
      }
    }
  } finally {
    raw.pragma(`busy_timeout = ${previous}`);
  }
}

/** True when a driver error is a unique or primary-key violation, in either backend. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  // PostgreSQL: SQLSTATE 23505; better-sqlite3: extended result codes.
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

function isSqliteBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/**
 * Kysely's SQLite dialect, except that transactions start with BEGIN IMMEDIATE: a deferred
 * transaction that reads and then writes can fail outright when another process wrote in
 * between, whereas taking the write lock up front makes it wait its turn. Kysely's driver
 * already queues this process's transactions on its single connection.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  readonly #raw: SqliteDatabase.Database;
  readonly #busyTimeoutMs: number;

  constructor(raw: SqliteDatabase.Database, busyTimeoutMs: number) {
    super({ database: raw });
    this.#raw = raw;
    this.#busyTimeoutMs = busyTimeoutMs;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#raw, this.#busyTimeoutMs);
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  readonly #raw: SqliteDatabase.Database;
  readonly #busyTimeoutMs: number;

  constructor(raw: SqliteDatabase.Database, busyTimeoutMs: number) {
    super({ database: raw });
    this.#raw = raw;
    this.#busyTimeoutMs = busyTimeoutMs;
  }

  override async beginTransaction(_connection: DatabaseConnection): Promise<void> {
    await beginImmediate(this.#raw, this.#busyTimeoutMs);
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    // A failed statement may already have ended the transaction; rolling back again would throw
    // "no transaction is active" and hide the original error.
    if (this.#raw.inTransaction) await connection.executeQuery(CompiledQuery.raw('rollback'));
  }
}
