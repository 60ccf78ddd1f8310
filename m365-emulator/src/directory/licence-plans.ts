/**
 * What a user's licences give them: the service plans behind each SKU (Graph's `assignedPlans`),
 * and from those whether Exchange Online holds a mailbox and SharePoint a OneDrive for them. The
 * emulator derives both from the licence (no state of their own), so licensing or unlicensing a
 * user through the control API changes what `mailFolders`, `mailboxSettings` and `drive` answer.
 */
import { stableHash } from './seeded-random.js';
import type { EmulatedUser } from '../contracts.js';

/** A service plan of a SKU. */
interface ServicePlan {
  readonly servicePlanId: string;
  /** Graph's `assignedPlan.service` value. */
  readonly service: 'exchange' | 'SharePoint';
}

const EXCHANGE_ENTERPRISE = 'efb87545-963c-4e0d-99df-69c6916d9eb0'; // EXCHANGE_S_ENTERPRISE
const EXCHANGE_STANDARD = '9aaf7827-d63c-4b61-89c3-182f06f82e5c'; // EXCHANGE_S_STANDARD
const SHAREPOINT_ENTERPRISE = '5dbe027f-2339-4123-9542-606e4d348a72'; // SHAREPOINTENTERPRISE
const SHAREPOINT_STANDARD = 'c7699d2e-19aa-44de-8edf-1736da088ca1'; // SHAREPOINTSTANDARD

/** Exchange Online and SharePoint Online plans of the SKUs the generator assigns. */
const PLANS_BY_SKU: Readonly<Record<string, readonly ServicePlan[]>> = {
  // Office 365 E3, Microsoft 365 E5, Microsoft 365 E3
  '6fd2c87f-b296-42f0-b197-1e91e994b900': [
    { servicePlanId: EXCHANGE_ENTERPRISE, service: 'exchange' },
    { servicePlanId: SHAREPOINT_ENTERPRISE, service: 'SharePoint' },
  ],
  '06ebc4ee-1bb5-47dd-8120-11324bc54e06': [
    { servicePlanId: EXCHANGE_ENTERPRISE, service: 'exchange' },
    { servicePlanId: SHAREPOINT_ENTERPRISE, service: 'SharePoint' },
  ],
  '05e9a617-0261-4cee-bb44-138d3ef5d965': [
    { servicePlanId: EXCHANGE_ENTERPRISE, service: 'exchange' },
    { servicePlanId: SHAREPOINT_ENTERPRISE, service: 'SharePoint' },
  ],
  // Microsoft 365 Business Standard
  'f245ecc8-75af-4f8e-b61f-27d8114de5f3': [
    { servicePlanId: EXCHANGE_STANDARD, service: 'exchange' },
    { servicePlanId: SHAREPOINT_STANDARD, service: 'SharePoint' },
  ],
};

/** The SKU control calls license a user with when they name none (Office 365 E3). */
export const DEFAULT_LICENCE_SKU = '6fd2c87f-b296-42f0-b197-1e91e994b900';
/** Plan ids a control call may disable to give a licence without a mailbox or without a OneDrive. */
export const EXCHANGE_PLAN_IDS: readonly string[] = [EXCHANGE_ENTERPRISE, EXCHANGE_STANDARD];
export const SHAREPOINT_PLAN_IDS: readonly string[] = [SHAREPOINT_ENTERPRISE, SHAREPOINT_STANDARD];

/** True for a SKU the emulator knows the plans of. */
export function isKnownSku(skuId: string): boolean {
  return skuId.toLowerCase() in PLANS_BY_SKU;
}

/** Graph's `assignedPlans`: the enabled plans of every assigned licence (disabled plans omitted). */
export function assignedPlans(user: EmulatedUser): {
  assignedDateTime: string;
  capabilityStatus: 'Enabled';
  service: string;
  servicePlanId: string;
}[] {
  const assigned = new Date(Date.UTC(2020, 0, 1) + (stableHash(`${user.id}/licensed`) % 1_500) * 86_400_000)
    .toISOString()
    .replace('.000Z', 'Z');
  return user.assignedLicenses.flatMap((licence) =>
    (PLANS_BY_SKU[licence.skuId.toLowerCase()] ?? [])
      .filter((plan) => !licence.disabledPlans.includes(plan.servicePlanId))
      .map((plan) => ({
        assignedDateTime: assigned,
        capabilityStatus: 'Enabled' as const,
        service: plan.service,
        servicePlanId: plan.servicePlanId,
      })),
  );
}

const hasPlan = (user: EmulatedUser, service: ServicePlan['service']): boolean =>
  user.assignedLicenses.some((licence) =>
    (PLANS_BY_SKU[licence.skuId.toLowerCase()] ?? []).some(
      (plan) => plan.service === service && !licence.disabledPlans.includes(plan.servicePlanId),
    ),
  );

/** True when Exchange Online holds a mailbox for the user: a licensed user's, or a shared mailbox. */
export function hasMailbox(user: EmulatedUser): boolean {
  return user.mailboxType !== null;
}

/** True when the user has an Exchange Online plan (a licensed, user mailbox). */
export function hasExchangePlan(user: EmulatedUser): boolean {
  return hasPlan(user, 'exchange');
}

/** True when SharePoint holds a OneDrive for the user: a member with an enabled SharePoint plan. */
export function hasOneDrive(user: EmulatedUser): boolean {
  return user.userType === 'Member' && hasPlan(user, 'SharePoint');
}
