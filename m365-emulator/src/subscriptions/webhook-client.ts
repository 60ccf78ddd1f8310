/**
 * Graph's side of a webhook call: one POST to a notification URL with a deadline. Graph judges an
 * endpoint by its status and by how fast it answers, so the outcome carries both. HTTPS endpoints
 * are checked against the system roots plus the emulator's own CA (the local tab server's
 * certificate comes from it).
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';

/** What one POST came back with. */
export type WebhookOutcome =
  | { readonly kind: 'answered'; readonly status: number; readonly body: string; readonly ms: number }
  | { readonly kind: 'timedOut'; readonly ms: number }
  | { readonly kind: 'unreachable'; readonly message: string; readonly ms: number };

/** Posts to webhooks. */
export interface WebhookClient {
  post(url: string, body: string, contentType: string, timeoutMs: number): Promise<WebhookOutcome>;
}

/** Largest answer read from an endpoint (a validation token is short; anything else is ignored). */
const MAX_ANSWER_BYTES = 16 * 1024;

/** A client over `node:http(s)` that trusts `extraCaPem` besides the system roots. */
export function createWebhookClient(extraCaPem?: string): WebhookClient {
  const ca = extraCaPem ? [...rootCertificates, extraCaPem] : undefined;
  return {
    post: (url, body, contentType, timeoutMs) =>
      new Promise<WebhookOutcome>((resolve) => {
        const started = Date.now();
        const target = new URL(url);
        const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
        let settled = false;
        const finish = (outcome: WebhookOutcome): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve(outcome);
        };
        const req = send(
          target,
          {
            method: 'POST',
            headers: {
              'Content-Type': contentType,
              'Content-Length': Buffer.byteLength(body),
              'User-Agent': 'Microsoft-Graph-Emulator-ChangeNotifications/1.0',
            },
            ...(ca && target.protocol === 'https:' ? { ca } : {}),
          },
          (res) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on('data', (chunk: Buffer) => {
              size += chunk.length;
              if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
            });
            res.on('end', () =>
              finish({
                kind: 'answered',
                status: res.statusCode ?? 0,
                body: Buffer.concat(chunks).toString('utf8'),
                ms: Date.now() - started,
              }),
            );
            res.on('error', (error) =>
              finish({ kind: 'unreachable', message: error.message, ms: Date.now() - started }),
            );
          },
        );
        const timer = setTimeout(() => {
          finish({ kind: 'timedOut', ms: Date.now() - started });
          req.destroy();
        }, timeoutMs);
        req.on('error', (error) =>
          finish({ kind: 'unreachable', message: error.message, ms: Date.now() - started }),
        );
        req.end(body);
      }),
  };
}
