/**
 * Start-up shared by the benchmarks: trusting the emulator's CA (Node reads NODE_EXTRA_CA_CERTS
 * only at start, so the benchmark starts itself again), the emulator in a child process, dropping
 * the benchmark's PostgreSQL schemas, and the CPU time a process and the machine have used (/proc).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_DATA_DIR, ensureTlsMaterial } from '@cas/m365-emulator';
import pg from 'pg';

/** The repository's root (benchmarks' child processes run there). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Returns when this process trusts the emulator's CA (next to any CAs already trusted); otherwise
 * starts the benchmark again with it and exits with that run's code.
 */
export async function trustEmulatorCa(): Promise<void> {
  if (process.env.CAS_BENCH_TRUSTS_EMULATOR === '1') return;
  const tlsDir = join(DEFAULT_DATA_DIR, 'tls');
  const { caPath, caPem } = ensureTlsMaterial({ dir: tlsDir });
  const existing = process.env.NODE_EXTRA_CA_CERTS;
  let trust = caPath;
  if (existing !== undefined && existing !== '' && existing !== caPath) {
    trust = join(tlsDir, 'ca-bundle.pem');
    writeFileSync(trust, `${readFileSync(existing, 'utf8').trim()}\n${caPem}`);
  }
  const again = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: trust, CAS_BENCH_TRUSTS_EMULATOR: '1' },
    stdio: 'inherit',
  });
  await new Promise<never>(() => again.on('exit', (code) => process.exit(code ?? 1)));
}

/** Starts `worker/bench/emulator.ts` with `env`; resolves with its first stdout line, parsed. */
export async function startEmulatorProcess<T>(
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
): Promise<{ readonly ready: T; readonly child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [...nodeArgs, '--conditions=source', '--import', 'tsx', 'worker/bench/emulator.ts'],
    { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const ready = await firstLine(child).then((line) => JSON.parse(line) as T);
  return { ready, child };
}

/** The first line a child prints on stdout (rejects when it exits before). */
export function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const end = buffered.indexOf('\n');
      if (end >= 0) resolve(buffered.slice(0, end));
    });
    child.on('exit', (code) => reject(new Error(`child process exited with ${code} before it was ready`)));
  });
}

/** Drops the benchmark's PostgreSQL schemas. */
export async function dropSchemas(databaseUrl: string, schemas: readonly string[]): Promise<void> {
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    for (const schema of schemas) await admin.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await admin.end();
  }
}

/** User + system CPU seconds a process has used so far (0 when it is gone). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the line, in clock ticks (100 a second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Busy CPU seconds of the whole machine, every core (from /proc/stat). */
export function machineCpuSeconds(): number {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').split(/\s+/).slice(1).map(Number);
  // user, nice, system, idle, iowait, irq, softirq, steal: all but idle and iowait are busy.
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) / 100;
}
