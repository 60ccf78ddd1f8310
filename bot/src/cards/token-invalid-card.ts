/** R9: the access token of a service stopped working; the button opens Administration > Service Account. */
import { SERVICE_NAMES, describeTokenFailure } from '@cas/core';
import { adaptiveCard, cardTime, facts, heading, paragraph } from './adaptive-card.js';
import type { AdaptiveCard } from './adaptive-card.js';
import type { TabLinks } from './tab-links.js';
import type { ServiceId, TokenFailureCause } from '@cas/core';

/** What the card says. */
export interface TokenInvalidCardData {
  readonly service: ServiceId;
  /** The notification's text: service, cause and where to fix it (Administration > Service Account). */
  readonly message: string;
  /** Cause of the open incident, when known. */
  readonly cause: TokenFailureCause | null;
  /** When the token stopped working (the incident's opening, else the notification's time). */
  readonly since: string;
}

/** The label of the button that opens the Service Account page. */
export const OPEN_SERVICE_ACCOUNT = 'Open Service Account';

/** The token-invalid alert. */
export function tokenInvalidCard(data: TokenInvalidCardData, links: TabLinks): AdaptiveCard {
  const rows: [string, string][] = [['Service', SERVICE_NAMES[data.service]]];
  if (data.cause !== null) rows.push(['Cause', describeTokenFailure(data.cause)]);
  rows.push(['Since', cardTime(data.since)]);
  return adaptiveCard(
    [
      heading(`The access token for ${SERVICE_NAMES[data.service]} is invalid`, 'Attention'),
      paragraph(data.message),
      facts(rows),
    ],
    {
      actions: [{ type: 'Action.OpenUrl', title: OPEN_SERVICE_ACCOUNT, url: links.page('serviceAccount') }],
      fallbackText: data.message,
    },
  );
}
