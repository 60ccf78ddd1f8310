/**
 * The typed database schema shared by both backends. Column names are snake_case SQL names;
 * timestamps are ISO-8601 text (the domain's own representation, and it sorts correctly as
 * text in both SQLite and PostgreSQL); JSON values are text so one set of queries serves both.
 */

/** One row per tenant: the provisioning aggregate's root and its optimistic-concurrency version. */
export interface TenantProvisioningTable {
  tenant_id: string;
  version: number;
  updated_at: string;
}

/** One row per tenant and service: the service account's state. */
export interface ServiceAccountTable {
  tenant_id: string;
  service: string;
  status: string;
  scope: string | null;
  protected_at: string | null;
  last_verified_at: string | null;
  token_failure: string | null;
}

/** One row per granted consent step of a tenant's service account. */
export interface ConsentGrantTable {
  tenant_id: string;
  service: string;
  step: string;
  /** Order of the grant within the account's `consents`. */
  position: number;
  granted_at: string;
  /** JSON of the domain `Actor`. */
  granted_by_json: string;
  /** JSON array of role names. */
  roles_json: string;
}

/** Selected Targets of a tenant's service, ordered by `position`. */
export interface SelectedTargetTable {
  tenant_id: string;
  service: string;
  position: number;
  user_id: string;
  user_principal_name: string;
  display_name: string;
  source_kind: string;
  source_group_id: string | null;
  source_group_name: string | null;
}

/** SharePoint Online's Selected Targets, site collections, ordered by `position` (migration 0013). */
export interface SelectedSiteTable {
  tenant_id: string;
  service: string;
  position: number;
  site_id: string;
  web_url: string;
  display_name: string;
}

/** What each service protects after its last successful run (migration 0013). */
export interface ProtectedTargetCountTable {
  tenant_id: string;
  service: string;
  count: number;
  last_synchronized_at: string | null;
}

/** Notifications; `(tenant_id, dedupe_key)` is unique. */
export interface NotificationTable {
  id: string;
  tenant_id: string;
  kind: string;
  service: string | null;
  message: string;
  dedupe_key: string;
  created_at: string;
}

/** Who read which notification when: one row per (tenant, notification, admin). */
export interface NotificationReadTable {
  tenant_id: string;
  notification_id: string;
  /** Entra object id of the admin who read it. */
  user_id: string;
  read_at: string;
}

/** Append-only audit log. */
export interface AuditEventTable {
  id: string;
  tenant_id: string;
  actor_json: string;
  action: string;
  service: string | null;
  at: string;
  before_json: string;
  after_json: string;
}

/** Synchronization runs; at most one per tenant and service is pending or running (migration 0006). */
export interface SyncRunTable {
  id: string;
  tenant_id: string;
  service: string;
  sync_trigger: string;
  scope: string;
  status: string;
  requested_at: string;
  requested_by_json: string;
  started_at: string | null;
  finished_at: string | null;
  added: number;
  updated: number;
  removed: number;
  graph_requests: number;
  error: string | null;
  /** Why a cancelled run was cancelled (migration 0006). */
  cancel_reason: string | null;
  /** JSON array of the Selected Targets the run found missing (migration 0006). */
  missing_targets_json: string;
  /** What the service protected after the run; null until it succeeded (migration 0014). */
  protected_targets: number | null;
}

/** `protected_site_collections`: SharePoint Online's protected site collections per tenant (0014). */
export interface ProtectedSiteCollectionTable {
  tenant_id: string;
  site_id: string;
  web_url: string;
  display_name: string;
  /** The run that last saw it; the end of an enumeration sweeps the others. */
  seen_round: string;
}

/** `site_collection_rounds`: when the tenant's last full enumeration of site collections ended (0014). */
export interface SiteCollectionRoundTable {
  tenant_id: string;
  last_enumerated_at: string | null;
}

