/**
 * Resource-unit cost of a Graph request, as the identity-and-access throttling documentation
 * defines it: a base cost per endpoint, adjusted by query options, never below 1.
 */

/** Which cost row of the documentation a request falls into. */
export type CostedEndpoint = 'users' | 'members' | 'transitiveMembers' | 'other';

/** What the cost depends on. */
export interface CostedRequest {
  endpoint: CostedEndpoint;
  /** `$select` present: the service fetches fewer attributes (−1). */
  hasSelect: boolean;
  /** `$expand` present: the service joins more objects (+1). */
  hasExpand: boolean;
  /** `$top` value when given; below 20 the page is cheap (−1). */
  top: number | undefined;
}

const BASE_COST: Readonly<Record<CostedEndpoint, number>> = {
  users: 2,
  members: 3,
  transitiveMembers: 5,
  other: 1,
};

/** Resource units a request costs. */
export function resourceUnitCost(request: CostedRequest): number {
  let cost = BASE_COST[request.endpoint];
  if (request.hasSelect) cost -= 1;
  if (request.hasExpand) cost += 1;
  if (request.top !== undefined && request.top < 20) cost -= 1;
  return Math.max(1, cost);
}

/** Resource-unit quota per 10 s of one app in one tenant, by the tenant's number of users. */
export function tenantQuota(userCount: number): number {
  if (userCount < 50) return 3_500;
  if (userCount <= 500) return 5_000;
  return 8_000;
}
