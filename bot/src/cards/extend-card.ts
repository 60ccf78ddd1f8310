/**
 * R11: the Extend offer with its **Extend protection** button, and the states the same card moves
 * through in place when someone presses it ("Extending…" → "All targets protected").
 */
import { EXTEND_OFFER_TEXT, scopeLabelsFor, SERVICE_NAMES } from '@cas/core';
import { adaptiveCard, execute, facts, heading, paragraph } from './adaptive-card.js';
import type { AdaptiveCard } from './adaptive-card.js';
import type { ServiceId } from '@cas/core';

/** The button's label, in the product's words. */
export const EXTEND_PROTECTION = 'Extend protection';

/** What Extend does, shown with the offer (the tab's instructions before **Submit**). */
export const EXTEND_INSTRUCTIONS =
  'All three services (Exchange Online, SharePoint Online and OneDrive) will synchronize all users and groups instead of the selected users. The first full synchronization starts right away; afterwards they synchronize automatically once per day.';

/** The offer with the Extend protection button. */
export function extendOfferCard(): AdaptiveCard {
  return adaptiveCard([heading(EXTEND_OFFER_TEXT, 'Accent'), paragraph(EXTEND_INSTRUCTIONS)], {
    actions: [execute(EXTEND_PROTECTION, 'extendProtection', {}, 'positive')],
    fallbackText: EXTEND_OFFER_TEXT,
  });
}

/** Shown while the API extends protection (the card changes in place for everyone). */
export function extendingCard(byName: string | undefined): AdaptiveCard {
  const who = byName === undefined || byName === '' ? '' : ` (requested by ${byName})`;
  return adaptiveCard(
    [heading('Extending…', 'Accent'), paragraph(`Extending protection to all targets${who}.`)],
    {
      fallbackText: 'Extending…',
    },
  );
}

/** After Extend protection succeeded. */
export function extendedCard(data: {
  readonly services: readonly ServiceId[];
  readonly message?: string | undefined;
}): AdaptiveCard {
  const rows = data.services.map(
    (service) => [SERVICE_NAMES[service], scopeLabelsFor(service).allUsersAndGroups] as const,
  );
  return adaptiveCard(
    [
      heading('All targets protected', 'Good'),
      ...(data.message !== undefined ? [paragraph(data.message)] : []),
      ...(rows.length > 0 ? [facts(rows)] : []),
      paragraph('A full synchronization of every service has started.', { isSubtle: true }),
    ],
    { fallbackText: 'All targets protected' },
  );
}

/** Extend was refused or failed: the API's reason, and the button again when retrying makes sense. */
export function extendRefusedCard(data: { readonly reason: string; readonly retry: boolean }): AdaptiveCard {
  return adaptiveCard([heading('Protection was not extended', 'Warning'), paragraph(data.reason)], {
    actions: data.retry ? [execute(EXTEND_PROTECTION, 'extendProtection', {}, 'positive')] : [],
    fallbackText: data.reason,
  });
}
