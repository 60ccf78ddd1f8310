/** "Exchange Online protected.": provisioning of a service succeeded. */
import { scopeLabelsFor, SERVICE_NAMES, serviceProtectedText } from '@cas/core';
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

/** What scanning starts, per service: each protects its own kind of target (issue 17). */
const SCANS: Readonly<Record<ServiceId, string>> = {
  exchangeOnline: 'Cloud App Security now scans mail in the protected mailboxes.',
  sharePointOnline: 'Cloud App Security now scans files in the protected site collections.',
  oneDrive: 'Cloud App Security now scans files in the protected OneDrive accounts.',
};

/** The card posted when a service becomes protected. */
export function serviceProtectedCard(data: ServiceProtectedCardData, links: TabLinks): AdaptiveCard {
  const text = serviceProtectedText(data.service);
  const rows: [string, string][] = [['Service', SERVICE_NAMES[data.service]]];
  if (data.scope !== null) rows.push(['Sync scope', scopeLabelsFor(data.service)[data.scope]]);
  if (data.protectedAt !== null) rows.push(['Protected since', cardTime(data.protectedAt)]);
  return adaptiveCard(
    [heading(text, 'Good'), paragraph(SCANS[data.service], { isSubtle: true }), facts(rows)],
    {
      actions: [{ type: 'Action.OpenUrl', title: 'Open dashboard', url: links.page('dashboard') }],
      fallbackText: text,
    },
  );
}
