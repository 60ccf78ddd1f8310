/**
 * Microsoft Graph change notifications for directory resources (`/users`, `/groups`,
 * `/groups/{id}/members`): subscriptions with Graph's validation rules and validation handshake,
 * basic notifications (ids only) read from each tenant's change log, delivery with retries and
 * backoff when an endpoint fails or is slow, lifecycle events (`reauthorizationRequired` before
 * expiry and after consent changes), and delivery faults tests can inject (delay, duplicate,
 * reorder, drop). Subscriptions live in memory only: after an emulator restart they are gone, as a
 * lost subscription is in Graph.
 */
import { randomUUID } from 'node:crypto';
import { GraphError } from '../graph/graph-error.js';
import { isAllowed, type GraphOperation } from '../graph/permissions.js';
import type { GraphCaller } from '../contracts.js';
import type { DirectoryChange } from '../directory/change-log.js';
import type { InMemoryTenantDirectory } from '../directory/tenant-directory.js';
import type { WebhookClient } from './webhook-client.js';

/** Graph's limit for directory resources (users, groups): 41,760 minutes, just under 29 days. */
export const MAX_DIRECTORY_SUBSCRIPTION_MINUTES = 41_760;
/** Subscriptions one app may hold in one tenant. */
export const SUBSCRIPTIONS_PER_APP_AND_TENANT = 100;
/** Notifications Graph puts in one POST at most (emulator choice; Graph batches, size unverified). */
export const MAX_NOTIFICATIONS_PER_POST = 100;
/** Microsoft Graph's application id: the resource our app's roles are granted on. */
const GRAPH_RESOURCE_APP_ID = '00000003-0000-0000-c000-000000000000';

/** Timing knobs; each default is Graph's documented behaviour (or close to it where undocumented). */
export interface ChangeNotificationTimings {
  /** Time the endpoint has to echo the validation token (Graph: 10 s). */
  validationTimeoutMs: number;
  /** Time the endpoint has to answer a notification with 2xx (Graph: 3 s), else it is retried. */
  deliveryTimeoutMs: number;
  /** First retry delay; each further retry doubles it. */
  retryBaseMs: number;
  /** Retries stop this long after the first attempt (Graph: 4 hours). */
  retryWindowMs: number;
  /** `reauthorizationRequired` is sent this long before a subscription expires. */
  reauthorizationLeadMs: number;
  /** How often the change logs are read and deliveries started. */
  pumpIntervalMs: number;
}

const DEFAULT_TIMINGS: ChangeNotificationTimings = {
  validationTimeoutMs: 10_000,
  deliveryTimeoutMs: 3_000,
  retryBaseMs: 10_000,
  retryWindowMs: 4 * 3600_000,
  reauthorizationLeadMs: 3600_000,
  pumpIntervalMs: 250,
};

/** The subscribed resource, parsed. */
type SubscribedResource =
  | { readonly kind: 'users' }
  | { readonly kind: 'groups' }
  | { readonly kind: 'members'; readonly groupId: string };

/** One subscription as the emulator keeps it. */
interface Subscription {
  readonly id: string;
  readonly tenantId: string;
  readonly appId: string;
  readonly creatorId: string;
  /** As the client sent it (Graph echoes it back unchanged). */
  readonly resourceText: string;
  readonly resource: SubscribedResource;
  readonly changeTypes: readonly string[];
  readonly changeTypeText: string;
  notificationUrl: string;
  readonly lifecycleNotificationUrl: string | null;
  readonly clientState: string | null;
  expirationMs: number;
  /** Position in the tenant's change log already turned into notifications. */
  cursor: number;
  /** The directory the cursor points into (a tenant reset replaces it). */
  directory: InMemoryTenantDirectory;
  /** The app's granted Graph roles when the subscription was (re)authorized. */
  consentFingerprint: string;
  /** Set when the consent changed: no notifications until the app reauthorizes. */
  needsReauthorization: boolean;
  /** Expiry for which `reauthorizationRequired` was already sent. */
  reauthorizationSentFor: number | undefined;
  readonly createdAt: number;
}

