/** Words for a service account's status and scope on tiles and in Service Account. */
import { scopeLabelsFor, type ServiceAccountStatus, type ServiceId, type SyncScope } from '@cas/core';

/** The status badge text per status. */
export const STATUS_LABELS: Readonly<Record<ServiceAccountStatus, string>> = {
  notProvisioned: 'Not provisioned',
  consentStep1Done: 'Step 1 of 2 granted',
  consented: 'Consent granted, scope not saved',
  protected: 'Protected',
  tokenInvalid: 'Access token invalid',
};

/** Badge colour per status. */
export const STATUS_COLORS: Readonly<
  Record<ServiceAccountStatus, 'informative' | 'warning' | 'success' | 'danger'>
> = {
  notProvisioned: 'informative',
  consentStep1Done: 'warning',
  consented: 'warning',
  protected: 'success',
  tokenInvalid: 'danger',
};

/** The service's own label for its scope (issue 17: "targets" outside Exchange Online), or "Not chosen yet". */
export function scopeLabel(service: ServiceId, scope: SyncScope | null): string {
  return scope === null ? 'Not chosen yet' : scopeLabelsFor(service)[scope];
}
