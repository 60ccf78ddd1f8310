/**
 * The ordered list of migrations, compiled into the package (no directory scanning, so the
 * bundle and the tests run the same migrations). Names are `NNNN_description`; append only.
 */
import * as initialSchema from './0001-initial-schema.js';
import * as consentStates from './0002-consent-states.js';
import * as notificationDeliveries from './0003-notification-deliveries.js';
import * as syncEngine from './0004-sync-engine.js';
import * as botConversations from './0005-bot-conversations.js';
import * as oneQueuedSyncRun from './0006-one-queued-sync-run.js';
import * as tokenIncidentPerTenant from './0007-token-incident-per-tenant.js';
import * as adminOnlyAlertsAndBotCredentials from './0008-admin-only-alerts-and-bot-credentials.js';
import * as notificationReads from './0009-notification-reads.js';
import * as oneDirectoryPerTenant from './0010-one-directory-per-tenant.js';
import * as noMembershipMemberIndex from './0010a-no-membership-member-index.js';
import * as syncSchedules from './0010b-sync-schedules.js';
import * as notificationWakeups from './0010c-notification-wakeups.js';
import * as tokenHealthSchedules from './0010d-token-health-schedules.js';
import * as tokenIncidentApps from './0011-token-incident-apps.js';
import * as changeNotifications from './0012-change-notifications.js';
import * as targetsPerService from './0013-targets-per-service.js';
import * as protectedTargetsInSync from './0014-protected-targets-in-sync.js';
import type { Migration, MigrationProvider } from 'kysely';

/** Every migration by name, in the order they apply. */
export const migrations: Readonly<Record<string, Migration>> = {
  '0001_initial_schema': initialSchema,
  '0002_consent_states': consentStates,
  '0003_notification_deliveries': notificationDeliveries,
  '0004_sync_engine': syncEngine,
  '0005_bot_conversations': botConversations,
  '0006_one_queued_sync_run': oneQueuedSyncRun,
  '0007_token_incident_per_tenant': tokenIncidentPerTenant,
  '0008_admin_only_alerts_and_bot_credentials': adminOnlyAlertsAndBotCredentials,
  '0009_notification_reads': notificationReads,
  '0010_one_directory_per_tenant': oneDirectoryPerTenant,
  '0010a_no_membership_member_index': noMembershipMemberIndex,
  '0010b_sync_schedules': syncSchedules,
  '0010c_notification_wakeups': notificationWakeups,
  '0010d_token_health_schedules': tokenHealthSchedules,
  '0011_token_incident_apps': tokenIncidentApps,
  '0012_change_notifications': changeNotifications,
  '0013_targets_per_service': targetsPerService,
  '0014_protected_targets_in_sync': protectedTargetsInSync,
};

/** Kysely's migration provider over the in-code list. */
export const inCodeMigrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve({ ...migrations }),
};
