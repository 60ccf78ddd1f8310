/**
 * Runs the bot as a process: `node --conditions=source --import tsx bot/src/main.ts`. Reads the
 * configuration from the environment (plus `env/.env.<TEAMSFX_ENV>` and its `.user` file, as the
 * API does) and stops cleanly on SIGINT/SIGTERM.
 */
import { existsSync } from 'node:fs';
import { ConfigError, loadBotConfig } from './config.js';
import { startBot } from './start-bot.js';

// Teams Toolkit's layout; variables already in the environment win.
const environment = process.env.TEAMSFX_ENV ?? 'local';
for (const file of [`env/.env.${environment}`, `env/.env.${environment}.user`]) {
  if (existsSync(file)) process.loadEnvFile(file);
}

try {
  const bot = await startBot(loadBotConfig());
  const stop = (): void => {
    void bot.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(error instanceof ConfigError ? 2 : 1);
}
