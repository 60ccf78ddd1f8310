/**
 * Runs the worker as its own process: `node --conditions=source --import tsx worker/src/bin.ts`.
 * With SMTP_URL unset it also starts the local mail capture and its outbox viewer.
 */
import { join, resolve } from 'node:path';
import { loadWorkerConfig } from './config.js';
import { startMailCapture, startWorker } from './main.js';

const config = loadWorkerConfig();
const capture =
  config.SMTP_URL === undefined
    ? await startMailCapture({
        directory: join(resolve(config.DATA_DIR), 'mail'),
        smtpPort: config.SMTP_PORT,
        viewerPort: config.MAIL_VIEWER_PORT,
      })
    : undefined;
const worker = await startWorker(config);
if (capture !== undefined) console.log(`Outbox viewer: ${capture.viewerUrl}`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void Promise.all([worker.close(), capture?.close()]).finally(() => process.exit(0));
  });
}
