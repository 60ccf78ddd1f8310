/**
 * The provisioning state machine of a tenant's service accounts:
 * notProvisioned → consentStep1Done → consented → protected ↔ tokenInvalid, plus extend and
 * re-authorise. Every transition returns a new record and the events it caused, or a typed refusal;
 * the input is never mutated and `version` is left to the repository's save.
 */
import {
  missingRoles,
  requiredConsentSteps,
  type ConsentOptions,
  type ConsentStepRequirement,
} from './consent.js';
import { serviceProtectedText } from './notifications.js';
import { err, ok, type Result } from './result.js';
import {
  checkSiteSelection,
  checkTargetKind,
  picksUsers,
  type SiteLimitExceeded,
  type SiteTarget,
  type TargetKindMismatch,
} from './service-targets.js';
import { SERVICE_IDS, SERVICE_NAMES, type ServiceId } from './services.js';
import {
  checkScopeChoice,
  manualSyncAvailability,
  scopeLock,
  type ScopeLockedError,
  type SyncRefusal,
} from './sync-scope.js';
import { addTargets, type TargetLimitExceeded } from './targets.js';
import type {
  ConsentGrant,
  ConsentStep,
  ServiceAccount,
  ServiceAccountStatus,
  SyncScope,
  SyncTrigger,
  Target,
  TenantProvisioning,
  TokenFailureCause,
} from './model.js';

/** Something a transition caused that the caller turns into notifications, audit entries or jobs. */
export type ProvisioningEvent =
  | {
      readonly kind: 'consentGranted';
      readonly service: ServiceId;
      readonly step: ConsentStep;
      readonly roles: readonly string[];
    }
  | { readonly kind: 'serviceConsented'; readonly service: ServiceId }
  | {
      readonly kind: 'scopeSaved';
      readonly service: ServiceId;
      readonly scope: SyncScope;
      readonly previousScope: SyncScope | null;
      readonly targetCount: number;
    }
  | {
      readonly kind: 'serviceProtected';
      readonly service: ServiceId;
      readonly protectedAt: string;
      readonly message: string;
    }
  /** The tenant started synchronizing selected users: offer Extend (R11). */
  | { readonly kind: 'extendOffered'; readonly since: string }
  | {
      readonly kind: 'syncRequested';
      readonly service: ServiceId;
      readonly trigger: SyncTrigger;
      readonly scope: SyncScope;
    }
  | { readonly kind: 'tokenInvalidated'; readonly service: ServiceId; readonly cause: TokenFailureCause }
  | { readonly kind: 'tokenRestored'; readonly service: ServiceId }
  | { readonly kind: 'serviceAccountReauthorised'; readonly service: ServiceId }
  | { readonly kind: 'scopeExtended'; readonly services: readonly ServiceId[]; readonly at: string };

/** Why a transition was refused; `message` is one line an admin can act on. */
export type ProvisioningError =
  | {
      readonly code: 'consent_step_not_required';
      readonly service: ServiceId;
      readonly step: ConsentStep;
      readonly message: string;
    }
  | {
      readonly code: 'consent_step_out_of_order';
      readonly service: ServiceId;
      readonly step: ConsentStep;
      readonly requiredFirst: ConsentStep;
      readonly message: string;
    }
  | {
      readonly code: 'consent_roles_missing';
      readonly service: ServiceId;
      readonly step: ConsentStep;
      readonly missing: readonly string[];
      readonly message: string;
    }
  | {
      readonly code: 'consent_step_missing';
      readonly service: ServiceId;
      readonly missingSteps: readonly ConsentStep[];
      readonly message: string;
    }
  | {
      readonly code: 'consent_required';
      readonly service: ServiceId;
      readonly status: ServiceAccountStatus;
      readonly message: string;
    }
  | { readonly code: 'service_token_invalid'; readonly service: ServiceId; readonly message: string }
  | { readonly code: 'targets_required'; readonly service: ServiceId; readonly message: string }
  | { readonly code: 'extend_not_applicable'; readonly message: string }
  | {
      readonly code: 'invalid_transition';
      readonly service: ServiceId;
      readonly status: ServiceAccountStatus;
      readonly action: string;
      readonly message: string;
    }
  | ScopeLockedError
  | TargetLimitExceeded
  | SiteLimitExceeded
  | TargetKindMismatch;

