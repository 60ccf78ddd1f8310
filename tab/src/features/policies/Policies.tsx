/**
 * Policies (R12): **Advanced Threat Protection** and **Data Loss Prevention** of each service; a
 * policy's **General** tab holds **Click here to manually synchronize all your targets** (disabled
 * with the reason in selected mode, R3), the last run's figures and the sync history.
 */
import {
  isSyncRunFinished,
  SERVICE_NAMES,
  syncCancelText,
  targetCountText,
  type ServiceId,
  type SyncRun,
} from '@cas/core';
import {
  Badge,
  Body1,
  Button,
  Link,
  makeStyles,
  MessageBar,
  MessageBarBody,
  Spinner,
  Subtitle2,
  Tab,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  TabList,
  Text,
  tokens,
} from '@fluentui/react-components';
import { useCallback, useEffect, useState } from 'react';
import { formatCount, formatDuration, formatTime } from '../../app/format.js';
import { PageHeading } from '../../app/PageHeading.js';
import { PageState } from '../../app/PageState.js';
import { useTab } from '../../app/tab-context.js';
import { useApiResource } from '../../app/use-api-resource.js';
import type { PoliciesView } from '@cas/contracts';
import type { ReactNode } from 'react';

const useStyles = makeStyles({
  layout: {
    display: 'grid',
    gridTemplateColumns: 'minmax(200px, 260px) 1fr',
    gap: tokens.spacingHorizontalXL,
  },
  policyList: { listStyleType: 'none', margin: 0, padding: 0, display: 'grid', gap: tokens.spacingVerticalS },
  policy: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
  group: { margin: `${tokens.spacingVerticalS} 0 0` },
  panel: { display: 'grid', gap: tokens.spacingVerticalM, alignContent: 'start' },
  figures: {
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fill, minmax(140px, 1fr))',
    gap: tokens.spacingHorizontalM,
    margin: 0,
  },
  figure: { margin: 0 },
  term: { color: tokens.colorNeutralForeground2 },
});

/** Props of {@link Policies}. */
export interface PoliciesProps {
  /** Service whose policy opens first (deep link), or null for Exchange Online. */
  readonly service: ServiceId | null;
}

/** The Policies screen (`GET /api/policies`). */
export function Policies({ service }: PoliciesProps): ReactNode {
  const { api } = useTab();
  const load = useCallback(() => api.policies(), [api]);
  const policies = useApiResource(load);
  const styles = useStyles();
  const [open, setOpen] = useState<{ service: ServiceId; policyId: string | null }>({
    service: service ?? 'exchangeOnline',
    policyId: null,
  });
  return (
    <section aria-labelledby="policies-title">
      <PageHeading>
        <span id="policies-title">Policies</span>
      </PageHeading>
      <PageState resource={policies} loadingLabel="Loading policies…">
        {(view) => {
          const openService =
            view.services.find((entry) => entry.service === open.service) ?? view.services[0];
          const openPolicy =
            openService?.policies.find((policy) => policy.id === open.policyId) ?? openService?.policies[0];
          return (
            <div className={styles.layout}>
              <nav aria-label="Policies by service">
                {view.services.map((entry) => (
                  <div key={entry.service}>
                    <Subtitle2 as="h2" className={styles.group}>
                      {entry.name}
                    </Subtitle2>
                    <ul className={styles.policyList}>
                      {entry.policies.map((policy) => {
                        const current = entry === openService && policy === openPolicy;
                        return (
                          <li key={policy.id} className={styles.policy}>
                            <Link
                              as="button"
                              aria-current={current ? 'page' : undefined}
                              onClick={() => setOpen({ service: entry.service, policyId: policy.id })}
                            >
                              {policy.name} ({entry.name})
                            </Link>
                            <Badge
                              appearance="tint"
                              size="small"
                              color={policy.active ? 'success' : 'informative'}
                            >
                              {policy.active ? 'Active' : 'Inactive'}
                            </Badge>
                          </li>
                        );
                      })}
                    </ul>
                  </div>
                ))}
              </nav>
              {openService && openPolicy ? (
                <PolicyGeneral
                  key={`${openService.service}-${openPolicy.id}`}
                  view={view}
                  service={openService.service}
                  policyName={openPolicy.name}
                  active={openPolicy.active}
                  onSynced={policies.reload}
                />
              ) : null}
            </div>
          );
        }}
      </PageState>
    </section>
  );
}

