/**
 * The Microsoft Graph area (`/v1.0/…`): authenticates the bearer token, resolves the route in the
 * caller's own tenant, checks permissions, charges throttling, answers with Graph's headers and
 * error shape. `$batch` inner requests go through the same `dispatch`.
 */
import { randomUUID } from 'node:crypto';
import { createGraphThrottling, type GraphThrottling } from '../throttling/graph-throttling.js';
import { resourceUnitCost } from '../throttling/resource-units.js';
import { createDeltaQueries, type DeltaOptions } from './delta-query.js';
import { errorBody, GraphError } from './graph-error.js';
import { GRAPH_JSON_CONTENT_TYPE, type GraphRequest, type GraphResponse } from './graph-request.js';
import { authorize, resolveRoute, type RouteServices } from './graph-routes.js';
import { runBatch, type BatchStep } from './json-batch.js';
import { parseQueryOptions } from './query-string.js';
import type { AreaHandler, EmulatorStats, GraphCaller, GraphTokenVerifier } from '../contracts.js';
import type { InMemoryTenantDirectory } from '../directory/tenant-directory.js';
import type { MailOutbox } from '../mail/mail-outbox.js';
import type { ChangeNotifications } from '../subscriptions/change-notifications.js';

export { GRAPH_JSON_CONTENT_TYPE };

/** Graph's own application id (the `client_id` of its `WWW-Authenticate` challenge). */
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

/** Options of {@link createGraphHandler}. */
export interface GraphHandlerOptions {
  /** Tenants; Graph looks up only `caller.tid`. */
  directories: { get(idOrDomain: string): InMemoryTenantDirectory | undefined };
  /** Checks `Authorization: Bearer …` (the Entra half's verifier, or a fake in tests). */
  verifier: GraphTokenVerifier;
  /** Request statistics (optional); inner `$batch` requests are recorded here too. */
  stats?: EmulatorStats;
  /** Throttling service (default: a new one, enabled). */
  throttling?: GraphThrottling;
  /** Outbox for `sendMail`. */
  mail: MailOutbox;
  /** Delta token lifetime and page sizes. */
  delta?: Omit<DeltaOptions, 'now'>;
  /** Clock in epoch ms (default `Date.now`), shared with delta token expiry. */
  now?: () => number;
  /** Change notification subscriptions (`/v1.0/subscriptions`); omitted: not served. */
  subscriptions?: ChangeNotifications;
  /** `authorization_uri` of the 401 challenge (default: `<origin>/common/oauth2/authorize`). */
  authorizationUri?: (origin: string) => string;
}

interface RequestIds {
  requestId: string;
  clientRequestId: string;
}