/** Every code a transition can be refused with. */
export type ProvisioningErrorCode = ProvisioningError['code'];

/** A transition's outcome: the new record and what happened. */
export interface Transition {
  readonly provisioning: TenantProvisioning;
  readonly events: readonly ProvisioningEvent[];
}

/** The result of every transition. */
export type TransitionResult = Result<Transition, ProvisioningError>;

/** A service account before anything was granted. */
export function emptyServiceAccount(service: ServiceId): ServiceAccount {
  return {
    service,
    status: 'notProvisioned',
    consents: [],
    scope: null,
    targets: [],
    sites: [],
    protectedAt: null,
    lastVerifiedAt: null,
    tokenFailure: null,
  };
}

/** A tenant seen for the first time: every service notProvisioned, version 0 (never saved). */
export function emptyProvisioning(tenantId: string): TenantProvisioning {
  const services = Object.fromEntries(SERVICE_IDS.map((service) => [service, emptyServiceAccount(service)]));
  return { tenantId, version: 0, services: services as Record<ServiceId, ServiceAccount> };
}

function withAccount(provisioning: TenantProvisioning, account: ServiceAccount): TenantProvisioning {
  return { ...provisioning, services: { ...provisioning.services, [account.service]: account } };
}

function unchanged(provisioning: TenantProvisioning): TransitionResult {
  return ok({ provisioning, events: [] });
}

function invalidTransition(account: ServiceAccount, action: string, message: string): TransitionResult {
  return err({
    code: 'invalid_transition',
    service: account.service,
    status: account.status,
    action,
    message,
  });
}

function hasGrant(account: ServiceAccount, step: ConsentStep): boolean {
  return account.consents.some((grant) => grant.step === step);
}

const BEFORE_PROTECTION: readonly ServiceAccountStatus[] = [
  'notProvisioned',
  'consentStep1Done',
  'consented',
];

function rolesMissingMessage(resource: string, missing: readonly string[]): string {
  return `The consent for ${resource} was accepted, but the token lacks ${missing.join(', ')}; grant the permissions again.`;
}

/**
 * R5: whether a consent step may start now — it must be one the service uses, and every earlier
 * step must be granted. Returns what the step asks for, so the caller can build the consent URL.
 */
export function checkConsentStep(
  provisioning: TenantProvisioning,
  service: ServiceId,
  step: ConsentStep,
  options: ConsentOptions,
): Result<ConsentStepRequirement, ProvisioningError> {
  const account = provisioning.services[service];
  const steps = requiredConsentSteps(service, options);
  const index = steps.findIndex((requirement) => requirement.step === step);
  const requirement = steps[index];
  if (requirement === undefined) {
    return err({
      code: 'consent_step_not_required',
      service,
      step,
      message: `${SERVICE_NAMES[service]} does not use the ${step === 'exchangeWebServices' ? 'Exchange Web Services' : 'Microsoft Graph'} consent.`,
    });
  }
  const pending = steps.slice(0, index).find((earlier) => !hasGrant(account, earlier.step));
  if (pending !== undefined) {
    return err({
      code: 'consent_step_out_of_order',
      service,
      step,
      requiredFirst: pending.step,
      message: `Complete Step ${pending.stepNumber} before Step ${requirement.stepNumber}.`,
    });
  }
  return ok(requirement);
}

/**
 * R5/R6: records a consent step proven by an app-only token. Steps must be granted in order, the
 * token must carry every role the step needs, and re-granting a done step changes nothing.
 */
