/**
 * Request statistics the control API reports: requests per route (by status), resource units spent
 * per tenant and app, 429s sent by Graph throttling, faults injected, errors.
 */
import type { EmulatorStats } from '../contracts.js';

/** Counters of one route label. */
export interface RouteCounters {
  requests: number;
  /** Responses with status ≥ 400. */
  errors: number;
  /** 429s sent by Graph throttling on this route. */
  throttled: number;
  /** Count per HTTP status. */
  statuses: Record<string, number>;
}

/** Kinds of injected faults. */
export type FaultKind = 'latency' | 'status429' | 'status503' | 'drop';

/** What `GET /_emulator/stats` returns. */
export interface StatsSnapshot {
  /** ISO time of the last reset (or start). */
  since: string;
  totalRequests: number;
  errors: number;
  throttled: number;
  resourceUnits: { total: number; byTenantApp: { tenantId: string; appId: string; units: number }[] };
  faults: Record<FaultKind, number>;
  routes: Record<string, RouteCounters>;
}

/** In-memory {@link EmulatorStats} with a snapshot and a reset. */
export class RequestStats implements EmulatorStats {
  readonly #now: () => number;
  #since: number;
  #routes = new Map<string, RouteCounters>();
  #units = new Map<string, { tenantId: string; appId: string; units: number }>();
  #faults: Record<FaultKind, number> = { latency: 0, status429: 0, status503: 0, drop: 0 };

  constructor(now: () => number = Date.now) {
    this.#now = now;
    this.#since = now();
  }

  /** Counts one answered request. */
  recordRequest(route: string, status: number): void {
    const counters = this.#route(route);
    counters.requests += 1;
    if (status >= 400) counters.errors += 1;
    counters.statuses[String(status)] = (counters.statuses[String(status)] ?? 0) + 1;
  }

  /** Adds resource units charged by Graph throttling. */
  recordResourceUnits(tenantId: string, appId: string, units: number): void {
    const key = `${tenantId}|${appId}`;
    const entry = this.#units.get(key) ?? { tenantId, appId, units: 0 };
    entry.units += units;
    this.#units.set(key, entry);
  }

  /** Counts a 429 sent by Graph throttling. */
  recordThrottled(route: string): void {
    this.#route(route).throttled += 1;
  }

  /** Counts an injected fault. */
  recordFault(kind: FaultKind): void {
    this.#faults[kind] += 1;
  }

  /** A copy of every counter. */
  snapshot(): StatsSnapshot {
    const routes: Record<string, RouteCounters> = {};
    let totalRequests = 0;
    let errors = 0;
    let throttled = 0;
    for (const [route, counters] of [...this.#routes].sort(([a], [b]) => a.localeCompare(b))) {
      routes[route] = { ...counters, statuses: { ...counters.statuses } };
      totalRequests += counters.requests;
      errors += counters.errors;
      throttled += counters.throttled;
    }
    const byTenantApp = [...this.#units.values()].map((entry) => ({ ...entry }));
    return {
      since: new Date(this.#since).toISOString(),
      totalRequests,
      errors,
      throttled,
      resourceUnits: { total: byTenantApp.reduce((sum, entry) => sum + entry.units, 0), byTenantApp },
      faults: { ...this.#faults },
      routes,
    };
  }

  /** Zeroes every counter. */
  reset(): void {
    this.#since = this.#now();
    this.#routes = new Map();
    this.#units = new Map();
    this.#faults = { latency: 0, status429: 0, status503: 0, drop: 0 };
  }

  #route(route: string): RouteCounters {
    let counters = this.#routes.get(route);
    if (!counters) {
      counters = { requests: 0, errors: 0, throttled: 0, statuses: {} };
      this.#routes.set(route, counters);
    }
    return counters;
  }
}
