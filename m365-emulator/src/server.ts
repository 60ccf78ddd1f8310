/**
 * Composition root of the emulator: one HTTPS listener on loopback that reads each request, applies
 * injected faults, routes to the control API, Entra ID or Microsoft Graph, and records statistics.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import { createControlHandler } from './control/control-handler.js';
import { createTargetsControlHandler } from './control/targets-control-handler.js';
import {
  createDevelopmentTenant,
  createDirectoryRegistry,
  createSecondDevelopmentTenant,
  type InMemoryDirectoryRegistry,
} from './directory/index.js';
import { createEntraHandler, entraRouteLabel } from './entra/entra-handler.js';
import { EntraService } from './entra/entra-service.js';
import { createGraphTokenVerifier } from './entra/graph-token-verifier.js';
import { sendJson } from './entra/http-replies.js';
import { loadOrCreateSigningKey } from './entra/signing-keys.js';
import { createEwsHandler, EwsBlocking } from './ews/ews-handler.js';
import { FaultInjector } from './faults/fault-injector.js';
import { createGraphHandler, describeGraphRoute } from './graph/index.js';
import { createMailControlHandler, createMailOutbox, type MailOutbox } from './mail/index.js';
import {
  deltaTokenSecret,
  openPersistence,
  STATE_FILE_NAME,
  type RestoredStateSummary,
} from './persistence/index.js';
import { RequestStats } from './stats/request-stats.js';
import { createChangeNotificationControlHandler } from './subscriptions/change-notification-control.js';
import {
  ChangeNotifications,
  GRAPH_RESOURCE_APP_ID,
  type ChangeNotificationTimings,
} from './subscriptions/change-notifications.js';
import { createWebhookClient } from './subscriptions/webhook-client.js';
import { createGraphThrottling, type GraphThrottling } from './throttling/index.js';
import { DEFAULT_DATA_DIR, ensureTlsMaterial } from './tls/certificate-authority.js';
import type { HttpContext, TenantSpec } from './contracts.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export { DEFAULT_DATA_DIR };

/** Largest request body accepted (Graph `$batch` of 20 mails stays far below). */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Options of {@link startEmulator}; every one has a default. */
export interface EmulatorOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Listening address (default `127.0.0.1`). */
  host?: string;
  /** Folder for the CA and server certificate (`tls/`), the first signing key (`keys/`) and `state.json` (default {@link DEFAULT_DATA_DIR}). */
  dataDir?: string;
  /**
   * Keep consent (service principals), app registration changes and directory changes across
   * restarts in `<dataDir>/state.json` (default false: in memory only, nothing read or written).
   */
  persist?: boolean;
  /** Receives warnings (an unusable state file moved aside, saved changes that no longer apply); default `console.warn`. */
  onWarning?: (message: string) => void;
  /** Tenants generated at start (default: the development tenants Contoso and Fabrikam). */
  tenants?: readonly TenantSpec[];
  /** A ready directory registry instead of generating `tenants`. */
  directories?: InMemoryDirectoryRegistry;
  /** Graph throttling: on by default; `false` turns it off, an object tunes it. */
  throttling?: boolean | { enabled?: boolean; quotaMultiplier?: number };
  /** Clock in ms since the epoch (default `Date.now`); the control API can shift it further. */
  now?: () => number;
  /** Consent redirect URIs of "Cloud App Security" (default: `https://localhost/api/consent/callback`, any port). */
  consentRedirectUris?: readonly string[];
  /** SPA redirect URIs of the API's app (default: `https://localhost/` and `/auth-end.html`, any port). */
  tabRedirectUris?: readonly string[];
  /** Expiry of the development client secret (default: two years after start). */
  secretExpiresAt?: Date;
  /** How long a rotated-out signing key stays published, in seconds (default 86 400). */
  signingKeyGraceSeconds?: number;
  /** Change notification timings (validation, delivery deadline, retries, lifecycle lead); defaults are Graph's. */
  changeNotifications?: Partial<ChangeNotificationTimings>;
  /** Random source of fault injection (default `Math.random`), for deterministic tests. */
  random?: () => number;
}

/** A running emulator. */
export interface RunningEmulator {
  /** `https://127.0.0.1:<port>`: the authority host and the Graph base URL. */
  readonly origin: string;
  readonly port: number;
  /** `127.0.0.1:<port>`, what msal's `knownAuthorities` and the Graph SDK's `customHosts` need. */
  readonly host: string;
  /** CA certificate file to trust (`NODE_EXTRA_CA_CERTS` or an explicit `ca`). */
  readonly caPath: string;
  readonly caPem: string;
  readonly directories: InMemoryDirectoryRegistry;
  readonly entra: EntraService;
  readonly faults: FaultInjector;
  readonly stats: RequestStats;
  readonly throttling: GraphThrottling;
  /** Mail captured from Graph `sendMail`. */
  readonly mail: MailOutbox;
  /** Change notification subscriptions and their deliveries. */
  readonly changeNotifications: ChangeNotifications;
  /** The emulator clock (ms since the epoch), including any control-API shift. */
  now(): number;
  /** Moves the emulator clock forward. */
  advanceClock(ms: number): void;
  /** Authority URL of a tenant (`https://127.0.0.1:<port>/<tenant>`). */
  authority(tenant: string): string;
  /** `<dataDir>/state.json` when `persist` is on; undefined when state is in memory only. */
  readonly statePath: string | undefined;
  /** What was restored from {@link statePath} at start; undefined when nothing was. */
  readonly restoredState: RestoredStateSummary | undefined;
  /** Stops listening, drops open connections and saves pending state (`persist`). */
  close(): Promise<void>;
}

