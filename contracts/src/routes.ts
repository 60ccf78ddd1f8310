/**
 * Every route of the API, in the order the route table serves them. The API implements each one
 * (api/src), the OpenAPI description lists them, and the tab and the bot call them by name.
 */
import { SERVICE_IDS } from '@cas/core';
import { z } from 'zod';
import { defineContract } from './route-contract.js';
import {
  auditEventSchema,
  channelNotificationsSchema,
  consentStartSchema,
  consentStepSchema,
  directoryGroupSchema,
  directoryUserSchema,
  doneResultSchema,
  extendResultSchema,
  groupUsersPageSchema,
  meSchema,
  notificationSchema,
  policiesViewSchema,
  provisioningViewSchema,
  queuedSyncRunSchema,
  serviceAccountViewSchema,
  siteTargetSchema,
  changeNotificationsViewSchema,
  syncRunSchema,
  syncScopeSchema,
} from './schemas.js';

const serviceParams = z.object({ service: z.enum(SERVICE_IDS) });
const stepParams = z.object({ service: z.enum(SERVICE_IDS), step: consentStepSchema });

/** A Selected Target as Done receives it; Graph's names replace the client's on save. */
const targetInput = z.object({
  userId: z.string().min(1).max(64),
  userPrincipalName: z.string().min(3).max(256),
  displayName: z.string().max(256),
  source: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('user') }),
    z.object({
      kind: z.literal('group'),
      groupId: z.string().min(1).max(64),
      groupName: z.string().max(256),
    }),
  ]),
});

/** A SharePoint Online site collection as Done receives it (verified by `GET /api/targets/sites`); Graph's values replace the client's on save. */
const siteInput = z.object({
  siteId: z.string().min(1).max(512),
  webUrl: z.string().min(1).max(400),
  displayName: z.string().max(256),
});

/** Users picked for Exchange Online or OneDrive are refused when that service has nothing of theirs. */
const USER_NOT_PROTECTABLE = ['user_without_mailbox', 'user_without_onedrive'] as const;

const syncAccepted = z.strictObject({ syncRuns: z.array(queuedSyncRunSchema) });
/** Why a manual synchronization is refused (R3, R4). */
const SYNC_REFUSED = { 409: ['manual_sync_not_allowed'] } as const;

export const healthz = defineContract({
  method: 'GET',
  path: '/healthz',
  access: 'public',
  summary: 'Liveness: the process is up.',
  responses: { 200: z.strictObject({ status: z.literal('ok') }) },
});

export const readyz = defineContract({
  method: 'GET',
  path: '/readyz',
  access: 'public',
  summary: 'Readiness: the database answers.',
  responses: { 200: z.strictObject({ status: z.literal('ready') }) },
  errors: { 503: ['not_ready'] },
});

export const me = defineContract({
  method: 'GET',
  path: '/api/me',
  access: 'signedIn',
  summary:
    'The signed-in user: tenant, name, and what their directory roles let them do (administrator, reader or none).',
  responses: { 200: meSchema },
});

export const provisioning = defineContract({
  method: 'GET',
  path: '/api/provisioning',
  access: 'administratorOrReader',
  callers: 'usersAndBot',
  summary: "The dashboard: every service's status, scope, consent steps and last synchronization.",
  responses: { 200: provisioningViewSchema },
});

export const done = defineContract({
  method: 'PUT',
  path: '/api/services/:service/provisioning',
  access: 'globalAdministrator',
  summary: 'Done: saves the sync scope and Selected Targets, protects the service and starts its first sync.',
  params: serviceParams,
  body: z.object({
    scope: syncScopeSchema,
    // Bounded for the body size only: the 100-target rule (R8) is core's, with its own message.
    targets: z.array(targetInput).max(1000).optional(),
    /** SharePoint Online's selected site collections (its targets are not users); at most 100 (core). */
    sites: z.array(siteInput).max(1000).optional(),
    /** The `version` of the view the admin decided on (a settings revision tag). */
    expectedVersion: z.string().min(1).max(64),
  }),
  responses: { 200: doneResultSchema },
  errors: {
    409: [
      'version_conflict',
      'service_token_invalid',
      'consent_required',
      'scope_locked',
      'invalid_transition',
    ],
    422: [
      'targets_required',
      'target_limit_exceeded',
      'targets_not_found',
      // Users sent for SharePoint Online, or sites for Exchange Online / OneDrive.
      'target_kind_mismatch',
      'site_limit_exceeded',
      'sites_not_found',
      ...USER_NOT_PROTECTABLE,
    ],
  },
  // Selected Targets are verified in Graph.
  upstream: true,
});

export const syncAll = defineContract({
  method: 'POST',
  path: '/api/sync',
  access: 'globalAdministrator',
  callers: 'usersAndBot',
  summary:
    'Click here to manually synchronize all your targets: queues a sync of every service that may run one (202), or answers the runs already queued (200).',
  responses: { 200: syncAccepted, 202: syncAccepted },
  errors: SYNC_REFUSED,
});

