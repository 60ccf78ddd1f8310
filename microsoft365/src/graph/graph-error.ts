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
    const record = (error ?? {}) as { statusCode?: unknown; code?: unknown; message?: unknown };
    const status = typeof record.statusCode === 'number' ? record.statusCode : 0;
    const code = typeof record.code === 'string' && record.code ? record.code : 'GraphRequestFailed';
    const message = typeof record.message === 'string' ? record.message : '';
    return new GraphError(call, status, code, message, error);
  }
}
