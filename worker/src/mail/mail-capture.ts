/**
 * Local stand-in for an SMTP relay: an SMTP server on 127.0.0.1 that writes every message it
 * receives to `<dir>/*.eml`, and a tiny HTTP outbox viewer listing them (newest first) so a
 * developer sees the notification email the product sent. Development only.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

/** Options of the capture. */
export interface MailCaptureOptions {
  /** Where messages are written. */
  readonly directory: string;
  /** SMTP port on 127.0.0.1 (0 = any free port). */
  readonly smtpPort: number;
  /** Viewer port on 127.0.0.1 (0 = any free port). */
  readonly viewerPort: number;
}

/** A captured message, as the viewer lists it. */
export interface CapturedMail {
  readonly file: string;
  readonly messageId: string;
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly date: string;
}

/** The running capture. */
export interface MailCapture {
  /** `smtp://127.0.0.1:<port>`, for nodemailer. */
  readonly smtpUrl: string;
  /** `http://127.0.0.1:<port>`: the outbox viewer. */
  readonly viewerUrl: string;
  /** Captured messages, newest first. */
  list(): Promise<CapturedMail[]>;
  close(): Promise<void>;
}

/** Starts the SMTP capture and its viewer. */
export async function startMailCapture(options: MailCaptureOptions): Promise<MailCapture> {
  mkdirSync(options.directory, { recursive: true });
  const smtp = new SMTPServer({
    // Loopback only, development only: no TLS and no authentication.
    secure: false,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    banner: 'Cloud App Security local mail capture',
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}.eml`;
        writeFile(join(options.directory, name), Buffer.concat(chunks)).then(
          () => callback(),
          (error: unknown) => callback(error as Error),
        );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.once('error', reject);
    smtp.listen(options.smtpPort, '127.0.0.1', () => resolve());
  });
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  async function list(): Promise<CapturedMail[]> {
    const files = (await readdir(options.directory))
      .filter((file) => file.endsWith('.eml'))
      .sort()
      .reverse();
    return Promise.all(
      files.map(async (file) => {
        const headers = parseHeaders(await readFile(join(options.directory, file), 'utf8'));
        return {
          file,
          messageId: headers['message-id'] ?? '',
          from: headers.from ?? '',
          to: headers.to ?? '',
          subject: headers.subject ?? '',
          date: headers.date ?? '',
        };
      }),
    );
  }

  const viewer: Server = createServer((request, response) => {
    void (async () => {
      const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
      if (path === '/messages.json') {
        response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        response.end(JSON.stringify(await list()));
        return;
      }
      const file = /^\/messages\/([\w.-]+\.eml)$/.exec(path)?.[1];
      if (file !== undefined) {
        const text = await readFile(join(options.directory, file), 'utf8').catch(() => undefined);
        response.writeHead(text === undefined ? 404 : 200, { 'content-type': 'text/plain; charset=utf-8' });
        response.end(text ?? 'Not found');
        return;
      }
      if (path !== '/') {
        response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
        response.end('Not found');
        return;
      }
      const rows = (await list())
        .map(
          (mail) =>
            `<tr><td>${escapeHtml(mail.date)}</td><td>${escapeHtml(mail.to)}</td><td><a href="/messages/${encodeURIComponent(mail.file)}">${escapeHtml(mail.subject)}</a></td></tr>`,
        )
        .join('');
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Outbox — Cloud App Security</title></head><body><h1>Outbox</h1><table><thead><tr><th>Date</th><th>To</th><th>Subject</th></tr></thead><tbody>${rows}</tbody></table></body></html>`,
      );
    })().catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    viewer.once('error', reject);
    viewer.listen(options.viewerPort, '127.0.0.1', () => resolve());
  });
  const viewerPort = (viewer.address() as AddressInfo).port;

  return {
    smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
    viewerUrl: `http://127.0.0.1:${viewerPort}`,
    list,
    async close() {
      await new Promise<void>((resolve) => viewer.close(() => resolve()));
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    },
  };
}

/** The header block of a raw message, unfolded, lower-case names; encoded words stay as sent. */
function parseHeaders(raw: string): Record<string, string> {
  const block = raw.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const headers: Record<string, string> = {};
  for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] ??= line.slice(colon + 1).trim();
  }
  return headers;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
