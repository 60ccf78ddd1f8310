/**
 * R9: the access token of a tenant stopped working for one or more services — one card per
 * incident, listing them all; the button opens Administration > Service Account.
 */
import { describeTokenFailure, serviceNameList } from '@cas/core';
import { adaptiveCard, cardTime, facts, heading, paragraph } from './adaptive-card.js';
import type { AdaptiveCard } from './adaptive-card.js';
import type { TabLinks } from './tab-links.js';
import type { ServiceId, TokenFailureCause } from '@cas/core';

/** What the card says. */
export interface TokenInvalidCardData {
  /** The services the incident affects; empty when the incident is no longer in the store. */
  readonly services: readonly ServiceId[];
  /** The notification's text: services, cause, missing roles and where to fix it (Administration > Service Account). */
  readonly message: string;
  /** Cause of the open incident, when known. */
  readonly cause: TokenFailureCause | null;
  /** Roles the token lacks, when the cause is removed roles. */
  readonly missingRoles: readonly string[];
  /** When the token stopped working (the incident's opening, else the notification's time). */
  readonly since: string;
}

/** The label of the button that opens the Service Account page. */
export const OPEN_SERVICE_ACCOUNT = 'Open Service Account';

/** The token-invalid alert. */
export function tokenInvalidCard(data: TokenInvalidCardData, links: TabLinks): AdaptiveCard {
  const names = serviceNameList(data.services);
  const rows: [string, string][] = [];
  if (data.services.length > 0) rows.push([data.services.length === 1 ? 'Service' : 'Services', names]);
  if (data.cause !== null) rows.push(['Cause', describeTokenFailure(data.cause)]);
  if (data.missingRoles.length > 0) rows.push(['Missing permissions', data.missingRoles.join(', ')]);
  rows.push(['Since', cardTime(data.since)]);
  return adaptiveCard(
    [
      heading(
        data.services.length === 0
          ? 'The access token is invalid'
          : `The access token for ${names} is invalid`,
        'Attention',
      ),
      paragraph(data.message),
      facts(rows),
    ],
    {
      actions: [{ type: 'Action.OpenUrl', title: OPEN_SERVICE_ACCOUNT, url: links.page('serviceAccount') }],
      fallbackText: data.message,
    },
  );
}
