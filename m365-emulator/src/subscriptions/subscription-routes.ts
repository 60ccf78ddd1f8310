/**
 * `/v1.0/subscriptions` routes: create, list, read, renew (PATCH), reauthorize and delete. Each
 * route checks the permission its resource needs itself, so the route table carries none.
 */
import { GraphError, segmentNotFound } from '../graph/graph-error.js';
import { graphUrl, type GraphRequest, type GraphResponse } from '../graph/graph-request.js';
import type { ChangeNotifications } from './change-notifications.js';

/** A resolved subscriptions route (the shape graph-routes expects, without its imports). */
export interface SubscriptionRoute {
  readonly label: string;
  run(request: GraphRequest): GraphResponse | Promise<GraphResponse>;
}

const METHOD_NOT_ALLOWED = (): GraphError =>
  new GraphError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.');

function jsonBody(request: GraphRequest): Record<string, unknown> {
  if (request.body.length === 0)
    throw new GraphError(400, 'BadRequest', 'Empty Payload. JSON content expected.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(request.body.toString('utf8'));
  } catch {
    throw new GraphError(400, 'BadRequest', 'Invalid JSON payload.');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new GraphError(400, 'BadRequest', 'The payload must be a JSON object.');
  return parsed as Record<string, unknown>;
}

const entity = (request: GraphRequest, body: Record<string, unknown>): Record<string, unknown> => ({
  '@odata.context': graphUrl(request, '/$metadata#subscriptions/$entity'),
  ...body,
});

/** Resolves `/subscriptions[/{id}[/reauthorize]]`. */
export function subscriptionRoute(
  method: string,
  id: string | undefined,
  action: string | undefined,
  extra: string | undefined,
  subscriptions: ChangeNotifications,
): SubscriptionRoute {
  if (extra !== undefined) throw segmentNotFound(extra);
  if (id === undefined) {
    if (method === 'POST')
      return {
        label: 'POST /v1.0/subscriptions',
        run: async (request) => ({
          status: 201,
          body: entity(request, await subscriptions.create(request.caller, jsonBody(request))),
        }),
      };
    if (method === 'GET')
      return {
        label: 'GET /v1.0/subscriptions',
        run: (request) => ({
          status: 200,
          body: {
            '@odata.context': graphUrl(request, '/$metadata#subscriptions'),
            value: subscriptions.list(request.caller),
          },
        }),
      };
    throw METHOD_NOT_ALLOWED();
  }
  if (action !== undefined) {
    if (action.toLowerCase() !== 'reauthorize') throw segmentNotFound(action);
    if (method !== 'POST') throw METHOD_NOT_ALLOWED();
    return {
      label: 'POST /v1.0/subscriptions/{id}/reauthorize',
      run: (request) => {
        subscriptions.reauthorize(request.caller, id);
        return { status: 204 };
      },
    };
  }
  switch (method) {
    case 'GET':
      return {
        label: 'GET /v1.0/subscriptions/{id}',
        run: (request) => ({ status: 200, body: entity(request, subscriptions.get(request.caller, id)) }),
      };
    case 'PATCH':
      return {
        label: 'PATCH /v1.0/subscriptions/{id}',
        run: async (request) => ({
          status: 200,
          body: entity(request, await subscriptions.update(request.caller, id, jsonBody(request))),
        }),
      };
    case 'DELETE':
      return {
        label: 'DELETE /v1.0/subscriptions/{id}',
        run: (request) => {
          subscriptions.delete(request.caller, id);
          return { status: 204 };
        },
      };
    default:
      throw METHOD_NOT_ALLOWED();
  }
}
