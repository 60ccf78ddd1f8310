/**
 * Composition root of the store: picks the backend from `DATABASE_URL`, migrates, and wires the
 * repositories to the root connection or to a transaction.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kysely, sql } from 'kysely';
import { databaseKind, openPostgres, openSqlite } from './dialects.js';
import { migrateToLatest } from './migrate.js';
import { SqlAuditRepository } from './repositories/audit-repository.js';
import { SqlBotCredentialUseRepository } from './repositories/bot-credential-use-repository.js';
import { SqlChangeNotificationRepository } from './repositories/change-notification-repository.js';
import { SqlConsentStateRepository } from './repositories/consent-state-repository.js';
import { SqlConversationReferenceRepository } from './repositories/conversation-reference-repository.js';
import { SqlDirectorySnapshotRepository } from './repositories/directory-snapshot-repository.js';
import { SqlNotificationDeliveryRepository } from './repositories/notification-delivery-repository.js';
import { SqlNotificationRepository } from './repositories/notification-repository.js';
import { SqlProtectedSiteRepository } from './repositories/protected-site-repository.js';
import { SqlProtectedTargetRepository } from './repositories/protected-target-repository.js';
import { SqlProvisioningRepository } from './repositories/provisioning-repository.js';
import { SqlSecretRepository } from './repositories/secret-repository.js';
import {
  postgresBulkWriter,
  sqliteBulkWriter,
  type SnapshotBulkWriter,
} from './repositories/snapshot-bulk-writes.js';
import { SqlSyncJobRepository } from './repositories/sync-job-repository.js';
import { SqlSyncRunRepository } from './repositories/sync-run-repository.js';
import { SqlTokenIncidentRepository } from './repositories/token-incident-repository.js';
import { SecretCipher } from './secret-cipher.js';
import { StoreError } from './store-error.js';
import type { DatabaseKind } from './dialects.js';
import type { MigrationTarget } from './migrate.js';
import type { Database } from './schema.js';
import type { Repositories, Store } from '@cas/core';
import type {
  KyselyPlugin,
  LogEvent,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';

/** File name of the embedded database inside the data directory. */
export const SQLITE_FILE_NAME = 'cas.sqlite';

/** Options of `createStore`; only `encryptionKey` is required. */
export interface StoreOptions {
  /** `DATABASE_URL`: unset or empty → embedded SQLite; `postgres://…` → PostgreSQL. */
  readonly databaseUrl?: string | undefined;
  /** SQLite only: directory of `cas.sqlite`, created if missing. Default `<repo>/.data`. */
  readonly dataDir?: string | undefined;
  /** `SECRET_DATA_ENCRYPTION_KEY`: 32 bytes, base64; encrypts the secrets table. */
  readonly encryptionKey: string;
  /** Keys used before a rotation, still accepted for reading. Default none. */
  readonly previousEncryptionKeys?: readonly string[];
  /** PostgreSQL only: schema holding the tables (created if missing). Default `public`. */
  readonly schema?: string;
  /** PostgreSQL only: connections in the pool, at least 2. Default 10. */
  readonly poolMax?: number;
  /** How long to wait for another process's lock before failing, in ms. Default 5000. */
  readonly busyTimeoutMs?: number;
  /** Clock for `updated_at` columns. Default: the current time as ISO-8601. */
  readonly now?: () => string;
  /** Called with the text of every statement the store runs (for tests and benchmarks counting queries). */
  readonly onQuery?: (sql: string) => void;
  /** PostgreSQL only: errors of idle pooled connections. Default `process.emitWarning`. */
  readonly onBackgroundError?: (error: Error) => void;
}

/** The store's settings as every process reads them from its environment. */
export interface StoreEnvironment {
  readonly DATABASE_URL?: string | undefined;
  readonly DATA_DIR: string;
  readonly SECRET_DATA_ENCRYPTION_KEY: string;
}

/** The options of `createStore` from those settings (the API, the worker and the bot alike). */
export function storeOptionsFrom(environment: StoreEnvironment): StoreOptions {
  return {
    databaseUrl: environment.DATABASE_URL,
    dataDir: environment.DATA_DIR,
    encryptionKey: environment.SECRET_DATA_ENCRYPTION_KEY,
  };
}

/** Core's `Store` plus what operators and tests need to know about the backend. */
export interface DurableStore extends Store {
  /** Which backend this store uses. */
  readonly kind: DatabaseKind;
  /** Applies pending migrations (already done by `createStore`); returns the names applied. */
  migrate(): Promise<string[]>;
}