/** A delivery fault tests inject (applied to the next `count` notification POSTs that match). */
export interface DeliveryFaultInput {
  action: 'drop' | 'duplicate' | 'delay' | 'reorder';
  /** How many POSTs it applies to (default 1). */
  count?: number;
  /** For `delay`: seconds to hold each POST back. */
  delaySeconds?: number;
  /** Only POSTs for this tenant (id). */
  tenantId?: string;
}

interface DeliveryFault extends Required<Omit<DeliveryFaultInput, 'tenantId'>> {
  readonly id: string;
  tenantId: string | undefined;
}

/** Counters `GET /_emulator/change-notifications` reports. */
export interface DeliveryCounters {
  posts: number;
  notifications: number;
  lifecycleEvents: number;
  retries: number;
  failedAttempts: number;
  slowAttempts: number;
  abandoned: number;
  dropped: number;
  duplicated: number;
  delayed: number;
  reordered: number;
}

/** One POST waiting to be delivered. */
interface PendingPost {
  readonly url: string;
  readonly tenantId: string;
  readonly items: readonly Record<string, unknown>[];
  readonly firstAttemptAt: number;
  attempts: number;
  readonly lifecycle: boolean;
}

/** Options of {@link ChangeNotifications}. */
export interface ChangeNotificationsOptions {
  /** Emulator clock (ms): expiry and lifecycle timing follow it, so tests can jump ahead. */
  now: () => number;
  /** Current directory of a tenant (after a reset, a new one). */
  directory: (tenantId: string) => InMemoryTenantDirectory | undefined;
  /** The app's granted Graph application roles in a tenant; undefined when it has no service principal. */
  grantedGraphRoles: (tenantId: string, appId: string) => readonly string[] | undefined;
  webhooks: WebhookClient;
  timings?: Partial<ChangeNotificationTimings>;
  /** Accept `http://` notification URLs on loopback (local development; Graph requires HTTPS). */
  allowLoopbackHttp?: boolean;
}

const bad = (message: string, code = 'InvalidRequest'): GraphError => new GraphError(400, code, message);

/** Subscriptions and their deliveries for every tenant of one emulator. */
export class ChangeNotifications {
  readonly #subscriptions = new Map<string, Subscription>();
  readonly #faults: DeliveryFault[] = [];
  /** POSTs held back by a `reorder` fault until the next one of the same URL went out. */
  readonly #held = new Map<string, PendingPost>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #timings: ChangeNotificationTimings;
  readonly #pump: NodeJS.Timeout;
  readonly counters: DeliveryCounters = {
    posts: 0,
    notifications: 0,
    lifecycleEvents: 0,
    retries: 0,
    failedAttempts: 0,
    slowAttempts: 0,
    abandoned: 0,
    dropped: 0,
    duplicated: 0,
    delayed: 0,
    reordered: 0,
  };
  #closed = false;

  constructor(private readonly options: ChangeNotificationsOptions) {
    this.#timings = { ...DEFAULT_TIMINGS, ...options.timings };
    this.#pump = setInterval(() => this.pump(), this.#timings.pumpIntervalMs);
    this.#pump.unref();
  }

