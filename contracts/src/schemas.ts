/**
 * The shapes of the API's answers, as zod schemas: the only definition of them. The API's handlers
 * are typed by them, its tests check every answer against them, the OpenAPI description is
 * generated from them, and the tab and the bot parse what they receive with them.
 *
 * Answers are strict objects: a field the contract does not name (a secret a handler let slip, a
 * field renamed on one side) fails the check instead of passing unnoticed. Domain values are
 * `@cas/core`'s types; the compile-time checks at the end keep both in step.
 */
import {
  CONSENT_APP_IDS,
  SERVICE_IDS,
  type AuditEvent,
  type DirectoryGroup,
  type DirectoryUser,
  type Notification,
  type QueuedSyncRun,
  type SiteTarget,
  type SyncRun,
  type Target,
} from '@cas/core';
import { z } from 'zod';
import './without-eval.js';

/** A value whose arrays and fields are all read-only (what handlers build from `core`'s types). */
export type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

export const serviceIdSchema = z.enum(SERVICE_IDS);
export const syncScopeSchema = z.enum(['allUsersAndGroups', 'selectedUsers']);
export const consentStepSchema = z.enum(['exchangeWebServices', 'microsoftGraph']);
export const consentAppIdSchema = z.enum(CONSENT_APP_IDS);
export const serviceAccountStatusSchema = z.enum([
  'notProvisioned',
  'consentStep1Done',
  'consented',
  'protected',
  'tokenInvalid',
]);
export const tokenFailureCauseSchema = z.enum([
  'consentRevoked',
  'servicePrincipalMissing',
  'rolesRemoved',
  'secretExpired',
  'appDisabled',
  'unknownTenant',
  'other',
]);

const isoTime = z.string().describe('ISO 8601 time');

/** Someone or something that caused a change. */
export const actorSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('user'), userId: z.string(), userPrincipalName: z.string() }),
  z.strictObject({ kind: z.literal('system'), component: z.string() }),
]);

/** Where an admin found a Selected Target. */
export const targetSourceSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('user') }),
  z.strictObject({ kind: z.literal('group'), groupId: z.string(), groupName: z.string() }),
]);

/** A user in Selected Targets. */
export const targetSchema = z.strictObject({
  userId: z.string(),
  userPrincipalName: z.string(),
  displayName: z.string(),
  source: targetSourceSchema,
});

/** A SharePoint Online site collection in Selected Targets, as Graph verified it (issue 17). */
export const siteTargetSchema = z.strictObject({
  /** Graph's site id (`{hostname},{site collection id},{web id}`). */
  siteId: z.string(),
  webUrl: z.string(),
  displayName: z.string(),
});

/**
 * What a service protects after its last successful synchronization: mailboxes (Exchange Online),
 * site collections (SharePoint Online) or OneDrive accounts (OneDrive), with core's wording.
 */
export const protectedTargetsSchema = z.strictObject({
  count: z.number().int(),
  /** `targetCountText` of core: "1,204 mailboxes", "37 site collections", "980 OneDrive accounts". */
  text: z.string(),
  lastSynchronizedAt: isoTime.nullable(),
});

/** One synchronization run. */
export const syncRunSchema = z.strictObject({
  id: z.string(),
  tenantId: z.string(),
  service: serviceIdSchema,
  trigger: z.enum(['initial', 'manual', 'scheduled', 'delta', 'extend']),
  scope: syncScopeSchema,
  status: z.enum(['pending', 'running', 'succeeded', 'failed', 'dead', 'cancelled']),
  requestedAt: isoTime,
  requestedBy: actorSchema,
  startedAt: isoTime.nullable(),
  finishedAt: isoTime.nullable(),
  added: z.number().int(),
  updated: z.number().int(),
  removed: z.number().int(),
  graphRequests: z.number().int(),
  error: z.string().nullable(),
  /** R14: why a `cancelled` run was cancelled. */
  cancelReason: z
    .enum(['scopeChanged', 'serviceNotProtected', 'tokenInvalid', 'noTargets', 'superseded'])
    .nullable(),
  /** Selected targets the run found missing from the directory. */
  missingTargets: z.array(
    z.strictObject({
      userId: z.string(),
      userPrincipalName: z.string(),
      displayName: z.string(),
      /** A missing SharePoint Online site collection: its URL (userId is then its site id). */
      webUrl: z.string().optional(),
    }),
  ),
  /** What the service protected after this run; null until it succeeded. */
  protectedTargets: z.number().int().nullable(),
});

