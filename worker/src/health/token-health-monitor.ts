/**
 * R9/R10: checks that each provisioned tenant's token still does everything its protected services
 * need — per resource, a fresh app-only token carrying every role their consent steps ask for (and,
 * for Graph, one cheap call) — and names the cause when it does not, down to the missing roles.
 * The token is the tenant's, so is the incident: one outage is one incident, one notification and
 * so one email per admin and one card per admin conversation, listing the affected services,
 * while each service account shows its own status. The first check after it in which every
 * service works closes the incident and says so once. One probe per consent app (one app
 * registration per consent step, docs/adr/0013), so the incident names the app that fails. Also
 * warns the operators — in the log, never the customers — ahead of a consent app's client secret
 * or certificate expiry.
 */
import { randomUUID } from 'node:crypto';
import {
  assessTokenHealth,
  auditEventsForTransition,
  closeIncident,
  CONSENT_APPS,
  MICROSOFT_GRAPH_RESOURCE,
  openOrUpdateIncident,
  recordTokenFailure,
  recordTokenVerified,
  sanitizeFailureDetail,
  SERVICE_IDS,
  tokenFailureCause,
  tokenInvalidNotification,
  tokenProbeRequirements,
  tokenRestoredNotification,
  type Repositories,
  type ConsentAppId,
  type ServiceId,
  type Store,
  type TenantProvisioning,
  type TokenFailureCause,
  type TokenHealthAssessment,
  type TokenProbeFinding,
  type TokenProbeRequirement,
  type TransitionResult,
} from '@cas/core';
import { DEFAULT_GRAPH_TIMEOUT_MS, EntraError, GraphError, type AppTokenSource } from '@cas/microsoft365';
import { tenantDeltaSlot } from '../sync/sync-scheduler.js';
import type { Logger } from 'pino';

/** What one check of a tenant found. */
export type TokenCheckOutcome =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly cause: TokenFailureCause;
      readonly detail: string;
      /** The services that do not work, in product order. */
      readonly services: readonly ServiceId[];
      /** Roles the token lacks (cause `rolesRemoved`). */
      readonly missingRoles: readonly string[];
    };

/** What the monitor needs. */
export interface TokenHealthMonitorOptions {
  readonly store: Store;
  readonly tokens: Pick<AppTokenSource, 'acquire'>;
  /** Graph origin (production or the emulator). */
  readonly graphBaseUrl: string;
  /** Whether Exchange Online uses EWS (Step 1): then its Exchange token must carry full_access_as_app. */
  readonly ewsEnabled: boolean;
  readonly now: () => string;
  readonly logger: Logger;
  /**
   * When each consent app's credential expires (a certificate's end date, or a secret's expiry
   * the operator configured), and how many days ahead the operators are warned in the log.
   */
  readonly credentialExpiries?: readonly {
    readonly app: ConsentAppId;
    readonly kind: 'secret' | 'certificate';
    readonly expiresAt: string;
  }[];
  readonly secretWarningDays?: number;
  /** How many tenants `checkAll` checks at once (default 4): each check waits on Entra and Graph. */
  readonly concurrency?: number;
  /** The Graph probe without an answer after this many ms counts as unreachable; default 30 000. */
  readonly graphTimeoutMs?: number;
  /**
   * How often each tenant is checked by `checkDue` (default 15 minutes). Each tenant's check is
   * due at its own phase of the interval, so the checks spread over it.
   */
  readonly intervalMs?: number;
  /** Tenants `checkDue` claims per statement (default twice the concurrency). */
  readonly claimBatch?: number;
}

const MONITOR = { kind: 'system', component: 'token-health-monitor' } as const;
const WATCHED = new Set(['protected', 'tokenInvalid']);

/** An operator warning is repeated at most once a day per credential. */
const EXPIRY_WARNING_REPEAT_MS = 24 * 60 * 60 * 1000;

/**
 * When a tenant checked at `checkedAtMs` is next due: at its own phase of the interval (a hash of
 * its id, as the sync scheduler's slots), at least half an interval on, so a tenant first checked
 * off its phase (just protected) is not checked again seconds later; one checked at its phase is
 * next due exactly one interval on.
 */
export function nextHealthCheckAt(tenantId: string, checkedAtMs: number, intervalMs: number): number {
  return tenantDeltaSlot(tenantId, checkedAtMs + intervalMs / 2, intervalMs).nextAtMs;
}

/** Checks tokens of provisioned tenants. */
export class TokenHealthMonitor {
  readonly #options: TokenHealthMonitorOptions;
  /** When each expiring credential was last warned about (`app|kind|expiresAt` → ms). */
  readonly #warned = new Map<string, number>();

  constructor(options: TokenHealthMonitorOptions) {
    this.#options = options;
  }

