/**
 * Runs the API as a process: configuration from the environment (`npm start` and Teams Toolkit
 * load `env/.env.<env>` and its `.user` file into it), graceful stop on SIGINT/SIGTERM.
 */
import { existsSync } from 'node:fs';
import { ConfigError, loadApiConfig } from './config.js';
import { startApi } from './main.js';

// Teams Toolkit's layout: env/.env.<env> then its git-ignored .user file with the SECRET_* values.
// Variables already set in the environment win, so a deployment can override any of them.
const environment = process.env.TEAMSFX_ENV ?? 'local';
for (const file of [`env/.env.${environment}`, `env/.env.${environment}.user`]) {
  if (existsSync(file)) process.loadEnvFile(file);
}

try {
  const api = await startApi(loadApiConfig());
  const stop = (): void => {
    void api.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}
