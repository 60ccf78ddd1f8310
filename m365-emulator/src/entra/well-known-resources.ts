/**
 * Microsoft first-party resources our app asks permissions for. Ids and role ids are Microsoft's
 * real ones, so the consent page, the tokens and the API's role checks read exactly as in production.
 */

/** An application permission (app role) a resource offers. */
export interface AppRoleDefinition {
  readonly id: string;
  readonly value: string;
  /** What the consent page shows. */
  readonly displayName: string;
  readonly description: string;
}

/** A resource API (its service principal exists in every tenant, as Microsoft's do). */
export interface ResourceDefinition {
  readonly appId: string;
  readonly displayName: string;
  /** Application ID URI: the audience of v1 tokens and the prefix of `/.default` scopes. */
  readonly identifierUri: string;
  /** Other spellings clients may use in scopes. */
  readonly aliases: readonly string[];
  readonly appRoles: readonly AppRoleDefinition[];
}

/** App id of Microsoft Graph. */
export const MICROSOFT_GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
/** Resource URI of Microsoft Graph (audience of Graph tokens). */
export const MICROSOFT_GRAPH_RESOURCE = 'https://graph.microsoft.com';
/** App id of Office 365 Exchange Online (EWS). */
export const EXCHANGE_ONLINE_APP_ID = '00000002-0000-0ff1-ce00-000000000000';
/** Resource URI of Exchange Online (audience of EWS tokens). */
export const EXCHANGE_ONLINE_RESOURCE = 'https://outlook.office365.com';

/** Microsoft Graph with the application permissions the product may ask for. */
export const MICROSOFT_GRAPH: ResourceDefinition = {
  appId: MICROSOFT_GRAPH_APP_ID,
  displayName: 'Microsoft Graph',
  identifierUri: MICROSOFT_GRAPH_RESOURCE,
  aliases: ['https://graph.microsoft.com/', MICROSOFT_GRAPH_APP_ID, 'https://canary.graph.microsoft.com'],
  appRoles: [
    {
      id: 'df021288-bdef-4463-88db-98f22de89214',
      value: 'User.Read.All',
      displayName: "Read all users' full profiles",
      description: 'Allows the app to read user profiles without a signed in user.',
    },
    {
      id: '98830695-27a2-44f7-8c18-0c3ebc9698f6',
      value: 'GroupMember.Read.All',
      displayName: 'Read all group memberships',
      description:
        'Allows the app to read memberships and basic group properties for all groups without a signed-in user.',
    },
    {
      id: '5b567255-7703-4780-807c-7be8301ae99b',
      value: 'Group.Read.All',
      displayName: 'Read all groups',
      description:
        'Allows the app to read group properties and memberships, and read conversations for all groups, without a signed-in user.',
    },
    {
      id: 'e2a3a72e-5f79-4c64-b1b1-878b674786c9',
      value: 'Mail.ReadWrite',
      displayName: 'Read and write mail in all mailboxes',
      description:
        'Allows the app to create, read, update, and delete mail in all mailboxes without a signed-in user. Does not include permission to send mail.',
    },
    {
      id: 'b633e1c5-b582-4048-a93e-9f11b44c7e96',
      value: 'Mail.Send',
      displayName: 'Send mail as any user',
      description: 'Allows the app to send mail as any user without a signed-in user.',
    },
    {
      id: '332a536c-c7ef-4017-ab91-336970924f0d',
      value: 'Sites.Read.All',
      displayName: 'Read items in all site collections',
      description:
        'Allows the app to read documents and list items in all site collections without a signed in user.',
    },
    {
      id: '01d4889c-1287-42c6-ac1f-5d1e02578ef6',
      value: 'Files.Read.All',
      displayName: 'Read files in all site collections',
      description: 'Allows the app to read all files in all site collections without a signed in user.',
    },
    {
      id: '7ab1d382-f21e-4acd-a863-ba3e13f7da61',
      value: 'Directory.Read.All',
      displayName: 'Read directory data',
      description:
        "Allows the app to read data in your organization's directory, such as users, groups and apps, without a signed-in user.",
    },
    {
      id: '483bed4a-2ad3-4361-a73b-c83ccdbdc53c',
      value: 'RoleManagement.Read.Directory',
      displayName: 'Read all directory RBAC settings',
      description:
        "Allows the app to read the role-based access control (RBAC) settings for your company's directory, without a signed-in user. This includes reading directory role templates, directory roles and memberships.",
    },
  ],
};

/** Office 365 Exchange Online with the EWS application permission. */
export const EXCHANGE_ONLINE: ResourceDefinition = {
  appId: EXCHANGE_ONLINE_APP_ID,
  displayName: 'Office 365 Exchange Online',
  identifierUri: EXCHANGE_ONLINE_RESOURCE,
  aliases: ['https://outlook.office365.com/', 'https://outlook.office.com', EXCHANGE_ONLINE_APP_ID],
  appRoles: [
    {
      id: 'dc890d15-9560-4a4c-9b7f-a736ec74ec40',
      value: 'full_access_as_app',
      displayName: 'Use Exchange Web Services with full access to all mailboxes',
      description:
        'Allows the app to have full access via Exchange Web Services to all mailboxes without a signed-in user.',
    },
  ],
};

/** First-party resources known to every emulated tenant. */
export const FIRST_PARTY_RESOURCES: readonly ResourceDefinition[] = [MICROSOFT_GRAPH, EXCHANGE_ONLINE];

/** Finds a first-party resource by app id, identifier URI or alias (case-insensitive, trailing slash ignored). */
export function findFirstPartyResource(identifier: string): ResourceDefinition | undefined {
  const key = identifier.replace(/\/+$/, '').toLowerCase();
  return FIRST_PARTY_RESOURCES.find(
    (resource) =>
      resource.appId === key ||
      resource.identifierUri.toLowerCase() === key ||
      resource.aliases.some((alias) => alias.replace(/\/+$/, '').toLowerCase() === key),
  );
}
