/** The command table: one handler per chat command (one file each), and the dispatcher. */
import { extendCommand } from './extend.js';
import { helpCommand } from './help.js';
import { notifyHereCommand, notifyOffCommand } from './notify.js';
import { parseCommand } from './parse-command.js';
import { statusCommand } from './status.js';
import { syncCommand } from './sync.js';
import type { BotReply, BotTurn } from '../conversation/turn.js';
import type { CommandTitle } from './bot-commands.js';

/** A chat command's handler. */
export type CommandHandler = (turn: BotTurn) => Promise<BotReply>;

/** Every command's handler. */
export const COMMAND_HANDLERS: Readonly<Record<CommandTitle, CommandHandler>> = {
  sync: syncCommand,
  status: statusCommand,
  extend: extendCommand,
  'notify here': notifyHereCommand,
  'notify off': notifyOffCommand,
  help: () => helpCommand(),
};

/** Answers one chat message: its command, or help for anything else. */
export function answerMessage(text: string, turn: BotTurn): Promise<BotReply> {
  const parsed = parseCommand(text);
  if ('command' in parsed) return COMMAND_HANDLERS[parsed.command](turn);
  return helpCommand(parsed.unknown === '' ? undefined : parsed.unknown);
}
