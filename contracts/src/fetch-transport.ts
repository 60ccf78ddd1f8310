/**
 * The HTTP transport of the shared client over a `fetch` the caller passes in (the browser's in
 * the tab, Node's in the bot): one JSON request with a bearer credential, the status, the parsed
 * body and Retry-After. The caller decides what a missing answer or a body that is not JSON is,
 * in its own error type.
 */
import type { ApiReply, ApiRequest, ApiTransport } from './client.js';

/** Options of {@link createFetchTransport}. */
export interface FetchTransportOptions {
  /** Where the API lives, e.g. `http://127.0.0.1:3979`; '' for the page's own origin. */
  readonly baseUrl: string;
  readonly fetch: typeof fetch;
  /** The `Authorization` header of one request (a user token, a fresh bot credential). */
  readonly authorization: () => Promise<string>;
  /** Per-request time limit in ms; none by default. */
  readonly timeoutMs?: number;
  /** The error to throw when no answer came (network failure, timeout). */
  readonly unanswered: (request: ApiRequest, cause: unknown) => Error;
  /** The error to throw for a body that is not JSON; by default it is read as no body. */
  readonly notJson?: (request: ApiRequest, status: number, cause: unknown) => Error;
}

/** Creates the transport. */
export function createFetchTransport(options: FetchTransportOptions): ApiTransport {
  const base = options.baseUrl.replace(/\/$/, '');
  return async (request: ApiRequest): Promise<ApiReply> => {
    const authorization = await options.authorization();
    let response: Response;
    try {
      response = await options.fetch(`${base}${request.path}`, {
        method: request.method,
        headers: {
          Authorization: authorization,
          Accept: 'application/json',
          ...(request.body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        ...(options.timeoutMs === undefined ? {} : { signal: AbortSignal.timeout(options.timeoutMs) }),
      });
    } catch (error) {
      throw options.unanswered(request, error);
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : (JSON.parse(text) as unknown);
    } catch (error) {
      // A proxy's error page, say: an error to the caller who wants one, otherwise no body.
      if (options.notJson !== undefined) throw options.notJson(request, response.status, error);
    }
    const retryAfter = Number(response.headers.get('retry-after'));
    return {
      status: response.status,
      body,
      ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
    };
  };
}
