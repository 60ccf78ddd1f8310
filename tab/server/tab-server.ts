/**
 * The tab's HTTPS server: serves the production build, `/config.json` (runtime configuration, so
 * one build runs against the emulator and Entra alike) and reverse-proxies `/api/*` to the API, so
 * tab and API share one origin (no CORS; the consent callback lands on the tab's origin). Every
 * response carries the security headers; malformed paths and bodies where none belong get 400.
 */
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:https';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createApiProxy, hasBody, METHODS_WITHOUT_BODY } from './api-proxy.js';
import { createSecurityHeaders } from './security-headers.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Runtime configuration handed to the browser at `/config.json` (no secrets). */
export interface TabRuntimeConfig {
  /** Entra authority origin (the emulator locally). */
  readonly authority: string;
  /** Client id of the API's app registration (SSO resource, SPA client). */
  readonly clientId: string;
  /** Scope the tab asks for: `<Application ID URI>/access_as_user`. */
  readonly scope: string;
  /** Client id of the multi-tenant app admins consent to (`AAD_APP_CLIENT_ID`). */
  readonly consentClientIds: readonly string[];
  /** The API's consent callback: `<API_PUBLIC_URL or TAB_ORIGIN>/api/consent/callback`. */
  readonly consentRedirectUri: string;
  /** Extra origins of a Teams-like host that may talk to teams-js. */
  readonly teamsHostOrigins?: readonly string[];
}

/** Options of {@link startTabServer}. */
export interface TabServerOptions {
  /** TCP port; 0 picks a free one. Default 53000 (Teams Toolkit's tab port). */
  readonly port?: number;
  /** Listening address; default 127.0.0.1. */
  readonly host?: string;
  /** Host name used in `origin`; default `localhost` (what the certificate and redirect URIs name). */
  readonly publicHost?: string;
  /** Where `/api/*` goes; default http://127.0.0.1:3979. */
  readonly apiOrigin?: string;
  /** Most connections kept open to the API, shared by every visitor; default 32. */
  readonly apiConnections?: number;
  /**
   * Sends Strict-Transport-Security; default on unless `publicHost` is localhost or a loopback
   * address (there it would force HTTPS on every local port of the machine).
   */
  readonly strictTransportSecurity?: boolean;
  /** The Vite production build (contains index.html). */
  readonly distDir: string;
  /** PEM certificate and key (locally the emulator CA's leaf for localhost and 127.0.0.1). */
  readonly tls: { readonly cert: string; readonly key: string };
  /** What `/config.json` answers. */
  readonly config: TabRuntimeConfig;
}

/** A running tab server. */
export interface RunningTabServer {
  /** e.g. https://localhost:53000 */
  readonly origin: string;
  readonly port: number;
  close(): Promise<void>;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.json', '.svg', '.map']);

interface CachedFile {
  readonly body: Buffer;
  readonly gzip: Buffer | null;
  readonly type: string;
}

/** Starts the tab server. */
export async function startTabServer(options: TabServerOptions): Promise<RunningTabServer> {
  const distDir = resolve(options.distDir);
  await stat(join(distDir, 'index.html')).catch(() => {
    throw new Error(`No tab build in ${distDir}: run \`npm run build --workspace tab\` first.`);
  });
  const publicHost = options.publicHost ?? 'localhost';
  const proxy = createApiProxy({
    apiOrigin: options.apiOrigin ?? 'http://127.0.0.1:3979',
    ...(options.apiConnections === undefined ? {} : { connections: options.apiConnections }),
  });
  const securityHeaders = createSecurityHeaders({
    authority: options.config.authority,
    frameAncestors: options.config.teamsHostOrigins ?? [],
    strictTransportSecurity:
      options.strictTransportSecurity ?? !/^(localhost|127\.0\.0\.1|\[::1\])$/i.test(publicHost),
  });
  const cache = new Map<string, CachedFile>();
  const configBody = Buffer.from(JSON.stringify(options.config));

  async function load(path: string): Promise<CachedFile | undefined> {
    const hit = cache.get(path);
    if (hit) return hit;
    try {
      const info = await stat(path);
      if (!info.isFile()) return undefined;
      const body = await readFile(path);
      const ext = extname(path);
      const file: CachedFile = {
        body,
        gzip: COMPRESSIBLE.has(ext) && body.length > 1024 ? gzipSync(body) : null,
        type: CONTENT_TYPES[ext] ?? 'application/octet-stream',
      };
      cache.set(path, file);
      return file;
    } catch {
      return undefined;
    }
  }

  function send(req: IncomingMessage, res: ServerResponse, file: CachedFile, cacheControl: string): void {
    const gzip = file.gzip !== null && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip && file.gzip ? file.gzip : file.body;
    res.writeHead(200, {
      'Content-Type': file.type,
      'Content-Length': body.length,
      'Cache-Control': cacheControl,
      Vary: 'Accept-Encoding',
      ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  /** Answers a refused request; the connection closes, so nothing after it is read as a request. */
  function refuse(res: ServerResponse, status: number, code: string, message: string): void {
    const body = JSON.stringify({ error: { code, message } });
    res.writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      Connection: 'close',
    });
    res.end(body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    await securityHeaders(req, res);
    const url = new URL(req.url ?? '/', 'https://tab.invalid');
    let pathname: string;
    try {
      pathname = decodeURIComponent(url.pathname);
    } catch {
      refuse(res, 400, 'malformed_path', 'The request path is not valid percent-encoded UTF-8.');
      return;
    }
    if (METHODS_WITHOUT_BODY.has(req.method ?? '') && hasBody(req)) {
      refuse(res, 400, 'request_body_not_allowed', `A ${req.method} request must not carry a body.`);
      return;
    }
    if (url.pathname === '/api' || url.pathname.startsWith('/api/')) {
      proxy.forward(req, res);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Length': 0 });
      res.end();
      return;
    }
    if (url.pathname === '/config.json') {
      send(req, res, { body: configBody, gzip: null, type: CONTENT_TYPES['.json'] ?? '' }, 'no-store');
      return;
    }
    const relative = normalize(pathname).replace(/^[/\\]+/, '');
    const path = resolve(distDir, relative);
    // Never serve outside the build, whatever the path says.
    const inside = path === distDir || path.startsWith(distDir + sep);
    const file = inside && relative !== '' ? await load(path) : undefined;
    if (file) {
      const immutable = relative.startsWith(`assets${sep}`) || relative.startsWith('assets/');
      send(req, res, file, immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      return;
    }
    if (extname(url.pathname) !== '' && url.pathname !== '/index.html') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Not found');
      return;
    }
    // Every other path is a screen of the single-page app.
    const index = await load(join(distDir, 'index.html'));
    if (index) send(req, res, index, 'no-cache');
  }

  const server = createServer({ cert: options.tls.cert, key: options.tls.key }, (req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 53000, options.host ?? '127.0.0.1', () => resolveListen());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `https://${publicHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolveClose) => {
        proxy.close();
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}
