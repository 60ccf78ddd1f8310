/**
 * Composition root of the worker: store, token source, Graph sync client, sync runner (embedded
 * on SQLite, pg-boss on PostgreSQL), schedules, token health monitor and email deliverer.
 * `npm start` composes `startWorker` and `startMailCapture` with the API; `bin.ts` runs it alone.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { createAppTokenSource, createGraphSubscriptions, createGraphSyncClient } from '@cas/microsoft365';
import { createStore, databaseKind, storeOptionsFrom, type DurableStore } from '@cas/store';
import { ChangeSubscriptionManager } from './change-notifications/change-subscription-manager.js';
import { requestNotifiedRounds, requestRound } from './change-notifications/notification-trigger.js';
import { TokenHealthMonitor } from './health/token-health-monitor.js';
import { createLogger } from './logger.js';
import { EmailDeliverer } from './mail/email-deliverer.js';
import { SyncJobExecutor } from './sync/sync-job-executor.js';
import { startEmbeddedSyncRunner, startPgBossSyncRunner, type SyncRunner } from './sync/sync-runners.js';
import { scheduleSyncRuns } from './sync/sync-scheduler.js';
import type { WorkerConfig } from './config.js';
import type { SyncCheckpoint } from './sync/sync-engine.js';
import type { Logger } from 'pino';

export { startMailCapture, type MailCapture, type MailCaptureOptions } from './mail/mail-capture.js';

/** Test and composition hooks; production passes none. */
export interface WorkerOverrides {
  readonly logger?: Logger;
  /** Clock as ISO-8601. */
  readonly now?: () => string;
  /** Called after every committed sync page. */
  readonly onSyncPage?: (checkpoint: SyncCheckpoint) => void | Promise<void>;
  /** PostgreSQL only: schema of the store's tables (default `public`) and of pg-boss (`pgboss`). */
  readonly schema?: string;
  readonly pgBossSchema?: string;
}

/** A running worker. */
export interface RunningWorker {
  readonly store: DurableStore;
  readonly health: TokenHealthMonitor;
  readonly email: EmailDeliverer;
  /** Graph subscription upkeep; undefined when CHANGE_NOTIFICATION_URL is unset. */
  readonly subscriptions: ChangeSubscriptionManager | undefined;
  /** Looks for sync runs now. */
  wakeSync(): void;
  close(): Promise<void>;
}

