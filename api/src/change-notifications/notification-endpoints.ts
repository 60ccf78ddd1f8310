/**
 * The public endpoints Microsoft Graph calls (ADR 0014): `POST /api/change-notifications` for
 * change notifications and `POST /api/change-notifications/lifecycle` for lifecycle events.
 *
 * Their contract is Graph's, not ours, so they are mounted beside the route table rather than in
 * it: a validation request (`?validationToken=…`) is answered with the token as `text/plain`; a
 * notification batch is kept only for items whose subscription we hold, for the tenant it names,
 * with its `clientState` (compared in constant time against the stored hash). Anything else is
 * refused and nothing of it is stored. The request path only reads one indexed table and writes
 * one: no Graph call, no waiting for the worker, so Graph gets its 202 well within 3 s.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import {
  MAX_PENDING_CHANGE_NOTIFICATIONS_PER_TENANT,
  MAX_PENDING_LIFECYCLE_EVENTS_PER_TENANT,
  type ChangeNotificationRepository,
  type ReceivedChangeNotification,
} from '@cas/core';
import type { Logger } from 'pino';
import type { Request, Response, Server } from 'restify';

/** Where Graph posts change notifications, below the API's public origin. */
export const CHANGE_NOTIFICATION_PATH = '/api/change-notifications';
/** Where Graph posts lifecycle events. */
export const LIFECYCLE_NOTIFICATION_PATH = '/api/change-notifications/lifecycle';

/** Largest batch body read (Graph's batches of basic notifications stay far below). */
const MAX_BODY_BYTES = 1024 * 1024;
/** Most items one POST may carry. */
const MAX_ITEMS = 1000;
/** Most distinct subscriptions one POST may name (we hold two per tenant). */
const MAX_SUBSCRIPTIONS_PER_POST = 100;
/** Longest validation token echoed. */
const MAX_VALIDATION_TOKEN_LENGTH = 1024;
/** Answer 503 (Graph retries) rather than miss Graph's 3 s deadline. */
const STORE_DEADLINE_MS = 2500;

/** What the endpoints need. */
export interface NotificationEndpointOptions {
  readonly notifications: ChangeNotificationRepository;
  readonly logger: Logger;
  readonly now?: () => Date;
}

/** SHA-256 (hex) of a client state: what the store keeps and the endpoint compares. */
export function clientStateHash(clientState: string): string {
  return createHash('sha256').update(clientState, 'utf8').digest('hex');
}

