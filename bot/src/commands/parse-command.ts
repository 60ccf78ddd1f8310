/**
 * Reads a chat message as a command: case-insensitive, tolerant of an @mention of the bot before
 * it (Teams sends `<at>Name</at>`; pasted text may carry a plain "@Name") and surrounding spaces.
 */
import { BOT_COMMANDS } from './bot-commands.js';
import type { CommandTitle } from './bot-commands.js';

/** A recognised command, or the text that was not one. */
export type ParsedCommand = { readonly command: CommandTitle } | { readonly unknown: string };

// Longest first, so "notify here" is tried before any shorter title it might start with.
const TITLES: readonly (readonly [CommandTitle, readonly string[]])[] = BOT_COMMANDS.map(
  (command) => [command.title, command.title.split(' ')] as const,
).sort((a, b) => b[1].length - a[1].length);

/** The command whose words begin `words` at `start`, if any. */
function commandAt(words: readonly string[], start: number): CommandTitle | undefined {
  const found = TITLES.find(([, titleWords]) =>
    titleWords.every((word, offset) => words[start + offset]?.replace(/[.!?,;:]+$/, '') === word),
  );
  return found?.[0];
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
  // command after it.
  const starts = words[0]?.startsWith('@') === true ? words.map((_word, index) => index).slice(1) : [0];
  for (const start of starts) {
    const found = commandAt(words, start);
    if (found !== undefined) return { command: found };
  }
  return { unknown: withoutMentions };
}
