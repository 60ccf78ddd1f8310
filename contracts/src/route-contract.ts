/**
 * What one API route promises: method, path, who may call it, the schemas of its input, and the
 * schema of every answer it can give — each success status and each error status with the codes
 * it can carry. The errors every route of a kind shares (authentication, roles, rate limits, input
 * validation, Microsoft services failing) are added from the route's own properties, so a route
 * states only what is particular to it.
 */
import { errorBodySchema, type DeepReadonly } from './schemas.js';
import type { z } from 'zod';

/** Who may call a route. */
export type RouteAccess =
  /** Anyone (health probes, the consent callback that Entra redirects the browser to). */
  | 'public'
  /** Any signed-in user of a tenant: only `/api/me`, so the tab can say who is signed in and why. */
  | 'signedIn'
  /**
   * A Global Administrator, Global Reader or Security Reader of the token's tenant: the read views
   * (protected mailboxes, admin UPNs and outage state are not for every employee).
   */
  | 'administratorOrReader'
  /** A Global Administrator of the token's tenant (every change). */
  | 'globalAdministrator';

/**
 * Which credentials may call a non-public route. The bot credential opens only the routes the
 * bot calls (docs/adr/0006-bot-credential.md): a key that leaked from the bot must not read the
 * audit log or start a consent.
 */
export type RouteCallers =
  /** Users with their own token only (the default). */
  | 'users'
  /** Users, and the bot acting for a Teams user (the commands and card actions). */
  | 'usersAndBot'
  /** The bot only (what the bot asks for its own work: alert recipients, channel alerts). */
  | 'bot';

/** HTTP methods the API serves. */
export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Success statuses a route may answer. */
export type SuccessStatus = 200 | 201 | 202;

/** Error statuses a route may answer on purpose. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 502 | 503 | 504;

/** Error codes of one route, by status. */
export type ErrorCodes = Partial<Record<ErrorStatus, readonly [string, ...string[]]>>;

/** What a route's author writes. */
export interface RouteContractInput {
  readonly method: RouteMethod;
  /** restify path, e.g. `/api/services/:service/targets`. */
  readonly path: string;
  readonly access: RouteAccess;
  /** Which credentials may call it. Default `users`. */
  readonly callers?: RouteCallers;
  /** One line for the OpenAPI description. */
  readonly summary: string;
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
  readonly body?: z.ZodType;
  /** Schema of each success body, by status; an HTML page is `z.string()` with `html: true`. */
  readonly responses: Partial<Record<SuccessStatus, z.ZodType>>;
  /** The answer is an HTML page rather than JSON (the consent callback). */
  readonly html?: boolean;
  /** Error codes particular to this route. */
  readonly errors?: ErrorCodes;
  /** The route calls Microsoft Entra ID or Microsoft Graph, whose failures it names. */
  readonly upstream?: boolean;
}

/** A route's contract with every error it can answer. */
export type RouteContract<C extends RouteContractInput = RouteContractInput> = C & {
  /** Every error status with the codes it can carry, common ones included. */
  readonly errorCodes: Readonly<Record<number, readonly [string, ...string[]]>>;
};

/** Codes of refused credentials (401). */
export const TOKEN_REJECTIONS = [
  'token_missing',
  'token_malformed',
  'token_signature_invalid',
  'token_expired',
  'token_not_yet_valid',
  'token_wrong_audience',
  'token_wrong_issuer',
  'token_scope_missing',
  'token_claims_missing',
  /** A bot credential presented a second time. */
  'token_replayed',
] as const;

/** Codes of failures of Microsoft Entra ID or Graph, by status (see api/src/http/upstream-errors.ts). */
export const UPSTREAM_ERRORS = {
  409: ['consent_required', 'service_account_disabled'],
  502: ['graph_access_denied', 'graph_failed', 'entra_token_failed'],
  503: ['service_credential_rejected'],
  504: ['entra_timeout', 'graph_timeout'],
} as const satisfies ErrorCodes;

