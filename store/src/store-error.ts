/**
 * The store's one error class for failures callers may want to tell apart. Expected outcomes
 * (a version conflict) are results, not errors; these are invariant violations.
 */

/** What went wrong, in the store's words. */
export type StoreErrorCode = 'open_incident_exists' | 'nested_transaction' | 'outside_transaction';

/** A store invariant was violated; `cause` holds the driver's error when there is one. */
export class StoreError extends Error {
  /** Machine-readable reason. */
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
  }
}
