/**
 * Repository ports: what the domain needs from durable storage, declared here so `core` owns the
 * contract and the store package (SQLite or PostgreSQL) implements it. Every method is async because
 * the PostgreSQL backend is.
 */
import type {
  AuditEvent,
  Notification,
  SyncRun,
  SyncRunStatus,
  TenantProvisioning,
  TokenIncident,
} from './model.js';
import type { Result } from './result.js';
import type { ServiceId } from './services.js';

/** A save lost a race: someone else saved the same record first. */
export interface VersionConflict {
  readonly code: 'version_conflict';
  readonly tenantId: string;
  readonly expectedVersion: number;
  readonly actualVersion: number;
}

/** Provisioning records, one per tenant, with optimistic concurrency on `version`. */
export interface ProvisioningRepository {
  /** The tenant's record, or undefined when the tenant has never been seen. */
  get(tenantId: string): Promise<TenantProvisioning | undefined>;
  /**
   * Saves `next` if the stored version still equals `expectedVersion` (0 for a new tenant) and
   * returns it with version `expectedVersion + 1`; otherwise a conflict and nothing changes.
   */
  save(
    next: TenantProvisioning,
    expectedVersion: number,
  ): Promise<Result<TenantProvisioning, VersionConflict>>;
  /** Ids of every tenant with a provisioning record (for schedulers and health checks). */
  listTenantIds(): Promise<string[]>;
}

/** Notifications with read state, de-duplicated by key within a tenant. */
export interface NotificationRepository {
  /** Inserts unless the tenant already has one with the same dedupe key; returns the stored one. */
  raise(notification: Notification): Promise<{ notification: Notification; created: boolean }>;
  list(tenantId: string, options?: { unreadOnly?: boolean; limit?: number }): Promise<Notification[]>;
  /** Marks read; false when the id does not belong to the tenant. */
  markRead(tenantId: string, id: string, at: string): Promise<boolean>;
  countUnread(tenantId: string): Promise<number>;
}

/** Append-only audit log. */
export interface AuditRepository {
  append(event: AuditEvent): Promise<void>;
  /** Newest first. */
  list(tenantId: string, options?: { limit?: number; before?: string }): Promise<AuditEvent[]>;
}

/** Synchronization runs. */
export interface SyncRunRepository {
  create(run: SyncRun): Promise<void>;
  update(run: SyncRun): Promise<void>;
  get(tenantId: string, id: string): Promise<SyncRun | undefined>;
  /** Newest first. */
  list(
    tenantId: string,
    options?: { service?: ServiceId; status?: SyncRunStatus; limit?: number },
  ): Promise<SyncRun[]>;
}

/** Token incidents; at most one open incident per tenant and service. */
export interface TokenIncidentRepository {
  /** The open incident of a tenant's service, if any. */
  findOpen(tenantId: string, service: ServiceId): Promise<TokenIncident | undefined>;
  /** Inserts or replaces by id. */
  put(incident: TokenIncident): Promise<void>;
  list(tenantId: string, options?: { openOnly?: boolean; limit?: number }): Promise<TokenIncident[]>;
}

/** Small secrets (e.g. a cached token) kept encrypted at rest; plaintext only crosses this port. */
export interface SecretRepository {
  put(tenantId: string, name: string, plaintext: string): Promise<void>;
  get(tenantId: string, name: string): Promise<string | undefined>;
  delete(tenantId: string, name: string): Promise<boolean>;
}

/**
 * Consumed admin-consent `state` nonces. Entra echoes the state back on a callback anyone can
 * replay; recording each nonce once, in the shared database, makes a state single-use across every
 * API process.
 */
export interface ConsentStateRepository {
  /** Records the nonce; false when it was already consumed. Expired nonces may be forgotten. */
  consume(nonce: string, expiresAt: string, now: string): Promise<boolean>;
}

/** Every repository, bound to one connection or transaction. */
export interface Repositories {
  readonly provisioning: ProvisioningRepository;
  readonly notifications: NotificationRepository;
  readonly audit: AuditRepository;
  readonly syncRuns: SyncRunRepository;
  readonly tokenIncidents: TokenIncidentRepository;
  readonly secrets: SecretRepository;
  readonly consentStates: ConsentStateRepository;
}

/** The durable store: repositories plus transactions spanning several of them. */
export interface Store extends Repositories {
  /**
   * Runs `work` in one transaction: everything it wrote commits together, or nothing does when it
   * throws. Nested calls are not supported.
   */
  transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T>;
  /** True when the database answers (for readiness probes). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
