/**
 * Runs the bot as a process: `node --conditions=source --import tsx bot/src/main.ts`. Reads the
 * configuration from the environment (plus `env/.env.<TEAMSFX_ENV>` and its `.user` file) and stops
 * cleanly on SIGINT/SIGTERM, as the API does (core's `runComponentProcess`).
 */
import { existsSync } from 'node:fs';
import { runComponentProcess } from '@cas/core';
import { loadBotConfig } from './config.js';
import { startBot } from './start-bot.js';

await runComponentProcess(process, existsSync, () => startBot(loadBotConfig()), console.error);
