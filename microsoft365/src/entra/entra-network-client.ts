/**
 * msal-node's network client with a timeout on every request: its own client times out GETs only
 * when msal asks and never POSTs, so a token endpoint that accepts the connection and never answers
 * would hold the caller forever. A timeout is msal's AuthError `request_timeout` (msal passes it
 * through from the token endpoint, but folds a discovery failure into `endpoints_resolution_error`,
 * so the client also counts its timeouts for the caller to tell).
 */
import {
  AuthError,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
} from '@azure/msal-node';

/** The code of a token or discovery request that got no answer in time. */
export const ENTRA_TIMEOUT_CODE = 'request_timeout';

/** msal's network module plus the number of requests that timed out so far. */
export interface EntraNetworkClient extends INetworkModule {
  readonly timeouts: number;
}

/** A network client whose every request gives up after `timeoutMs`. */
export function createEntraNetworkClient(timeoutMs: number): EntraNetworkClient {
  let timeouts = 0;
  async function send<T>(
    url: string,
    method: 'GET' | 'POST',
    options: NetworkRequestOptions | undefined,
    limitMs: number,
  ): Promise<NetworkResponse<T>> {
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method,
        headers: options?.headers ?? {},
        ...(method === 'POST' ? { body: options?.body ?? '' } : {}),
        signal: AbortSignal.timeout(limitMs),
      });
      text = await response.text();
    } catch (error) {
      const correlationId = options?.correlationId ?? '';
      if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
        timeouts += 1;
        throw new AuthError(ENTRA_TIMEOUT_CODE, correlationId, `No answer from Entra within ${limitMs} ms`);
      }
      throw new AuthError(
        'network_error',
        correlationId,
        `Network request failed: ${(error as Error).message}`,
      );
    }
    let body: T;
    try {
      body = (text === '' ? {} : JSON.parse(text)) as T;
    } catch {
      throw new AuthError(
        'invalid_response',
        `Entra answered ${response.status} with a body that is not JSON`,
      );
    }
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => (headers[name] = value));
    return { headers, body, status: response.status };
  }

  return {
    get timeouts() {
      return timeouts;
    },
    sendGetRequestAsync: <T>(url: string, options?: NetworkRequestOptions, timeout?: number) =>
      send<T>(url, 'GET', options, timeout === undefined ? timeoutMs : Math.min(timeout, timeoutMs)),
    sendPostRequestAsync: <T>(url: string, options?: NetworkRequestOptions) =>
      send<T>(url, 'POST', options, timeoutMs),
  };
}