/** Token incidents; at most one row per tenant has `closed_at` null. */
export interface TokenIncidentTable {
  id: string;
  tenant_id: string;
  /** JSON list of the services the incident affected, in product order. */
  services_json: string;
  cause: string;
  detail: string;
  /** JSON list of the roles the token lacked at the latest failure. */
  missing_roles_json: string;
  /** JSON list of the consent apps whose token failed at the latest failure. */
  apps_json: string;
  opened_at: string;
  last_failure_at: string;
  failure_count: number;
  closed_at: string | null;
}

/** Secrets, encrypted by `SecretCipher`; the plaintext never reaches this table. */
export interface SecretTable {
  tenant_id: string;
  name: string;
  ciphertext: string;
  updated_at: string;
}

/** `consent_states`: admin-consent state nonces already used (migration 0002). */
export interface ConsentStateTable {
  nonce: string;
  expires_at: string;
  consumed_at: string;
}

/** `notification_deliveries`: one row per notification, channel and recipient (migration 0003). */
export interface NotificationDeliveryTable {
  notification_id: string;
  tenant_id: string;
  channel: string;
  recipient: string;
  status: string;
  attempts: number;
  claimed_until: string | null;
  next_attempt_at: string | null;
  last_error: string | null;
  delivered_at: string | null;
  updated_at: string;
}

/** `bot_conversations`: Teams conversations the bot is installed in (migration 0005). */
export interface BotConversationTable {
  tenant_id: string;
  conversation_id: string;
  kind: string;
  /** JSON of the bot adapter's conversation reference. */
  reference_json: string;
  installed_at: string;
  updated_at: string;
  /** Personal chats: Entra object id of the user the chat is with (migration 0008). */
  owner_user_id: string | null;
  /** Shared conversations: who turned alerts on there, and when; null = off (migration 0008). */
  notify_enabled_by: string | null;
  notify_enabled_at: string | null;
  /** The last Global Administrator check of the conversation's accountable user (migration 0008). */
  admin_check_user_id: string | null;
  /** 1 or 0: SQLite has no boolean. */
  admin_check_result: number | null;
  admin_checked_at: string | null;
}

/** `bot_credential_uses`: the `jti` of every accepted bot credential until it expires (migration 0008). */
export interface BotCredentialUseTable {
  jti: string;
  expires_at: string;
}

/** `directory_users`: synchronized users per tenant and service (migration 0004). */
export interface DirectoryUserTable {
  tenant_id: string;
  /** `tenant` (shared by all-mode services) or a selected-mode service (migration 0010). */
  snapshot: string;
  id: string;
  user_principal_name: string;
  display_name: string;
  mail: string | null;
  /** 1 or 0: SQLite has no boolean. */
  account_enabled: number;
  user_type: string;
  seen_round: string;
  /** 1 when an enabled Exchange Online plan gives the user a mailbox; null before a read said (0014). */
  has_mailbox: number | null;
  /** 1 when an enabled SharePoint Online plan gives the user a OneDrive; null before a read said (0014). */
  has_onedrive: number | null;
}

/** `directory_groups`: synchronized groups per tenant and service (migration 0004). */
export interface DirectoryGroupTable {
  tenant_id: string;
  /** `tenant` (shared by all-mode services) or a selected-mode service (migration 0010). */
  snapshot: string;
  id: string;
  display_name: string;
  mail: string | null;
  kind: string;
  seen_round: string;
}

/** `directory_memberships`: direct members (users or groups) of synchronized groups (migration 0004). */
export interface DirectoryMembershipTable {
  tenant_id: string;
  /** `tenant` (shared by all-mode services) or a selected-mode service (migration 0010). */
  snapshot: string;
  group_id: string;
  member_id: string;
  member_type: string;
  seen_round: string;
}

/** `directory_delta_links`: Graph delta links per tenant, service and collection (migration 0004). */
export interface DirectoryDeltaLinkTable {
  tenant_id: string;
  /** `tenant` (shared by all-mode services) or a selected-mode service (migration 0010). */
  snapshot: string;
  collection: string;
  link: string;
  updated_at: string;
}

