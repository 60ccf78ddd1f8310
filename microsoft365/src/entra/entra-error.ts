/** A token request to Microsoft Entra ID failed; carries the AADSTS code that names the cause. */
export class EntraError extends Error {
  /** OAuth error, e.g. `invalid_client`. */
  readonly code: string;
  /** Numeric AADSTS code from the error description, e.g. 7000229; undefined when absent. */
  readonly aadstsCode: number | undefined;

  constructor(message: string, code: string, aadstsCode: number | undefined, cause?: unknown) {
    super(message, { cause });
    this.name = 'EntraError';
    this.code = code;
    this.aadstsCode = aadstsCode;
  }

  /**
   * True when Entra never answered (a timeout or a network failure): that says nothing about the
   * token or the consent, so callers judging token health treat it as "try again later".
   */
  get unanswered(): boolean {
    return this.code === 'request_timeout' || this.code === 'network_error';
  }

  /** Wraps an msal-node error (ServerError, ClientAuthError…) without keeping request secrets. */
  static fromMsal(error: unknown, call: string): EntraError {
    const record = (error ?? {}) as { errorCode?: unknown; errorMessage?: unknown; message?: unknown };
    const code =
      typeof record.errorCode === 'string' && record.errorCode ? record.errorCode : 'token_request_failed';
    const text = String(record.errorMessage ?? record.message ?? '');
    const aadsts = /AADSTS(\d+)/.exec(text)?.[1];
    // Keep only the first line of Entra's description: the rest is trace and correlation ids.
    const description = text.split(/\r?\n/)[0]?.trim() ?? '';
    return new EntraError(
      `${call} failed: ${code}${description ? ` (${description})` : ''}`,
      code,
      aadsts ? Number(aadsts) : undefined,
      error,
    );
  }
}
