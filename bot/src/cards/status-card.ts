/**
 * `status`: every service's state, scope, what it protects and when that was last synchronized,
 * token health and last synchronization run, kept current by `refresh`.
 */
import { scopeLabelsFor } from '@cas/core';
import { adaptiveCard, cardTime, execute, facts, heading, paragraph } from './adaptive-card.js';
import { EXTEND_PROTECTION } from './extend-card.js';
import type { AdaptiveCard, CardAction, Container } from './adaptive-card.js';
import type { ServiceAccountStatus, ServiceId, SyncScope } from '@cas/core';

/** One service as the status card shows it (a subset of the API's ServiceView). */
export interface StatusCardService {
  readonly service: ServiceId;
  readonly name: string;
  readonly status: ServiceAccountStatus;
  readonly scope: SyncScope | null;
  readonly lastVerifiedAt: string | null;
  readonly tokenFailure: { readonly message: string } | null;
  readonly lastSync: {
    readonly status: string;
    readonly finishedAt: string | null;
    readonly requestedAt: string;
  } | null;
  /** What the service protects after its last successful run, in the API's words ("37 site collections"). */
  readonly protectedTargets: { readonly text: string; readonly lastSynchronizedAt: string | null } | null;
}

/** What the status card shows (a subset of the API's ProvisioningView). */
export interface StatusCardData {
  readonly services: readonly StatusCardService[];
  readonly extend: { readonly available: boolean };
  readonly manualSync: { readonly allowed: boolean; readonly reason: string | null };
  /** When the data was read. */
  readonly asOf: string;
}

/** The words for each service account status. */
export const STATUS_LABELS: Readonly<Record<ServiceAccountStatus, string>> = {
  notProvisioned: 'Not provisioned',
  consentStep1Done: 'Consent step 1 of 2 done',
  consented: 'Consented, scope not saved',
  protected: 'Protected',
  tokenInvalid: 'Access token invalid',
};

const STATUS_STYLES: Readonly<Partial<Record<ServiceAccountStatus, Container['style']>>> = {
  protected: 'good',
  tokenInvalid: 'attention',
};

function lastSyncText(lastSync: StatusCardService['lastSync']): string {
  if (lastSync === null) return 'Never';
  if (lastSync.finishedAt !== null) {
    // A cancelled run (R14) was never applied, but it did not fail either.
    const outcome =
      lastSync.status === 'succeeded' ? 'Finished' : lastSync.status === 'cancelled' ? 'Cancelled' : 'Failed';
    return `${outcome} ${cardTime(lastSync.finishedAt)}`;
  }
  return `${lastSync.status === 'running' ? 'Running' : 'Queued'} since ${cardTime(lastSync.requestedAt)}`;
}

function serviceSection(service: StatusCardService): Container {
  const rows: [string, string][] = [['Status', STATUS_LABELS[service.status]]];
  if (service.scope !== null) rows.push(['Sync scope', scopeLabelsFor(service.service)[service.scope]]);
  const protectedTargets = service.protectedTargets;
  if (protectedTargets !== null) {
    rows.push(['Protected targets', protectedTargets.text]);
    if (protectedTargets.lastSynchronizedAt !== null)
      rows.push(['Last synchronized', cardTime(protectedTargets.lastSynchronizedAt)]);
  } else if (service.status === 'protected' || service.status === 'tokenInvalid') {
    rows.push(['Protected targets', 'Not synchronized yet']);
  }
  if (service.status !== 'notProvisioned') {
    rows.push([
      'Token verified',
      service.lastVerifiedAt === null ? 'Not yet' : cardTime(service.lastVerifiedAt),
    ]);
    rows.push(['Last synchronization', lastSyncText(service.lastSync)]);
  }
  const style = STATUS_STYLES[service.status];
  return {
    type: 'Container',
    separator: true,
    ...(style !== undefined ? { style } : {}),
    items: [
      { type: 'TextBlock', text: service.name, weight: 'Bolder', wrap: true },
      facts(rows),
      ...(service.tokenFailure !== null
        ? [paragraph(service.tokenFailure.message, { color: 'Attention' as const })]
        : []),
    ],
  };
}

/** The status card; its `refresh` re-reads the status for whoever views it. */
export function statusCard(data: StatusCardData): AdaptiveCard {
  const refreshAction = execute('Refresh status', 'refreshStatus');
  const actions: CardAction[] = [];
  if (data.manualSync.allowed) actions.push(execute('Synchronize now', 'syncNow'));
  if (data.extend.available) actions.push(execute(EXTEND_PROTECTION, 'extendProtection', {}, 'positive'));
  actions.push(refreshAction);
  const body = [
    heading('Cloud App Security status'),
    ...data.services.map(serviceSection),
    ...(data.manualSync.allowed || data.manualSync.reason === null
      ? []
      : [paragraph(data.manualSync.reason, { isSubtle: true, spacing: 'Medium' as const })]),
    paragraph(`As of ${cardTime(data.asOf)}`, { isSubtle: true, spacing: 'Small' }),
  ];
  return adaptiveCard(body, {
    actions,
    refresh: { action: refreshAction },
    fallbackText: 'Cloud App Security status',
  });
}