/** Creates the Graph area handler the server mounts. */
export function createGraphHandler(options: GraphHandlerOptions): AreaHandler {
  const now = options.now ?? Date.now;
  const throttling =
    options.throttling ?? createGraphThrottling({ now, ...(options.stats ? { stats: options.stats } : {}) });
  const delta = createDeltaQueries({ ...options.delta, now });
  const authorizationUri =
    options.authorizationUri ?? ((origin: string) => `${origin}/common/oauth2/authorize`);

  const errorResponse = (
    error: GraphError,
    ids: RequestIds,
    extraHeaders: Record<string, string> = {},
  ): GraphResponse => ({
    status: error.status,
    headers: { ...extraHeaders, ...error.headers },
    body: errorBody(
      error.code,
      error.message,
      ids.requestId,
      ids.clientRequestId,
      new Date(now()),
      error.innerCode,
    ),
  });

  /** Runs one request (top-level or inside a batch) and never throws for expected failures. */
  const dispatch = async (
    request: GraphRequest,
    ids: RequestIds,
  ): Promise<GraphResponse & { label: string }> => {
    let label = `${request.method} /v1.0 (unknown)`;
    let throttleHeaders: Record<string, string> = {};
    try {
      const services: RouteServices = {
        mail: options.mail,
        ...(options.subscriptions ? { subscriptions: options.subscriptions } : {}),
        respondDelta: (inner, kind) => delta.respond(inner, kind),
        runBatch: (inner) => {
          if (inner.inBatch)
            throw new GraphError(400, 'BadRequest', 'A batch request cannot contain another batch request.');
          return runBatch(inner, (step) => dispatchStep(inner, step, ids), {
            ...ids,
            now: () => new Date(now()),
          });
        },
      };
      const route = resolveRoute(request.method, request.segments, services);
      label = route.label;
      authorize(route, request);
      if (route.cost !== undefined) {
        const top = request.query.get('$top');
        const cost = resourceUnitCost({
          endpoint: route.cost,
          hasSelect: request.query.has('$select'),
          hasExpand: request.query.has('$expand'),
          top: top !== undefined && /^\d+$/.test(top) ? Number(top) : undefined,
        });
        const decision = throttling.charge({
          tenantId: request.directory.tenant.id,
          appId: request.caller.appId,
          tenantUserCount: request.directory.userCount,
          route: label,
          cost,
        });
        throttleHeaders = decision.headers;
        if (!decision.allowed) {
          throw new GraphError(
            429,
            'TooManyRequests',
            'Too many requests. Please retry after the time indicated in the Retry-After header.',
          );
        }
      }
      const response = await route.run(request);
      return { ...response, headers: { ...throttleHeaders, ...response.headers }, label };
    } catch (error) {
      if (error instanceof GraphError) return { ...errorResponse(error, ids, throttleHeaders), label };
      const unexpected = new GraphError(
        500,
        'InternalServerError',
        error instanceof Error ? error.message : 'Unexpected error.',
      );
      return { ...errorResponse(unexpected, ids), label };
    }
  };

  /** Turns a batch step into a request on the same tenant and token, then dispatches it. */
  const dispatchStep = async (
    outer: GraphRequest,
    step: BatchStep,
    ids: RequestIds,
  ): Promise<GraphResponse> => {
    let target: URL;
    try {
      if (/^[a-z]+:/i.test(step.url)) throw new Error('absolute');
      target = new URL(`/v1.0${step.url.startsWith('/') ? '' : '/'}${step.url}`, outer.origin);
    } catch {
      return withJsonType(
        errorResponse(new GraphError(400, 'BadRequest', `Invalid request URI '${step.url}'.`), ids),
      );
    }
    let inner: GraphRequest;
    try {
      inner = buildRequest(
        step.method,
        target,
        step.headers,
        step.body,
        outer.caller,
        outer.directory,
        outer.origin,
        true,
      );
    } catch (error) {
      if (error instanceof GraphError) return withJsonType(errorResponse(error, ids));
      throw error;
    }
    const response = await dispatch(inner, ids);
    options.stats?.recordRequest(response.label, response.status);
    const headers = { ...(response.headers ?? {}) };
    if (response.body !== undefined) headers['Content-Type'] ??= GRAPH_JSON_CONTENT_TYPE;
    return {
      status: response.status,
      headers,
      ...(response.body !== undefined ? { body: response.body } : {}),
      ...(response.text !== undefined ? { text: response.text } : {}),
    };
  };

  return async (ctx) => {
    const { pathname } = ctx.url;
    if (pathname !== '/v1.0' && !pathname.startsWith('/v1.0/')) return false;
    const requestId = randomUUID();
    const clientRequestHeader = ctx.req.headers['client-request-id'];
    const clientRequestId =
      (Array.isArray(clientRequestHeader) ? clientRequestHeader[0] : clientRequestHeader) ?? requestId;
    const ids: RequestIds = { requestId, clientRequestId };
    const common: Record<string, string> = {
      'request-id': requestId,
      'client-request-id': clientRequestId,
      'Cache-Control': 'no-cache',
      'OData-Version': '4.0',
    };

    const write = (response: GraphResponse): true => {
      const headers: Record<string, string> = { ...common, ...(response.headers ?? {}) };
      let payload = '';
      if (response.text !== undefined) {
        payload = response.text;
        headers['Content-Type'] ??= 'text/plain;charset=utf-8';
      } else if (response.body !== undefined) {
        payload = JSON.stringify(response.body);
        headers['Content-Type'] = GRAPH_JSON_CONTENT_TYPE;
      }
      headers['Content-Length'] = String(Buffer.byteLength(payload));
      ctx.res.writeHead(response.status, headers);
      ctx.res.end(payload);
      return true;
    };

    const authorization = ctx.req.headers.authorization;
    const check = await options.verifier.verify(authorization);
    if (!check.ok) {
      return write(
        errorResponse(new GraphError(401, check.code, check.message), ids, {
          'WWW-Authenticate': `Bearer realm="", authorization_uri="${authorizationUri(ctx.origin)}", client_id="${GRAPH_APP_ID}"`,
        }),
      );
    }
    const directory = options.directories.get(check.caller.tid);
    if (!directory) {
      return write(
        errorResponse(
          new GraphError(
            401,
            'InvalidAuthenticationToken',
            `The tenant for tenant guid '${check.caller.tid}' does not exist.`,
          ),
          ids,
        ),
      );
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(ctx.req.headers)) {
      if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
    let request: GraphRequest;
    try {
      request = buildRequest(
        (ctx.req.method ?? 'GET').toUpperCase(),
        ctx.url,
        headers,
        ctx.body,
        check.caller,
        directory,
        ctx.origin,
        false,
      );
    } catch (error) {
      if (error instanceof GraphError) return write(errorResponse(error, ids));
      throw error;
    }
    return write(await dispatch(request, ids));
  };
}

function withJsonType(response: GraphResponse): GraphResponse {
  return { ...response, headers: { ...response.headers, 'Content-Type': GRAPH_JSON_CONTENT_TYPE } };
}

/** Builds a {@link GraphRequest} from a URL below `/v1.0` (throws 400 for undecodable input). */
function buildRequest(
  method: string,
  url: URL,
  headers: Record<string, string>,
  body: Buffer,
  caller: GraphCaller,
  directory: InMemoryTenantDirectory,
  origin: string,
  inBatch: boolean,
): GraphRequest {
  const path = url.pathname.slice('/v1.0'.length) || '/';
  const segments = path
    .split('/')
    .slice(1)
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${segment}'.`);
      }
    });
  return {
    method,
    path,
    segments,
    query: parseQueryOptions(url.search),
    headers,
    body,
    caller,
    directory,
    origin,
    inBatch,
  };
}
