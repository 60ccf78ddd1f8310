/**
 * A `fetch` stub for component and hook tests: the HTTP boundary between the tab and the API,
 * answering from a table of `METHOD /path` → JSON reply and recording every request.
 */
import { answerProblem } from '@cas/contracts';

/** One stubbed answer. */
export interface StubReply {
  readonly status?: number;
  readonly body?: unknown;
}

/** A request the stub received. */
export interface StubRequest {
  readonly method: string;
  /** Path and query, e.g. `/api/targets/users?upn=a%40b.com`. */
  readonly url: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: Record<string, string>;
  readonly body: unknown;
}

/** A route's answer: a reply, a function of the request, or a list answered in turn (the last one repeats). */
export type StubRoute = StubReply | ((request: StubRequest) => StubReply | Promise<StubReply>) | StubReply[];

/** The stub and what it saw. */
export interface HttpStub {
  readonly fetch: typeof fetch;
  readonly requests: StubRequest[];
  /** Adds or replaces routes. */
  on(routes: Record<string, StubRoute>): void;
  /** Requests to `METHOD /path` (without query). */
  requestsTo(route: string): StubRequest[];
}

/**
 * Creates the stub. Keys are `METHOD /path` (any query) or `METHOD /path?query` (that query
 * exactly, checked first). Unknown routes answer 404 `not_stubbed`.
 */
export function createHttpStub(routes: Record<string, StubRoute> = {}): HttpStub {
  const table = new Map<string, StubRoute>(Object.entries(routes));
  const served = new Map<string, number>();
  const requests: StubRequest[] = [];

  const fetchStub = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input), 'https://tab.test');
    const method = (init.method ?? 'GET').toUpperCase();
    const body =
      typeof init.body === 'string' && init.body !== '' ? (JSON.parse(init.body) as unknown) : undefined;
    const request: StubRequest = {
      method,
      url: `${url.pathname}${url.search}`,
      path: url.pathname,
      query: url.searchParams,
      headers: { ...(init.headers as Record<string, string> | undefined) },
      body,
    };
    requests.push(request);
    const key = [`${method} ${url.pathname}${url.search}`, `${method} ${url.pathname}`].find((candidate) =>
      table.has(candidate),
    );
    const route = key === undefined ? undefined : table.get(key);
    let reply: StubReply;
    if (route === undefined || key === undefined) {
      reply = { status: 404, body: { error: { code: 'not_stubbed', message: `${method} ${request.url}` } } };
    } else if (typeof route === 'function') {
      reply = await route(request);
    } else if (Array.isArray(route)) {
      const index = served.get(key) ?? 0;
      served.set(key, index + 1);
      reply = route[Math.min(index, route.length - 1)] ?? {};
    } else {
      reply = route;
    }
    const status = reply.status ?? 200;
    // A stub answers only what the API's contract allows, so a component test cannot pass on an
    // answer the API never gives (unstubbed routes answer the test's own 404, and the tab
    // server's proxy its own 502 when the API is down).
    const problem =
      route === undefined || fromTabServer(status, reply.body)
        ? undefined
        : answerProblem({ method, url: request.url, status, body: reply.body });
    if (problem !== undefined) {
      // Logged as well: the client turns a throwing fetch into a "cannot be reached" failure.
      console.error(`stubbed answer outside the API contract: ${problem}`);
      throw new Error(`stubbed answer outside the API contract: ${problem}`);
    }
    return new Response(reply.body === undefined ? null : JSON.stringify(reply.body), {
      status,
      headers: { 'content-type': 'application/json' },
    });
  };

  return {
    fetch: fetchStub as typeof fetch,
    requests,
    on(more) {
      for (const [key, route] of Object.entries(more)) {
        table.set(key, route);
        served.delete(key);
      }
    },
    requestsTo(route) {
      const [method, path] = route.split(' ');
      return requests.filter((request) => request.method === method && request.path === path);
    },
  };
}

/** An API error body as docs/api.md describes it. */
export function apiError(status: number, code: string, message: string, details: object = {}): StubReply {
  return { status, body: { error: { code, message, ...details } } };
}

/** The tab server's own answer when it cannot reach the API (server/api-proxy.ts). */
function fromTabServer(status: number, body: unknown): boolean {
  return (
    status === 502 && (body as { error?: { code?: unknown } } | undefined)?.error?.code === 'api_unreachable'
  );
}