export const syncService = defineContract({
  method: 'POST',
  path: '/api/services/:service/sync',
  access: 'globalAdministrator',
  summary: 'Queues a manual synchronization of one service (refused in selected mode, R3).',
  params: serviceParams,
  responses: { 200: syncAccepted, 202: syncAccepted },
  errors: SYNC_REFUSED,
});

export const syncRuns = defineContract({
  method: 'GET',
  path: '/api/sync-runs',
  access: 'administratorOrReader',
  callers: 'usersAndBot',
  summary: 'Synchronization history, newest first.',
  query: z.object({
    service: z.enum(SERVICE_IDS).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  }),
  responses: { 200: z.strictObject({ runs: z.array(syncRunSchema) }) },
});

export const extend = defineContract({
  method: 'POST',
  path: '/api/extend',
  access: 'globalAdministrator',
  callers: 'usersAndBot',
  summary:
    'Submit on "Extend to protect all your Office 365 service targets.": all services to all users and groups.',
  responses: { 200: extendResultSchema },
  errors: { 409: ['extend_not_applicable', 'version_conflict'] },
});

export const policies = defineContract({
  method: 'GET',
  path: '/api/policies',
  access: 'administratorOrReader',
  summary: 'Advanced Threat Protection and Data Loss Prevention per service, and the General view.',
  responses: { 200: policiesViewSchema },
});

export const serviceAccount = defineContract({
  method: 'GET',
  path: '/api/service-account',
  access: 'administratorOrReader',
  summary:
    'Administration > Service Account: tenant, status, token health, consent steps and roles per service.',
  responses: {
    200: z.strictObject({
      services: z.array(serviceAccountViewSchema),
      changeNotifications: changeNotificationsViewSchema,
    }),
  },
});

/** Refusals of a consent start. */
const CONSENT_START_REFUSED = ['consent_step_not_required', 'consent_step_out_of_order'] as const;

export const startConsent = defineContract({
  method: 'POST',
  path: '/api/services/:service/consent/:step',
  access: 'globalAdministrator',
  summary: 'Starts a consent step (Click here): returns the Entra admin-consent URL for the popup.',
  params: stepParams,
  responses: { 200: consentStartSchema },
  errors: { 409: CONSENT_START_REFUSED },
});

export const startTokenRenewal = defineContract({
  method: 'POST',
  path: '/api/services/:service/service-account/token/:step',
  access: 'globalAdministrator',
  summary: 'Create new access token: re-runs a consent step of a provisioned service and re-verifies it.',
  params: stepParams,
  responses: { 200: consentStartSchema },
  errors: { 409: [...CONSENT_START_REFUSED, 'service_not_provisioned'] },
});

export const consentCallback = defineContract({
  method: 'GET',
  path: '/api/consent/callback',
  access: 'public',
  summary:
    'Where Entra redirects after admin consent; proves the consent and ends the popup with an HTML page that posts a `cas-consent-result` message (ConsentOutcome) to the tab.',
  query: z.looseObject({
    state: z.string().max(4096).optional(),
    admin_consent: z.string().max(16).optional(),
    tenant: z.string().max(128).optional(),
    scope: z.string().max(4096).optional(),
    error: z.string().max(256).optional(),
    error_description: z.string().max(4096).optional(),
  }),
  html: true,
  responses: { 200: z.string() },
});

export const targetsSummary = defineContract({
  method: 'GET',
  path: '/api/targets/summary',
  access: 'globalAdministrator',
  summary: 'Scope preview of Synchronize all users and groups: how many users the directory holds.',
  responses: { 200: z.strictObject({ users: z.number().int() }) },
  upstream: true,
});

export const findUser = defineContract({
  method: 'GET',
  path: '/api/targets/users',
  access: 'globalAdministrator',
  summary:
    'By User: verifies an exact user principal name and returns the user; with `service`, refuses a user that service has nothing of (no mailbox, no OneDrive).',
  query: z.object({ upn: z.string().max(512), service: z.enum(SERVICE_IDS).optional() }),
  responses: { 200: z.strictObject({ user: directoryUserSchema }) },
  errors: {
    400: [
      'upn_empty',
      'upn_missing_at',
      'upn_multiple_at',
      'upn_unicode',
      'upn_too_long',
      'upn_local_part_empty',
      'upn_local_part_too_long',
      'upn_invalid_character',
      'upn_local_part_dot',
      'upn_invalid_domain',
    ],
    404: ['user_not_found'],
    422: USER_NOT_PROTECTABLE,
  },
  upstream: true,
});

