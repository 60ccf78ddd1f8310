/**
 * Runs the API as a process: configuration from the environment (`npm start` and Teams Toolkit
 * load `env/.env.<env>` and its `.user` file into it), graceful stop on SIGINT/SIGTERM, exit code 2
 * for a bad configuration (core's `runComponentProcess`, shared with the bot).
 */
import { existsSync } from 'node:fs';
import { runComponentProcess } from '@cas/core';
import { loadApiConfig } from './config.js';
import { startApi } from './main.js';

await runComponentProcess(process, existsSync, () => startApi(loadApiConfig()), console.error);
