/**
 * The Microsoft 365 Agents Playground's config file (`.m365agentsplayground.yml`, schema 0.1.1):
 * which tenant the chats are in and which Teams user the Playground plays, so the bot acts for a
 * real (emulated) Global Administrator. The schema also insists on five other users, a group
 * chat and a team, which get fixed placeholder values.
 */

/** The Teams user the Playground plays. */
export interface PlaygroundUser {
  readonly aadObjectId: string;
  readonly name: string;
  readonly userPrincipalName: string;
}

const quote = (value: string): string => JSON.stringify(value);

/** The bot's id and name in the Playground (what a user @mentions in a channel or group chat). */
export const PLAYGROUND_BOT = {
  id: '00000000-0000-4000-8000-000000000011',
  name: 'Cloud App Security',
} as const;

/** The config file's text for a tenant and its signed-in user. */
export function playgroundConfigYaml(tenantId: string, user: PlaygroundUser): string {
  const [givenName = user.name, ...rest] = user.name.split(' ');
  const others = [1, 2, 3, 4, 5]
    .map(
      (n) => `  - id: user-id-${n}
    name: Test User ${n}
    userPrincipleName: user${n}@example.com
    aadObjectId: 00000000-0000-4000-8000-00000000002${n}
    givenName: Test
    surname: User ${n}
    email: user${n}@example.com`,
    )
    .join('\n');
  return `# Written by the bot's Playground tooling; see bot/README.md.
version: "0.1.1"
tenantId: ${quote(tenantId)}
bot:
  id: ${PLAYGROUND_BOT.id}
  name: ${PLAYGROUND_BOT.name}
currentUser:
  id: user-id-0
  name: ${quote(user.name)}
  userPrincipleName: ${quote(user.userPrincipalName)}
  aadObjectId: ${quote(user.aadObjectId)}
  givenName: ${quote(givenName)}
  surname: ${quote(rest.join(' ') || givenName)}
  email: ${quote(user.userPrincipalName)}
users:
${others}
personalChat:
  id: personal-chat-id
groupChat:
  id: group-chat-id
  name: Group Chat
team:
  id: team-id
  name: My Team
  aadGroupId: 00000000-0000-4000-8000-000000000031
  channels:
    - id: channel-id
      name: Security
`;
}
