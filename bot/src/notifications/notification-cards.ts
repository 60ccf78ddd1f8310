/**
 * Which card a notification becomes. The notification is the outbox row; facts it does not carry
 * (the token incident's cause and start, the failed run's figures, the scope) are read from the
 * store, and the card still renders from the notification alone when they are gone.
 */
import { SERVICE_NAMES } from '@cas/core';
import { extendOfferCard } from '../cards/extend-card.js';
import { noticeCard } from '../cards/notice-card.js';
import { serviceProtectedCard } from '../cards/service-protected-card.js';
import { syncRunsCard } from '../cards/sync-cards.js';
import { tokenInvalidCard } from '../cards/token-invalid-card.js';
import type { AdaptiveCard } from '../cards/adaptive-card.js';
import type { TabLinks } from '../cards/tab-links.js';
import type {
  Notification,
  ProvisioningRepository,
  SyncRunRepository,
  TokenIncidentRepository,
} from '@cas/core';

/** The store reads notification cards need. */
export interface NotificationFacts {
  readonly provisioning: Pick<ProvisioningRepository, 'get'>;
  readonly tokenIncidents: Pick<TokenIncidentRepository, 'list'>;
  readonly syncRuns: Pick<SyncRunRepository, 'get'>;
}

/** The id after `<kind>:` in core's dedupe keys (`tokenInvalid:<incident id>`, `syncFailed:<run id>`). */
function keyedId(notification: Notification): string {
  return notification.dedupeKey.slice(notification.dedupeKey.indexOf(':') + 1);
}

/** Renders the card for one notification. */
export async function notificationCard(
  notification: Notification,
  facts: NotificationFacts,
  links: TabLinks,
): Promise<AdaptiveCard> {
  const { tenantId, service } = notification;
  switch (notification.kind) {
    case 'serviceProtected': {
      if (service === null) break;
      const account = (await facts.provisioning.get(tenantId))?.services[service];
      return serviceProtectedCard(
        {
          service,
          protectedAt: account?.protectedAt ?? notification.createdAt,
          scope: account?.scope ?? null,
        },
        links,
      );
    }
    case 'tokenInvalid': {
      // One card per tenant incident, listing every service it affects (R9, R15).
      const incidentId = keyedId(notification);
      const incident = (await facts.tokenIncidents.list(tenantId)).find((one) => one.id === incidentId);
      return tokenInvalidCard(
        {
          services: incident?.services ?? (service === null ? [] : [service]),
          message: notification.message,
          cause: incident?.cause ?? null,
          missingRoles: incident?.missingRoles ?? [],
          since: incident?.openedAt ?? notification.createdAt,
        },
        links,
      );
    }
    case 'extendOffered':
      return extendOfferCard();
    case 'syncFailed': {
      const run = await facts.syncRuns.get(tenantId, keyedId(notification));
      if (run !== undefined) return syncRunsCard([run]);
      break;
    }
    case 'tokenRestored':
      return noticeCard({
        title: 'Access token valid again',
        message: notification.message,
        tone: 'Good',
        at: notification.createdAt,
      });
    case 'scopeExtended':
      return noticeCard({ title: 'All targets protected', message: notification.message, tone: 'Good' });
    case 'secretExpiring':
      return noticeCard({
        title: 'Application credential expiring',
        message: notification.message,
        tone: 'Warning',
        actions: [
          { type: 'Action.OpenUrl', title: 'Open Service Account', url: links.page('serviceAccount') },
        ],
      });
  }
  return noticeCard({
    title: service === null ? 'Cloud App Security' : SERVICE_NAMES[service],
    message: notification.message,
    at: notification.createdAt,
  });
}