function commonErrors(route: RouteContractInput): Record<number, string[]> {
  const codes: Record<number, string[]> = { 429: ['too_many_requests'], 500: ['internal_error'] };
  const add = (status: number, ...more: string[]): void => {
    codes[status] = [...(codes[status] ?? []), ...more.filter((code) => !codes[status]?.includes(code))];
  };
  if (route.params !== undefined || route.query !== undefined || route.body !== undefined) {
    add(400, 'invalid_request');
  }
  if (route.body !== undefined) {
    add(400, 'invalid_json');
    add(413, 'body_too_large');
    add(415, 'unsupported_media_type');
  }
  if (route.access !== 'public') {
    add(401, ...TOKEN_REJECTIONS);
    const callers = route.callers ?? 'users';
    if (callers === 'users') add(403, 'bot_credential_not_accepted');
    if (callers === 'bot') add(403, 'bot_route_only');
    if (route.access === 'globalAdministrator')
      add(403, 'directory_roles_unavailable', 'global_administrator_required');
    if (route.access === 'administratorOrReader')
      add(403, 'directory_roles_unavailable', 'administrator_required');
  }
  if (route.upstream === true) {
    for (const [status, more] of Object.entries(UPSTREAM_ERRORS)) add(Number(status), ...more);
  }
  for (const [status, more] of Object.entries(route.errors ?? {})) add(Number(status), ...(more ?? []));
  return codes;
}

/** Declares a route's contract; its literal types are kept so clients and handlers are typed by it. */
export function defineContract<const C extends RouteContractInput>(route: C): RouteContract<C> {
  return { ...route, errorCodes: commonErrors(route) as RouteContract<C>['errorCodes'] };
}

/** The schema of an answer with this status, or undefined when the contract does not allow it. */
export function responseSchema(route: RouteContract, status: number): z.ZodType | undefined {
  const success = route.responses[status as SuccessStatus];
  if (success !== undefined) return success;
  const codes = route.errorCodes[status];
  return codes === undefined ? undefined : errorBodySchema(codes);
}

type Field<C, K extends string> = C extends { readonly [P in K]: infer S } ? S : undefined;
type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;
type Given<S> = S extends z.ZodType ? DeepReadonly<z.input<S>> : undefined;

/** What a handler receives for a route, after validation. */
export type ParamsOf<C> = Parsed<Field<C, 'params'>>;
export type QueryOf<C> = Parsed<Field<C, 'query'>>;
export type BodyOf<C> = Parsed<Field<C, 'body'>>;

type Slot<K extends string, T> = [T] extends [undefined]
  ? { readonly [P in K]?: undefined }
  : { readonly [P in K]: T };

/** What a client sends for a route (only the parts the route takes). */
export type RequestOf<C> = Slot<'params', Given<Field<C, 'params'>>> &
  Slot<'query', Given<Field<C, 'query'>>> &
  Slot<'body', Given<Field<C, 'body'>>>;

type Responses<C> = C extends { readonly responses: infer R } ? R : never;

/** A success body of a route as the client sees it, any success status. */
export type AnswerOf<C> = {
  [K in keyof Responses<C>]: DeepReadonly<Parsed<Responses<C>[K]>>;
}[keyof Responses<C>];

/** The statuses and JSON bodies a handler may answer with. */
export type HandlerAnswerOf<C> = {
  [K in keyof Responses<C>]: { readonly status?: K; readonly json: Given<Responses<C>[K]> };
}[keyof Responses<C>];

/** Fills `/api/x/:id` with URL-encoded params. */
export function fillPath(path: string, params: Readonly<Record<string, unknown>> | undefined): string {
  return path.replace(/:([A-Za-z]+)/g, (_match, name: string) => {
    const value = params?.[name];
    if (value === undefined) throw new Error(`path parameter ${name} missing for ${path}`);
    return encodeURIComponent(String(value));
  });
}

/** A regular expression matching the route's concrete paths. */
export function pathPattern(path: string): RegExp {
  const escaped = path
    .split(/(:[A-Za-z]+)/)
    .map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${escaped}$`);
}