/** Constant-time comparison of a presented client state with a stored hash. */
export function clientStateMatches(presented: unknown, storedHash: string): boolean {
  if (typeof presented !== 'string') return false;
  const actual = Buffer.from(clientStateHash(presented), 'hex');
  const expected = Buffer.from(storedHash, 'hex');
  return expected.length === actual.length && timingSafeEqual(actual, expected);
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Mounts both endpoints on the API server. */
export function mountChangeNotificationEndpoints(server: Server, options: NotificationEndpointOptions): void {
  const now = options.now ?? (() => new Date());
  const handler =
    (kind: 'change' | 'lifecycle') =>
    async (req: Request, res: Response): Promise<void> => {
      const started = Date.now();
      const log = options.logger.child({
        route: kind === 'change' ? CHANGE_NOTIFICATION_PATH : LIFECYCLE_NOTIFICATION_PATH,
      });
      res.header('Cache-Control', 'no-store');
      try {
        const query = new URL(req.url ?? '/', 'http://x').searchParams;
        const token = query.get('validationToken');
        if (token !== null) {
          if (token.length === 0 || token.length > MAX_VALIDATION_TOKEN_LENGTH)
            throw new Refusal(400, 'invalid_validation_token', 'The validation token is empty or too long.');
          // Plain text, never sniffed as HTML: the token is echoed from the query string.
          res.writeHead(200, {
            'Content-Type': 'text/plain; charset=utf-8',
            'X-Content-Type-Options': 'nosniff',
            'Cache-Control': 'no-store',
          });
          res.end(token);
          log.info({ status: 200, ms: Date.now() - started }, 'subscription validation answered');
          return;
        }
        const items = parseBatch(await readBody(req));
        const accepted = await withDeadline(accept(items, kind, options.notifications, now().toISOString()));
        if (accepted.length === 0)
          throw new Refusal(
            403,
            'notification_refused',
            'No notification in this request is for a subscription we hold.',
          );
        const stored = await withDeadline(
          options.notifications.record(accepted, {
            change: MAX_PENDING_CHANGE_NOTIFICATIONS_PER_TENANT,
            lifecycle: MAX_PENDING_LIFECYCLE_EVENTS_PER_TENANT,
          }),
        );
        res.writeHead(202, { 'Cache-Control': 'no-store' });
        res.end();
        log.info(
          { status: 202, items: items.length, accepted: accepted.length, stored, ms: Date.now() - started },
          'change notifications received',
        );
      } catch (error) {
        const refusal =
          error instanceof Refusal
            ? error
            : new Refusal(
                503,
                'temporarily_unavailable',
                'The notification could not be stored now; retry later.',
              );
        if (!(error instanceof Refusal))
          log.error({ err: error }, 'change notifications could not be stored');
        else
          log.warn(
            { status: refusal.status, code: refusal.code, ms: Date.now() - started },
            'change notifications refused',
          );
        const body = JSON.stringify({ error: { code: refusal.code, message: refusal.message } });
        res.writeHead(refusal.status, {
          'Content-Type': 'application/json; charset=utf-8',
          'Content-Length': Buffer.byteLength(body),
          'Cache-Control': 'no-store',
        });
        res.end(body);
      }
    };
  server.post(CHANGE_NOTIFICATION_PATH, handler('change'));
  server.post(LIFECYCLE_NOTIFICATION_PATH, handler('lifecycle'));
}

async function readBody(req: Request): Promise<Buffer> {
  const declared = Number(req.header('content-length') || 0);
  if (declared > MAX_BODY_BYTES) throw new Refusal(413, 'body_too_large', 'The request body is too large.');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Refusal(413, 'body_too_large', 'The request body is too large.');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function parseBatch(body: Buffer): Record<string, unknown>[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new Refusal(400, 'invalid_json', 'The body is not JSON.');
  }
  const value = (parsed as { value?: unknown } | null)?.value;
  if (!Array.isArray(value) || value.length === 0)
    throw new Refusal(400, 'invalid_notification', 'The body must be { "value": [notifications] }.');
  if (value.length > MAX_ITEMS)
    throw new Refusal(413, 'too_many_notifications', 'Too many notifications in one request.');
  return value.filter((item): item is Record<string, unknown> => item !== null && typeof item === 'object');
}

/** The items whose subscription we hold, for its own tenant, with its client state. */
async function accept(
  items: readonly Record<string, unknown>[],
  kind: 'change' | 'lifecycle',
  notifications: ChangeNotificationRepository,
  receivedAt: string,
): Promise<ReceivedChangeNotification[]> {
  const ids = [
    ...new Set(items.map((item) => item.subscriptionId).filter((id): id is string => typeof id === 'string')),
  ];
  if (ids.length > MAX_SUBSCRIPTIONS_PER_POST)
    throw new Refusal(400, 'invalid_notification', 'Too many subscriptions in one request.');
  const byId = new Map(
    (await notifications.findSubscriptions(ids.map((id) => id.toLowerCase()))).map((subscription) => [
      subscription.id,
      subscription,
    ]),
  );
  const accepted: ReceivedChangeNotification[] = [];
  for (const item of items) {
    const subscription =
      typeof item.subscriptionId === 'string' ? byId.get(item.subscriptionId.toLowerCase()) : undefined;
    // Every check runs even when an earlier one failed, so timing says nothing about which.
    const stateOk = clientStateMatches(item.clientState, subscription?.clientStateHash ?? '0'.repeat(64));
    if (!subscription || !stateOk) continue;
    if (
      typeof item.tenantId !== 'string' ||
      item.tenantId.toLowerCase() !== subscription.tenantId.toLowerCase()
    )
      continue;
    if (kind === 'change') {
      const changeType = item.changeType;
      const resourceId = (item.resourceData as { id?: unknown } | undefined)?.id;
      if (changeType !== 'updated' && changeType !== 'deleted' && changeType !== 'created') continue;
      accepted.push({
        tenantId: subscription.tenantId,
        subscriptionId: subscription.id,
        kind,
        event: changeType,
        resourceId: typeof resourceId === 'string' && resourceId.length <= 64 ? resourceId : null,
        receivedAt,
      });
    } else {
      const event = item.lifecycleEvent;
      if (event !== 'reauthorizationRequired' && event !== 'subscriptionRemoved' && event !== 'missed')
        continue;
      accepted.push({
        tenantId: subscription.tenantId,
        subscriptionId: subscription.id,
        kind,
        event,
        resourceId: null,
        receivedAt,
      });
    }
  }
  return accepted;
}

function withDeadline<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error('store deadline passed')), STORE_DEADLINE_MS);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
