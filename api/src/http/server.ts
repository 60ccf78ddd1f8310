/**
 * The restify server: reads each route from the route table, authenticates and authorises it,
 * validates its input with zod, and turns every failure into `{ "error": { "code", "message" } }`
 * with the right status. Unexpected errors are logged with a request id and answered without detail.
 */
import { randomUUID } from 'node:crypto';
import proxyaddr from 'proxy-addr';
import restify, { type Request, type Response, type Server } from 'restify';
import { ApiError, errorBody } from './api-error.js';
import { createMemoryLimiter, type RateDecision, type RequestLimiter } from './rate-limit.js';
import type { Principal, TokenCheck } from '../auth/user-token.js';
import type { RouteDefinition, RouteOutput } from './route.js';
import type { Logger } from 'pino';
import type { z } from 'zod';

/** What the server needs; each piece is passed in so tests can run it on a random port. */
export interface ApiServerOptions {
  routes: readonly RouteDefinition[];
  validateToken: (authorization: string | undefined) => Promise<TokenCheck>;
  logger: Logger;
  /** Largest accepted JSON body. */
  maxBodyBytes?: number;
  /** Request budgets per user and per client address; default in memory, 300 and 60 a minute. */
  limiter?: RequestLimiter;
  /**
   * Proxies whose `X-Forwarded-For` names the client (proxy-addr's trust list: `loopback`,
   * addresses, CIDRs); default `loopback`, the tab server on the same host.
   */
  trustedProxies?: readonly string[];
  /** Turns known failures of other systems (Entra, Graph) into API errors; unknown ones stay 500. */
  mapError?: (error: unknown) => ApiError | undefined;
}

const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
const DEFAULT_BUDGETS = { perUser: 300, perAddress: 60 };

/** What a request passes before its handler runs: who is calling, and whether they have budget left. */
interface RequestGuard {
  validateToken: ApiServerOptions['validateToken'];
  limiter: RequestLimiter;
  clientAddress: (req: Request) => string;
}

/** Creates (but does not start) the API server. */
export function createApiServer(options: ApiServerOptions): Server {
  const server = restify.createServer({ name: 'cas-api', handleUncaughtExceptions: false });
  const limiter = options.limiter ?? createMemoryLimiter(DEFAULT_BUDGETS);
  const trust = proxyaddr.compile([...(options.trustedProxies ?? ['loopback'])]);
  const guard: RequestGuard = {
    validateToken: options.validateToken,
    limiter,
    clientAddress: (req) => proxyaddr(req, trust),
  };
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  // restify's own errors (no such route, wrong method) get our error shape too.
  server.on(
    'restifyError',
    (_req: Request, _res: Response, error: Error & { statusCode?: number }, next: () => void) => {
      const status = error.statusCode ?? 500;
      const code =
        status === 404 ? 'route_not_found' : status === 405 ? 'method_not_allowed' : 'request_failed';
      const message =
        status === 404
          ? 'There is no such API route.'
          : status === 405
            ? 'This route does not accept that method.'
            : 'The request failed.';
      Object.assign(error, { toJSON: () => ({ error: { code, message } }) });
      next();
    },
  );

  for (const route of options.routes) {
    const register =
      server[route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'del'].bind(server);
    register(route.path, async (req: Request, res: Response) => {
      const requestId = randomUUID();
      res.header('request-id', requestId);
      const log = options.logger.child({ requestId, route: `${route.method} ${route.path}` });
      const started = Date.now();
      try {
        const output = await runRoute(route, req, requestId, guard, maxBodyBytes);
        send(res, output);
        log.info({ status: res.statusCode, ms: Date.now() - started }, 'request handled');
      } catch (thrown) {
        const mapped = thrown instanceof ApiError ? undefined : options.mapError?.(thrown);
        if (mapped !== undefined) log.warn({ err: thrown }, 'a Microsoft service refused the request');
        const error = mapped ?? thrown;
        if (error instanceof ApiError) {
          if (error.status === 429 && error.details?.retryAfterSeconds !== undefined) {
            res.header('Retry-After', String(error.details.retryAfterSeconds));
          }
          res.send(error.status, errorBody(error));
          log.info({ status: error.status, code: error.code, ms: Date.now() - started }, 'request refused');
        } else {
          res.send(500, {
            error: {
              code: 'internal_error',
              message: `Something went wrong on our side (request ${requestId}).`,
            },
          });
          log.error({ err: error, ms: Date.now() - started }, 'request failed unexpectedly');
        }
      }
    });
  }
  return server;
}

