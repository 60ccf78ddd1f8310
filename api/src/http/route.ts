/**
 * The route table: each route is its contract from `@cas/contracts` (method, path, who may call
 * it, input and response schemas) plus the handler that answers it. The server, the OpenAPI
 * description and the authorisation tests all read the same table, so a route cannot be added
 * without its access rule, and a handler is typed by the answers its contract allows.
 */
import type { Principal } from '../auth/user-token.js';
import type {
  BodyOf,
  HandlerAnswerOf,
  ParamsOf,
  QueryOf,
  RouteContract,
  RouteContractInput,
} from '@cas/contracts';

export type { RouteAccess, RouteCallers, RouteMethod } from '@cas/contracts';

/** What a handler receives: validated input and, except on public routes, the caller. */
export interface RouteInput<P, Q, B> {
  readonly principal: Principal | undefined;
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  /** Correlates log lines of one request; also returned in the `request-id` header. */
  readonly requestId: string;
}

/** An HTML page (the consent callback). */
export interface HtmlOutput {
  readonly status?: number;
  readonly html: string;
  /** Origins the page may load scripts from, besides its inline script. */
  readonly scriptSources?: readonly string[];
}

/** What a handler returns: a JSON body, or an HTML page. */
export type RouteOutput = { readonly status?: number; readonly json: unknown } | HtmlOutput;

/** What a route's handler may answer: one of its contract's success bodies, or its page. */
export type OutputOf<C> = C extends { readonly html: true } ? HtmlOutput : HandlerAnswerOf<C>;

/** One route of the API: its contract and its handler. */
export type RouteDefinition = RouteContract & {
  handle(input: RouteInput<unknown, unknown, unknown>): Promise<RouteOutput>;
};

/** Implements a contract; the handler's input and answer types come from its schemas. */
export function defineRoute<const C extends RouteContract<RouteContractInput>>(
  contract: C,
  handle: NoInfer<(input: RouteInput<ParamsOf<C>, QueryOf<C>, BodyOf<C>>) => Promise<OutputOf<C>>>,
): RouteDefinition {
  return { ...contract, handle: handle as RouteDefinition['handle'] };
}