/** A run in a sync request's answer: `alreadyQueued` when it was queued before (R13). */
export const queuedSyncRunSchema = syncRunSchema.extend({ alreadyQueued: z.boolean() });

/** One consent step of a service, granted or not. */
export const consentStepViewSchema = z.strictObject({
  step: consentStepSchema,
  stepNumber: z.number().int(),
  resource: z.string(),
  roles: z.array(z.string()),
  /** Why the step is needed, in the words the wizard shows (the API owns this text). */
  purpose: z.string(),
  granted: z.boolean(),
  grantedAt: isoTime.nullable(),
  /** User principal name of the admin who granted it (or the component, for a system grant). */
  grantedBy: z.string().nullable(),
  grantedRoles: z.array(z.string()),
  /** The app registration this step consents to (one per consent step, ADR 0013). */
  app: consentAppIdSchema,
  /** Its display name, as the consent page and Enterprise applications show it. */
  appName: z.string(),
  /**
   * Administration > Service Account, one row per app: whether this step's app works (`healthy`),
   * is one the tenant's open token incident names (`invalid`), or was never consented (`notGranted`).
   */
  token: z.strictObject({
    status: z.enum(['healthy', 'invalid', 'notGranted']),
    /** When the service's tokens last proved to work (every app of a service is probed together). */
    lastVerifiedAt: isoTime.nullable(),
    /** Why this app's token fails, with the missing roles of this step (status `invalid`). */
    failure: z
      .strictObject({
        cause: tokenFailureCauseSchema,
        message: z.string(),
        missingRoles: z.array(z.string()),
      })
      .nullable(),
  }),
});

const serviceViewShape = {
  service: serviceIdSchema,
  name: z.string(),
  status: serviceAccountStatusSchema,
  scope: syncScopeSchema.nullable(),
  targets: z.array(targetSchema),
  /** SharePoint Online's Selected Targets (site collections); empty for the other services. */
  sites: z.array(siteTargetSchema),
  protectedAt: isoTime.nullable(),
  lastVerifiedAt: isoTime.nullable(),
  tokenFailure: z
    .strictObject({
      cause: tokenFailureCauseSchema,
      message: z.string(),
      /** Roles this service needs that the token lacks, from the tenant's open incident (R9). */
      missingRoles: z.array(z.string()),
    })
    .nullable(),
  consentSteps: z.array(consentStepViewSchema),
  lastSync: syncRunSchema.nullable(),
  /** Users in the service's protected directory (its synchronized snapshot); null before protection. */
  protectedUsers: z.number().int().nullable(),
  /** What the service protects (its own kind of target), null before its first successful run. */
  protectedTargets: protectedTargetsSchema.nullable(),
};

/** One service's tile, wizard state and service account. */
export const serviceViewSchema = z.strictObject(serviceViewShape);

/** The whole tenant as the dashboard sees it. */
export const provisioningViewSchema = z.strictObject({
  tenantId: z.string(),
  /** Sent back as `expectedVersion` with Done, so a stale wizard gets a 409 rather than overwriting. */
  version: z.string(),
  services: z.array(serviceViewSchema),
  scopeLock: z
    .strictObject({ scope: syncScopeSchema, service: serviceIdSchema, reason: z.string() })
    .nullable(),
  extend: z.strictObject({ available: z.boolean(), reason: z.string().nullable() }),
  manualSync: z.strictObject({ allowed: z.boolean(), reason: z.string().nullable() }),
  unreadNotifications: z.number().int(),
});

/**
 * Whether Exchange Web Services still works for the tenant (issue 17): EWS in Exchange Online is
 * blocked by default since 1 Oct 2026 and shuts down on 1 Apr 2027.
 */