export function grantConsent(
  provisioning: TenantProvisioning,
  service: ServiceId,
  grant: ConsentGrant,
  options: ConsentOptions,
): TransitionResult {
  const account = provisioning.services[service];
  const steps = requiredConsentSteps(service, options);
  const checked = checkConsentStep(provisioning, service, grant.step, options);
  if (!checked.ok) return checked;
  const requirement = checked.value;
  const missing = missingRoles(requirement, grant.roles);
  if (missing.length > 0) {
    return err({
      code: 'consent_roles_missing',
      service,
      step: grant.step,
      missing,
      message: rolesMissingMessage(requirement.resource.displayName, missing),
    });
  }
  if (hasGrant(account, grant.step)) return unchanged(provisioning);

  const consents = [...account.consents, grant];
  const allGranted = steps.every((step) => consents.some((done) => done.step === step.step));
  // Granting again after protection (e.g. a new step after a config change) never demotes the account.
  const status: ServiceAccountStatus = BEFORE_PROTECTION.includes(account.status)
    ? allGranted
      ? 'consented'
      : 'consentStep1Done'
    : account.status;
  const next: ServiceAccount = { ...account, consents, status, lastVerifiedAt: grant.grantedAt };
  const events: ProvisioningEvent[] = [
    { kind: 'consentGranted', service, step: grant.step, roles: grant.roles },
  ];
  if (status === 'consented' && account.status !== 'consented')
    events.push({ kind: 'serviceConsented', service });
  return ok({ provisioning: withAccount(provisioning, next), events });
}

/** What the admin chose before clicking Done. */
export interface DoneInput {
  readonly scope: SyncScope;
  /**
   * Selected Targets of Exchange Online and OneDrive (users); required (1 to 100) for
   * selectedUsers, ignored for allUsersAndGroups.
   */
  readonly targets?: readonly Target[];
  /** SharePoint Online's Selected Targets (site collections, verified in Graph); 1 to 100 in selected mode. */
  readonly sites?: readonly SiteTarget[];
  readonly now: string;
}

/** SharePoint Online's selected sites are a set too: the same sites in another order are no change. */
function sameSites(a: readonly SiteTarget[], b: readonly SiteTarget[]): boolean {
  const ids = new Set(a.map((site) => site.siteId.toLowerCase()));
  return (
    ids.size === new Set(b.map((site) => site.siteId.toLowerCase())).size &&
    b.every((site) => ids.has(site.siteId.toLowerCase()))
  );
}

/** R3: Selected Targets are a set of users; the order the admin picked them in is no change. */
function sameTargets(a: readonly Target[], b: readonly Target[]): boolean {
  const ids = new Set(a.map((target) => target.userId));
  return (
    ids.size === new Set(b.map((target) => target.userId)).size && b.every((target) => ids.has(target.userId))
  );
}

/**
 * Done: saves the scope (R1, R2) and Selected Targets (R8), marks the service protected and asks for
 * its first synchronization. On an already protected service (Manage) it updates scope or targets.
 */
