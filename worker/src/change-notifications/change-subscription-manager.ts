/**
 * Keeps each tenant's Graph subscriptions (users, groups) in line with what it wants (ADR 0014):
 * creates them when a service synchronizes all users and groups, renews them well before expiry,
 * re-creates them after `subscriptionRemoved`, a failed reauthorization or when Graph lost them,
 * and deletes them when no service wants them any more (selected mode, deprovisioned). Every
 * outcome is recorded as the tenant's change notification status; a refused subscription is
 * named (token-health cause), and one that points at the token starts a token check at once.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  changeNotificationFailureCause,
  renewalDue,
  sanitizeFailureDetail,
  SUBSCRIBED_RESOURCES,
  wantsChangeNotifications,
  type ChangeNotificationFailureCause,
  type ChangeNotificationStatus,
  type ChangeSubscription,
  type Store,
  type SubscribedResource,
} from '@cas/core';
import { EntraError, GraphError, type GraphSubscriptions } from '@cas/microsoft365';
import type { Logger } from 'pino';

/** What the manager needs. */
export interface ChangeSubscriptionManagerOptions {
  readonly store: Store;
  readonly graph: GraphSubscriptions;
  /** Clock as ISO-8601. */
  readonly now: () => string;
  /** Our public HTTPS endpoint for change notifications. */
  readonly notificationUrl: string;
  /** Our public HTTPS endpoint for lifecycle events. */
  readonly lifecycleNotificationUrl: string;
  /** Lifetime asked for (Graph's maximum for users and groups is 41,760 minutes). */
  readonly lifetimeMs: number;
  /** Renew when less than this is left. */
  readonly renewBeforeMs: number;
  /** How often each tenant's subscriptions are compared with Graph's list (a lost one is re-created). */
  readonly verifyEveryMs: number;
  readonly logger: Logger;
  /** A token-related refusal: check the tenant's token now (R9). */
  readonly onTokenRefused?: (tenantId: string) => void;
  /** A `missed` lifecycle event: Graph may have dropped notifications, refresh now. */
  readonly onMissed?: (tenantId: string) => Promise<void>;
}

/** What one tenant pass did (for logs and tests). */
export interface TenantReconciliation {
  readonly created: number;
  readonly renewed: number;
  readonly deleted: number;
  readonly failure?: ChangeNotificationFailureCause;
}

/** A client state: 32 random bytes, given to Graph once, kept only as its SHA-256. */
function newClientState(): { secret: string; hash: string } {
  const secret = randomBytes(32).toString('base64url');
  return { secret, hash: createHash('sha256').update(secret, 'utf8').digest('hex') };
}

class SubscriptionFailure extends Error {
  constructor(
    readonly failureCause: ChangeNotificationFailureCause,
    readonly detail: string,
    /** Graph's HTTP status, 0 when Graph did not answer. */
    readonly status = 0,
  ) {
    super(detail);
  }
}

/** Subscription upkeep for every tenant. */
export class ChangeSubscriptionManager {
  readonly #options: ChangeSubscriptionManagerOptions;
  /** When each tenant's subscriptions were last compared with Graph's list (ms). */
  readonly #verifiedAt = new Map<string, number>();

  constructor(options: ChangeSubscriptionManagerOptions) {
    this.#options = options;
  }

  /** Every tenant that is provisioned or still holds subscriptions; errors of one do not stop the rest. */
  async reconcileAll(): Promise<void> {
    const { store } = this.#options;
    const tenants = new Set([
      ...(await store.provisioning.listTenantIds()),
      ...(await store.changeNotifications.listTenantsWithSubscriptions()),
    ]);
    for (const tenantId of tenants) {
      try {
        await this.reconcileTenant(tenantId);
      } catch (error) {
        this.#options.logger.error({ err: error, tenantId }, 'change subscription upkeep failed');
      }
    }
  }