/** Props of {@link PolicyGeneral}. */
export interface PolicyGeneralProps {
  readonly view: PoliciesView;
  readonly service: ServiceId;
  readonly policyName: string;
  /** The policy is active: its service is protected. */
  readonly active: boolean;
  /** Called when a manual synchronization finished. */
  readonly onSynced: () => void;
}

const POLL_INTERVAL_MS = 1000;
const POLL_LIMIT = 60;

/** One policy's General tab and its service's sync history. */
export function PolicyGeneral({
  view,
  service,
  policyName,
  active,
  onSynced,
}: PolicyGeneralProps): ReactNode {
  const { api, locale, me } = useTab();
  const styles = useStyles();
  const [tab, setTab] = useState<'general' | 'history'>('general');
  const loadRuns = useCallback(() => api.syncRuns(service, 20), [api, service]);
  const runs = useApiResource(loadRuns);
  const reloadRuns = runs.reload;
  const [sync, setSync] = useState<
    | { status: 'idle' }
    | { status: 'running'; runId: string; notice: string | null }
    | { status: 'error'; message: string }
  >({
    status: 'idle',
  });
  const { manualSync, lastRun: tenantLastRun } = view.general;
  // The tenant's rule (R3) first: in selected mode that is the reason, whatever the service.
  const allowed = manualSync.allowed && active;
  const reason = !manualSync.allowed
    ? (manualSync.reason ?? 'Manual synchronization is not available now.')
    : `${SERVICE_NAMES[service]} is not protected, so there is nothing to synchronize yet.`;

  useEffect(() => {
    if (sync.status !== 'running') return;
    let polls = 0;
    const timer = window.setInterval(() => {
      polls += 1;
      void api.syncRuns(service, 5).then((result) => {
        const run = result.ok
          ? result.value.runs.find((candidate) => candidate.id === sync.runId)
          : undefined;
        if ((run && isSyncRunFinished(run)) || polls >= POLL_LIMIT) {
          window.clearInterval(timer);
          setSync({ status: 'idle' });
          reloadRuns();
          onSynced();
        }
      });
    }, POLL_INTERVAL_MS);
    return () => window.clearInterval(timer);
  }, [api, service, sync, reloadRuns, onSynced]);

  const startSync = async (): Promise<void> => {
    const result = await api.startSync(service);
    const run = result.ok
      ? result.value.syncRuns.find((candidate) => candidate.service === service)
      : undefined;
    if (result.ok && run) {
      // R13: a run of this service was already queued; the request was answered with it.
      const notice = run.alreadyQueued
        ? `A synchronization of ${SERVICE_NAMES[service]} is already ${run.status === 'running' ? 'running' : 'queued'}; showing it.`
        : null;
      setSync({ status: 'running', runId: run.id, notice });
      // Show the queued run's figures at once; they fill in as it runs.
      reloadRuns();
    } else {
      setSync({
        status: 'error',
        message: result.ok ? 'No synchronization was queued.' : result.error.message,
      });
    }
  };

  const lastRun: SyncRun | null =
    runs.status === 'ready'
      ? (runs.data.runs[0] ?? null)
      : tenantLastRun?.service === service
        ? tenantLastRun
        : null;
  return (
    <div className={styles.panel}>
      <Subtitle2 as="h2">
        {policyName} policy — {SERVICE_NAMES[service]}
      </Subtitle2>
      <TabList
        selectedValue={tab}
        onTabSelect={(_, data) => setTab(data.value === 'history' ? 'history' : 'general')}
      >
        <Tab value="general">General</Tab>
        <Tab value="history">Sync history</Tab>
      </TabList>
      {tab === 'general' ? (
        <div role="tabpanel" aria-label="General" className={styles.panel}>
          <Body1>
            <Link
              as="button"
              disabled={!allowed || sync.status === 'running' || me?.isGlobalAdministrator !== true}
              aria-describedby={allowed ? undefined : 'manual-sync-reason'}
              onClick={() => void startSync()}
            >
              {manualSync.label}
            </Link>
          </Body1>
          {!allowed ? (
            <Text id="manual-sync-reason" size={200}>
              {reason}
            </Text>
          ) : null}
          {sync.status === 'running' ? <Spinner size="tiny" label="Synchronizing all your targets…" /> : null}
          {sync.status === 'running' && sync.notice !== null ? (
            <MessageBar intent="info">
              <MessageBarBody>{sync.notice}</MessageBarBody>
            </MessageBar>
          ) : null}
          {sync.status === 'error' ? (
            <MessageBar intent="error" role="alert">
              <MessageBarBody>{sync.message}</MessageBarBody>
            </MessageBar>
          ) : null}
          <Subtitle2 as="h3">Last synchronization</Subtitle2>
          {lastRun ? <SyncFigures run={lastRun} /> : <Body1>No synchronization has run yet.</Body1>}
        </div>
      ) : (
        <div role="tabpanel" aria-label="Sync history">
          <PageState resource={runs} loadingLabel="Loading sync history…">
            {(data) =>
              data.runs.length === 0 ? (
                <Body1>No synchronization has run yet.</Body1>
              ) : (
                <Table aria-label={`Sync history of ${SERVICE_NAMES[service]}`} size="small">
                  <TableHeader>
                    <TableRow>
                      <TableHeaderCell>Requested</TableHeaderCell>
                      <TableHeaderCell>Trigger</TableHeaderCell>
                      <TableHeaderCell>Outcome</TableHeaderCell>
                      <TableHeaderCell>Added</TableHeaderCell>
                      <TableHeaderCell>Updated</TableHeaderCell>
                      <TableHeaderCell>Removed</TableHeaderCell>
                      <TableHeaderCell>Protected targets</TableHeaderCell>
                      <TableHeaderCell>Graph requests</TableHeaderCell>
                      <TableHeaderCell>Duration</TableHeaderCell>
                    </TableRow>
                  </TableHeader>
                  <TableBody>
                    {data.runs.map((run) => (
                      <TableRow key={run.id}>
                        <TableCell>{formatTime(run.requestedAt, locale)}</TableCell>
                        <TableCell>{run.trigger}</TableCell>
                        <TableCell>{runOutcome(run, { withMissing: true })}</TableCell>
                        <TableCell>{formatCount(run.added, locale)}</TableCell>
                        <TableCell>{formatCount(run.updated, locale)}</TableCell>
                        <TableCell>{formatCount(run.removed, locale)}</TableCell>
                        <TableCell>{protectedTargetsText(run)}</TableCell>
                        <TableCell>{formatCount(run.graphRequests, locale)}</TableCell>
                        <TableCell>{formatDuration(run.startedAt, run.finishedAt, locale)}</TableCell>
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
              )
            }
          </PageState>
        </div>
      )}
      <Button appearance="subtle" onClick={runs.reload}>
        Refresh
      </Button>
    </div>
  );
}

/**
 * A run's outcome in one line: its status, with the error of a failed run or the reason of a
 * cancelled one (R14), and optionally the Selected Targets it found missing from the directory.
 */
export function runOutcome(run: SyncRun, options: { readonly withMissing?: boolean } = {}): string {
  const detail =
    run.status === 'cancelled' && run.cancelReason !== null
      ? syncCancelText(run.cancelReason, run.service)
      : run.error;
  const outcome = detail ? `${run.status}: ${detail}` : run.status;
  const missing = run.missingTargets ?? [];
  if (options.withMissing !== true || missing.length === 0) return outcome;
  return `${outcome} (${missing.length} missing: ${missing.map((target) => target.userPrincipalName).join(', ')})`;
}

/** What the service protected after the run ("37 site collections"), or a dash before it succeeded. */
function protectedTargetsText(run: SyncRun): string {
  return run.protectedTargets === null || run.protectedTargets === undefined
    ? '—'
    : targetCountText(run.service, run.protectedTargets);
}

/** The figures of one sync run. */
export function SyncFigures({ run }: { run: SyncRun }): ReactNode {
  const { locale } = useTab();
  const styles = useStyles();
  const missing = run.missingTargets ?? [];
  const figures: [string, string][] = [
    ['Outcome', runOutcome(run)],
    ['Trigger', run.trigger],
    ['Finished', formatTime(run.finishedAt, locale, 'Not finished')],
    ['Added', formatCount(run.added, locale)],
    ['Updated', formatCount(run.updated, locale)],
    ['Removed', formatCount(run.removed, locale)],
    ['Protected targets', protectedTargetsText(run)],
    ['Graph requests', formatCount(run.graphRequests, locale)],
    ['Duration', formatDuration(run.startedAt, run.finishedAt, locale) || '—'],
  ];
  // Selected targets the directory no longer had: reported, not silently skipped.
  if (missing.length > 0)
    figures.push(['Missing targets', missing.map((target) => target.userPrincipalName).join(', ')]);
  return (
    <dl className={styles.figures} aria-label="Sync figures">
      {figures.map(([term, value]) => (
        <div key={term}>
          <dt className={styles.term}>{term}</dt>
          <dd className={styles.figure}>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
