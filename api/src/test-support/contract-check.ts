/**
 * The one check every API test puts its answers through: the answer's status must be one the
 * route's contract names, and its body must match that status's schema. So a handler cannot
 * answer something its contract does not say without a test failing.
 */
import {
  answerProblem,
  consentResultSchema,
  ROUTES,
  type ConsentResult,
  type RouteContract,
  type SeenAnswer,
} from '@cas/contracts';

/** An answer as a test read it. */
export interface CheckedAnswer<T = Record<string, unknown>> {
  readonly status: number;
  readonly headers: Headers;
  /** The JSON body (`{}` when the body is not JSON, e.g. an HTML page). */
  readonly body: T & { error?: { code: string; message: string } & Record<string, unknown> };
  readonly text: string;
}

/** Throws unless `body` is what the contract of `method path` allows for `status`. */
export function expectInContract(answer: SeenAnswer, contracts: readonly RouteContract[] = ROUTES): void {
  const problem = answerProblem(answer, contracts);
  if (problem !== undefined) throw new Error(problem);
}

/** Reads a response of the API and checks it against its route's contract. */
export async function readAnswer<T = Record<string, unknown>>(
  response: Response,
  method = 'GET',
  contracts: readonly RouteContract[] = ROUTES,
): Promise<CheckedAnswer<T>> {
  const text = await response.text();
  const html = /^text\/html\b/.test(response.headers.get('content-type') ?? '');
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  expectInContract(
    { method, url: response.url, status: response.status, body: html ? text : json },
    contracts,
  );
  return {
    status: response.status,
    headers: response.headers,
    body: (json ?? {}) as CheckedAnswer<T>['body'],
    text,
  };
}

/** The outcome a consent callback page posts to the tab, checked against its contract. */
export function consentOutcomeOf(html: string): ConsentResult {
  const json = /var result = (\{.*?\});/s.exec(html)?.[1];
  if (json === undefined) throw new Error(`no consent outcome in the page: ${html.slice(0, 300)}`);
  return consentResultSchema.parse(JSON.parse(json));
}
