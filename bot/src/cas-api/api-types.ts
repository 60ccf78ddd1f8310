/**
 * The parts of the API's answers the bot reads (docs/api.md), parsed with zod so a changed API
 * fails loudly at the boundary instead of rendering half a card.
 */
import { SERVICE_IDS } from '@cas/core';
import { z } from 'zod';

const serviceId = z.enum(SERVICE_IDS);
const scope = z.enum(['allUsersAndGroups', 'selectedUsers']);

/** A synchronization run as the API shows it. */
export const syncRunSchema = z.object({
  id: z.string(),
  service: serviceId,
  trigger: z.string(),
  scope,
  status: z.string(),
  requestedAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  added: z.number(),
  updated: z.number(),
  removed: z.number(),
  graphRequests: z.number(),
  error: z.string().nullable(),
  /** R14: why a `cancelled` run was cancelled (absent from an API older than cancellation). */
  cancelReason: z.string().nullable().default(null),
  /** Selected targets the run found missing from the directory. */
  missingTargets: z
    .array(z.object({ userId: z.string(), userPrincipalName: z.string(), displayName: z.string() }))
    .default([]),
});

/** A run in a sync request's answer: `alreadyQueued` when the API answered a run queued before (R13). */
export const queuedSyncRunSchema = syncRunSchema.extend({ alreadyQueued: z.boolean().default(false) });

/** One service of the dashboard. */
export const serviceViewSchema = z.object({
  service: serviceId,
  name: z.string(),
  status: z.enum(['notProvisioned', 'consentStep1Done', 'consented', 'protected', 'tokenInvalid']),
  scope: scope.nullable(),
  targets: z.array(z.object({ userId: z.string() }).loose()),
  protectedAt: z.string().nullable(),
  lastVerifiedAt: z.string().nullable(),
  tokenFailure: z.object({ cause: z.string(), message: z.string() }).nullable(),
  lastSync: syncRunSchema.nullable(),
});

/** `GET /api/provisioning`: the dashboard. */
export const provisioningViewSchema = z.object({
  tenantId: z.string(),
  version: z.string(),
  services: z.array(serviceViewSchema),
  scopeLock: z.object({ scope, service: serviceId, reason: z.string() }).nullable(),
  extend: z.object({ available: z.boolean(), reason: z.string().nullable() }),
  manualSync: z.object({ allowed: z.boolean(), reason: z.string().nullable() }),
});

/** `GET /api/bot/global-administrator`. */
export const globalAdministratorSchema = z.object({
  tenantId: z.string(),
  userId: z.string(),
  isGlobalAdministrator: z.boolean(),
});

/** `POST /api/bot/channel-notifications`. */
export const channelNotificationsSchema = z.object({
  conversationId: z.string(),
  enabled: z.boolean(),
  enabledBy: z.string().nullable(),
  enabledAt: z.string().nullable(),
});

/** `POST /api/sync` → 202 (something queued now) or 200 (every service had a run queued). */
export const syncAcceptedSchema = z.object({ syncRuns: z.array(queuedSyncRunSchema) });

/** `POST /api/extend`. */
export const extendResultSchema = z.object({
  services: z.array(serviceId),
  syncRuns: z.array(syncRunSchema),
  message: z.string().optional(),
});

/** `GET /api/sync-runs`. */
export const syncRunListSchema = z.object({ runs: z.array(syncRunSchema) });

/** A synchronization run as the API shows it. */
export type SyncRunView = z.infer<typeof syncRunSchema>;
/** A run a sync request answered with. */
export type QueuedSyncRunView = z.infer<typeof queuedSyncRunSchema>;
/** One service of the dashboard. */
export type ServiceView = z.infer<typeof serviceViewSchema>;
/** The dashboard. */
export type ProvisioningView = z.infer<typeof provisioningViewSchema>;
/** Runs queued by a manual synchronization. */
export type SyncAccepted = z.infer<typeof syncAcceptedSchema>;
/** What Extend protection changed. */
export type ExtendResult = z.infer<typeof extendResultSchema>;
/** Whether a user holds Global Administrator, as the API learned from Graph. */
export type GlobalAdministratorView = z.infer<typeof globalAdministratorSchema>;
/** The alert setting of a shared conversation after `notify here` / `notify off`. */
export type ChannelNotificationsView = z.infer<typeof channelNotificationsSchema>;
