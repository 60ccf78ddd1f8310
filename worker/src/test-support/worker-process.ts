/**
 * A worker process for tests that must kill a real process: the production composition root,
 * configured from the environment, which SIGKILLs itself after `KILL_AFTER_SYNC_PAGES` committed
 * sync pages (unset: never) and prints one line per committed page.
 * Run: `node --conditions=source --import tsx worker/src/test-support/worker-process.ts`.
 */
import { loadWorkerConfig } from '../config.js';
import { startWorker } from '../main.js';

const killAfter = Number(process.env.KILL_AFTER_SYNC_PAGES ?? 'NaN');
let pages = 0;
const worker = await startWorker(loadWorkerConfig(), {
  ...(process.env.STORE_SCHEMA === undefined
    ? {}
    : { schema: process.env.STORE_SCHEMA, pgBossSchema: `${process.env.STORE_SCHEMA}_boss` }),
  onSyncPage: (checkpoint) => {
    pages += 1;
    process.stdout.write(`page ${pages} ${checkpoint.phase}\n`);
    if (pages === killAfter) process.kill(process.pid, 'SIGKILL');
  },
});
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void worker.close().finally(() => process.exit(0));
});
