/**
 * Manual synchronization: the runs it queued (or found already queued, R13) with their figures,
 * cancelled runs with their reason (R14), targets a run found missing, and the R3 refusal with
 * the Extend offer.
 */
import {
  EXTEND_OFFER_TEXT,
  SERVICE_NAMES,
  syncCancelText,
  targetCountText,
  type SyncCancelReason,
  type SyncRun,
} from '@cas/core';
import { adaptiveCard, cardTime, execute, facts, heading, paragraph } from './adaptive-card.js';
import { EXTEND_PROTECTION } from './extend-card.js';
import type { AdaptiveCard, CardElement, Container } from './adaptive-card.js';

/**
 * The figures of one synchronization run a card shows: a run from the API (a sync request's
 * answer, the history) or from the store (a finished run's notification).
 */
export type SyncRunFigures = Pick<
  SyncRun,
  | 'id'
  | 'service'
  | 'status'
  | 'requestedAt'
  | 'startedAt'
  | 'finishedAt'
  | 'added'
  | 'updated'
  | 'removed'
  | 'graphRequests'
  | 'error'
> &
  Partial<Pick<SyncRun, 'cancelReason' | 'missingTargets' | 'protectedTargets'>> & {
    /** True when a sync request was answered with this run, queued before it (R13). */
    readonly alreadyQueued?: boolean;
  };

const STATUS_WORDS: Readonly<Record<string, string>> = {
  pending: 'Queued',
  running: 'Running',
  succeeded: 'Finished',
  failed: 'Failed',
  dead: 'Failed',
  cancelled: 'Cancelled',
};

/** Words for a run a sync request found queued already. */
const ALREADY_WORDS: Readonly<Record<string, string>> = {
  pending: 'Already queued',
  running: 'Already running',
};

const CANCEL_REASONS: readonly SyncCancelReason[] = [
  'scopeChanged',
  'serviceNotProtected',
  'tokenInvalid',
  'noTargets',
  'superseded',
];

/** True when the run reached a final state. */
export function isFinished(run: Pick<SyncRunFigures, 'status'>): boolean {
  return ['succeeded', 'failed', 'dead', 'cancelled'].includes(run.status);
}

/** Duration between two ISO times, e.g. "1 min 5 s". */
export function duration(from: string, to: string): string {
  const seconds = Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));
  if (!Number.isFinite(seconds)) return '';
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${minutes} min ${seconds % 60} s` : `${seconds} s`;
}

function runSection(run: SyncRunFigures): Container {
  const failed = run.status === 'failed' || run.status === 'dead';
  const status =
    (run.alreadyQueued === true ? ALREADY_WORDS[run.status] : undefined) ?? STATUS_WORDS[run.status];
  const rows: [string, string][] = [['Status', status ?? run.status]];
  const missing = run.missingTargets ?? [];
  if (isFinished(run) && run.status !== 'cancelled') {
    rows.push(
      ['Added', String(run.added)],
      ['Updated', String(run.updated)],
      ['Removed', String(run.removed)],
      ['Graph requests', String(run.graphRequests)],
    );
    // What the service protects after the run (issue 17), once it succeeded.
    if (run.protectedTargets !== undefined && run.protectedTargets !== null)
      rows.push(['Protected targets', targetCountText(run.service, run.protectedTargets)]);
    if (missing.length > 0) rows.push(['Missing targets', String(missing.length)]);
    if (run.startedAt !== null && run.finishedAt !== null)
      rows.push(['Duration', duration(run.startedAt, run.finishedAt)]);
  }
  rows.push(['Requested', cardTime(run.requestedAt)]);
  const items: CardElement[] = [
    { type: 'TextBlock', text: SERVICE_NAMES[run.service], weight: 'Bolder', wrap: true },
    facts(rows),
  ];
  if (failed && run.error !== null) items.push(paragraph(run.error, { color: 'Attention' }));
  const reason = CANCEL_REASONS.find((known) => known === run.cancelReason);
  if (run.status === 'cancelled' && reason !== undefined)
    items.push(paragraph(syncCancelText(reason, run.service)));
  if (missing.length > 0) {
    items.push(
      paragraph(
        `No longer in your directory, so not synchronized: ${missing.map((target) => target.userPrincipalName).join(', ')}.`,
        { color: 'Warning' },
      ),
    );
  }
  return { type: 'Container', items, separator: true, ...(failed ? { style: 'attention' as const } : {}) };
}

/** Title of a sync card from its runs' states. */
function syncTitle(runs: readonly SyncRunFigures[]): {
  text: string;
  color: 'Good' | 'Attention' | 'Accent';
} {
  if (runs.some((run) => run.status === 'failed' || run.status === 'dead')) {
    return { text: 'Synchronization failed', color: 'Attention' };
  }
  if (runs.length > 0 && runs.every((run) => run.status === 'cancelled'))
    return { text: 'Synchronization cancelled', color: 'Accent' };
  if (runs.length > 0 && runs.every(isFinished)) return { text: 'Synchronization finished', color: 'Good' };
  // R13: every service had a run queued; the request was answered with those runs.
  if (runs.length > 0 && runs.every((run) => run.alreadyQueued === true))
    return { text: 'Synchronization already queued', color: 'Accent' };
  return { text: 'Synchronization started', color: 'Accent' };
}

/**
 * The runs of one synchronization with their figures; while any is unfinished the card refreshes
 * itself (verb `refreshSyncRuns`) so viewers see the final figures.
 */
export function syncRunsCard(runs: readonly SyncRunFigures[]): AdaptiveCard {
  const title = syncTitle(runs);
  const pending = runs.filter((run) => !isFinished(run));
  const refreshAction = execute('Refresh', 'refreshSyncRuns', {
    runIds: runs.map((run) => run.id),
    // So a refreshed card still says which runs the request found already queued.
    alreadyQueued: runs.filter((run) => run.alreadyQueued === true).map((run) => run.id),
  });
  return adaptiveCard([heading(title.text, title.color), ...runs.map(runSection)], {
    actions: pending.length > 0 ? [refreshAction] : [],
    ...(pending.length > 0 ? { refresh: { action: refreshAction } } : {}),
    fallbackText: title.text,
  });
}

/** R3: `sync` in selected-users mode: the reason, and the Extend offer when it applies. */
export function syncRefusedCard(data: {
  readonly reason: string;
  readonly extendAvailable: boolean;
}): AdaptiveCard {
  const body: CardElement[] = [
    heading('Manual synchronization is not available', 'Warning'),
    paragraph(data.reason),
  ];
  if (data.extendAvailable) body.push(paragraph(EXTEND_OFFER_TEXT, { spacing: 'Medium' }));
  return adaptiveCard(body, {
    actions: data.extendAvailable ? [execute(EXTEND_PROTECTION, 'extendProtection', {}, 'positive')] : [],
    fallbackText: data.reason,
  });
}
