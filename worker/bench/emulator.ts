/**
 * The emulator side of `npm run bench:sync`, in its own process so the benchmark's memory figure
 * is the worker's alone: a tenant of `BENCH_USERS` users and `BENCH_GROUPS` groups with default
 * throttling. Prints one JSON line `{ origin, tenantId }` when ready.
 */
import { startEmulator } from '@cas/m365-emulator';

const tenantId = 'be0c0000-0000-4000-8000-000000100000';
const emulator = await startEmulator({
  port: 0,
  tenants: [
    {
      seed: 'bench-sync',
      users: Number(process.env.BENCH_USERS ?? 100_000),
      groups: Number(process.env.BENCH_GROUPS ?? 10_000),
      id: tenantId,
      defaultDomain: 'bench.onmicrosoft.com',
    },
  ],
});
process.stdout.write(`${JSON.stringify({ origin: emulator.origin, tenantId })}\n`);
process.on('SIGTERM', () => {
  // Open keep-alive connections can hold close() up; the benchmark is over either way.
  setTimeout(() => process.exit(0), 2_000).unref();
  void emulator.close().finally(() => process.exit(0));
});