/** Starts the emulator over HTTPS on loopback. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const baseNow = options.now ?? Date.now;
  let offsetMs = 0;
  const now = (): number => baseNow() + offsetMs;
  const clock = { now, offsetMs: () => offsetMs, advance: (ms: number) => void (offsetMs += ms) };

  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  const tls = ensureTlsMaterial({ dir: join(dataDir, 'tls') });
  const directories =
    options.directories ??
    createDirectoryRegistry({
      initialTenants: options.tenants ?? [createDevelopmentTenant(), createSecondDevelopmentTenant()],
      now,
    });
  const signingKey = await loadOrCreateSigningKey(join(dataDir, 'keys'), now());
  const entra = new EntraService({
    directories,
    now,
    signingKey,
    consentRedirectUris: options.consentRedirectUris,
    tabRedirectUris: options.tabRedirectUris,
    secretExpiresAt: options.secretExpiresAt?.getTime(),
    signingKeyGraceMs:
      options.signingKeyGraceSeconds === undefined ? undefined : options.signingKeyGraceSeconds * 1000,
  });
  const persistence = openPersistence({
    directories,
    entra,
    path: options.persist ? join(dataDir, STATE_FILE_NAME) : undefined,
    warn: options.onWarning ?? ((message) => console.warn(`m365-emulator: ${message}`)),
  });
  const stats = new RequestStats(now);
  const faults = new FaultInjector(options.random);
  const throttling = createGraphThrottling({
    enabled:
      typeof options.throttling === 'object'
        ? (options.throttling.enabled ?? true)
        : (options.throttling ?? true),
    quotaMultiplier: typeof options.throttling === 'object' ? options.throttling.quotaMultiplier : undefined,
    now,
    stats,
  });
  const mail = createMailOutbox({ now });
  const changeNotifications = new ChangeNotifications({
    now,
    directory: (tenantId) => directories.get(tenantId),
    grantedGraphRoles: (tenantId, appId) => {
      const principal = entra.principals.get(tenantId, appId);
      if (!principal || !principal.accountEnabled) return undefined;
      return [...(principal.appRoleAssignments.get(GRAPH_RESOURCE_APP_ID) ?? [])];
    },
    webhooks: createWebhookClient(tls.caPem),
    ...(options.changeNotifications ? { timings: options.changeNotifications } : {}),
  });
  const graphHandler = createGraphHandler({
    directories,
    // With saved state, a delta link from before a restart must still verify, so Graph answers
    // 410 syncStateNotFound (the product resyncs) rather than 400 for a token it cannot read.
    delta: options.persist ? { secret: deltaTokenSecret(signingKey) } : undefined,
    verifier: createGraphTokenVerifier({ keys: entra.keys, now }),
    stats,
    throttling,
    mail,
    subscriptions: changeNotifications,
    now,
  });

  let port = 0;
  const describe = (): Record<string, unknown> => ({
    origin: `https://127.0.0.1:${port}`,
    caPath: tls.caPath,
    tenants: directories.list(),
    apps: entra.apps.list().map((app) => ({ appId: app.appId, displayName: app.displayName })),
  });
  const ewsHandlers = createEwsHandler({ keys: entra.keys, now, blocking: new EwsBlocking(), directories });
  const control = createControlHandler({
    entra,
    directories,
    faults,
    stats,
    throttling,
    delegates: [
      createMailControlHandler({ outbox: mail, directories }),
      createChangeNotificationControlHandler(changeNotifications),
      createTargetsControlHandler({ directories }),
      ewsHandlers.control,
    ],
    clock,
    describe,
    resetState: () => ({ tenants: persistence.reset(), statePath: persistence.statePath ?? null }),
  });
  const entraHandler = createEntraHandler(entra);

  const server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent)
        sendJson(res, 500, {
          error: { code: 'internalError', message: error instanceof Error ? error.message : String(error) },
        });
      else res.destroy();
    });
  });
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const origin = requestOrigin(req, port);
    const url = new URL(req.url ?? '/', origin);
    const method = req.method ?? 'GET';
    const label = routeLabel(method, url.pathname);
    res.on('finish', () => {
      stats.recordRequest(label, res.statusCode);
      // Only control calls and the consent page's decision change what is saved; changes made
      // in-process (tests holding `entra`/`directories`) are saved by close().
      const mutating = method !== 'GET' && method !== 'HEAD';
      if (mutating && (isControlPath(url.pathname) || url.pathname.endsWith('/adminconsent/decision')))
        persistence.changed();
    });

    if (isControlPath(url.pathname)) {
      if (!isLoopback(req.socket.remoteAddress)) {
        return sendJson(res, 403, {
          error: { code: 'forbidden', message: 'The control API answers loopback callers only.' },
        });
      }
    } else {
      const fault = faults.decide(method, url.pathname);
      if (fault.latencyMs > 0) {
        stats.recordFault('latency');
        await new Promise((resolve) => setTimeout(resolve, fault.latencyMs));
      }
      if (fault.action === 'drop') {
        stats.recordFault('drop');
        stats.recordRequest(label, 0);
        req.socket.destroy();
        return;
      }
      if (fault.action !== 'none') {
        stats.recordFault(fault.action);
        return sendInjectedFault(
          req,
          res,
          url,
          fault.action === 'status429' ? 429 : 503,
          fault.retryAfterSeconds,
          now(),
        );
      }
    }

    const body = await readBody(req);
    if (body === 'tooLarge')
      return sendJson(res, 413, {
        error: { code: 'RequestEntityTooLarge', message: 'The request body is too large.' },
      });
    const ctx: HttpContext = { req, res, url, origin, body };
    for (const area of [control, entraHandler, graphHandler, ewsHandlers.ews]) {
      if (await area(ctx)) return;
    }
    sendJson(res, 404, {
      error: {
        code: 'notFound',
        message: `${method} ${url.pathname} is not served by the Microsoft 365 emulator.`,
      },
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const origin = `https://127.0.0.1:${port}`;

  return {
    origin,
    port,
    host: `127.0.0.1:${port}`,
    caPath: tls.caPath,
    caPem: tls.caPem,
    directories,
    entra,
    faults,
    stats,
    throttling,
    mail,
    changeNotifications,
    now,
    advanceClock: clock.advance,
    authority: (tenant) => `${origin}/${tenant}`,
    statePath: persistence.statePath,
    restoredState: persistence.restored,
    close: async () => {
      changeNotifications.close();
      await closeServer(server, sockets);
      persistence.close();
    },
  };
}

/** Stats label: the route pattern, not the raw path, so ids do not explode the table. */
function routeLabel(method: string, pathname: string): string {
  if (isControlPath(pathname)) return `${method} ${genericPath(pathname)}`;
  if (/^\/ews\/exchange\.asmx$/i.test(pathname)) return `${method} /EWS/Exchange.asmx`;
  return entraRouteLabel(method, pathname) ?? describeGraphRoute(method, pathname) ?? `${method} (unknown)`;
}

