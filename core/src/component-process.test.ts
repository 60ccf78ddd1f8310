import { describe, expect, it } from 'vitest';
import {
  runComponentProcess,
  toolkitEnvironmentFiles,
  type ComponentProcessPort,
} from './component-process.js';
import { ConfigurationError } from './configuration.js';

/** A recording stand-in for Node's process. */
function fakeProcess(env: Record<string, string | undefined> = {}) {
  const loaded: string[] = [];
  const listeners = new Map<string, () => void>();
  const exits: number[] = [];
  const host: ComponentProcessPort = {
    env,
    loadEnvFile: (path) => loaded.push(path),
    once: (signal, listener) => listeners.set(signal, listener),
    // Records the code; Node's exit never returns, this one does, so the run can be inspected.
    exit: (code) => {
      exits.push(code);
      return undefined as never;
    },
  };
  return { host, loaded, listeners, exits };
}

describe('runComponentProcess', () => {
  it('loads the env files of TEAMSFX_ENV that exist, local by default', async () => {
    expect(toolkitEnvironmentFiles(undefined)).toEqual(['env/.env.local', 'env/.env.local.user']);
    const { host, loaded } = fakeProcess({ TEAMSFX_ENV: 'dev' });
    await runComponentProcess(
      host,
      (path) => path === 'env/.env.dev.user',
      async () => ({ close: async () => undefined }),
      () => undefined,
    );
    expect(loaded).toEqual(['env/.env.dev.user']);
  });

  it('closes the component on SIGTERM, then exits 0', async () => {
    const { host, listeners, exits } = fakeProcess();
    let closed = false;
    await runComponentProcess(
      host,
      () => false,
      async () => ({
        close: async () => {
          closed = true;
        },
      }),
      () => undefined,
    );
    expect([...listeners.keys()].sort()).toEqual(['SIGINT', 'SIGTERM']);
    listeners.get('SIGTERM')?.();
    await expect.poll(() => exits).toEqual([0]);
    expect(closed).toBe(true);
  });

  it('says a bad configuration in one message and exits 2; anything else exits 1', async () => {
    const bad = fakeProcess();
    const reported: unknown[] = [];
    await runComponentProcess(
      bad.host,
      () => false,
      async () => {
        throw new ConfigurationError('API', ['API_PORT: Expected number']);
      },
      (message) => reported.push(message),
    );
    expect(bad.exits).toEqual([2]);
    expect(reported).toEqual(['Invalid API configuration:\n  - API_PORT: Expected number']);

    const broken = fakeProcess();
    const failure = new Error('port in use');
    await runComponentProcess(
      broken.host,
      () => false,
      async () => {
        throw failure;
      },
      (message) => reported.push(message),
    );
    expect(broken.exits).toEqual([1]);
    expect(reported.at(-1)).toBe(failure);
  });
});
