/**
 * The one client of the API, shared by the tab and the bot: it builds a route's request from its
 * contract, and reads the answer with the contract's schemas. How the request travels (fetch with
 * the user's token in the tab, with a bot credential and a time limit in the bot) is the caller's
 * transport; what counts as an answer is the contract's.
 */
import { err, ok, type Result } from '@cas/core';
import {
  fillPath,
  type AnswerOf,
  type RequestOf,
  type RouteContract,
  type RouteMethod,
} from './route-contract.js';

/** One HTTP exchange as the client asks for it. */
export interface ApiRequest {
  readonly method: RouteMethod;
  /** Path and query string, e.g. `/api/sync-runs?limit=20`. */
  readonly path: string;
  /** JSON body; undefined for GET. */
  readonly body?: unknown;
}

/** What the transport received: status, parsed JSON body (undefined when none), Retry-After. */
export interface ApiReply {
  readonly status: number;
  readonly body: unknown;
  readonly retryAfterSeconds?: number;
}

/** Sends one request; throws when no answer came (the caller's own error type). */
export type ApiTransport = (request: ApiRequest) => Promise<ApiReply>;

/** A refusal the API stated: status, code and a message meant for people. */
export interface ApiRefusal {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  /** Extra fields of the error body (e.g. `reason`, `service`, `retryAfterSeconds`). */
  readonly details: Readonly<Record<string, unknown>>;
}

/** A success answer outside the contract: the API and its caller disagree. */
export class ContractViolation extends Error {
  readonly status: number;

  constructor(message: string, status: number) {
    super(message);
    this.name = 'ContractViolation';
    this.status = status;
  }
}

/** The method and path (query string included) of a call. */
export function requestFor<C extends RouteContract>(route: C, input: RequestOf<C>): ApiRequest {
  const path = fillPath(route.path, input.params as Record<string, unknown> | undefined);
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries((input.query ?? {}) as Record<string, unknown>)) {
    if (value !== undefined) search.set(name, String(value));
  }
  const query = search.size > 0 ? `?${search.toString()}` : '';
  // Changes always carry a JSON body, `{}` when the route takes none, like a form post.
  const body = route.method === 'GET' ? undefined : (input.body ?? {});
  return { method: route.method, path: `${path}${query}`, ...(body === undefined ? {} : { body }) };
}

/** Calls a route: its answer parsed by the contract, or the API's refusal. */
export async function callApi<C extends RouteContract>(
  transport: ApiTransport,
  route: C,
  input: RequestOf<C>,
): Promise<Result<AnswerOf<C>, ApiRefusal>> {
  const request = requestFor(route, input);
  const reply = await transport(request);
  const schema = route.responses[reply.status as keyof typeof route.responses];
  if (schema !== undefined) {
    const parsed = schema.safeParse(reply.body);
    if (!parsed.success) {
      throw new ContractViolation(
        `${route.method} ${route.path} answered ${reply.status} outside the contract: ${parsed.error.message}`,
        reply.status,
      );
    }
    return ok(parsed.data as AnswerOf<C>);
  }
  if (reply.status < 400) {
    throw new ContractViolation(
      `${route.method} ${route.path} answered ${reply.status}, which its contract does not name`,
      reply.status,
    );
  }
  return err(refusalOf(reply));
}

/** The refusal in an error body; a body without one (a proxy's page) gets a generic sentence. */
export function refusalOf(reply: ApiReply): ApiRefusal {
  const body = reply.body;
  const error =
    typeof body === 'object' &&
    body !== null &&
    'error' in body &&
    typeof body.error === 'object' &&
    body.error !== null
      ? (body.error as Record<string, unknown>)
      : {};
  const { code, message, ...details } = error;
  return {
    status: reply.status,
    code: typeof code === 'string' ? code : `http_${reply.status}`,
    message:
      typeof message === 'string' ? message : `Cloud App Security answered ${reply.status}. Try again.`,
    details:
      reply.status === 429 && reply.retryAfterSeconds !== undefined
        ? { ...details, retryAfterSeconds: reply.retryAfterSeconds }
        : details,
  };
}