async function runRoute(
  route: RouteDefinition,
  req: Request,
  requestId: string,
  guard: RequestGuard,
  maxBodyBytes: number,
): Promise<RouteOutput> {
  let principal;
  if (route.access === 'public') {
    refuseOverBudget(await guard.limiter.takeAddress(guard.clientAddress(req)));
  } else {
    const check = await guard.validateToken(req.header('authorization'));
    if (!check.ok) {
      // Refused credentials spend the address's budget, so guessing or replaying tokens is slow.
      refuseOverBudget(await guard.limiter.takeAddress(guard.clientAddress(req)));
      throw new ApiError(401, check.reason, check.message);
    }
    principal = check.principal;
    refuseOverBudget(await guard.limiter.takeUser(`${principal.tenantId}:${principal.userId}`));
    const callers = route.callers ?? 'users';
    if (principal.caller === 'bot' && callers === 'users') {
      throw new ApiError(
        403,
        'bot_credential_not_accepted',
        'This route does not accept the bot credential.',
      );
    }
    if (principal.caller !== 'bot' && callers === 'bot') {
      throw new ApiError(403, 'bot_route_only', 'Only the Cloud App Security bot calls this route.');
    }
    authorise(route, principal);
  }
  const body = route.body ? parse(route.body, await readJsonBody(req, maxBodyBytes), 'body') : undefined;
  const params = route.params ? parse(route.params, req.params ?? {}, 'path') : undefined;
  const query = route.query
    ? parse(route.query, Object.fromEntries(new URL(req.url ?? '/', 'http://x').searchParams), 'query')
    : undefined;
  return route.handle({ principal, params, query, body, requestId });
}

/** 429 with Retry-After when a budget is spent. */
function refuseOverBudget(decision: RateDecision): void {
  if (decision.allowed) return;
  throw new ApiError(429, 'too_many_requests', 'Too many requests: wait a moment and try again.', {
    retryAfterSeconds: decision.retryAfterSeconds,
  });
}

/** Refuses a caller whose directory roles do not allow the route (403, with the reason's own code). */
function authorise(route: RouteDefinition, principal: Principal): void {
  const allowed =
    route.access === 'globalAdministrator'
      ? principal.isGlobalAdministrator
      : route.access === 'administratorOrReader'
        ? principal.isGlobalAdministrator || principal.isReader
        : true;
  if (allowed) return;
  if (principal.rolesFrom === 'unknown') {
    throw new ApiError(
      403,
      'directory_roles_unavailable',
      'Cloud App Security could not tell your directory roles: your sign-in does not list them, and Microsoft Graph could not be asked (your organization has not consented yet, or the consent lost its permissions). Try again in a minute; if it persists, contact Cloud App Security support.',
    );
  }
  if (route.access === 'globalAdministrator') {
    throw new ApiError(
      403,
      'global_administrator_required',
      'Only a Global Administrator of this tenant can do this.',
    );
  }
  throw new ApiError(
    403,
    'administrator_required',
    "Only a Global Administrator, Global Reader or Security Reader of this tenant can see your organization's protection settings.",
  );
}

function parse<T>(schema: z.ZodType<T>, value: unknown, where: 'body' | 'path' | 'query'): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => ({
      field: issue.path.join('.') || where,
      message: issue.message,
    }));
    const first = problems[0];
    throw new ApiError(
      400,
      'invalid_request',
      first ? `Invalid ${where}: ${first.field}: ${first.message}` : `Invalid ${where}.`,
      {
        problems,
      },
    );
  }
  return parsed.data;
}

/** Reads a JSON body with a size cap; restify's body parser is not used so limits and errors are ours. */
async function readJsonBody(req: Request, maxBytes: number): Promise<unknown> {
  const declared = Number(req.header('content-length') || 0);
  if (declared > maxBytes) {
    throw new ApiError(413, 'body_too_large', `The request body is larger than ${maxBytes} bytes.`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      throw new ApiError(413, 'body_too_large', `The request body is larger than ${maxBytes} bytes.`);
    }
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  if (!/^application\/json\b/i.test(req.header('content-type') ?? '')) {
    throw new ApiError(415, 'unsupported_media_type', 'Send the request body as application/json.');
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ApiError(400, 'invalid_json', 'The request body is not valid JSON.');
  }
}

function send(res: Response, output: RouteOutput): void {
  const status = output.status ?? 200;
  if ('html' in output) {
    res.writeHead(status, {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      // teams-js, which pages answering inside Teams load, fetches its valid origins from its CDN.
      'Content-Security-Policy': `default-src 'none'; script-src 'unsafe-inline' ${(output.scriptSources ?? []).join(' ')}; style-src 'unsafe-inline'; connect-src https://res.cdn.office.net`,
    });
    res.end(output.html);
    return;
  }
  res.send(status, output.json);
}
