/** Public surface of `@cas/bot`: start it, and the chat commands the manifest must list. */
export { BOT_COMMANDS } from './commands/bot-commands.js';
export type { CommandTitle } from './commands/bot-commands.js';
export { ConfigError, isLoopbackHost, loadBotConfig } from './config.js';
export type { BotConfig } from './config.js';
export { startBot } from './start-bot.js';
export type { BotOverrides, RunningBot } from './start-bot.js';