export function completeProvisioning(
  provisioning: TenantProvisioning,
  service: ServiceId,
  input: DoneInput,
): TransitionResult {
  const account = provisioning.services[service];
  const name = SERVICE_NAMES[service];
  if (account.status === 'tokenInvalid') {
    return err({
      code: 'service_token_invalid',
      service,
      message: `The access token for ${name} is invalid; create a new access token in Administration > Service Account first.`,
    });
  }
  if (account.status !== 'consented' && account.status !== 'protected') {
    return err({
      code: 'consent_required',
      service,
      status: account.status,
      message: `Grant the consent steps for ${name} before clicking Done.`,
    });
  }
  const scopeCheck = checkScopeChoice(provisioning, service, input.scope);
  if (!scopeCheck.ok) return scopeCheck;

  let targets: readonly Target[] = [];
  let sites: readonly SiteTarget[] = [];
  if (input.scope === 'selectedUsers') {
    const kind = checkTargetKind(service, input);
    if (!kind.ok) return kind;
    if (picksUsers(service)) {
      const selected = addTargets([], input.targets ?? []);
      if (!selected.ok) return selected;
      targets = selected.value.targets;
    } else {
      const selected = checkSiteSelection(input.sites ?? []);
      if (!selected.ok) return selected;
      sites = selected.value;
    }
    if (targets.length === 0 && sites.length === 0) {
      return err({
        code: 'targets_required',
        service,
        message: picksUsers(service)
          ? 'Add at least one user to Selected Targets.'
          : 'Add at least one site collection to Selected Targets.',
      });
    }
  }

  const firstProtection = account.status === 'consented';
  if (
    !firstProtection &&
    account.scope === input.scope &&
    sameTargets(account.targets, targets) &&
    sameSites(account.sites, sites)
  ) {
    return unchanged(provisioning);
  }
  const protectedAt = firstProtection ? input.now : (account.protectedAt ?? input.now);
  const next: ServiceAccount = {
    ...account,
    status: 'protected',
    scope: input.scope,
    targets,
    sites,
    protectedAt,
  };
  const after = withAccount(provisioning, next);

  const events: ProvisioningEvent[] = [
    {
      kind: 'scopeSaved',
      service,
      scope: input.scope,
      previousScope: account.scope,
      targetCount: picksUsers(service) ? targets.length : sites.length,
    },
  ];
  if (firstProtection) {
    events.push({ kind: 'serviceProtected', service, protectedAt, message: serviceProtectedText(service) });
  }
  // A new scope or target list is synchronized once now, whatever the scope (R3 forbids only manual/scheduled).
  events.push({ kind: 'syncRequested', service, trigger: 'initial', scope: input.scope });
  if (scopeLock(provisioning)?.scope !== 'selectedUsers' && input.scope === 'selectedUsers') {
    events.push({ kind: 'extendOffered', since: input.now });
  }
  return ok({ provisioning: after, events });
}

/** R9: a protected service's token stopped working; a second failure adds no event. */
export function recordTokenFailure(
  provisioning: TenantProvisioning,
  service: ServiceId,
  cause: TokenFailureCause,
): TransitionResult {
  const account = provisioning.services[service];
  if (account.status === 'tokenInvalid') {
    // Keep the latest cause for the Service Account page, without a second alert.
    return account.tokenFailure === cause
      ? unchanged(provisioning)
      : ok({ provisioning: withAccount(provisioning, { ...account, tokenFailure: cause }), events: [] });
  }
  if (account.status !== 'protected') {
    return invalidTransition(
      account,
      'recordTokenFailure',
      `${SERVICE_NAMES[service]} is not protected, so it has no token to watch.`,
    );
  }
  return ok({
    provisioning: withAccount(provisioning, { ...account, status: 'tokenInvalid', tokenFailure: cause }),
    events: [{ kind: 'tokenInvalidated', service, cause }],
  });
}

/** R9/R10: a token worked against Graph at `now`; an invalid account is restored. */
export function recordTokenVerified(
  provisioning: TenantProvisioning,
  service: ServiceId,
  now: string,
): TransitionResult {
  const account = provisioning.services[service];
  if (account.status === 'notProvisioned') {
    return invalidTransition(
      account,
      'recordTokenVerified',
      `${SERVICE_NAMES[service]} has no consent yet, so it has no token.`,
    );
  }
  if (account.status === 'tokenInvalid') {
    return ok({
      provisioning: withAccount(provisioning, {
        ...account,
        status: 'protected',
        tokenFailure: null,
        lastVerifiedAt: now,
      }),
      events: [{ kind: 'tokenRestored', service }],
    });
  }
  return ok({ provisioning: withAccount(provisioning, { ...account, lastVerifiedAt: now }), events: [] });
}

/**
 * R10: "Create new access token": consent granted again for a provisioned service and proven with
 * roles for every step; replaces the old grants, clears the failure and restores protection.
 */