export const ewsStateSchema = z.strictObject({
  /**
   * `works`: a GetFolder with the EWS app's token succeeded; `blocked`: Exchange answers 403 for the
   * organization; `tokenRefused`: Exchange refused the token (401); `unknown`: no answer that
   * tells; `notConsented`: Step 1 not granted yet.
   */
  state: z.enum(['works', 'blocked', 'tokenRefused', 'unknown', 'notConsented']),
  /** The sentence Service Account shows. */
  message: z.string(),
  checkedAt: isoTime.nullable(),
});

/** Administration > Service Account: one service with its tenant. */
export const serviceAccountViewSchema = z.strictObject({
  tenantId: z.string(),
  ...serviceViewShape,
  /** Exchange Online with EWS enabled: whether the EWS token still works; null otherwise. */
  ews: ewsStateSchema.nullable(),
});

/** The tenant's Microsoft Graph change notifications (ADR 0014), in Administration > Service Account. */
export const changeNotificationsViewSchema = z.strictObject({
  /** `notSetUp` until the worker first subscribed (or change notifications are not configured). */
  state: z.enum(['active', 'failing', 'off', 'notSetUp']),
  /** Why it is failing (a token-health cause of `core/src/token-health.ts`), or null. */
  cause: z.string().nullable(),
  renewedAt: isoTime.nullable(),
  expiresAt: isoTime.nullable(),
  /** When the state began (for `failing`: the first failure of the streak). */
  since: isoTime.nullable(),
  /** The sentence to show, e.g. "Change notifications: active, renewed 2026-12-01 12:40 UTC, …". */
  message: z.string(),
});

/** `GET /api/me`. */
export const meSchema = z.strictObject({
  tenantId: z.string(),
  userId: z.string(),
  userPrincipalName: z.string(),
  displayName: z.string(),
  isGlobalAdministrator: z.boolean(),
  /** What the user's directory roles let them do: change, only read, or nothing here. */
  access: z.enum(['administrator', 'reader', 'none']),
  /** False when neither the token nor Graph told the roles. */
  rolesKnown: z.boolean(),
});

/** What a consent start answers: where the popup goes, and the step in the API's words. */
export const consentStartSchema = z.strictObject({
  url: z.url(),
  stepNumber: z.number().int(),
  resource: z.string(),
  roles: z.array(z.string()),
  purpose: z.string(),
});

/** Every way an admin-consent round trip can end. */
export const CONSENT_OUTCOME_CODES = [
  'accepted',
  /** Create new access token: every step of the service works again (R10). */
  'reauthorised',
  'declined',
  'wrong_tenant',
  'state_invalid',
  'state_expired',
  'state_replayed',
  'roles_missing',
  'consent_not_effective',
  'consent_failed',
  'conflict',
] as const;

/** What the consent callback page reports to the wizard, and posts to it as `cas-consent-result`. */
export const consentOutcomeSchema = z.strictObject({
  ok: z.boolean(),
  code: z.enum(CONSENT_OUTCOME_CODES),
  /** The sentence the wizard shows under the step (the API owns this text). */
  message: z.string(),
  service: serviceIdSchema.optional(),
  step: consentStepSchema.optional(),
});

/**
 * The message the callback page posts to the tab (popup) or hands to Teams (authentication
 * window): the outcome, tagged so the tab ignores other messages.
 */
export const consentResultSchema = consentOutcomeSchema.extend({ type: z.literal('cas-consent-result') });

/** A directory user. */
export const directoryUserSchema = z.strictObject({
  id: z.string(),
  userPrincipalName: z.string(),
  displayName: z.string(),
  mail: z.string().nullable(),
  accountEnabled: z.boolean(),
  userType: z.enum(['Member', 'Guest']),
});

/** A directory group. */
export const directoryGroupSchema = z.strictObject({
  id: z.string(),
  displayName: z.string(),
  mail: z.string().nullable(),
  kind: z.enum(['microsoft365', 'security', 'mailEnabledSecurity', 'distribution']),
});