  /** `POST /subscriptions`: validates, runs the handshake(s), then stores the subscription. */
  async create(caller: GraphCaller, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const required = (name: string): string => {
      const value = body[name];
      if (typeof value !== 'string' || value.trim() === '')
        throw bad(`${name} is a required property for subscription creation.`);
      return value.trim();
    };
    const changeTypeText = required('changeType');
    const notificationUrl = required('notificationUrl');
    const resourceText = required('resource');
    const expirationText = required('expirationDateTime');
    const resource = parseResource(resourceText);
    const changeTypes = parseChangeTypes(changeTypeText);
    this.#checkUrl(notificationUrl, 'notificationUrl');
    const lifecycleNotificationUrl =
      typeof body.lifecycleNotificationUrl === 'string' && body.lifecycleNotificationUrl !== ''
        ? body.lifecycleNotificationUrl
        : null;
    if (lifecycleNotificationUrl !== null)
      this.#checkUrl(lifecycleNotificationUrl, 'lifecycleNotificationUrl');
    const clientState = typeof body.clientState === 'string' ? body.clientState : null;
    if (clientState !== null && clientState.length > 128)
      throw bad('clientState must be 128 characters or fewer.');
    if (body.includeResourceData === true)
      throw bad(
        `Rich notifications (includeResourceData) are not supported for resource '${resourceText}'.`,
        'ExtensionError',
      );
    const expirationMs = this.#checkExpiration(expirationText);
    this.#authorize(caller, resource);
    const directory = this.options.directory(caller.tid);
    if (!directory) throw new GraphError(404, 'ResourceNotFound', 'The tenant was not found.');
    if (resource.kind === 'members' && !directory.getGroup(resource.groupId))
      throw bad(`Resource '${resourceText}' does not exist.`, 'ResourceNotFound');
    const owned = [...this.#subscriptions.values()].filter(
      (subscription) => subscription.tenantId === caller.tid && subscription.appId === caller.appId,
    );
    if (owned.length >= SUBSCRIPTIONS_PER_APP_AND_TENANT) {
      throw new GraphError(
        403,
        'ExtensionError',
        `Operation: Create; Exception: [Status Code: Forbidden; Reason: The app has reached its limit of ${SUBSCRIPTIONS_PER_APP_AND_TENANT} subscriptions in this tenant.]`,
      );
    }
    await this.#handshake(notificationUrl);
    if (lifecycleNotificationUrl !== null) await this.#handshake(lifecycleNotificationUrl);
    const subscription: Subscription = {
      id: randomUUID(),
      tenantId: caller.tid,
      appId: caller.appId,
      creatorId: caller.userId ?? caller.appId,
      resourceText,
      resource,
      changeTypes,
      changeTypeText,
      notificationUrl,
      lifecycleNotificationUrl,
      clientState,
      expirationMs,
      cursor: directory.changes.lastSeq,
      directory,
      consentFingerprint: this.#fingerprint(caller.tid, caller.appId),
      needsReauthorization: false,
      reauthorizationSentFor: undefined,
      createdAt: this.options.now(),
    };
    this.#subscriptions.set(subscription.id, subscription);
    return { ...describe(subscription), clientState };
  }

  /** `GET /subscriptions`: the caller app's subscriptions in its tenant. */
  list(caller: GraphCaller): Record<string, unknown>[] {
    return [...this.#subscriptions.values()]
      .filter((subscription) => subscription.tenantId === caller.tid && subscription.appId === caller.appId)
      .map(describe);
  }

  /** `GET /subscriptions/{id}`. */
  get(caller: GraphCaller, id: string): Record<string, unknown> {
    return describe(this.#owned(caller, id));
  }

  /** `PATCH /subscriptions/{id}`: renews (new `expirationDateTime`), which also reauthorizes. */
  async update(
    caller: GraphCaller,
    id: string,
    body: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const subscription = this.#owned(caller, id);
    const known = new Set(['expirationDateTime', 'notificationUrl']);
    const unknown = Object.keys(body).find((key) => !known.has(key) && !key.startsWith('@odata'));
    if (unknown !== undefined) throw bad(`Property '${unknown}' cannot be updated on a subscription.`);
    let expirationMs = subscription.expirationMs;
    if (body.expirationDateTime !== undefined) {
      if (typeof body.expirationDateTime !== 'string')
        throw bad('expirationDateTime must be a date and time.');
      expirationMs = this.#checkExpiration(body.expirationDateTime);
    }
    this.#authorize(caller, subscription.resource);
    if (typeof body.notificationUrl === 'string' && body.notificationUrl !== subscription.notificationUrl) {
      this.#checkUrl(body.notificationUrl, 'notificationUrl');
      await this.#handshake(body.notificationUrl);
      subscription.notificationUrl = body.notificationUrl;
    }
    subscription.expirationMs = expirationMs;
    this.#reauthorized(subscription);
    return describe(subscription);
  }

  /** `POST /subscriptions/{id}/reauthorize`. */
  reauthorize(caller: GraphCaller, id: string): void {
    const subscription = this.#owned(caller, id);
    this.#authorize(caller, subscription.resource);
    this.#reauthorized(subscription);
  }

  /** `DELETE /subscriptions/{id}`. */
  delete(caller: GraphCaller, id: string): void {
    this.#subscriptions.delete(this.#owned(caller, id).id);
  }

  // --- control API -------------------------------------------------------------------------------

  /** Every subscription, for the control API (client state shown only as its length). */
  describeAll(): Record<string, unknown>[] {
    return [...this.#subscriptions.values()].map((subscription) => ({
      ...describe(subscription),
      tenantId: subscription.tenantId,
      clientStateLength: subscription.clientState?.length ?? 0,
      needsReauthorization: subscription.needsReauthorization,
      pendingChanges: Math.max(0, subscription.directory.changes.lastSeq - subscription.cursor),
    }));
  }

