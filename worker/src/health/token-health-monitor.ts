/**
 * R9/R10: checks that each provisioned tenant's token still works — a fresh app-only token and
 * one cheap Graph call — and names the cause when it does not. One outage is one incident, one
 * notification (and so one email); the first success after it closes the incident and says so.
 * Also warns the tenants' admins ahead of our own client secret's expiry.
 */
import { randomUUID } from 'node:crypto';
import {
  auditEventsForTransition,
  closeIncident,
  openOrUpdateIncident,
  recordTokenFailure,
  recordTokenVerified,
  sanitizeFailureDetail,
  secretExpiringNotification,
  SERVICE_IDS,
  tokenFailureCause,
  tokenInvalidNotification,
  tokenRestoredNotification,
  type Repositories,
  type ServiceId,
  type Store,
  type TenantProvisioning,
  type TokenFailureCause,
  type TransitionResult,
} from '@cas/core';
import { DEFAULT_GRAPH_TIMEOUT_MS, EntraError, GraphError, type AppTokenSource } from '@cas/microsoft365';
import type { Logger } from 'pino';

/** What one check found. */
export type TokenCheckOutcome =
  { readonly ok: true } | { readonly ok: false; readonly cause: TokenFailureCause; readonly detail: string };

/** What the monitor needs. */
export interface TokenHealthMonitorOptions {
  readonly store: Store;
  readonly tokens: Pick<AppTokenSource, 'acquire'>;
  /** Graph origin (production or the emulator). */
  readonly graphBaseUrl: string;
  readonly now: () => string;
  readonly logger: Logger;
  /** Our client secret's expiry (ISO), if known, and how many days ahead to warn. */
  readonly secretExpiresAt?: string | undefined;
  readonly secretWarningDays?: number;
  /** The Graph probe without an answer after this many ms counts as unreachable; default 30 000. */
  readonly graphTimeoutMs?: number;
}

const MONITOR = { kind: 'system', component: 'token-health-monitor' } as const;
const WATCHED = new Set(['protected', 'tokenInvalid']);

/** Checks tokens of provisioned tenants. */
export class TokenHealthMonitor {
  readonly #options: TokenHealthMonitorOptions;

  constructor(options: TokenHealthMonitorOptions) {
    this.#options = options;
  }

  /** Checks every tenant with a protected (or token-invalid) service; errors of one tenant do not stop the rest. */
  async checkAll(): Promise<void> {
    for (const tenantId of await this.#options.store.provisioning.listTenantIds()) {
      try {
        await this.checkTenant(tenantId);
      } catch (error) {
        this.#options.logger.error({ err: error, tenantId }, 'token health check failed');
      }
    }
  }

  /** Acquires a fresh token and calls Graph once; what that says about the token. */
  async probe(tenantId: string): Promise<TokenCheckOutcome | undefined> {
    try {
      const token = await this.#options.tokens.acquire(tenantId, 'microsoftGraph', { fresh: true });
      if (token.roles.length === 0) {
        return {
          ok: false,
          cause: tokenFailureCause({ rolesClaimPresent: false }),
          detail: 'The access token carries no roles.',
        };
      }
      const response = await fetch(
        `${this.#options.graphBaseUrl.replace(/\/+$/, '')}/v1.0/users?$select=id&$top=1`,
        {
          headers: { authorization: `Bearer ${token.accessToken}` },
          signal: AbortSignal.timeout(this.#options.graphTimeoutMs ?? DEFAULT_GRAPH_TIMEOUT_MS),
        },
      );
      if (response.ok) return { ok: true };
      const text = await response.text();
      let code = '';
      try {
        code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? '';
      } catch {
        // Not JSON.
      }
      if (response.status !== 401 && response.status !== 403) {
        // Graph unavailable or throttled says nothing about the token: try again next time.
        return undefined;
      }
      return {
        ok: false,
        cause: tokenFailureCause({ httpStatus: response.status, graphErrorCode: code }),
        detail: sanitizeFailureDetail(`Graph answered ${response.status} ${code}`),
      };
    } catch (error) {
      if (error instanceof EntraError && !error.unanswered) {
        const signal = error.aadstsCode === undefined ? {} : { aadstsCode: error.aadstsCode };
        return { ok: false, cause: tokenFailureCause(signal), detail: sanitizeFailureDetail(error.message) };
      }
      if (error instanceof GraphError) {
        return {
          ok: false,
          cause: tokenFailureCause({ httpStatus: error.statusCode, graphErrorCode: error.code }),
          detail: sanitizeFailureDetail(error.message),
        };
      }
      // Network trouble is not a token problem.
      this.#options.logger.warn(
        { err: error, tenantId },
        'token health probe could not reach Entra or Graph',
      );
      return undefined;
    }
  }

