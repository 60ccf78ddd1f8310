/**
 * Graph throttling for identity and access (users, groups): token buckets of resource units per
 * app+tenant (3,500–8,000 per 10 s) and per app across tenants (150,000 per 20 s), and Graph's
 * global 130,000 requests per 10 s per app across tenants, refilled continuously. A request that does not fit is
 * refused with 429 and a `Retry-After` computed from the refill rate, like the real service.
 */
import { tenantQuota } from './resource-units.js';
import type { EmulatorStats } from '../contracts.js';

/** Options of {@link createGraphThrottling}. */
export interface GraphThrottlingOptions {
  /** On by default, like the real service. */
  enabled?: boolean;
  /** Scales every quota (e.g. 0.01 to hit 429 quickly in tests). Default 1. */
  quotaMultiplier?: number;
  /** Clock in epoch milliseconds (default `Date.now`); tests inject their own. */
  now?: () => number;
  /** Receives charged units and 429s (optional). */
  stats?: Pick<EmulatorStats, 'recordResourceUnits' | 'recordThrottled'>;
}

/** Settings changeable at run time (tests, control API). */
export interface ThrottlingSettings {
  enabled: boolean;
  quotaMultiplier: number;
}

/** A request to charge. */
export interface ThrottleCharge {
  tenantId: string;
  appId: string;
  /** Current users in the tenant (decides the app+tenant quota). */
  tenantUserCount: number;
  /** Route label for statistics, e.g. `GET /v1.0/users`. */
  route: string;
  /** Resource units (see `resourceUnitCost`). */
  cost: number;
}

/** Outcome of a charge: headers to add to the response either way. */
export type ThrottleDecision =
  | { allowed: true; headers: Record<string, string> }
  | { allowed: false; retryAfterSeconds: number; headers: Record<string, string> };

/** The throttling service the Graph handler calls once per (inner) request. */
export interface GraphThrottling {
  /** Charges a request, or refuses it when a bucket lacks the units. */
  charge(request: ThrottleCharge): ThrottleDecision;
  /** Changes settings; omitted fields keep their value. Buckets refill to full on change. */
  configure(settings: Partial<ThrottlingSettings>): void;
  /** Current settings. */
  settings(): ThrottlingSettings;
  /** Refills every bucket. */
  reset(): void;
}

const TENANT_WINDOW_MS = 10_000;
const APP_QUOTA = 150_000;
const APP_WINDOW_MS = 20_000;
/** Graph's global limit: requests (whatever their cost) per app across all tenants. */
const APP_REQUEST_QUOTA = 130_000;
const APP_REQUEST_WINDOW_MS = 10_000;

interface Bucket {
  units: number;
  updatedAt: number;
}

/** Creates the throttling service (one per emulator). */
export function createGraphThrottling(options: GraphThrottlingOptions = {}): GraphThrottling {
  const now = options.now ?? Date.now;
  const current: ThrottlingSettings = {
    enabled: options.enabled ?? true,
    quotaMultiplier: options.quotaMultiplier ?? 1,
  };
  const buckets = new Map<string, Bucket>();

  /** Refills a bucket for the time elapsed and returns it (created full). */
  const refill = (key: string, capacity: number, windowMs: number, at: number): Bucket => {
    let bucket = buckets.get(key);
    if (!bucket) {
      bucket = { units: capacity, updatedAt: at };
      buckets.set(key, bucket);
      return bucket;
    }
    const elapsed = Math.max(0, at - bucket.updatedAt);
    bucket.units = Math.min(capacity, bucket.units + (elapsed * capacity) / windowMs);
    bucket.updatedAt = at;
    return bucket;
  };

  return {
    charge(request) {
      const headers: Record<string, string> = { 'x-ms-resource-unit': String(request.cost) };
      if (!current.enabled) return { allowed: true, headers };
      const at = now();
      const tenantCapacity = tenantQuota(request.tenantUserCount) * current.quotaMultiplier;
      const appCapacity = APP_QUOTA * current.quotaMultiplier;
      const tenantBucket = refill(
        `t|${request.appId}|${request.tenantId}`,
        tenantCapacity,
        TENANT_WINDOW_MS,
        at,
      );
      const appBucket = refill(`a|${request.appId}`, appCapacity, APP_WINDOW_MS, at);
      const requestCapacity = APP_REQUEST_QUOTA * current.quotaMultiplier;
      const requestBucket = refill(`r|${request.appId}`, requestCapacity, APP_REQUEST_WINDOW_MS, at);
      const limits = [
        {
          bucket: tenantBucket,
          capacity: tenantCapacity,
          windowMs: TENANT_WINDOW_MS,
          scope: `Tenant_Application/Read/${request.appId}/${request.tenantId}`,
          charge: request.cost,
        },
        {
          bucket: appBucket,
          capacity: appCapacity,
          windowMs: APP_WINDOW_MS,
          scope: `Application/Read/${request.appId}`,
          charge: request.cost,
        },
        {
          bucket: requestBucket,
          capacity: requestCapacity,
          windowMs: APP_REQUEST_WINDOW_MS,
          scope: `Application/All/${request.appId}`,
          charge: 1,
        },
      ];
      const short = limits.find((limit) => limit.bucket.units < limit.charge);
      if (short) {
        const missing = short.charge - short.bucket.units;
        const seconds = (missing * short.windowMs) / short.capacity / 1000;
        // Round up to a tenth so a client that waits exactly Retry-After finds the units there.
        const retryAfterSeconds = Math.max(0.1, Math.ceil(seconds * 10) / 10);
        headers['Retry-After'] = String(retryAfterSeconds);
        headers['x-ms-throttle-scope'] = short.scope;
        headers['x-ms-throttle-limit-percentage'] = usage(
          short.capacity - short.bucket.units + short.charge,
          short.capacity,
        );
        options.stats?.recordThrottled(request.route);
        return { allowed: false, retryAfterSeconds, headers };
      }
      for (const limit of limits) limit.bucket.units -= limit.charge;
      options.stats?.recordResourceUnits(request.tenantId, request.appId, request.cost);
      const busiest = limits
        .map((limit) => ({ ...limit, used: (limit.capacity - limit.bucket.units) / limit.capacity }))
        .sort((a, b) => b.used - a.used)[0];
      if (busiest && busiest.used > 0.8) {
        headers['x-ms-throttle-limit-percentage'] = usage(
          busiest.capacity - busiest.bucket.units,
          busiest.capacity,
        );
        headers['x-ms-throttle-scope'] = busiest.scope;
      }
      return { allowed: true, headers };
    },
    configure(settings) {
      if (settings.enabled !== undefined) current.enabled = settings.enabled;
      if (settings.quotaMultiplier !== undefined) {
        if (!(settings.quotaMultiplier > 0))
          throw new RangeError('quotaMultiplier must be a positive number.');
        current.quotaMultiplier = settings.quotaMultiplier;
      }
      buckets.clear();
    },
    settings: () => ({ ...current }),
    reset: () => buckets.clear(),
  };
}

/** The header's value: used fraction of the limit with one decimal (0.8 … 1.8 per the documentation). */
function usage(used: number, capacity: number): string {
  return (Math.floor((used / capacity) * 10) / 10).toFixed(1);
}