export function reauthorise(
  provisioning: TenantProvisioning,
  service: ServiceId,
  grants: readonly ConsentGrant[],
  now: string,
  options: ConsentOptions,
): TransitionResult {
  const account = provisioning.services[service];
  if (account.status !== 'protected' && account.status !== 'tokenInvalid') {
    return invalidTransition(
      account,
      'reauthorise',
      `Provision ${SERVICE_NAMES[service]} before creating a new access token.`,
    );
  }
  const steps = requiredConsentSteps(service, options);
  const missingSteps = steps
    .filter((step) => !grants.some((grant) => grant.step === step.step))
    .map((step) => step.step);
  if (missingSteps.length > 0) {
    return err({
      code: 'consent_step_missing',
      service,
      missingSteps,
      message: `Accept every consent step for ${SERVICE_NAMES[service]} to create a new access token.`,
    });
  }
  const consents: ConsentGrant[] = [];
  for (const step of steps) {
    const grant = grants.find((candidate) => candidate.step === step.step);
    if (grant === undefined) continue;
    const missing = missingRoles(step, grant.roles);
    if (missing.length > 0) {
      return err({
        code: 'consent_roles_missing',
        service,
        step: step.step,
        missing,
        message: rolesMissingMessage(step.resource.displayName, missing),
      });
    }
    consents.push(grant);
  }
  const next: ServiceAccount = {
    ...account,
    consents,
    status: 'protected',
    tokenFailure: null,
    lastVerifiedAt: now,
  };
  const events: ProvisioningEvent[] = [{ kind: 'serviceAccountReauthorised', service }];
  if (account.status === 'tokenInvalid') events.push({ kind: 'tokenRestored', service });
  return ok({ provisioning: withAccount(provisioning, next), events });
}

/**
 * R11: Submit on "Extend to protect all your Office 365 service targets.": every service
 * synchronizing selected users switches to all users and groups (so R2 still holds), and every
 * protected one among them is synchronized at once (R12).
 */
export function extendProtection(provisioning: TenantProvisioning, now: string): TransitionResult {
  const lock = scopeLock(provisioning);
  if (lock?.scope !== 'selectedUsers') {
    return err({
      code: 'extend_not_applicable',
      message:
        lock === undefined
          ? 'No service is provisioned yet, so there is nothing to extend.'
          : 'All services already synchronize all users and groups.',
    });
  }
  let next = provisioning;
  const extended: ServiceId[] = [];
  const syncs: ProvisioningEvent[] = [];
  for (const service of SERVICE_IDS) {
    const account = provisioning.services[service];
    if (account.scope !== 'selectedUsers') continue;
    next = withAccount(next, { ...account, scope: 'allUsersAndGroups', targets: [], sites: [] });
    extended.push(service);
    if (account.status === 'protected') {
      syncs.push({ kind: 'syncRequested', service, trigger: 'extend', scope: 'allUsersAndGroups' });
    }
  }
  return ok({
    provisioning: next,
    events: [{ kind: 'scopeExtended', services: extended, at: now }, ...syncs],
  });
}

/**
 * R3/R4: "Click here to manually synchronize all your targets" (or the bot's `sync`): asks for a
 * synchronization of every service that synchronizes all users and groups. Changes no state; the
 * event becomes a pending run. Refused with the first service's reason when none may run.
 */
export function requestManualSync(
  provisioning: TenantProvisioning,
  services: readonly ServiceId[] = SERVICE_IDS,
): Result<Transition, SyncRefusal> {
  const events: ProvisioningEvent[] = [];
  const refusals: SyncRefusal[] = [];
  for (const service of services) {
    const availability = manualSyncAvailability(provisioning, service);
    if (availability.ok) {
      events.push({ kind: 'syncRequested', service, trigger: 'manual', scope: 'allUsersAndGroups' });
    } else {
      refusals.push(availability.error);
    }
  }
  if (events.length === 0) {
    // Selected mode (R3) or a broken token explains more than "not provisioned yet".
    const refusal =
      refusals.find((candidate) => candidate.code === 'sync_selected_users') ??
      refusals.find((candidate) => candidate.code === 'sync_token_invalid') ??
      refusals[0];
    if (refusal !== undefined) return err(refusal);
  }
  return ok({ provisioning, events });
}
