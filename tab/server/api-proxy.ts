/**
 * The tab server's reverse proxy to the API (`/api/*`), built on http-proxy-3 over Node's own HTTP
 * client, so every request is framed by Node: a body arrives decoded and leaves re-framed
 * (Content-Length kept, chunked re-encoded). Requests that could desynchronise a connection the
 * API shares between visitors never leave: a body on GET, HEAD, DELETE or OPTIONS (Node's client
 * would send it unframed) is refused, and an upstream request whose client broke off is destroyed
 * with its connection rather than returned to the pool.
 */
import { Agent as HttpAgent, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { createProxyServer } from 'http-proxy-3';

/** Options of {@link createApiProxy}. */
export interface ApiProxyOptions {
  /** Where `/api/*` goes, e.g. http://127.0.0.1:3979. */
  readonly apiOrigin: string;
  /** Most connections kept open to the API (shared by every visitor); default 32. */
  readonly connections?: number;
  /** An API that sends no answer within this many ms is given up on (502); default 60 000. */
  readonly timeoutMs?: number;
}

/** A running proxy. */
export interface ApiProxy {
  /** Forwards one request to the API (the caller has checked path and body rules). */
  forward(req: IncomingMessage, res: ServerResponse): void;
  /** Closes every connection to the API. */
  close(): void;
}

/** Request methods whose body the API never reads: Node's HTTP client would send one unframed. */
export const METHODS_WITHOUT_BODY: ReadonlySet<string> = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);

/** Headers that describe one hop, never forwarded (framing is re-done by Node's client). */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'upgrade',
  // Forwarding headers are ours to set: a client's own values would be believed by the API.
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
];

/** True when the request carries (or announces) a body. */
export function hasBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && length !== '0';
}

/** Creates the proxy with its own keep-alive connection pool to the API. */
export function createApiProxy(options: ApiProxyOptions): ApiProxy {
  const target = new URL(options.apiOrigin);
  const agentOptions = { keepAlive: true, maxSockets: options.connections ?? 32 };
  const agent = target.protocol === 'https:' ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
  const proxy = createProxyServer({
    target: target.origin,
    agent,
    xfwd: false,
    proxyTimeout: options.timeoutMs ?? 60_000,
  });

  function unreachable(res: ServerResponse): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = JSON.stringify({
      error: { code: 'api_unreachable', message: 'The Cloud App Security API cannot be reached.' },
    });
    res.writeHead(502, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(body);
  }

  return {
    forward(req, res) {
      for (const name of HOP_BY_HOP) delete req.headers[name];
      // Whatever transfer codings the client named, Node decoded the body: it leaves chunked.
      if (req.headers['transfer-encoding'] !== undefined) req.headers['transfer-encoding'] = 'chunked';
      req.headers['x-forwarded-proto'] = 'https';
      req.headers['x-forwarded-host'] = req.headers.host ?? '';
      req.headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
      proxy.web(req, res, {}, () => unreachable(res));
    },
    close() {
      proxy.close();
      agent.destroy();
    },
  };
}
