/**
 * Whether an answer is one its route's contract allows: its status is named, and its body matches
 * that status's schema. The API's tests check every real answer with it, and the tab's tests every
 * stubbed one, so neither side can drift from the contract unnoticed.
 */
import { pathPattern, responseSchema, type RouteContract } from './route-contract.js';
import { ROUTES } from './routes.js';
import { anyErrorBodySchema } from './schemas.js';

/** An answer as a test saw it; `url` may be a path or a full URL. */
export interface SeenAnswer {
  readonly method: string;
  readonly url: string;
  readonly status: number;
  /** The parsed JSON body, or the page's text for an HTML route. */
  readonly body: unknown;
}

/** The route contract serving `method url`, if any. */
export function contractFor(
  method: string,
  url: string,
  contracts: readonly RouteContract[] = ROUTES,
): RouteContract | undefined {
  const { pathname } = new URL(url, 'http://x');
  return contracts.find(
    (candidate) => candidate.method === method.toUpperCase() && pathPattern(candidate.path).test(pathname),
  );
}

/** Why the answer is outside its contract, or undefined when it is inside. */
export function answerProblem(
  answer: SeenAnswer,
  contracts: readonly RouteContract[] = ROUTES,
): string | undefined {
  const { pathname } = new URL(answer.url, 'http://x');
  const where = `${answer.method.toUpperCase()} ${pathname} → ${answer.status}`;
  const route = contractFor(answer.method, answer.url, contracts);
  if (route === undefined) {
    // Only the server's own answers come from outside the route table.
    if (answer.status !== 404 && answer.status !== 405) return `${where}: no contract names this route`;
    const parsed = anyErrorBodySchema.safeParse(answer.body);
    return parsed.success ? undefined : `${where}: not an error body: ${parsed.error.message}`;
  }
  const schema = responseSchema(route, answer.status);
  if (schema === undefined) {
    return `${where}: the contract of ${route.method} ${route.path} does not name this status`;
  }
  const parsed = schema.safeParse(answer.body);
  return parsed.success
    ? undefined
    : `${where}: the answer is outside the contract of ${route.method} ${route.path}: ${parsed.error.message}\n${JSON.stringify(answer.body)?.slice(0, 2000)}`;
}