/** Default data directory: `.data/` at the repository root (also right from `store/dist/`). */
export function defaultDataDir(): string {
  return fileURLToPath(new URL('../../.data/', import.meta.url));
}

/** Opens the store selected by `options.databaseUrl`, applying migrations before returning. */
export async function createStore(options: StoreOptions): Promise<DurableStore> {
  const kind = databaseKind(options.databaseUrl);
  const cipher = new SecretCipher(options.encryptionKey, {
    previousKeys: options.previousEncryptionKeys ?? [],
  });
  const busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
  const now = options.now ?? (() => new Date().toISOString());
  const insideTransaction = new AsyncLocalStorage<true>();

  const onQuery = options.onQuery;
  const log = onQuery === undefined ? {} : { log: (event: LogEvent) => onQuery(event.query.sql) };
  let db: Kysely<Database>;
  let target: MigrationTarget;
  let bulk: SnapshotBulkWriter;
  if (kind === 'sqlite') {
    const dataDir = options.dataDir ?? defaultDataDir();
    mkdirSync(dataDir, { recursive: true });
    const { dialect, raw } = openSqlite(join(dataDir, SQLITE_FILE_NAME), busyTimeoutMs);
    db = new Kysely<Database>({ dialect, ...log });
    target = { kind, db, raw, busyTimeoutMs };
    bulk = sqliteBulkWriter(raw);
  } else {
    const poolMax = options.poolMax ?? 10;
    // The migration lock holds one connection while the migrator needs another.
    if (!Number.isInteger(poolMax) || poolMax < 2)
      throw new RangeError(`poolMax must be an integer ≥ 2, got ${poolMax}`);
    const schema = options.schema ?? 'public';
    const onBackgroundError = options.onBackgroundError ?? ((error: Error) => process.emitWarning(error));
    const { dialect, pool } = openPostgres(options.databaseUrl ?? '', schema, poolMax, onBackgroundError);
    db = new Kysely<Database>({ dialect, ...log });
    target = { kind, db, pool, schema };
    bulk = postgresBulkWriter();
  }

  try {
    await migrateToLatest(target);
  } catch (error) {
    await db.destroy();
    throw error;
  }

  const repositories = (executor: Kysely<Database>): Repositories => ({
    provisioning: new SqlProvisioningRepository(executor, now, kind),
    notifications: new SqlNotificationRepository(executor),
    audit: new SqlAuditRepository(executor),
    syncRuns: new SqlSyncRunRepository(executor),
    tokenIncidents: new SqlTokenIncidentRepository(executor),
    secrets: new SqlSecretRepository(executor, cipher, now),
    consentStates: new SqlConsentStateRepository(executor),
    botCredentialUses: new SqlBotCredentialUseRepository(executor),
    conversations: new SqlConversationReferenceRepository(executor),
    notificationDeliveries: new SqlNotificationDeliveryRepository(executor),
    directorySnapshots: new SqlDirectorySnapshotRepository(executor, bulk),
    syncJobs: new SqlSyncJobRepository(executor),
    changeNotifications: new SqlChangeNotificationRepository(executor),
    protectedTargets: new SqlProtectedTargetRepository(executor),
    protectedSites: new SqlProtectedSiteRepository(executor),
  });
  // The root repositories refuse to run inside `transaction(work)`: on SQLite they would wait
  // for the transaction's own connection forever, and on PostgreSQL silently escape it.
  const root = db.withPlugin(new OutsideTransactionGuard(insideTransaction));

  return {
    kind,
    ...repositories(root),
    async transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T> {
      if (insideTransaction.getStore() === true) {
        throw new StoreError('nested_transaction', 'store.transaction was called inside another transaction');
      }
      return insideTransaction.run(true, () => db.transaction().execute((trx) => work(repositories(trx))));
    },
    async ping(): Promise<boolean> {
      try {
        await sql`select 1`.execute(root);
        return true;
      } catch {
        return false;
      }
    },
    async close(): Promise<void> {
      await db.destroy();
    },
    migrate: () => migrateToLatest(target),
  };
}

/** Kysely plugin that fails a root-store query issued from inside `transaction(work)`. */
class OutsideTransactionGuard implements KyselyPlugin {
  readonly #insideTransaction: AsyncLocalStorage<true>;

  constructor(insideTransaction: AsyncLocalStorage<true>) {
    this.#insideTransaction = insideTransaction;
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (this.#insideTransaction.getStore() === true) {
      throw new StoreError(
        'outside_transaction',
        'Inside store.transaction(work), use the repositories passed to work, not the store itself',
      );
    }
    return args.node;
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }
}
