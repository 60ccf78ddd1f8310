/**
 * One worker process of `npm run bench:tenants`: the production composition (`startWorker`),
 * configured from the environment like `bin.ts`, in the benchmark's schema (`STORE_SCHEMA`, pg-boss
 * in `<STORE_SCHEMA>_boss`). Prints `ready` once started; SIGTERM stops it.
 */
import { loadWorkerConfig } from '../src/config.js';
import { startWorker } from '../src/main.js';

const schema = process.env.STORE_SCHEMA;
const worker = await startWorker(
  loadWorkerConfig(),
  schema === undefined ? {} : { schema, pgBossSchema: `${schema}_boss` },
);
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  setTimeout(() => process.exit(0), 10_000).unref();
  void worker.close().finally(() => process.exit(0));
});