/** At most 100 users of a group; `more` when the group has others. */
export const groupUsersPageSchema = z.strictObject({
  /** With `service`: only the users that service has something of (a mailbox, a OneDrive). */
  users: z.array(directoryUserSchema),
  more: z.boolean(),
  /** With `service`: the group's users it has nothing to protect of, each with core's message. */
  excluded: z.array(
    z.strictObject({
      user: directoryUserSchema,
      code: z.enum(['user_without_mailbox', 'user_without_onedrive']),
      message: z.string(),
    }),
  ),
});

/** A notification under the ring icon, with the caller's own read state. */
export const notificationSchema = z.strictObject({
  id: z.string(),
  tenantId: z.string(),
  kind: z.enum([
    'serviceProtected',
    'tokenInvalid',
    'tokenRestored',
    'extendOffered',
    'scopeExtended',
    'syncFailed',
    'secretExpiring',
  ]),
  service: serviceIdSchema.nullable(),
  message: z.string(),
  dedupeKey: z.string(),
  createdAt: isoTime,
  readAt: isoTime.nullable(),
});

/** One audit entry. */
export const auditEventSchema = z.strictObject({
  id: z.string(),
  tenantId: z.string(),
  actor: actorSchema,
  action: z.enum([
    'consent.granted',
    'consent.failed',
    'scope.saved',
    'scope.extended',
    'sync.requested',
    'token.invalidated',
    'token.restored',
    'serviceAccount.reauthorised',
    'channelNotifications.enabled',
    'channelNotifications.disabled',
  ]),
  service: serviceIdSchema.nullable(),
  at: isoTime,
  before: z.unknown(),
  after: z.unknown(),
});

/** `GET /api/policies`: the policies of every service and the **General** view. */
export const policiesViewSchema = z.strictObject({
  services: z.array(
    z.strictObject({
      service: serviceIdSchema,
      name: z.string(),
      policies: z.array(
        z.strictObject({
          id: z.enum(['advancedThreatProtection', 'dataLossPrevention']),
          name: z.string(),
          /** True while the service is protected (a working token reaches it). */
          active: z.boolean(),
        }),
      ),
    }),
  ),
  general: z.strictObject({
    manualSync: z.strictObject({ label: z.string(), allowed: z.boolean(), reason: z.string().nullable() }),
    lastRun: syncRunSchema.nullable(),
  }),
});

/** `PUT …/provisioning` (Done). */
export const doneResultSchema = z.strictObject({
  provisioning: provisioningViewSchema,
  /** The sentence shown after Done, e.g. "Exchange Online protected." */
  message: z.string(),
  syncRuns: z.array(queuedSyncRunSchema),
});

/** `POST /api/extend` (Submit). */
export const extendResultSchema = z.strictObject({
  provisioning: provisioningViewSchema,
  services: z.array(serviceIdSchema),
  syncRuns: z.array(queuedSyncRunSchema),
  /** The notification Extend raised, word for word; null when it raised none. */
  message: z.string().nullable(),
});

/** The alert setting of a shared conversation after `notify here` / `notify off`. */
export const channelNotificationsSchema = z.strictObject({
  conversationId: z.string(),
  enabled: z.boolean(),
  enabledBy: z.string().nullable(),
  enabledAt: isoTime.nullable(),
});

/** The API's error body: a stable code, a sentence for people, and extra fields safe to show. */
export function errorBodySchema<const C extends readonly [string, ...string[]]>(codes: C) {
  return z.strictObject({
    error: z.looseObject({ code: z.enum(codes), message: z.string() }),
  });
}

/** Any error body, whatever its code. */
export const anyErrorBodySchema = z.strictObject({
  error: z.looseObject({ code: z.string(), message: z.string() }),
});

/**
 * The named shapes: the OpenAPI description lists each once under `components.schemas` and
 * refers to it wherever an answer carries it.
 */
