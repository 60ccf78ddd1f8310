/** `help`, and the answer to anything the bot does not understand. */
import { helpCard } from '../cards/help-card.js';
import { BOT_COMMANDS } from './bot-commands.js';
import type { BotReply } from '../conversation/turn.js';

/** The help card; `unknown` is the text that was not a command. */
export function helpCommand(unknown?: string): Promise<BotReply> {
  return Promise.resolve({ card: helpCard(BOT_COMMANDS, unknown) });
}
