/**
 * Per-caller request budget (token bucket), so one runaway tab or script cannot starve a tenant's
 * other admins or burn our Graph quota. In-process: with several API processes each enforces its
 * own share, which is acceptable for a safety limit.
 */

/** Outcome of taking one request from a caller's budget. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Options of the limiter. */
export interface RateLimiterOptions {
  /** Requests a caller may burst. */
  capacity: number;
  /** Requests added back per second. */
  refillPerSecond: number;
  /** Milliseconds clock; injectable for tests. */
  now?: () => number;
}

/** Creates a limiter keyed by caller (e.g. `tenantId:userId`). */
export function createRateLimiter(options: RateLimiterOptions) {
  const now = options.now ?? Date.now;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return function take(key: string): RateDecision {
    const time = now();
    const bucket = buckets.get(key) ?? { tokens: options.capacity, at: time };
    const refilled = Math.min(
      options.capacity,
      bucket.tokens + ((time - bucket.at) / 1000) * options.refillPerSecond,
    );
    if (refilled < 1) {
      buckets.set(key, { tokens: refilled, at: time });
      return { allowed: false, retryAfterSeconds: Math.ceil((1 - refilled) / options.refillPerSecond) };
    }
    buckets.set(key, { tokens: refilled - 1, at: time });
    // Forget idle callers so the map does not grow with every user ever seen.
    if (buckets.size > 10_000) {
      for (const [staleKey, stale] of buckets) {
        if (time - stale.at > 60_000) buckets.delete(staleKey);
      }
    }
    return { allowed: true };
  };
}