  /** Forgets a subscription without telling anyone (a lost subscription). */
  forget(id: string): boolean {
    return this.#subscriptions.delete(id.toLowerCase());
  }

  /** Sends a lifecycle event now (`reauthorizationRequired`, `subscriptionRemoved`, `missed`). */
  sendLifecycleEvent(id: string, event: string): boolean {
    const subscription = this.#subscriptions.get(id.toLowerCase());
    if (!subscription) return false;
    if (event === 'subscriptionRemoved') this.#subscriptions.delete(subscription.id);
    if (event === 'reauthorizationRequired') subscription.needsReauthorization = true;
    this.#lifecycle(subscription, event);
    return true;
  }

  /** Adds a delivery fault. */
  addFault(input: DeliveryFaultInput): DeliveryFault {
    const actions = ['drop', 'duplicate', 'delay', 'reorder'];
    if (!actions.includes(input.action)) throw new RangeError(`action must be one of ${actions.join(', ')}.`);
    const count = input.count ?? 1;
    if (!Number.isInteger(count) || count < 1) throw new RangeError('count must be a positive integer.');
    const delaySeconds = input.delaySeconds ?? 0;
    if (input.action === 'delay' && !(delaySeconds > 0))
      throw new RangeError('delaySeconds must be a positive number for delay.');
    const fault: DeliveryFault = {
      id: randomUUID(),
      action: input.action,
      count,
      delaySeconds,
      tenantId: input.tenantId?.toLowerCase(),
    };
    this.#faults.push(fault);
    return fault;
  }

  listFaults(): readonly DeliveryFault[] {
    return this.#faults;
  }

  clearFaults(): void {
    this.#faults.length = 0;
  }

