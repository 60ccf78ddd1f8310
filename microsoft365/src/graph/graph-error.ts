/** A Microsoft Graph call failed; names the call and keeps Graph's status and error code. */
export class GraphError extends Error {
  readonly statusCode: number;
  /** Graph's `error.code`, e.g. `Authorization_RequestDenied`. */
  readonly code: string;

  constructor(call: string, statusCode: number, code: string, message: string, cause?: unknown) {
    super(`${call} failed: ${statusCode} ${code}${message ? ` (${message})` : ''}`, { cause });
    this.name = 'GraphError';
    this.statusCode = statusCode;
    this.code = code;
  }

  /** Wraps the Graph SDK's error (its `statusCode`/`code`/`message`) or any other failure. */
  static from(error: unknown, call: string): GraphError {
    if (error instanceof GraphError) return error;
    const timeout = timeoutOf(error);
    if (timeout !== undefined) {
      return new GraphError(call, 0, GRAPH_TIMEOUT_CODE, `no answer within ${timeout} ms`, error);
    }
    const record = (error ?? {}) as { statusCode?: unknown; code?: unknown; message?: unknown };
    const status = typeof record.statusCode === 'number' ? record.statusCode : 0;
    const code = typeof record.code === 'string' && record.code ? record.code : 'GraphRequestFailed';
    const message = typeof record.message === 'string' ? record.message : '';
    return new GraphError(call, status, code, message, error);
  }
}

/** The code of a Graph request that got no answer in time (ours: Graph never sends it). */
export const GRAPH_TIMEOUT_CODE = 'RequestTimeout';

/** A Graph request was given up after its timeout. */
export class GraphTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`No answer from Microsoft Graph within ${timeoutMs} ms`);
    // The SDK keeps an error's name as its code; ours names the timeout.
    this.name = GRAPH_TIMEOUT_CODE;
  }
}

/** The timeout in ms when `error` (or the SDK's wrapping of it) is a timeout; else undefined. */
function timeoutOf(error: unknown): number | undefined {
  if (error instanceof GraphTimeoutError) return error.timeoutMs;
  const record = (error ?? {}) as { code?: unknown; name?: unknown; body?: unknown; message?: unknown };
  if (record.code === GRAPH_TIMEOUT_CODE) {
    const ms = /within (\d+) ms/.exec(String(record.body ?? record.message ?? ''))?.[1];
    return ms === undefined ? 0 : Number(ms);
  }
  return undefined;
}
