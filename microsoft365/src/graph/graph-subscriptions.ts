/**
 * Graph change notification subscriptions of one tenant (`/subscriptions`), through the Graph SDK
 * with the tenant's app-only token: create (Graph runs its validation handshake against our
 * endpoint before answering), renew, delete, list. Failures are GraphError / EntraError as for
 * every other Graph call, so token health can name their cause.
 */
import { callGraph, createTenantGraphClients, type GraphClientOptions } from './graph-client.js';
import { GraphError } from './graph-error.js';

/** What we ask Graph for. */
export interface SubscriptionRequest {
  /** `users` or `groups`. */
  readonly resource: string;
  readonly notificationUrl: string;
  readonly lifecycleNotificationUrl: string;
  readonly expirationDateTime: string;
  readonly clientState: string;
}

/** A subscription as Graph reports it. */
export interface GraphSubscription {
  readonly id: string;
  readonly resource: string;
  readonly expirationDateTime: string;
  readonly notificationUrl: string;
}

/** Subscription calls per tenant. */
export interface GraphSubscriptions {
  create(tenantId: string, request: SubscriptionRequest): Promise<GraphSubscription>;
  /** Sets a new expiry (which also reauthorizes); GraphError 404 when Graph lost it. */
  renew(tenantId: string, id: string, expirationDateTime: string): Promise<GraphSubscription>;
  /** Deletes it; one Graph no longer has counts as deleted. */
  delete(tenantId: string, id: string): Promise<void>;
  list(tenantId: string): Promise<GraphSubscription[]>;
}

function subscriptionOf(body: unknown): GraphSubscription {
  const record = (body ?? {}) as Record<string, unknown>;
  return {
    id: String(record.id ?? ''),
    resource: String(record.resource ?? ''),
    expirationDateTime: String(record.expirationDateTime ?? ''),
    notificationUrl: String(record.notificationUrl ?? ''),
  };
}

/** Creates the subscription client. */
export function createGraphSubscriptions(options: GraphClientOptions): GraphSubscriptions {
  const client = createTenantGraphClients(options);
  return {
    create: async (tenantId, request) =>
      subscriptionOf(
        await callGraph('POST /subscriptions', () =>
          client(tenantId).api('/subscriptions').post({
            changeType: 'updated,deleted',
            resource: request.resource,
            notificationUrl: request.notificationUrl,
            lifecycleNotificationUrl: request.lifecycleNotificationUrl,
            expirationDateTime: request.expirationDateTime,
            clientState: request.clientState,
            latestSupportedTlsVersion: 'v1_2',
          }),
        ),
      ),
    renew: async (tenantId, id, expirationDateTime) =>
      subscriptionOf(
        await callGraph('PATCH /subscriptions/{id}', () =>
          client(tenantId)
            .api(`/subscriptions/${encodeURIComponent(id)}`)
            .patch({ expirationDateTime }),
        ),
      ),
    delete: async (tenantId, id) => {
      try {
        await callGraph('DELETE /subscriptions/{id}', () =>
          client(tenantId)
            .api(`/subscriptions/${encodeURIComponent(id)}`)
            .delete(),
        );
      } catch (error) {
        if (error instanceof GraphError && error.statusCode === 404) return;
        throw error;
      }
    },
    list: async (tenantId) => {
      const page = (await callGraph('GET /subscriptions', () =>
        client(tenantId).api('/subscriptions').get(),
      )) as {
        value?: unknown[];
      };
      return (page.value ?? []).map(subscriptionOf);
    },
  };
}