  /** Stops the pump and every pending delivery. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#pump);
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  /**
   * One pass: drops expired subscriptions, sends due lifecycle events, and turns new directory
   * changes into notification POSTs (one per subscription per pass, at most 100 items each).
   */
  pump(): void {
    if (this.#closed) return;
    const now = this.options.now();
    for (const subscription of [...this.#subscriptions.values()]) {
      if (subscription.expirationMs <= now) {
        // Graph deletes an expired subscription; nothing is sent.
        this.#subscriptions.delete(subscription.id);
        continue;
      }
      const fingerprint = this.#fingerprint(subscription.tenantId, subscription.appId);
      if (fingerprint !== subscription.consentFingerprint && !subscription.needsReauthorization) {
        subscription.needsReauthorization = true;
        this.#lifecycle(subscription, 'reauthorizationRequired');
      } else if (
        subscription.expirationMs - now <= this.#timings.reauthorizationLeadMs &&
        subscription.reauthorizationSentFor !== subscription.expirationMs
      ) {
        subscription.reauthorizationSentFor = subscription.expirationMs;
        this.#lifecycle(subscription, 'reauthorizationRequired');
      }
      const directory = this.options.directory(subscription.tenantId);
      if (!directory) {
        this.#subscriptions.delete(subscription.id);
        continue;
      }
      if (directory !== subscription.directory) {
        // The tenant was reset: its log starts over.
        subscription.directory = directory;
        subscription.cursor = directory.changes.lastSeq;
        continue;
      }
      if (subscription.needsReauthorization) continue;
      const changes = directory.changes.between(subscription.cursor);
      if (changes.length === 0) continue;
      subscription.cursor = directory.changes.lastSeq;
      const items = changes.flatMap((change) => this.#notificationsOf(subscription, change));
      for (let start = 0; start < items.length; start += MAX_NOTIFICATIONS_PER_POST) {
        this.#enqueue({
          url: subscription.notificationUrl,
          tenantId: subscription.tenantId,
          items: items.slice(start, start + MAX_NOTIFICATIONS_PER_POST),
          firstAttemptAt: Date.now(),
          attempts: 0,
          lifecycle: false,
        });
      }
    }
  }

  // --- internals ---------------------------------------------------------------------------------

  #notificationsOf(subscription: Subscription, change: DirectoryChange): Record<string, unknown>[] {
    const { resource } = subscription;
    let target: { type: 'User' | 'Group'; id: string; changeType: 'updated' | 'deleted' } | undefined;
    if (resource.kind === 'users' && change.kind.startsWith('user-')) {
      target = {
        type: 'User',
        id: change.objectId,
        changeType: change.kind === 'user-deleted' ? 'deleted' : 'updated',
      };
    } else if (
      resource.kind === 'groups' &&
      (change.kind.startsWith('group-') || change.kind.startsWith('member-'))
    ) {
      target = {
        type: 'Group',
        id: change.objectId,
        changeType: change.kind === 'group-deleted' ? 'deleted' : 'updated',
      };
    } else if (
      resource.kind === 'members' &&
      change.kind.startsWith('member-') &&
      change.objectId === resource.groupId
    ) {
      target = { type: 'Group', id: change.objectId, changeType: 'updated' };
    }
    if (!target || !subscription.changeTypes.includes(target.changeType)) return [];
    const path = `${target.type}s/${target.id}`;
    return [
      {
        subscriptionId: subscription.id,
        clientState: subscription.clientState,
        changeType: target.changeType,
        resource: path,
        subscriptionExpirationDateTime: graphDate(subscription.expirationMs),
        tenantId: subscription.tenantId,
        resourceData: {
          '@odata.type': `#Microsoft.Graph.${target.type}`,
          '@odata.id': path,
          id: target.id,
          organizationId: subscription.tenantId,
        },
      },
    ];
  }