/** `directory_snapshots`: when each snapshot's rounds last completed (migration 0010). */
export interface DirectorySnapshotTable {
  tenant_id: string;
  snapshot: string;
  last_full_round_started_at: string | null;
  last_round_started_at: string | null;
}

/** `sync_schedules`: each all-mode tenant's next scheduled synchronization (migration 0010b). */
export interface SyncScheduleTable {
  tenant_id: string;
  next_due_at: string;
}

/** `token_health_schedules`: each watched tenant's next token health check (migration 0010d). */
export interface TokenHealthScheduleTable {
  tenant_id: string;
  next_check_at: string;
}

/** `notification_wakeups`: tenants a deliverer has something for, per channel (migration 0010c). */
export interface NotificationWakeupTable {
  tenant_id: string;
  channel: string;
  due_at: string;
  version: number;
}

/** `sync_jobs`: execution state of sync runs (migration 0004). */
export interface SyncJobTable {
  run_id: string;
  tenant_id: string;
  attempts: number;
  next_attempt_at: string | null;
  lease_owner: string | null;
  lease_until: string | null;
  checkpoint_json: string | null;
  last_error: string | null;
}

/** `sync_tenant_leases`: the tenant being synchronized and by whom (migration 0004). */
export interface SyncTenantLeaseTable {
  tenant_id: string;
  run_id: string;
  owner: string;
  lease_until: string;
}

/** Every table of the store, for Kysely's typed queries. */
export interface Database {
  tenant_provisioning: TenantProvisioningTable;
  service_accounts: ServiceAccountTable;
  consent_grants: ConsentGrantTable;
  selected_targets: SelectedTargetTable;
  selected_sites: SelectedSiteTable;
  protected_target_counts: ProtectedTargetCountTable;
  protected_site_collections: ProtectedSiteCollectionTable;
  site_collection_rounds: SiteCollectionRoundTable;
  notifications: NotificationTable;
  notification_reads: NotificationReadTable;
  audit_events: AuditEventTable;
  sync_runs: SyncRunTable;
  token_incidents: TokenIncidentTable;
  secrets: SecretTable;
  consent_states: ConsentStateTable;
  notification_deliveries: NotificationDeliveryTable;
  bot_conversations: BotConversationTable;
  bot_credential_uses: BotCredentialUseTable;
  directory_users: DirectoryUserTable;
  directory_groups: DirectoryGroupTable;
  directory_memberships: DirectoryMembershipTable;
  directory_delta_links: DirectoryDeltaLinkTable;
  directory_snapshots: DirectorySnapshotTable;
  sync_schedules: SyncScheduleTable;
  token_health_schedules: TokenHealthScheduleTable;
  notification_wakeups: NotificationWakeupTable;
  sync_jobs: SyncJobTable;
  sync_tenant_leases: SyncTenantLeaseTable;
  change_subscriptions: ChangeSubscriptionTable;
  change_notifications: ChangeNotificationTable;
  change_notification_status: ChangeNotificationStatusTable;
}

/** A Graph subscription we hold (migration 0012). */
export interface ChangeSubscriptionTable {
  id: string;
  tenant_id: string;
  resource: string;
  client_state_hash: string;
  expires_at: string;
  created_at: string;
  renewed_at: string | null;
}

/** A received, not yet processed change notification or lifecycle event. */
export interface ChangeNotificationTable {
  id: string;
  tenant_id: string;
  subscription_id: string;
  kind: string;
  event: string;
  resource_id: string | null;
  received_at: string;
}

/** A tenant's change notification state. */
export interface ChangeNotificationStatusTable {
  tenant_id: string;
  state: string;
  cause: string | null;
  detail: string | null;
  renewed_at: string | null;
  expires_at: string | null;
  updated_at: string;
}

/** Encodes a value for a JSON text column; `undefined` is stored as JSON `null`. */
export function toJson(value: unknown): string {
  return JSON.stringify(value ?? null);
}

/** Decodes a JSON text column written by `toJson`. */
export function fromJson<T>(text: string): T {
  return JSON.parse(text) as T;
}