  /** Checks one tenant and records the outcome for each of its watched services. */
  async checkTenant(tenantId: string): Promise<TokenCheckOutcome | undefined> {
    const { store } = this.#options;
    const provisioning = await store.provisioning.get(tenantId);
    if (provisioning === undefined) return undefined;
    const services = SERVICE_IDS.filter((service) => WATCHED.has(provisioning.services[service].status));
    if (services.length === 0) return undefined;
    const outcome = await this.probe(tenantId);
    if (outcome === undefined) return undefined;
    // A save may race the API's; re-read and re-apply a few times.
    for (let attempt = 1; ; attempt++) {
      try {
        await store.transaction((tx) => this.#record(tx, tenantId, services, outcome));
        break;
      } catch (error) {
        if (!(error instanceof ProvisioningRaceError) || attempt >= 5) throw error;
      }
    }
    if (!outcome.ok) this.#options.logger.warn({ tenantId, cause: outcome.cause }, 'access token invalid');
    await this.#warnSecretExpiry(tenantId);
    return outcome;
  }

  async #record(
    tx: Repositories,
    tenantId: string,
    services: readonly ServiceId[],
    outcome: TokenCheckOutcome,
  ): Promise<void> {
    const now = this.#options.now();
    const before = await tx.provisioning.get(tenantId);
    if (before === undefined) return;
    let current: TenantProvisioning = before;
    for (const service of services) {
      const transition: TransitionResult = outcome.ok
        ? recordTokenVerified(current, service, now)
        : recordTokenFailure(current, service, outcome.cause);
      if (!transition.ok) continue;
      const audit = auditEventsForTransition(current, transition.value, {
        actor: MONITOR,
        at: now,
        newId: randomUUID,
      });
      for (const entry of audit) await tx.audit.append(entry);
      current = transition.value.provisioning;
      const open = await tx.tokenIncidents.findOpen(tenantId, service);
      if (outcome.ok) {
        if (open !== undefined) {
          const closed = closeIncident(open, now);
          await tx.tokenIncidents.put(closed);
          await tx.notifications.raise(
            tokenRestoredNotification({ id: randomUUID(), createdAt: now }, closed),
          );
        }
        continue;
      }
      const { incident, opened } = openOrUpdateIncident(
        open,
        { tenantId, service, cause: outcome.cause, detail: outcome.detail },
        { incidentId: randomUUID() },
        now,
      );
      await tx.tokenIncidents.put(incident);
      if (opened)
        await tx.notifications.raise(
          tokenInvalidNotification({ id: randomUUID(), createdAt: now }, incident),
        );
    }
    if (current === before) return;
    const saved = await tx.provisioning.save(current, before.version);
    if (!saved.ok) throw new ProvisioningRaceError();
  }

  async #warnSecretExpiry(tenantId: string): Promise<void> {
    const { secretExpiresAt, secretWarningDays = 30, store } = this.#options;
    if (secretExpiresAt === undefined) return;
    const now = this.#options.now();
    const remainingMs = Date.parse(secretExpiresAt) - Date.parse(now);
    if (remainingMs > secretWarningDays * 24 * 60 * 60 * 1000) return;
    await store.notifications.raise(
      secretExpiringNotification(
        { id: randomUUID(), tenantId, createdAt: now },
        { expiresAt: secretExpiresAt },
      ),
    );
  }
}

/** The provisioning record changed under us; the transaction rolls back and the check is re-applied. */
class ProvisioningRaceError extends Error {
  constructor() {
    super('Provisioning record changed during the token health check');
    this.name = 'ProvisioningRaceError';
  }
}
