/**
 * One table describes every API route: method, path, who may call it, and the zod schemas of its
 * input. The server, the OpenAPI description and the authorisation tests all read the same table,
 * so a route cannot be added without its access rule.
 */
import type { Principal } from '../auth/user-token.js';
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

/** What a handler receives: validated input and, except on public routes, the caller. */
export interface RouteInput<P, Q, B> {
  readonly principal: Principal | undefined;
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  /** Correlates log lines of one request; also returned in the `request-id` header. */
  readonly requestId: string;
}

/** What a handler returns: a JSON body, or an HTML page (the consent callback). */
export type RouteOutput =
  | { readonly status?: number; readonly json: unknown }
  | {
      readonly status?: number;
      readonly html: string;
      /** Origins the page may load scripts from, besides its inline script. */
      readonly scriptSources?: readonly string[];
    };

/** One route of the API. */
export interface RouteDefinition<P = unknown, Q = unknown, B = unknown> {
  readonly method: RouteMethod;
  /** restify path, e.g. `/api/services/:service/targets`. */
  readonly path: string;
  readonly access: RouteAccess;
  /** Which credentials may call it. Default `users`. */
  readonly callers?: RouteCallers;
  /** One line for the OpenAPI description. */
  readonly summary: string;
  readonly params?: z.ZodType<P>;
  readonly query?: z.ZodType<Q>;
  readonly body?: z.ZodType<B>;
  handle(input: RouteInput<P, Q, B>): Promise<RouteOutput>;
}

/** Declares a route with its input types inferred from the schemas. */
export function defineRoute<P = undefined, Q = undefined, B = undefined>(
  route: RouteDefinition<P, Q, B>,
): RouteDefinition<P, Q, B> {
  return route;
}