/** Starts every loop of the worker. */
export async function startWorker(
  config: WorkerConfig,
  overrides: WorkerOverrides = {},
): Promise<RunningWorker> {
  const logger = overrides.logger ?? createLogger(config.LOG_LEVEL);
  const now = overrides.now ?? (() => new Date().toISOString());
  const dataDir = resolve(config.DATA_DIR);
  const store = await createStore({
    ...storeOptionsFrom({ ...config, DATA_DIR: dataDir }),
    ...(overrides.schema === undefined ? {} : { schema: overrides.schema }),
  });
  const tokens = createAppTokenSource({
    authorityHost: config.AAD_APP_OAUTH_AUTHORITY_HOST,
    apps: config.consentApps,
    timeoutMs: config.ENTRA_TIMEOUT_SECONDS * 1000,
  });
  const graphTimeoutMs = config.GRAPH_TIMEOUT_SECONDS * 1000;
  const graph = createGraphSyncClient({
    graphBaseUrl: config.GRAPH_BASE_URL,
    // This process's share of Graph's per-app limit across all tenants (150,000 RU per 20 s).
    appPacingQuota: { units: config.GRAPH_APP_PACING_UNITS, windowMs: 20_000 },
    tokens,
    timeoutMs: graphTimeoutMs,
  });
  const health = new TokenHealthMonitor({
    store,
    tokens,
    graphBaseUrl: config.GRAPH_BASE_URL,
    ewsEnabled: config.EWS_CONSENT_ENABLED,
    concurrency: config.TOKEN_HEALTH_CONCURRENCY,
    intervalMs: config.TOKEN_HEALTH_INTERVAL_MINUTES * 60_000,
    graphTimeoutMs,
    now,
    logger: logger.child({ part: 'token-health' }),
    credentialExpiries: [
      ...config.secretExpiries.map((expiry) => ({ ...expiry, kind: 'secret' as const })),
      ...tokens.credentialExpiries(),
    ],
    secretWarningDays: config.SECRET_EXPIRY_WARNING_DAYS,
  });
  const executor = new SyncJobExecutor({
    store,
    graph,
    now,
    owner: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    leaseMs: config.SYNC_LEASE_SECONDS * 1000,
    fullRoundIntervalMs: config.SYNC_FULL_ROUND_INTERVAL_DAYS * 24 * 60 * 60 * 1000,
    logger: logger.child({ part: 'sync' }),
    ...(overrides.onSyncPage === undefined ? {} : { onPage: overrides.onSyncPage }),
    // R9: a refused token is checked at once, not at the next interval.
    onTokenRefused: (tenantId) =>
      void health
        .checkTenant(tenantId)
        .catch((error: unknown) => logger.error({ err: error }, 'health check failed')),
  });
  const runnerOptions = {
    store,
    executor,
    pollMs: config.SYNC_POLL_INTERVAL_SECONDS * 1000,
    concurrency: config.SYNC_CONCURRENCY,
    logger,
  };
  const runner: SyncRunner =
    databaseKind(config.DATABASE_URL) === 'postgres'
      ? await startPgBossSyncRunner({
          ...runnerOptions,
          connectionString: config.DATABASE_URL ?? '',
          ...(overrides.pgBossSchema === undefined ? {} : { schema: overrides.pgBossSchema }),
        })
      : startEmbeddedSyncRunner(runnerOptions);
  const email = new EmailDeliverer({
    store,
    smtpUrl: config.SMTP_URL ?? `smtp://127.0.0.1:${config.SMTP_PORT}`,
    from: config.NOTIFICATION_EMAIL_FROM,
    now,
    logger: logger.child({ part: 'email' }),
  });

  const timers: NodeJS.Timeout[] = [];
  const busy = new Set<string>();
  /** Runs `work` every `ms` (and once now), never overlapping itself. */
  const every = (name: string, ms: number, work: () => Promise<unknown>) => {
    const tick = () => {
      if (busy.has(name)) return;
      busy.add(name);
      work()
        .catch((error: unknown) => logger.error({ err: error }, `${name} failed`))
        .finally(() => busy.delete(name));
    };
    tick();
    timers.push(setInterval(tick, ms));
  };
  const notificationUrl = config.CHANGE_NOTIFICATION_URL;
  const subscriptions =
    notificationUrl === undefined
      ? undefined
      : new ChangeSubscriptionManager({
          store,
          graph: createGraphSubscriptions({
            graphBaseUrl: config.GRAPH_BASE_URL,
            tokens,
            timeoutMs: graphTimeoutMs,
          }),
          now,
          notificationUrl,
          lifecycleNotificationUrl:
            config.CHANGE_NOTIFICATION_LIFECYCLE_URL ?? `${notificationUrl.replace(/\/+$/, '')}/lifecycle`,
          lifetimeMs: config.CHANGE_SUBSCRIPTION_LIFETIME_MINUTES * 60_000,
          renewBeforeMs: config.CHANGE_SUBSCRIPTION_RENEW_BEFORE_MINUTES * 60_000,
          verifyEveryMs: config.CHANGE_SUBSCRIPTION_VERIFY_MINUTES * 60_000,
          logger: logger.child({ part: 'change-notifications' }),
          onTokenRefused: (tenantId) =>
            void health
              .checkTenant(tenantId)
              .catch((error: unknown) => logger.error({ err: error }, 'health check failed')),
          onMissed: async (tenantId) => {
            if ((await requestRound(store, tenantId, now())).length > 0) runner.wake();
          },
        });
  const notifiedIntervalMs = config.SYNC_DELTA_INTERVAL_WITH_NOTIFICATIONS_MINUTES * 60_000;
  const scheduleTick = () =>
    scheduleSyncRuns({
      store,
      now,
      dailyTimeUtc: config.SYNC_DAILY_TIME_UTC,
      deltaIntervalMs: config.SYNC_DELTA_INTERVAL_MINUTES * 60_000,
      // With notifications active, the periodic delta round is the safety net only.
      ...(subscriptions === undefined
        ? {}
        : {
            deltaIntervalMsFor: async (tenantId: string) =>
              (await store.changeNotifications.getStatus(tenantId))?.state === 'active'
                ? Math.max(notifiedIntervalMs, config.SYNC_DELTA_INTERVAL_MINUTES * 60_000)
                : config.SYNC_DELTA_INTERVAL_MINUTES * 60_000,
          }),
    });
  // An idle tick is one query, so it runs often: a tenant's run is requested at most 10 s after
  // its due time. A tick that requested runs looks again at once, since at 10,000 tenants more than
  // one batch (500) can come due between two ticks.
  every('sync scheduling', 10_000, async () => {
    for (;;) {
      const created = await scheduleTick();
      if (created.length === 0) break;
      runner.wake();
    }
  });
  if (subscriptions !== undefined) {
    every('change subscription upkeep', config.CHANGE_SUBSCRIPTION_UPKEEP_SECONDS * 1000, () =>
      subscriptions.reconcileAll(),
    );
    every('change notifications', config.CHANGE_NOTIFICATION_POLL_SECONDS * 1000, async () => {
      await subscriptions.handleLifecycleEvents();
      const created = await requestNotifiedRounds({
        store,
        now,
        debounceMs: config.CHANGE_NOTIFICATION_DEBOUNCE_SECONDS * 1000,
        logger: logger.child({ part: 'change-notifications' }),
      });
      if (created.length > 0) runner.wake();
    });
  }
  // Each tenant's check is due at its own phase of the interval: look for due ones often.
  every('token health', Math.min(30_000, config.TOKEN_HEALTH_INTERVAL_MINUTES * 60_000), () =>
    health.checkDue(),
  );
  every('email delivery', config.EMAIL_DELIVERY_INTERVAL_SECONDS * 1000, () => email.deliverAll());
  logger.info({ database: store.kind }, 'worker started');

  return {
    store,
    health,
    email,
    subscriptions,
    wakeSync: () => runner.wake(),
    async close() {
      for (const timer of timers) clearInterval(timer);
      await runner.close();
      email.close();
      await store.close();
    },
  };
}
