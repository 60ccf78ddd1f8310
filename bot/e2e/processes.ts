/** Runs a workspace's entry point as a real Node process from its TypeScript sources, for end-to-end tests. */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';

/** The repository root (entry paths are relative to it). */
export const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * `count` distinct free TCP ports on 127.0.0.1 (for programs that cannot report the port they
 * got): all are held open at once, so none is handed out twice.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  await Promise.all(
    servers.map((server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** A started process and what it printed. */
export interface RunningProcess {
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `node --conditions=source --import tsx <entry>` with `env` added, and waits until
 * `readyUrl` answers 2xx.
 */
export async function startNodeProcess(
  entry: string,
  env: Record<string, string>,
  readyUrl: string,
  timeoutMs = 30_000,
): Promise<RunningProcess> {
  // Only what the test passes configures the process: TEAMSFX_ENV names no env file, and a
  // DATABASE_URL of the caller's shell must not point it at another database than the test's.
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', entry], {
    cwd: REPOSITORY_ROOT,
    env: { ...inherited, TEAMSFX_ENV: 'e2e-none', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const running: RunningProcess = {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${entry} exited with ${child.exitCode}:\n${output}`);
    const ok = await fetch(readyUrl).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return running;
    if (Date.now() > deadline) {
      await running.stop();
      throw new Error(`${entry} did not become ready at ${readyUrl}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}