  #lifecycle(subscription: Subscription, event: string): void {
    if (subscription.lifecycleNotificationUrl === null) return;
    this.#enqueue({
      url: subscription.lifecycleNotificationUrl,
      tenantId: subscription.tenantId,
      items: [
        {
          subscriptionId: subscription.id,
          subscriptionExpirationDateTime: graphDate(subscription.expirationMs),
          tenantId: subscription.tenantId,
          clientState: subscription.clientState,
          lifecycleEvent: event,
        },
      ],
      firstAttemptAt: Date.now(),
      attempts: 0,
      lifecycle: true,
    });
  }

  /** Applies injected faults, then starts the delivery. */
  #enqueue(post: PendingPost): void {
    const fault = post.lifecycle ? undefined : this.#takeFault(post.tenantId);
    const held = this.#held.get(post.url);
    const releaseHeld = (): void => {
      if (!held) return;
      this.#held.delete(post.url);
      this.#schedule(held, 0);
    };
    switch (fault?.action) {
      case 'drop':
        this.counters.dropped += post.items.length;
        releaseHeld();
        return;
      case 'duplicate':
        this.counters.duplicated += post.items.length;
        this.#schedule(post, 0);
        this.#schedule({ ...post, attempts: 0 }, 0);
        releaseHeld();
        return;
      case 'delay':
        this.counters.delayed += post.items.length;
        this.#schedule(post, fault.delaySeconds * 1000);
        releaseHeld();
        return;
      case 'reorder': {
        // Held until the next POST to the same URL has gone out, and its items reversed.
        this.counters.reordered += post.items.length;
        this.#held.set(post.url, { ...post, items: [...post.items].reverse() });
        // Never held for ever: released after two seconds if nothing follows.
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          const still = this.#held.get(post.url);
          if (still) {
            this.#held.delete(post.url);
            this.#schedule(still, 0);
          }
        }, 2000);
        this.#timers.add(timer);
        if (held) this.#schedule(held, 0);
        return;
      }
      default:
        this.#schedule(post, 0);
        releaseHeld();
    }
  }

  #takeFault(tenantId: string): DeliveryFault | undefined {
    const index = this.#faults.findIndex(
      (fault) => fault.tenantId === undefined || fault.tenantId === tenantId.toLowerCase(),
    );
    if (index < 0) return undefined;
    const fault = this.#faults[index] as DeliveryFault;
    fault.count -= 1;
    if (fault.count <= 0) this.#faults.splice(index, 1);
    return fault;
  }

  #schedule(post: PendingPost, delayMs: number): void {
    if (this.#closed) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void this.#attempt(post);
    }, delayMs);
    this.#timers.add(timer);
  }

  async #attempt(post: PendingPost): Promise<void> {
    if (this.#closed) return;
    post.attempts += 1;
    if (post.attempts > 1) this.counters.retries += 1;
    this.counters.posts += 1;
    const outcome = await this.options.webhooks.post(
      post.url,
      JSON.stringify({ value: post.items }),
      'application/json; charset=utf-8',
      this.#timings.deliveryTimeoutMs,
    );
    const ok =
      outcome.kind === 'answered' &&
      outcome.status >= 200 &&
      outcome.status < 300 &&
      outcome.ms <= this.#timings.deliveryTimeoutMs;
    if (ok) {
      if (post.lifecycle) this.counters.lifecycleEvents += post.items.length;
      else this.counters.notifications += post.items.length;
      return;
    }
    if (outcome.kind === 'timedOut' || outcome.ms > this.#timings.deliveryTimeoutMs)
      this.counters.slowAttempts += 1;
    else this.counters.failedAttempts += 1;
    const delay = this.#timings.retryBaseMs * 2 ** (post.attempts - 1);
    if (Date.now() + delay - post.firstAttemptAt > this.#timings.retryWindowMs) {
      this.counters.abandoned += post.items.length;
      return;
    }
    this.#schedule(post, delay);
  }

  async #handshake(url: string): Promise<void> {
    const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
    const separator = url.includes('?') ? '&' : '?';
    const outcome = await this.options.webhooks.post(
      `${url}${separator}validationToken=${encodeURIComponent(token)}`,
      '',
      'text/plain; charset=utf-8',
      this.#timings.validationTimeoutMs,
    );
    if (outcome.kind === 'timedOut') throw bad('Subscription validation request timed out.');
    if (outcome.kind === 'unreachable')
      throw bad(`Subscription validation request failed. Could not reach the notification endpoint.`);
    if (outcome.status !== 200)
      throw bad(
        'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.',
      );
    if (outcome.body !== token)
      throw bad(
        'Subscription validation request failed. Response must exactly match validationToken query parameter.',
      );
  }

  #checkUrl(value: string, name: string): void {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw bad(`Invalid ${name}: '${value}' is not an absolute URL.`);
    }
    const loopback =
      ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) || url.hostname.startsWith('127.');
    if (url.protocol === 'https:') return;
    if (url.protocol === 'http:' && loopback && this.options.allowLoopbackHttp !== false) return;
    throw bad(`Invalid ${name}: the URL must use https.`);
  }

  #checkExpiration(text: string): number {
    const at = Date.parse(text);
    if (!Number.isFinite(at)) throw bad(`Invalid expirationDateTime '${text}'.`);
    const now = this.options.now();
    if (at <= now) throw bad('Subscription expiration must be in the future.', 'ExtensionError');
    if (at - now > MAX_DIRECTORY_SUBSCRIPTION_MINUTES * 60_000)
      throw bad(
        `Subscription expiration can only be ${MAX_DIRECTORY_SUBSCRIPTION_MINUTES} minutes in the future.`,
        'ExtensionError',
      );
    return at;
  }

  #authorize(caller: GraphCaller, resource: SubscribedResource): void {
    const operation: GraphOperation =
      resource.kind === 'users' ? 'readUsers' : resource.kind === 'groups' ? 'readGroups' : 'readMembers';
    if (!isAllowed(caller, operation)) {
      throw new GraphError(
        403,
        'ExtensionError',
        'Operation: Create; Exception: [Status Code: Forbidden; Reason: Insufficient privileges to complete the operation.]',
      );
    }
  }

  #owned(caller: GraphCaller, id: string): Subscription {
    const subscription = this.#subscriptions.get(id.toLowerCase());
    if (!subscription || subscription.tenantId !== caller.tid || subscription.appId !== caller.appId) {
      throw new GraphError(404, 'ResourceNotFound', `The object '${id}' was not found.`);
    }
    return subscription;
  }

  #reauthorized(subscription: Subscription): void {
    subscription.needsReauthorization = false;
    subscription.consentFingerprint = this.#fingerprint(subscription.tenantId, subscription.appId);
  }

  #fingerprint(tenantId: string, appId: string): string {
    const roles = this.options.grantedGraphRoles(tenantId, appId);
    return roles === undefined
      ? 'none'
      : [...roles]
          .map((role) => role.toLowerCase())
          .sort()
          .join(' ');
  }
}

