/**
 * The emulator side of the benchmarks, in its own process so a benchmark's memory figure is the
 * worker's alone, with default throttling. `bench:sync`: one tenant of `BENCH_USERS` users and
 * `BENCH_GROUPS` groups. `bench:tenants`: `BENCH_TENANTS` tenants of 20–200 users and 5 groups
 * each ({@link benchTenantId}). Prints one JSON line `{ origin, tenantId }` when ready.
 */
import { startEmulator, type TenantSpec } from '@cas/m365-emulator';
import { benchTenantId, benchTenantUsers } from './bench-tenants.js';

const tenantId = 'be0c0000-0000-4000-8000-000000100000';
const many = process.env.BENCH_TENANTS === undefined ? undefined : Number(process.env.BENCH_TENANTS);
const tenants: TenantSpec[] =
  many === undefined
    ? [
        {
          seed: 'bench-sync',
          users: Number(process.env.BENCH_USERS ?? 100_000),
          groups: Number(process.env.BENCH_GROUPS ?? 10_000),
          id: tenantId,
          defaultDomain: 'bench.onmicrosoft.com',
        },
      ]
    : Array.from({ length: many }, (_, index) => ({
        seed: `bench-tenants-${index}`,
        users: benchTenantUsers(index),
        groups: 5,
        id: benchTenantId(index),
        defaultDomain: `bench-tenant-${index}.onmicrosoft.com`,
      }));
const emulator = await startEmulator({ port: 0, tenants });
process.stdout.write(`${JSON.stringify({ origin: emulator.origin, tenantId })}\n`);
process.on('SIGTERM', () => {
  // Open keep-alive connections can hold close() up; the benchmark is over either way.
  setTimeout(() => process.exit(0), 2_000).unref();
  void emulator.close().finally(() => process.exit(0));
});
