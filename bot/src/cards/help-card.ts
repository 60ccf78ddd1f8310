/** `help` (and any text the bot does not understand): what the bot can do. */
import { adaptiveCard, facts, heading, paragraph } from './adaptive-card.js';
import type { AdaptiveCard } from './adaptive-card.js';

/** One chat command as the help card and the manifest's `commandLists` describe it. */
export interface CommandDescription {
  readonly title: string;
  readonly description: string;
}

/** The help card; `unknown` is the text the bot did not understand, if any. */
export function helpCard(commands: readonly CommandDescription[], unknown?: string): AdaptiveCard {
  const intro =
    unknown === undefined
      ? 'Type one of these commands:'
      : `I did not understand "${unknown.slice(0, 60)}". Type one of these commands:`;
  return adaptiveCard(
    [
      heading('Cloud App Security'),
      paragraph(intro),
      facts(commands.map((command) => [command.title, command.description] as const)),
      paragraph(
        'Alerts about your services (protection, invalid tokens, synchronization) go to Global Administrators in their personal chat with me, and to channels and group chats where an admin typed "notify here".',
        { isSubtle: true },
      ),
    ],
    { fallbackText: 'Cloud App Security commands: ' + commands.map((command) => command.title).join(', ') },
  );
}
