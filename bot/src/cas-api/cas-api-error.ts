/** The bot's one error class for the Cloud App Security API: it did not answer, or not as agreed. */
export class CasApiError extends Error {
  /** HTTP status, when the API answered at all. */
  readonly status: number | undefined;
  /** The API's error code, when it sent one. */
  readonly code: string | undefined;

  constructor(message: string, options: { status?: number; code?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'CasApiError';
    this.status = options.status;
    this.code = options.code;
  }
}