function isControlPath(pathname: string): boolean {
  return pathname === '/_emulator' || pathname.startsWith('/_emulator/');
}

function genericPath(pathname: string): string {
  return pathname
    .split('/')
    .map((segment) => {
      const decoded = safeDecode(segment);
      const idLike =
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(decoded) ||
        decoded.includes('@') ||
        (decoded.includes('.') && decoded.includes("'"));
      return idLike ? '{id}' : segment;
    })
    .join('/');
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Origin as the client addressed it (localhost or 127.0.0.1 or ::1), so issuers match the authority it configured. */
function requestOrigin(req: IncomingMessage, port: number): string {
  const host = req.headers.host ?? '';
  const match = /^(127\.0\.0\.1|localhost|\[::1\]):(\d+)$/i.exec(host);
  if (match && Number(match[2]) === port) return `https://${host.toLowerCase()}`;
  return `https://127.0.0.1:${port}`;
}

function isLoopback(address: string | undefined): boolean {
  return (
    address === '127.0.0.1' ||
    address === '::1' ||
    address === '::ffff:127.0.0.1' ||
    (address?.startsWith('127.') ?? false)
  );
}

async function readBody(req: IncomingMessage): Promise<Buffer | 'tooLarge'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) return 'tooLarge';
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** An injected 429/503 in the shape of the area it hits (Graph's error body, or an OAuth one). */
function sendInjectedFault(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  status: 429 | 503,
  retryAfter: number,
  now: number,
): void {
  const headers = { 'Retry-After': String(retryAfter) };
  if (url.pathname.startsWith('/v1.0')) {
    const requestId = randomUUID();
    const clientRequestId =
      typeof req.headers['client-request-id'] === 'string' ? req.headers['client-request-id'] : requestId;
    const [code, message] =
      status === 429
        ? ['TooManyRequests', 'Too many requests.']
        : ['ServiceUnavailable', 'Service unavailable.'];
    return sendJson(
      res,
      status,
      {
        error: {
          code,
          message,
          innerError: {
            date: new Date(now).toISOString().slice(0, 19),
            'request-id': requestId,
            'client-request-id': clientRequestId,
          },
        },
      },
      { ...headers, 'request-id': requestId, 'client-request-id': clientRequestId },
    );
  }
  sendJson(
    res,
    status,
    {
      error: 'temporarily_unavailable',
      error_description: status === 429 ? 'Too many requests.' : 'The service is temporarily unavailable.',
    },
    headers,
  );
}

function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    for (const socket of sockets) socket.destroy();
  });
}
