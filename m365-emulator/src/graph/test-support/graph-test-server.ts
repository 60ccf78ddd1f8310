import { createServer, type IncomingMessage, type RequestListener } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';
/**
 * Test-only harness: serves the Graph handler (and the mail control handler) over plain
 * `node:http` on a random loopback port. The Graph SDK talks to it through `customHosts`; the real
 * emulator serves the same handlers over HTTPS from `server.ts`.
 */
import { createTargetsControlHandler } from '../../control/targets-control-handler.js';
import { CONTOSO_SPEC, FABRIKAM_SPEC } from '../../directory/development-tenants.js';
import {
  createDirectoryRegistry,
  type InMemoryDirectoryRegistry,
} from '../../directory/directory-registry.js';
import { createMailControlHandler } from '../../mail/mail-control-handler.js';
import { createMailOutbox, type MailOutbox } from '../../mail/mail-outbox.js';
import { createGraphThrottling, type GraphThrottling } from '../../throttling/graph-throttling.js';
import { DEFAULT_DATA_DIR, ensureTlsMaterial } from '../../tls/certificate-authority.js';
import { createGraphHandler } from '../graph-handler.js';
import { createFakeTokenVerifier, mintTestToken, type TestTokenClaims } from './fake-token-verifier.js';
import type { EmulatorStats, TenantSpec } from '../../contracts.js';
import type { DeltaOptions } from '../delta-query.js';
import type { AddressInfo } from 'node:net';

/** Counters a test can inspect. */
export interface RecordedStats extends EmulatorStats {
  readonly requests: { route: string; status: number }[];
  readonly units: { tenantId: string; appId: string; units: number }[];
  readonly throttled: string[];
}

/** A running test server. */
export interface GraphTestServer {
  /** `http(s)://127.0.0.1:<port>` */
  readonly origin: string;
  readonly host: string;
  readonly registry: InMemoryDirectoryRegistry;
  readonly outbox: MailOutbox;
  readonly throttling: GraphThrottling;
  readonly stats: RecordedStats;
  /** Mints a test bearer token. */
  token(claims: TestTokenClaims): string;
  close(): Promise<void>;
}

/** Options of {@link startGraphTestServer}. */
export interface GraphTestServerOptions {
  /** Tenants to create (default Contoso and Fabrikam). */
  tenants?: TenantSpec[];
  /** Throttling on? Default off, so unrelated tests are not throttled. */
  throttlingEnabled?: boolean;
  quotaMultiplier?: number;
  delta?: Omit<DeltaOptions, 'now'>;
  now?: () => number;
  /**
   * Serve HTTPS with the emulator's own certificate (the Graph SDK sends tokens to https hosts only);
   * the test run trusts its CA through NODE_EXTRA_CA_CERTS. Default plain HTTP.
   */
  https?: boolean;
}

function createRecordedStats(): RecordedStats {
  const requests: RecordedStats['requests'] = [];
  const units: RecordedStats['units'] = [];
  const throttled: string[] = [];
  return {
    requests,
    units,
    throttled,
    recordRequest: (route, status) => void requests.push({ route, status }),
    recordResourceUnits: (tenantId, appId, count) => void units.push({ tenantId, appId, units: count }),
    recordThrottled: (route) => void throttled.push(route),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Starts the harness on a random port. */
export async function startGraphTestServer(options: GraphTestServerOptions = {}): Promise<GraphTestServer> {
  const now = options.now ?? Date.now;
  const registry = createDirectoryRegistry({
    initialTenants: options.tenants ?? [CONTOSO_SPEC, FABRIKAM_SPEC],
    now,
  });
  const outbox = createMailOutbox({ now });
  const stats = createRecordedStats();
  const throttling = createGraphThrottling({
    enabled: options.throttlingEnabled ?? false,
    quotaMultiplier: options.quotaMultiplier ?? 1,
    now,
    stats,
  });
  const graph = createGraphHandler({
    directories: registry,
    verifier: createFakeTokenVerifier(now),
    stats,
    throttling,
    mail: outbox,
    now,
    ...(options.delta ? { delta: options.delta } : {}),
  });
  const mailControl = createMailControlHandler({ outbox, directories: registry });
  const targetsControl = createTargetsControlHandler({ directories: registry });

  let origin = '';
  const listener: RequestListener = (req, res) => {
    void (async () => {
      const body = await readBody(req);
      const url = new URL(req.url ?? '/', origin);
      const ctx = { req, res, url, origin, body };
      const handled = (await graph(ctx)) || (await mailControl(ctx)) || (await targetsControl(ctx));
      if (!handled) {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('not found');
      }
    })().catch((error: unknown) => {
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(String(error));
    });
  };
  const server = options.https ? createHttpsServer(serverCertificate(), listener) : createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  origin = `${options.https ? 'https' : 'http'}://127.0.0.1:${port}`;
  return {
    origin,
    host: `127.0.0.1:${port}`,
    registry,
    outbox,
    throttling,
    stats,
    token: mintTestToken,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** The emulator's server certificate, signed by the CA the test run already trusts. */
function serverCertificate(): { cert: string; key: string } {
  const material = ensureTlsMaterial({ dir: join(DEFAULT_DATA_DIR, 'tls') });
  return { cert: material.certPem, key: material.keyPem };
}