  /** Brings one tenant's subscriptions to what it wants. */
  async reconcileTenant(tenantId: string): Promise<TenantReconciliation> {
    const { store, now } = this.#options;
    const provisioning = await store.provisioning.get(tenantId);
    const held = await store.changeNotifications.listSubscriptions(tenantId);
    let created = 0;
    let renewed = 0;
    let deleted = 0;
    if (!wantsChangeNotifications(provisioning)) {
      for (const subscription of held) {
        try {
          await this.#options.graph.delete(tenantId, subscription.id);
        } catch (error) {
          // Without consent Graph cannot be asked; the subscription expires on its own.
          this.#options.logger.warn({ err: error, tenantId }, 'could not delete a change subscription');
        }
        await store.changeNotifications.deleteSubscription(tenantId, subscription.id);
        deleted += 1;
      }
      const status = await store.changeNotifications.getStatus(tenantId);
      if (status !== undefined && status.state !== 'off')
        await this.#saveStatus(tenantId, {
          state: 'off',
          cause: null,
          detail: null,
          renewedAt: null,
          expiresAt: null,
        });
      this.#verifiedAt.delete(tenantId);
      return { created, renewed, deleted };
    }
    try {
      let current = held;
      const nowMs = Date.parse(now());
      if (
        current.length > 0 &&
        nowMs - (this.#verifiedAt.get(tenantId) ?? 0) >= this.#options.verifyEveryMs
      ) {
        const known = new Set(
          (await this.#call(() => this.#options.graph.list(tenantId))).map((one) => one.id),
        );
        for (const lost of current.filter((subscription) => !known.has(subscription.id))) {
          this.#options.logger.warn(
            { tenantId, resource: lost.resource },
            'Graph lost a change subscription',
          );
          await store.changeNotifications.deleteSubscription(tenantId, lost.id);
        }
        current = current.filter((subscription) => known.has(subscription.id));
        this.#verifiedAt.set(tenantId, nowMs);
      }
      for (const resource of SUBSCRIBED_RESOURCES) {
        const subscription = current.find((one) => one.resource === resource);
        if (subscription === undefined) {
          await this.#create(tenantId, resource);
          created += 1;
        } else if (renewalDue(subscription.expiresAt, now(), this.#options.renewBeforeMs)) {
          if (await this.renew(subscription)) renewed += 1;
          else created += 1;
        }
      }
      await this.#recordActive(tenantId);
      return { created, renewed, deleted };
    } catch (error) {
      const failure = this.#failureOf(error);
      await this.#saveStatus(tenantId, {
        state: 'failing',
        cause: failure.failureCause,
        detail: failure.detail,
        renewedAt: (await store.changeNotifications.getStatus(tenantId))?.renewedAt ?? null,
        expiresAt: null,
      });
      this.#options.logger.warn(
        { tenantId, cause: failure.failureCause, detail: failure.detail },
        'change notifications failing',
      );
      if (failure.failureCause === 'tokenRefused' || failure.failureCause === 'permissionMissing')
        this.#options.onTokenRefused?.(tenantId);
      return { created, renewed, deleted, failure: failure.failureCause };
    }
  }

  /**
   * Renews (which also reauthorizes); when Graph no longer has it, creates a new one. True when
   * renewed, false when re-created.
   */
  async renew(subscription: ChangeSubscription): Promise<boolean> {
    const { store, now } = this.#options;
    const expirationDateTime = this.#expiry();
    try {
      const answer = await this.#call(() =>
        this.#options.graph.renew(subscription.tenantId, subscription.id, expirationDateTime),
      );
      await store.changeNotifications.saveSubscription({
        ...subscription,
        expiresAt: answer.expirationDateTime
          ? new Date(answer.expirationDateTime).toISOString()
          : expirationDateTime,
        renewedAt: now(),
      });
      return true;
    } catch (error) {
      if (!(error instanceof SubscriptionFailure) || error.status !== 404) throw error;
      await store.changeNotifications.deleteSubscription(subscription.tenantId, subscription.id);
      await this.#create(subscription.tenantId, subscription.resource);
      return false;
    }
  }

  /** Acts on the lifecycle events that arrived (reauthorize, re-create, refresh after `missed`). */
  async handleLifecycleEvents(): Promise<void> {
    const { store, now } = this.#options;
    for (const tenantId of await store.changeNotifications.tenantsWithPending('lifecycle', now())) {
      const events = await store.changeNotifications.takePending(tenantId, 'lifecycle');
      const held = await store.changeNotifications.listSubscriptions(tenantId);
      try {
        for (const event of events) {
          const subscription = held.find((one) => one.id === event.subscriptionId);
          if (event.event === 'missed') {
            await this.#options.onMissed?.(tenantId);
            continue;
          }
          if (subscription === undefined) continue;
          if (event.event === 'reauthorizationRequired') {
            await this.renew(subscription);
          } else if (event.event === 'subscriptionRemoved') {
            await store.changeNotifications.deleteSubscription(tenantId, subscription.id);
            await this.#create(tenantId, subscription.resource);
          }
        }
        if (events.some((event) => event.event !== 'missed')) await this.#recordActive(tenantId);
      } catch (error) {
        // The next upkeep pass re-creates what could not be reauthorized (and names the failure if that fails too).
        for (const event of events) {
          const subscription = held.find((one) => one.id === event.subscriptionId);
          if (subscription === undefined) continue;
          await this.#options.graph.delete(tenantId, subscription.id).catch(() => undefined);
          await store.changeNotifications.deleteSubscription(tenantId, subscription.id);
        }
        const failure = this.#failureOf(error);
        await this.#saveStatus(tenantId, {
          state: 'failing',
          cause: failure.failureCause,
          detail: failure.detail,
          renewedAt: (await store.changeNotifications.getStatus(tenantId))?.renewedAt ?? null,
          expiresAt: null,
        });
        if (failure.failureCause === 'tokenRefused' || failure.failureCause === 'permissionMissing')
          this.#options.onTokenRefused?.(tenantId);
      }
    }
  }

  async #create(tenantId: string, resource: SubscribedResource): Promise<void> {
    const { store, now } = this.#options;
    const clientState = newClientState();
    const expirationDateTime = this.#expiry();
    const answer = await this.#call(() =>
      this.#options.graph.create(tenantId, {
        resource,
        notificationUrl: this.#options.notificationUrl,
        lifecycleNotificationUrl: this.#options.lifecycleNotificationUrl,
        expirationDateTime,
        clientState: clientState.secret,
      }),
    );
    const saved = await store.changeNotifications.saveSubscription({
      id: answer.id.toLowerCase(),
      tenantId,
      resource,
      clientStateHash: clientState.hash,
      expiresAt: answer.expirationDateTime
        ? new Date(answer.expirationDateTime).toISOString()
        : expirationDateTime,
      createdAt: now(),
      renewedAt: now(),
    });
    // Another worker subscribed this tenant at the same moment: keep theirs.
    if (!saved) await this.#options.graph.delete(tenantId, answer.id).catch(() => undefined);
  }

  async #recordActive(tenantId: string): Promise<void> {
    const held = await this.#options.store.changeNotifications.listSubscriptions(tenantId);
    const renewedAt =
      held
        .map((one) => one.renewedAt ?? one.createdAt)
        .sort()
        .at(-1) ?? null;
    const expiresAt = held.map((one) => one.expiresAt).sort()[0] ?? null;
    await this.#saveStatus(tenantId, { state: 'active', cause: null, detail: null, renewedAt, expiresAt });
  }

  async #saveStatus(
    tenantId: string,
    status: Omit<ChangeNotificationStatus, 'tenantId' | 'updatedAt'>,
  ): Promise<void> {
    const previous = await this.#options.store.changeNotifications.getStatus(tenantId);
    // "Failing since": the first failure of a streak keeps its time.
    const updatedAt =
      status.state === 'failing' && previous?.state === 'failing' ? previous.updatedAt : this.#options.now();
    await this.#options.store.changeNotifications.saveStatus({ tenantId, ...status, updatedAt });
  }

  #expiry(): string {
    return new Date(Date.parse(this.#options.now()) + this.#options.lifetimeMs).toISOString();
  }

  /** Runs a Graph call, turning its failure into a named one. */
  async #call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw this.#failureOf(error);
    }
  }

  #failureOf(error: unknown): SubscriptionFailure {
    if (error instanceof SubscriptionFailure) return error;
    if (error instanceof EntraError)
      return new SubscriptionFailure(
        error.unanswered ? 'graphUnavailable' : 'tokenRefused',
        sanitizeFailureDetail(error.message),
      );
    if (error instanceof GraphError) {
      const detail = sanitizeFailureDetail(error.message);
      return new SubscriptionFailure(
        changeNotificationFailureCause({
          httpStatus: error.statusCode,
          graphErrorCode: error.code,
          message: detail,
        }),
        detail,
        error.statusCode,
      );
    }
    return new SubscriptionFailure(
      'other',
      sanitizeFailureDetail(error instanceof Error ? error.message : String(error)),
    );
  }
}
