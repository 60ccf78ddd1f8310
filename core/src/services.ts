/** The three Office 365 services the product protects. */
export const SERVICE_IDS = ['exchangeOnline', 'sharePointOnline', 'oneDrive'] as const;

/** Identifier of a protected Office 365 service. */
export type ServiceId = (typeof SERVICE_IDS)[number];

/** The product's own names for the services (labels shown to admins). */
export const SERVICE_NAMES: Readonly<Record<ServiceId, string>> = {
  exchangeOnline: 'Exchange Online',
  sharePointOnline: 'SharePoint Online',
  oneDrive: 'OneDrive',
};

/** True when the value names one of the three services. */
export function isServiceId(value: unknown): value is ServiceId {
  return typeof value === 'string' && (SERVICE_IDS as readonly string[]).includes(value);
}
