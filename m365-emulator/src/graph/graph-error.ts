/**
 * Graph's error shape. Route code throws `GraphError`; the handler turns it into
 * `{"error":{"code","message","innerError":{…}}}` with the status and any extra headers.
 */

/** An error Graph answers with (expected outcome, not a crash). */
export class GraphError extends Error {
  /** `innerError.code` SharePoint-backed routes add (`mysiteNotFound`); undefined for most errors. */
  innerCode: string | undefined;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'GraphError';
  }
}

/** 400 for a query option or body Graph rejects. */
export function badRequest(message: string, code = 'BadRequest'): GraphError {
  return new GraphError(400, code, message);
}

/** 404 `Request_ResourceNotFound` with Graph's exact wording. */
export function resourceNotFound(id: string): GraphError {
  return new GraphError(
    404,
    'Request_ResourceNotFound',
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  );
}

/** 400 for a path segment no route knows. */
export function segmentNotFound(segment: string): GraphError {
  return new GraphError(400, 'BadRequest', `Resource not found for the segment '${segment}'.`);
}

/** 403 for a directory call the token's permissions do not cover. */
export function insufficientPrivileges(): GraphError {
  return new GraphError(
    403,
    'Authorization_RequestDenied',
    'Insufficient privileges to complete the operation.',
  );
}

/** 403 as Exchange-backed endpoints (mail) word it. */
export function mailAccessDenied(): GraphError {
  return new GraphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
}

/** The JSON body of an error response. */
export function errorBody(
  code: string,
  message: string,
  requestId: string,
  clientRequestId: string,
  at: Date,
  innerCode?: string,
): { error: { code: string; message: string; innerError: Record<string, string> } } {
  return {
    error: {
      code,
      message,
      innerError: {
        ...(innerCode ? { code: innerCode } : {}),
        // Graph prints the date without milliseconds or zone designator.
        date: at.toISOString().slice(0, 19),
        'request-id': requestId,
        'client-request-id': clientRequestId,
      },
    },
  };
}
