/**
 * Request budgets, so one runaway tab, script or hostile tenant cannot starve other callers or
 * burn our Graph quota: per signed-in user (tenant + object id) and, for requests that are not
 * authenticated (public routes, refused tokens), per client address. Kept where every API process
 * sees the same count — Redis when `REDIS_URL` is set, else PostgreSQL when `DATABASE_URL` is —
 * so N processes still allow one budget, not N; in memory otherwise (SQLite means one process).
 * The counting is rate-limiter-flexible's (fixed windows, atomic in Redis and PostgreSQL); if the
 * shared store fails, each process falls back to its own in-memory budget rather than refusing
 * or letting everything through.
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import {
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { Logger } from 'pino';

/** Outcome of taking one request from a budget. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Where budgets are counted. */
export type RateLimitStore = 'redis' | 'postgres' | 'memory';

/** Requests allowed per window. */
export interface RateBudgets {
  /** Per signed-in user (tenant and object id). */
  readonly perUser: number;
  /** Per client address, for requests without a valid credential. */
  readonly perAddress: number;
  /** Length of a window in seconds; default 60. */
  readonly windowSeconds?: number;
}

/** Takes requests from callers' budgets. */
export interface RequestLimiter {
  readonly store: RateLimitStore;
  /** One request of a signed-in user (`tenantId:userId`). */
  takeUser(key: string): Promise<RateDecision>;
  /** One unauthenticated request from a client address. */
  takeAddress(address: string): Promise<RateDecision>;
  close(): Promise<void>;
}

/** Options of {@link createRequestLimiter}. */
export interface RequestLimiterOptions {
  readonly budgets: RateBudgets;
  /** `redis://…`: counts in Redis (wins over `databaseUrl`). */
  readonly redisUrl?: string;
  /** `postgres://…`: counts in PostgreSQL (table `api_rate_limits`). */
  readonly databaseUrl?: string;
  /** Namespace of the keys, so deployments (or test runs) sharing a store do not share budgets. */
  readonly keyPrefix?: string;
  readonly logger: Logger;
}

/** Table rate-limiter-flexible creates and keeps in PostgreSQL (its schema is the library's). */
export const RATE_LIMIT_TABLE = 'api_rate_limits';
const DEFAULT_PREFIX = 'cas-api';
const CONNECT_TIMEOUT_MS = 10_000;

/** A limiter counting in memory only (one process); used by tests and SQLite deployments. */
export function createMemoryLimiter(budgets: RateBudgets): RequestLimiter {
  const duration = budgets.windowSeconds ?? 60;
  return limiterOver(
    'memory',
    new RateLimiterMemory({ keyPrefix: 'user', points: budgets.perUser, duration }),
    new RateLimiterMemory({ keyPrefix: 'address', points: budgets.perAddress, duration }),
    async () => undefined,
  );
}

/** Creates the limiter for the configured store; resolves once the store answers. */
export async function createRequestLimiter(options: RequestLimiterOptions): Promise<RequestLimiter> {
  const { budgets } = options;
  const duration = budgets.windowSeconds ?? 60;
  const prefix = options.keyPrefix ?? DEFAULT_PREFIX;
  const insurance = (points: number): RateLimiterMemory => new RateLimiterMemory({ points, duration });

  if (options.redisUrl !== undefined) {
    const client = new Redis(options.redisUrl, {
      connectTimeout: CONNECT_TIMEOUT_MS,
      // A down Redis must not queue requests: the limiter's in-memory insurance answers at once.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
    });
    client.on('error', (error: unknown) =>
      options.logger.warn({ err: error }, 'rate limit store (Redis) failed; limiting per process'),
    );
    await waitUntilReady(client);
    const of = (kind: string, points: number): RateLimiterRedis =>
      new RateLimiterRedis({
        storeClient: client,
        keyPrefix: `${prefix}:${kind}`,
        points,
        duration,
        insuranceLimiter: insurance(points),
      });
    return limiterOver('redis', of('user', budgets.perUser), of('address', budgets.perAddress), async () => {
      client.disconnect();
    });
  }

  if (options.databaseUrl !== undefined) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 4 });
    pool.on('error', (error: unknown) =>
      options.logger.warn({ err: error }, 'rate limit store (PostgreSQL) failed; limiting per process'),
    );
    const of = (kind: string, points: number): Promise<RateLimiterPostgres> =>
      new Promise((resolve, reject) => {
        const limiter: RateLimiterPostgres = new RateLimiterPostgres(
          {
            storeClient: pool,
            storeType: 'pool',
            tableName: RATE_LIMIT_TABLE,
            keyPrefix: `${prefix}:${kind}`,
            points,
            duration,
            insuranceLimiter: insurance(points),
          },
          (error?: unknown) => (error ? reject(asError(error)) : resolve(limiter)),
        );
      });
    try {
      // One after the other: both create the same table, and PostgreSQL's CREATE TABLE IF NOT
      // EXISTS is not safe against itself.
      const user = await of('user', budgets.perUser);
      const address = await of('address', budgets.perAddress);
      return limiterOver('postgres', user, address, () => pool.end());
    } catch (error) {
      await pool.end();
      throw error;
    }
  }

  return createMemoryLimiter(budgets);
}

function limiterOver(
  store: RateLimitStore,
  user: RateLimiterAbstract,
  address: RateLimiterAbstract,
  close: () => Promise<void>,
): RequestLimiter {
  return {
    store,
    takeUser: (key) => take(user, key),
    takeAddress: (key) => take(address, key),
    close,
  };
}

async function take(limiter: RateLimiterAbstract, key: string): Promise<RateDecision> {
  try {
    await limiter.consume(key);
    return { allowed: true };
  } catch (rejection) {
    // rate-limiter-flexible rejects with a RateLimiterRes when the budget is spent; anything else
    // (the store and its insurance both failing) is unexpected and stays an error.
    if (rejection instanceof RateLimiterRes) {
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
    }
    throw rejection;
  }
}

function waitUntilReady(client: Redis): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.disconnect();
      reject(new Error(`Redis did not answer within ${CONNECT_TIMEOUT_MS / 1000} s (REDIS_URL).`));
    }, CONNECT_TIMEOUT_MS);
    client.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
