/**
 * Errors the API answers with on purpose. Anything else thrown is unexpected: it is logged with
 * its stack and answered as a bare 500 without details, so no internals or secrets leak.
 */

/** HTTP statuses the API uses for expected failures. */
export type ApiErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 502 | 503 | 504;

/** An expected failure with a stable machine-readable code and a message for people. */
export class ApiError extends Error {
  readonly status: ApiErrorStatus;
  readonly code: string;
  /** Extra fields safe to show the caller (e.g. the remaining target count). */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(status: ApiErrorStatus, code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** The JSON body of every error response: `{ "error": { "code", "message", ...details } }`. */
export function errorBody(error: ApiError): { error: Record<string, unknown> } {
  return { error: { code: error.code, message: error.message, ...error.details } };
}
