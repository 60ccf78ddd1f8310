/** The chat commands, as the manifest's `commandLists` must list them (the app package checks it). */

/** Names of the chat commands. */
export type CommandTitle = 'sync' | 'status' | 'extend' | 'notify here' | 'notify off' | 'help';

/** The bot's commands with their one-line descriptions (at most 128 characters, the manifest's limit). */
export const BOT_COMMANDS: readonly { readonly title: CommandTitle; readonly description: string }[] = [
  {
    title: 'sync',
    description: 'Synchronize all your targets now (when all users and groups are protected)',
  },
  { title: 'status', description: 'Show the status of Exchange Online, SharePoint Online and OneDrive' },
  {
    title: 'extend',
    description: 'Extend protection from selected users to all your Office 365 service targets',
  },
  {
    title: 'notify here',
    description: 'Post Cloud App Security alerts in this channel or group chat too (Global Administrators)',
  },
  { title: 'notify off', description: 'Stop posting alerts in this channel or group chat' },
  { title: 'help', description: 'List what I can do' },
];