  /**
   * Checks every tenant with a protected (or token-invalid) service now, a few at a time; errors
   * of one tenant do not stop the rest. Reads every tenant: the worker's loop uses `checkDue`.
   */
  async checkAll(): Promise<void> {
    this.warnCredentialExpiry();
    const tenantIds = await this.#options.store.provisioning.listTenantIds();
    const lanes = Math.max(1, Math.min(this.#options.concurrency ?? 4, tenantIds.length));
    let next = 0;
    const lane = async (): Promise<void> => {
      for (let tenantId = tenantIds[next++]; tenantId !== undefined; tenantId = tenantIds[next++]) {
        try {
          await this.checkTenant(tenantId);
        } catch (error) {
          this.#options.logger.error({ err: error, tenantId }, 'token health check failed');
        }
      }
    };
    await Promise.all(Array.from({ length: lanes }, lane));
  }

  /**
   * Checks the tenants whose check is due now, and only those: each is claimed atomically (its
   * next check moved one interval ahead, which is also the lease if this worker dies), checked
   * with bounded concurrency, then set to its next phase of the interval. A pass with nothing due
   * is one statement however many tenants there are; several workers never check one tenant at
   * once. Returns the tenants checked.
   */
  async checkDue(): Promise<string[]> {
    this.warnCredentialExpiry();
    const { store, logger } = this.#options;
    const intervalMs = this.#options.intervalMs ?? 15 * 60_000;
    const concurrency = Math.max(1, this.#options.concurrency ?? 4);
    const batch = Math.max(1, this.#options.claimBatch ?? concurrency * 2);
    const checked: string[] = [];
    for (;;) {
      const now = this.#options.now();
      const nowMs = Date.parse(now);
      const claimedUntil = new Date(nowMs + intervalMs).toISOString();
      const due = await store.provisioning.claimDueHealthChecks(now, claimedUntil, batch);
      if (due.length === 0) return checked;
      let next = 0;
      const lane = async (): Promise<void> => {
        for (let tenantId = due[next++]; tenantId !== undefined; tenantId = due[next++]) {
          try {
            await this.checkTenant(tenantId);
          } catch (error) {
            logger.error({ err: error, tenantId }, 'token health check failed');
          }
          checked.push(tenantId);
          const after = Math.max(Date.parse(this.#options.now()), nowMs);
          const at = nextHealthCheckAt(tenantId, after, intervalMs);
          await store.provisioning.setNextHealthCheck(tenantId, new Date(at).toISOString());
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, due.length) }, lane));
    }
  }

  /**
   * Probes every app the services' consent steps name and judges each service; undefined
   * when a probe was inconclusive (Entra or Graph unreachable, throttled or failing), so that
   * nothing is concluded from an outage on Microsoft's side.
   */
  async probe(tenantId: string, services: readonly ServiceId[]): Promise<TokenHealthAssessment | undefined> {
    const requirements = tokenProbeRequirements(services, { ewsEnabled: this.#options.ewsEnabled });
    const findings = new Map<ConsentAppId, TokenProbeFinding>();
    for (const requirement of requirements) {
      const finding = await this.#probeApp(tenantId, requirement);
      if (finding === undefined) return undefined;
      findings.set(requirement.app, finding);
    }
    return assessTokenHealth(requirements, findings);
  }

  /** Acquires a fresh token of one app; for a Graph app, also calls Graph once with it. */
  async #probeApp(
    tenantId: string,
    requirement: TokenProbeRequirement,
  ): Promise<TokenProbeFinding | undefined> {
    const { app } = requirement;
    const isGraph = requirement.resource.identifierUri === MICROSOFT_GRAPH_RESOURCE.identifierUri;
    try {
      const token = await this.#options.tokens.acquire(tenantId, app, { fresh: true });
      // Entra still issues a token when roles were removed but the principal kept: compare roles.
      if (!isGraph || !token.roles.includes('User.Read.All')) {
        return { kind: 'granted', roles: token.roles };
      }
      const response = await fetch(
        `${this.#options.graphBaseUrl.replace(/\/+$/, '')}/v1.0/users?$select=id&$top=1`,
        {
          headers: { authorization: `Bearer ${token.accessToken}` },
          signal: AbortSignal.timeout(this.#options.graphTimeoutMs ?? DEFAULT_GRAPH_TIMEOUT_MS),
        },
      );
      if (response.ok) return { kind: 'granted', roles: token.roles };
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
        kind: 'refused',
        cause: tokenFailureCause({ httpStatus: response.status, graphErrorCode: code }),
        detail: sanitizeFailureDetail(`Graph answered ${response.status} ${code}`),
      };
    } catch (error) {
      if (error instanceof EntraError && !error.unanswered) {
        const signal = error.aadstsCode === undefined ? {} : { aadstsCode: error.aadstsCode };
        return {
          kind: 'refused',
          cause: tokenFailureCause(signal),
          detail: sanitizeFailureDetail(error.message),
        };
      }
      if (error instanceof GraphError) {
        return {
          kind: 'refused',
          cause: tokenFailureCause({ httpStatus: error.statusCode, graphErrorCode: error.code }),
          detail: sanitizeFailureDetail(error.message),
        };
      }
      // Network trouble is not a token problem.
      this.#options.logger.warn(
        { err: error, tenantId, app },
        'token health probe could not reach Entra or Graph',
      );
      return undefined;
    }
  }

  /** Checks one tenant and records the outcome: each watched service's status, and the tenant's one incident. */
  async checkTenant(tenantId: string): Promise<TokenCheckOutcome | undefined> {
    const { store } = this.#options;
    const provisioning = await store.provisioning.get(tenantId);
    if (provisioning === undefined) return undefined;
    const services = SERVICE_IDS.filter((service) => WATCHED.has(provisioning.services[service].status));
    if (services.length === 0) return undefined;
    const assessment = await this.probe(tenantId, services);
    if (assessment === undefined) return undefined;
    // A save may race the API's; re-read and re-apply a few times.
    for (let attempt = 1; ; attempt++) {
      try {
        await store.transaction((tx) => this.#record(tx, tenantId, services, assessment));
        break;
      } catch (error) {
        if (!(error instanceof ProvisioningRaceError) || attempt >= 5) throw error;
      }
    }
    const { failure } = assessment;
    if (failure !== undefined)
      this.#options.logger.warn(
        {
          tenantId,
          cause: failure.cause,
          services: failure.services,
          apps: failure.apps,
          missingRoles: failure.missingRoles,
        },
        'access token invalid',
      );
    return failure === undefined ? { ok: true } : { ok: false, ...failure };
  }

  async #record(
    tx: Repositories,
    tenantId: string,
    services: readonly ServiceId[],
    assessment: TokenHealthAssessment,
  ): Promise<void> {
    const now = this.#options.now();
    const before = await tx.provisioning.get(tenantId);
    if (before === undefined) return;
    let current: TenantProvisioning = before;
    for (const service of services) {
      const failing = assessment.failing.find((one) => one.service === service);
      const transition: TransitionResult =
        failing === undefined
          ? recordTokenVerified(current, service, now)
          : recordTokenFailure(current, service, failing.cause);
      if (!transition.ok) continue;
      const audit = auditEventsForTransition(current, transition.value, {
        actor: MONITOR,
        at: now,
        newId: randomUUID,
      });
      for (const entry of audit) await tx.audit.append(entry);
      current = transition.value.provisioning;
    }

    const open = await tx.tokenIncidents.findOpen(tenantId);
    if (assessment.failure !== undefined) {
      const { incident, opened } = openOrUpdateIncident(
        open,
        { tenantId, ...assessment.failure },
        { incidentId: randomUUID() },
        now,
      );
      await tx.tokenIncidents.put(incident);
      if (opened)
        await tx.notifications.raise(
          tokenInvalidNotification({ id: randomUUID(), createdAt: now }, incident),
        );
    } else if (open !== undefined) {
      const closed = closeIncident(open, now);
      await tx.tokenIncidents.put(closed);
      await tx.notifications.raise(tokenRestoredNotification({ id: randomUUID(), createdAt: now }, closed));
    }
    if (current === before) return;
    const saved = await tx.provisioning.save(current, before.version);
    if (!saved.ok) throw new ProvisioningRaceError();
  }

  /**
   * Warns the operators (one log line per credential, repeated at most daily) when a consent app's
   * client secret or certificate expires within the warning window: renewing it is our job, and
   * customers can do nothing about it. Returns the credentials warned about now.
   */
  warnCredentialExpiry(): { app: ConsentAppId; kind: 'secret' | 'certificate'; expiresAt: string }[] {
    const { credentialExpiries = [], secretWarningDays = 30, logger } = this.#options;
    const now = Date.parse(this.#options.now());
    const warned: { app: ConsentAppId; kind: 'secret' | 'certificate'; expiresAt: string }[] = [];
    for (const credential of credentialExpiries) {
      const remainingMs = Date.parse(credential.expiresAt) - now;
      if (remainingMs > secretWarningDays * 24 * 60 * 60 * 1000) continue;
      const key = `${credential.app}|${credential.kind}|${credential.expiresAt}`;
      const last = this.#warned.get(key);
      if (last !== undefined && now - last < EXPIRY_WARNING_REPEAT_MS) continue;
      this.#warned.set(key, now);
      warned.push({ ...credential });
      logger.warn(
        {
          alert: 'consentAppCredentialExpiring',
          app: credential.app,
          appName: CONSENT_APPS[credential.app].displayName,
          credential: credential.kind,
          expiresAt: credential.expiresAt,
          daysLeft: Math.floor(remainingMs / (24 * 60 * 60 * 1000)),
        },
        remainingMs <= 0
          ? `the ${credential.kind} of ${CONSENT_APPS[credential.app].displayName} has expired: renew it`
          : `the ${credential.kind} of ${CONSENT_APPS[credential.app].displayName} expires soon: renew it`,
      );
    }
    return warned;
  }
}

/** The provisioning record changed under us; the transaction rolls back and the check is re-applied. */
class ProvisioningRaceError extends Error {
  constructor() {
    super('Provisioning record changed during the token health check');
    this.name = 'ProvisioningRaceError';
  }
}
