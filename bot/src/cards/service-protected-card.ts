/** "Exchange Online protected.": provisioning of a service succeeded. */
import { SERVICE_NAMES, SYNC_SCOPE_LABELS, serviceProtectedText } from '@cas/core';
import { adaptiveCard, cardTime, facts, heading, paragraph } from './adaptive-card.js';
import type { AdaptiveCard } from './adaptive-card.js';
import type { TabLinks } from './tab-links.js';
import type { ServiceId, SyncScope } from '@cas/core';

/** What the card says. */
export interface ServiceProtectedCardData {
  readonly service: ServiceId;
  /** When the service became protected (null when not known). */
  readonly protectedAt: string | null;
  /** The sync scope, when known. */
  readonly scope: SyncScope | null;
}

/** The card posted when a service becomes protected. */
export function serviceProtectedCard(data: ServiceProtectedCardData, links: TabLinks): AdaptiveCard {
  const text = serviceProtectedText(data.service);
  const rows: [string, string][] = [['Service', SERVICE_NAMES[data.service]]];
  if (data.scope !== null) rows.push(['Sync scope', SYNC_SCOPE_LABELS[data.scope]]);
  if (data.protectedAt !== null) rows.push(['Protected since', cardTime(data.protectedAt)]);
  return adaptiveCard(
    [
      heading(text, 'Good'),
      paragraph('Cloud App Security now scans mail in the protected mailboxes.', { isSubtle: true }),
      facts(rows),
    ],
    {
      actions: [{ type: 'Action.OpenUrl', title: 'Open dashboard', url: links.page('dashboard') }],
      fallbackText: text,
    },
  );
}
