/**
 * Composition root of the bot: the store, the API client, the Bot Framework adapter, the restify
 * endpoint `/api/messages` and the notification delivery loop, all built from the configuration.
 */
import { createStore, storeOptionsFrom } from '@cas/store';
import restify from 'restify';
import {
  createBotAuthentication,
  CasCloudAdapter,
  createProactiveSender,
  createTurnHandler,
} from './bot-framework/index.js';
import { tabLinks } from './cards/tab-links.js';
import { createAdministratorCheck } from './cas-api/administrator-check.js';
import { createCasApiClient } from './cas-api/cas-api-client.js';
import { authenticationProblems, ConfigError } from './config.js';
import { admitActivity } from './endpoint/activity-admission.js';
import { createLogger } from './logger.js';
import { notificationCard } from './notifications/notification-cards.js';
import { createNotificationDelivery } from './notifications/notification-delivery.js';
import type { BotConfig } from './config.js';
import type { NotificationDelivery } from './notifications/notification-delivery.js';
import type { DurableStore } from '@cas/store';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Request, Response } from 'restify';

/** A running bot. */
export interface RunningBot {
  /** `http://host:port`; activities go to `${origin}/api/messages`. */
  readonly origin: string;
  /** The notification delivery loop (tests run passes directly). */
  readonly delivery: NotificationDelivery;
  readonly store: DurableStore;
  close(): Promise<void>;
}

/** Collaborators a test may pass instead of the defaults built from config. */
export interface BotOverrides {
  readonly logger?: Logger;
  readonly store?: DurableStore;
  readonly now?: () => Date;
  /** Where Bot Connector signing keys are published (tests serve their own). */
  readonly channelOpenIdMetadataUrl?: string;
  /** false: do not run the delivery loop on a timer (tests call `delivery.deliverPending`). */
  readonly deliverOnTimer?: boolean;
  /** Least time between two cards to one conversation, ms. */
  readonly minIntervalMs?: number;
}

/** Largest activity we accept; Teams activities are far smaller. */
const MAX_BODY_BYTES = 256 * 1024;

/**
 * Starts the bot on `config.BOT_HOST:config.BOT_PORT`. Refuses (ConfigError) authentication
 * settings that would leave it open, whoever built the configuration.
 */
export async function startBot(config: BotConfig, overrides: BotOverrides = {}): Promise<RunningBot> {
  const problems = authenticationProblems(config);
  if (problems.length > 0) throw new ConfigError('bot', problems);
  const logger = overrides.logger ?? createLogger(config.LOG_LEVEL);
  const now = overrides.now ?? (() => new Date());
  const store = overrides.store ?? (await createStore(storeOptionsFrom(config)));
  const ownsStore = overrides.store === undefined;
  const links = tabLinks(config.TEAMS_APP_ID);
  const adapter = new CasCloudAdapter(
    createBotAuthentication({
      mode: config.BOT_AUTHENTICATION,
      appId: config.BOT_ID,
      password: config.SECRET_BOT_PASSWORD,
      tenantId: config.BOT_TENANT_ID,
      ...(overrides.channelOpenIdMetadataUrl !== undefined
        ? { channelOpenIdMetadataUrl: overrides.channelOpenIdMetadataUrl }
        : {}),
    }),
    logger,
  );
  const api = createCasApiClient({ origin: config.API_ORIGIN, botApiKey: config.SECRET_BOT_API_KEY });
  // The API asks Graph for the bot: the bot process holds no Graph credential (R15 checks).
  const administrators = createAdministratorCheck(api);
  const logic = createTurnHandler({
    api,
    administrators,
    conversations: store.conversations,
    links,
    logger,
    now,
  });
  const delivery = createNotificationDelivery({
    conversations: store.conversations,
    administrators,
    deliveries: store.notificationDeliveries,
    render: (notification) => notificationCard(notification, store, links),
    sender: createProactiveSender(adapter, config.BOT_AUTHENTICATION === 'none' ? '' : config.BOT_ID),
    now,
    ...(overrides.minIntervalMs !== undefined ? { minIntervalMs: overrides.minIntervalMs } : {}),
    onError: (error, context) => logger.warn({ err: error, ...context }, 'notification delivery failed'),
  });

  const server = restify.createServer({ name: 'cas-bot', handleUncaughtExceptions: false });
  server.use(
    restify.plugins.bodyParser({ maxBodySize: MAX_BODY_BYTES, mapParams: false, rejectUnknown: true }),
  );
  server.post('/api/messages', async (req: Request, res: Response) => {
    const body: unknown = req.body;
    // Bodies that are not activities at all get the adapter's 400.
    if (typeof body === 'object' && body !== null && typeof (body as { type?: unknown }).type === 'string') {
      const admitted = admitActivity(config.BOT_AUTHENTICATION, {
        headers: req.headers,
        remoteAddress: req.socket.remoteAddress,
        activity: body,
      });
      if (!admitted.ok) {
        logger.warn({ code: admitted.error.code }, 'activity refused before processing');
        res.send(admitted.error.status, {
          error: { code: admitted.error.code, message: admitted.error.message },
        });
        return;
      }
    }
    const authorization = req.headers.authorization;
    const result = await adapter.handleActivity(req.body, authorization, logic);
    if (result.body === undefined) {
      res.send(result.status);
    } else {
      res.send(result.status, result.body);
    }
  });
  server.get('/healthz', async (_req: Request, res: Response) => {
    res.send(200, { status: 'ok' });
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.BOT_PORT, config.BOT_HOST, () => {
        server.removeListener('error', reject);
        resolve();
      });
    });
  } catch (error) {
    if (ownsStore) await store.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const origin = `http://${host}:${address.port}`;
  if (overrides.deliverOnTimer !== false) delivery.start(config.BOT_DELIVERY_INTERVAL_SECONDS * 1000);
  logger.info(
    {
      origin,
      authentication:
        config.BOT_AUTHENTICATION === 'none'
          ? 'none (development setting: local clients only)'
          : 'Bot Framework',
    },
    `bot listening on ${origin}/api/messages`,
  );

  return {
    origin,
    delivery,
    store,
    async close() {
      await delivery.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (ownsStore) await store.close();
    },
  };
}
