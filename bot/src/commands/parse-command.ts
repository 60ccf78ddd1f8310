/**
 * Reads a chat message as a command: case-insensitive, tolerant of an @mention of the bot before
 * it (Teams sends `<at>Name</at>`; pasted text may carry a plain "@Name") and surrounding spaces.
 */
import { BOT_COMMANDS } from './bot-commands.js';
import type { CommandTitle } from './bot-commands.js';

/** A recognised command, or the text that was not one. */
export type ParsedCommand = { readonly command: CommandTitle } | { readonly unknown: string };

const TITLES = new Set<string>(BOT_COMMANDS.map((command) => command.title));

function isCommand(word: string): word is CommandTitle {
  return TITLES.has(word);
}

/** Parses one message text. */
export function parseCommand(text: string): ParsedCommand {
  const withoutMentions = text
    .replace(/<at>[^<]*<\/at>/gi, ' ')
    .replace(/&nbsp;/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .trim();
  const words = withoutMentions
    .toLowerCase()
    .split(/\s+/)
    .filter((word) => word !== '');
  // A plain-text mention ("@Cloud App Security status") has an unknown length: take the first
  // command word after it.
  const candidates = words[0]?.startsWith('@') === true ? words.slice(1) : words.slice(0, 1);
  const found = candidates.map((word) => word.replace(/[.!?,;:]+$/, '')).find(isCommand);
  if (found !== undefined) return { command: found };
  return { unknown: withoutMentions };
}