export const namedSchemas = z.registry<{ id: string }>();
for (const [id, schema] of Object.entries({
  Actor: actorSchema,
  Target: targetSchema,
  SiteTarget: siteTargetSchema,
  ProtectedTargets: protectedTargetsSchema,
  EwsState: ewsStateSchema,
  SyncRun: syncRunSchema,
  QueuedSyncRun: queuedSyncRunSchema,
  ConsentStepView: consentStepViewSchema,
  ServiceView: serviceViewSchema,
  ProvisioningView: provisioningViewSchema,
  ServiceAccountView: serviceAccountViewSchema,
  Me: meSchema,
  ConsentStart: consentStartSchema,
  DirectoryUser: directoryUserSchema,
  DirectoryGroup: directoryGroupSchema,
  GroupUsersPage: groupUsersPageSchema,
  Notification: notificationSchema,
  AuditEvent: auditEventSchema,
  PoliciesView: policiesViewSchema,
  DoneResult: doneResultSchema,
  ExtendResult: extendResultSchema,
  ChannelNotifications: channelNotificationsSchema,
})) {
  namedSchemas.add(schema, { id });
}

export type Me = DeepReadonly<z.output<typeof meSchema>>;
export type ConsentStepView = DeepReadonly<z.output<typeof consentStepViewSchema>>;
export type ServiceView = DeepReadonly<z.output<typeof serviceViewSchema>>;
export type ProvisioningView = DeepReadonly<z.output<typeof provisioningViewSchema>>;
export type SiteTargetView = DeepReadonly<z.output<typeof siteTargetSchema>>;
export type ProtectedTargetsView = DeepReadonly<z.output<typeof protectedTargetsSchema>>;
export type EwsStateView = DeepReadonly<z.output<typeof ewsStateSchema>>;
export type ServiceAccountView = DeepReadonly<z.output<typeof serviceAccountViewSchema>>;
export type ChangeNotificationsView = DeepReadonly<z.output<typeof changeNotificationsViewSchema>>;
export type ConsentStart = DeepReadonly<z.output<typeof consentStartSchema>>;
export type ConsentOutcome = DeepReadonly<z.output<typeof consentOutcomeSchema>>;
export type ConsentResult = DeepReadonly<z.output<typeof consentResultSchema>>;
export type ConsentOutcomeCode = (typeof CONSENT_OUTCOME_CODES)[number];
export type PoliciesView = DeepReadonly<z.output<typeof policiesViewSchema>>;
export type DoneResult = DeepReadonly<z.output<typeof doneResultSchema>>;
export type ExtendResult = DeepReadonly<z.output<typeof extendResultSchema>>;
export type ChannelNotificationsView = DeepReadonly<z.output<typeof channelNotificationsSchema>>;
export type SyncRunView = DeepReadonly<z.output<typeof syncRunSchema>>;
export type QueuedSyncRunView = DeepReadonly<z.output<typeof queuedSyncRunSchema>>;
export type NotificationView = DeepReadonly<z.output<typeof notificationSchema>>;
export type DirectoryUserView = DeepReadonly<z.output<typeof directoryUserSchema>>;
export type DirectoryGroupView = DeepReadonly<z.output<typeof directoryGroupSchema>>;
export type GroupUsersPageView = DeepReadonly<z.output<typeof groupUsersPageSchema>>;

/** True when A and B are the same type. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

// Fails to compile when a schema and the `core` type it carries drift apart.
const _inStepWithCore: [
  Same<DeepReadonly<z.output<typeof syncRunSchema>>, DeepReadonly<SyncRun>>,
  Same<DeepReadonly<z.output<typeof queuedSyncRunSchema>>, DeepReadonly<QueuedSyncRun>>,
  Same<DeepReadonly<z.output<typeof targetSchema>>, DeepReadonly<Target>>,
  Same<DeepReadonly<z.output<typeof siteTargetSchema>>, DeepReadonly<SiteTarget>>,
  Same<DeepReadonly<z.output<typeof notificationSchema>>, DeepReadonly<Notification>>,
  Same<DeepReadonly<z.output<typeof auditEventSchema>>, DeepReadonly<AuditEvent>>,
  Same<DeepReadonly<z.output<typeof directoryUserSchema>>, DeepReadonly<DirectoryUser>>,
  Same<DeepReadonly<z.output<typeof directoryGroupSchema>>, DeepReadonly<DirectoryGroup>>,
] = [true, true, true, true, true, true, true, true];
void _inStepWithCore;