/** Which Graph resource application the service principal's roles must be granted on. */
export { GRAPH_RESOURCE_APP_ID };

function parseResource(text: string): SubscribedResource {
  const path = text.replace(/^\/+/, '').replace(/\/+$/, '');
  const lower = path.toLowerCase();
  if (lower === 'users') return { kind: 'users' };
  if (lower === 'groups') return { kind: 'groups' };
  const members = /^groups\/([0-9a-f-]{36})\/members$/i.exec(path);
  if (members) return { kind: 'members', groupId: (members[1] as string).toLowerCase() };
  throw bad(
    `Resource '${text}' is not supported for change notifications by this emulator (users, groups, groups/{id}/members).`,
  );
}

function parseChangeTypes(text: string): string[] {
  const types = text.split(',').map((type) => type.trim());
  for (const type of types) {
    if (type === 'created')
      throw bad(
        "ChangeType 'created' is not supported for directory resources: creation arrives as 'updated'.",
      );
    if (type !== 'updated' && type !== 'deleted') throw bad(`Invalid changeType '${type}'.`);
  }
  return types;
}

/** Graph writes subscription times with seven fractional digits and `Z`. */
function graphDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}

function describe(subscription: Subscription): Record<string, unknown> {
  return {
    id: subscription.id,
    resource: subscription.resourceText,
    applicationId: subscription.appId,
    changeType: subscription.changeTypeText,
    // Graph does not return the client state on reads.
    clientState: null,
    notificationUrl: subscription.notificationUrl,
    notificationQueryOptions: null,
    lifecycleNotificationUrl: subscription.lifecycleNotificationUrl,
    expirationDateTime: graphDate(subscription.expirationMs),
    creatorId: subscription.creatorId,
    includeResourceData: false,
    latestSupportedTlsVersion: 'v1_2',
    encryptionCertificate: null,
    encryptionCertificateId: null,
    notificationUrlAppId: null,
  };
}
