/**
 * How the API and the bot run as processes, alike: configuration from the environment plus Teams
 * Toolkit's env files, a clean stop on SIGINT/SIGTERM, exit code 2 for a bad configuration (the
 * operator's mistake, said in one message) and 1 for anything else. Node's `process` is passed in
 * as the port, so this rule stays in one place and the core stays free of I/O.
 */
import { ConfigurationError } from './configuration.js';

/** What a component's process needs of Node's `process`; `process` itself satisfies it. */
export interface ComponentProcessPort {
  readonly env: Readonly<Record<string, string | undefined>>;
  loadEnvFile(path: string): void;
  once(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  exit(code: number): never;
}

/** A started component: the API's or the bot's server. */
export interface RunningComponent {
  close(): Promise<void>;
}

/**
 * Teams Toolkit's layout: `env/.env.<env>`, then its git-ignored `.user` file with the SECRET_*
 * values. Variables already set in the environment win (Node's loadEnvFile never overwrites), so a
 * deployment can override any of them.
 */
export function toolkitEnvironmentFiles(environment: string | undefined): readonly string[] {
  const name = environment ?? 'local';
  return [`env/.env.${name}`, `env/.env.${name}.user`];
}

/** Loads the env files that exist, starts the component and stops it on a signal. */
export async function runComponentProcess(
  host: ComponentProcessPort,
  fileExists: (path: string) => boolean,
  start: () => Promise<RunningComponent>,
  report: (message: unknown) => void,
): Promise<void> {
  for (const file of toolkitEnvironmentFiles(host.env.TEAMSFX_ENV)) {
    if (fileExists(file)) host.loadEnvFile(file);
  }
  try {
    const component = await start();
    const stop = (): void => {
      void component.close().then(() => host.exit(0));
    };
    host.once('SIGINT', stop);
    host.once('SIGTERM', stop);
  } catch (error) {
    report(error instanceof ConfigurationError ? error.message : error);
    host.exit(error instanceof ConfigurationError ? 2 : 1);
  }
}
