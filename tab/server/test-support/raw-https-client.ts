/**
 * A deliberately low-level HTTPS client for the tab server's tests: writes hand-crafted bytes
 * (pipelined requests, chunked bodies, broken framing) on one TLS connection and reads back every
 * HTTP/1.1 response in order, so a test sees exactly what the server answered on that connection.
 */
import { connect, type TLSSocket } from 'node:tls';

/** One parsed HTTP/1.1 response. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** What {@link exchange} read before the connection ended or the wait was over. */
export interface RawExchange {
  readonly responses: readonly RawResponse[];
  /** True when the server closed the connection. */
  readonly closed: boolean;
}

/** Options of {@link exchange}. */
export interface RawExchangeOptions {
  readonly port: number;
  /** Trusted CA (PEM) of the server's certificate. */
  readonly ca: string;
  /** Stop once this many responses arrived (default: read until the server closes). */
  readonly responses?: number;
  /** Give up waiting after this long, in ms (default 10 000). */
  readonly waitMs?: number;
  /** The requests are HEAD requests: their responses carry no body, whatever Content-Length says. */
  readonly head?: boolean;
}

/** A request line, headers and an optional body, serialised as HTTP/1.1 bytes. */
export function httpRequest(
  method: string,
  path: string,
  headers: Readonly<Record<string, string>>,
  body = '',
): string {
  const lines = [`${method} ${path} HTTP/1.1`, ...Object.entries(headers).map(([n, v]) => `${n}: ${v}`)];
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

/** A body in chunked transfer coding: each part one chunk, then the last chunk. */
export function chunked(...parts: string[]): string {
  return `${parts.map((part) => `${Buffer.byteLength(part).toString(16)}\r\n${part}\r\n`).join('')}0\r\n\r\n`;
}

/** Opens a TLS connection to 127.0.0.1 as `localhost`, writes `bytes`, collects the responses. */
export function exchange(
  bytes: string | readonly string[],
  options: RawExchangeOptions,
): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const socket: TLSSocket = connect({
      host: '127.0.0.1',
      port: options.port,
      servername: 'localhost',
      ca: options.ca,
    });
    let buffer = Buffer.alloc(0);
    const responses: RawResponse[] = [];
    let settled = false;
    const finish = (closed: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ responses, closed });
    };
    const timer = setTimeout(() => finish(false), options.waitMs ?? 10_000);
    socket.once('secureConnect', () => {
      for (const part of typeof bytes === 'string' ? [bytes] : bytes) socket.write(part);
    });
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const parsed = parseResponse(buffer, options.head ?? false);
        if (!parsed) break;
        responses.push(parsed.response);
        buffer = buffer.subarray(parsed.length);
      }
      if (options.responses !== undefined && responses.length >= options.responses) finish(false);
    });
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A reset after the server answered and closed is still an answer.
      if (responses.length > 0 || error.code === 'ECONNRESET') finish(true);
      else if (!settled) {
        settled = true;
        clearTimeout(timer);
        reject(error);
      }
    });
  });
}

/** Parses one complete response at the start of `buffer`; undefined while it is incomplete. */
function parseResponse(buffer: Buffer, head: boolean): { response: RawResponse; length: number } | undefined {
  const headEnd = buffer.indexOf('\r\n\r\n');
  if (headEnd < 0) return undefined;
  const [statusLine = '', ...headerLines] = buffer.subarray(0, headEnd).toString('latin1').split('\r\n');
  const status = Number(statusLine.split(' ')[1]);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  let offset = headEnd + 4;
  if (head) return { response: { status, headers, body: '' }, length: offset };
  if (/\bchunked\b/i.test(headers['transfer-encoding'] ?? '')) {
    const parts: Buffer[] = [];
    for (;;) {
      const lineEnd = buffer.indexOf('\r\n', offset);
      if (lineEnd < 0) return undefined;
      const size = parseInt(buffer.subarray(offset, lineEnd).toString('latin1'), 16);
      const dataStart = lineEnd + 2;
      if (size === 0) {
        const trailerEnd = buffer.indexOf('\r\n', dataStart);
        if (trailerEnd < 0) return undefined;
        offset = trailerEnd + 2;
        break;
      }
      if (buffer.length < dataStart + size + 2) return undefined;
      parts.push(buffer.subarray(dataStart, dataStart + size));
      offset = dataStart + size + 2;
    }
    return { response: { status, headers, body: Buffer.concat(parts).toString('utf8') }, length: offset };
  }
  const length = Number(headers['content-length'] ?? 0);
  if (buffer.length < offset + length) return undefined;
  const body = buffer.subarray(offset, offset + length).toString('utf8');
  return { response: { status, headers, body }, length: offset + length };
}
