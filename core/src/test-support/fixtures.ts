/**
 * Test fixtures for the domain core: tenants driven through the real transitions, so tests start
 * from states the state machine can actually reach.
 */
import { requiredConsentSteps, type ConsentOptions } from '../consent.js';
import { completeProvisioning, emptyProvisioning, grantConsent } from '../provisioning.js';
import { picksUsers, type SiteTarget } from '../service-targets.js';
import type { Actor, ConsentGrant, ConsentStep, SyncScope, Target, TenantProvisioning } from '../model.js';
import type { Result } from '../result.js';
import type { ServiceId } from '../services.js';

/** The tenant every fixture belongs to. */
export const TENANT_ID = '6f1c2a3b-0000-4000-8000-00000000c0de';

/** A fixed start time; `minutesAfterStart` derives later ones. */
export const START = '2025-03-03T09:00:00.000Z';

/** EWS consent step on, as in the source guide. */
export const WITH_EWS: ConsentOptions = { ewsEnabled: true };

/** Graph-only configuration for after the EWS retirement. */
export const GRAPH_ONLY: ConsentOptions = { ewsEnabled: false };

/** The Global Administrator who clicks through the wizard. */
export const ADMIN: Actor = { kind: 'user', userId: 'admin-oid', userPrincipalName: 'admin@contoso.com' };

/** ISO time `minutes` after START. */
export function minutesAfterStart(minutes: number): string {
  return new Date(Date.parse(START) + minutes * 60_000).toISOString();
}

/** The value of an ok Result; fails the test with the refusal otherwise. */
export function valueOf<T, E>(result: Result<T, E>): T {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.error)}`);
  return result.value;
}

/** The error of a refused Result; fails the test when it succeeded. */
export function errorOf<T, E>(result: Result<T, E>): E {
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.value)}`);
  return result.error;
}

/** A grant of `step` proven with exactly the roles the step needs unless `roles` says otherwise. */
export function grantFor(
  service: ServiceId,
  step: ConsentStep,
  options: ConsentOptions = WITH_EWS,
  overrides: { roles?: readonly string[]; grantedAt?: string } = {},
): ConsentGrant {
  const requirement = requiredConsentSteps(service, options).find((candidate) => candidate.step === step);
  return {
    step,
    grantedAt: overrides.grantedAt ?? START,
    grantedBy: ADMIN,
    roles: overrides.roles ?? requirement?.roles ?? [],
  };
}

/** User number `n` as picked by UPN, or from a group when `groupId` is given. */
export function target(n: number, groupId?: string): Target {
  return {
    userId: `00000000-0000-4000-8000-${n.toString().padStart(12, '0')}`,
    userPrincipalName: `user${n}@contoso.com`,
    displayName: `User ${n}`,
    source:
      groupId === undefined ? { kind: 'user' } : { kind: 'group', groupId, groupName: `Group ${groupId}` },
  };
}

/** Users `from` to `from + count - 1`. */
export function targetRange(count: number, from = 1): Target[] {
  return Array.from({ length: count }, (_, index) => target(from + index));
}

/** A SharePoint Online site collection of Contoso, numbered. */
export function site(n: number): SiteTarget {
  return {
    siteId: `contoso.sharepoint.com,00000000-0000-4000-8000-${n.toString().padStart(12, '0')},00000000-0000-4000-9000-000000000001`,
    webUrl: `https://contoso.sharepoint.com/sites/Site${n}`,
    displayName: `Site ${n}`,
  };
}

/** Site collections `from` to `from + count - 1`. */
export function siteRange(count: number, from = 1): SiteTarget[] {
  return Array.from({ length: count }, (_, index) => site(from + index));
}

/** `provisioning` with every consent step of `service` granted. */
export function consentedTenant(
  service: ServiceId,
  provisioning: TenantProvisioning = emptyProvisioning(TENANT_ID),
  options: ConsentOptions = WITH_EWS,
): TenantProvisioning {
  return requiredConsentSteps(service, options).reduce(
    (current, step) =>
      valueOf(grantConsent(current, service, grantFor(service, step.step, options), options)).provisioning,
    provisioning,
  );
}

/** `provisioning` with `service` consented and saved with Done at `now`. */
export function protectedTenant(
  service: ServiceId,
  scope: SyncScope,
  options: {
    provisioning?: TenantProvisioning;
    targets?: readonly Target[];
    sites?: readonly SiteTarget[];
    now?: string;
  } = {},
): TenantProvisioning {
  const consented = consentedTenant(service, options.provisioning);
  const selected = scope === 'selectedUsers';
  // SharePoint Online picks site collections, the others users.
  const selection = picksUsers(service)
    ? { targets: options.targets ?? (selected ? targetRange(2) : []) }
    : { sites: options.sites ?? (selected ? siteRange(2) : []) };
  return valueOf(completeProvisioning(consented, service, { scope, ...selection, now: options.now ?? START }))
    .provisioning;
}