export const findSite = defineContract({
  method: 'GET',
  path: '/api/targets/sites',
  access: 'globalAdministrator',
  summary:
    "SharePoint Online's Selected Targets: verifies a pasted site collection URL in Graph (Sites.Read.All, SharePoint Online's app) and returns the site with its name.",
  query: z.object({ url: z.string().max(2048) }),
  responses: { 200: z.strictObject({ site: siteTargetSchema }) },
  errors: {
    400: [
      'site_url_empty',
      'site_url_too_long',
      'site_url_not_url',
      'site_url_not_https',
      'site_url_not_sharepoint',
      'site_url_onedrive',
      'site_url_invalid_path',
    ],
    404: ['site_not_found'],
    // SharePoint Online's Graph step is not granted yet: its app cannot read sites.
    409: ['consent_required'],
  },
  upstream: true,
});

export const findGroups = defineContract({
  method: 'GET',
  path: '/api/targets/groups',
  access: 'globalAdministrator',
  summary: 'By Group: groups whose name starts with the query (at least 3 characters).',
  query: z.object({ query: z.string().max(1024) }),
  responses: { 200: z.strictObject({ groups: z.array(directoryGroupSchema) }) },
  errors: { 400: ['group_query_too_short', 'group_query_too_long'] },
  upstream: true,
});

export const groupUsers = defineContract({
  method: 'GET',
  path: '/api/targets/groups/:groupId/users',
  access: 'globalAdministrator',
  summary: "A group's users, nested groups included, to pick into Selected Targets.",
  params: z.object({ groupId: z.string().regex(/^[0-9a-f-]{36}$/i, 'must be a group id') }),
  query: z.object({ service: z.enum(SERVICE_IDS).optional() }),
  responses: { 200: groupUsersPageSchema },
  errors: { 404: ['group_not_found'] },
  upstream: true,
});

export const notifications = defineContract({
  method: 'GET',
  path: '/api/notifications',
  access: 'administratorOrReader',
  summary:
    'Notifications of the tenant, newest first, with the caller’s read state and unread count for the ring icon.',
  query: z.object({
    unreadOnly: z.enum(['true', 'false']).default('false'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  }),
  responses: {
    200: z.strictObject({ notifications: z.array(notificationSchema), unread: z.number().int() }),
  },
});

export const markNotificationRead = defineContract({
  method: 'POST',
  path: '/api/notifications/:id/read',
  access: 'administratorOrReader',
  summary: 'Marks one notification read for the caller (other admins keep their own read state).',
  params: z.object({ id: z.string().min(1).max(64) }),
  responses: { 200: z.strictObject({ id: z.string(), read: z.literal(true) }) },
  errors: { 404: ['notification_not_found'] },
});

export const audit = defineContract({
  method: 'GET',
  path: '/api/audit',
  access: 'globalAdministrator',
  summary: 'Audit log of the tenant, newest first; page with `before` (an ISO time).',
  query: z.object({
    limit: z.coerce.number().int().min(1).max(500).default(100),
    before: z.iso.datetime().optional(),
  }),
  responses: { 200: z.strictObject({ events: z.array(auditEventSchema) }) },
});

export const botGlobalAdministrator = defineContract({
  method: 'GET',
  path: '/api/bot/global-administrator',
  access: 'signedIn',
  callers: 'bot',
  summary:
    'Whether the user the bot credential names is a Global Administrator (Graph); 503 when Graph cannot tell.',
  responses: {
    200: z.strictObject({ tenantId: z.string(), userId: z.string(), isGlobalAdministrator: z.boolean() }),
  },
  errors: { 503: ['role_check_unavailable'] },
});

export const botChannelNotifications = defineContract({
  method: 'POST',
  path: '/api/bot/channel-notifications',
  access: 'globalAdministrator',
  callers: 'bot',
  summary:
    'notify here / notify off: turns the tenant’s alerts on or off in a team channel or group chat the bot is in; audited.',
  body: z.object({
    conversationId: z.string().min(1).max(512),
    enabled: z.boolean(),
  }),
  responses: { 200: channelNotificationsSchema },
  errors: { 404: ['conversation_not_found'], 409: ['not_a_shared_conversation'] },
});

export const openApi = defineContract({
  method: 'GET',
  path: '/api/openapi.json',
  access: 'public',
  summary: 'This OpenAPI 3.1 description.',
  responses: { 200: z.looseObject({ openapi: z.literal('3.1.0') }) },
});

/** Every route, in the order the API registers them. */
export const ROUTES = [
  healthz,
  readyz,
  me,
  provisioning,
  done,
  syncAll,
  syncService,
  syncRuns,
  extend,
  policies,
  serviceAccount,
  startConsent,
  startTokenRenewal,
  consentCallback,
  targetsSummary,
  findUser,
  findSite,
  findGroups,
  groupUsers,
  notifications,
  markNotificationRead,
  audit,
  botGlobalAdministrator,
  botChannelNotifications,
  openApi,
] as const;
