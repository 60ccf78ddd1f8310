/**
 * How users and groups look in Graph responses: the property catalogue (what `$select` and
 * `$filter` may name), the default property sets, and values derived from the id (office, phone,
 * language, dates) so they cost no memory per user but stay stable.
 */
import { assignedPlans } from '../directory/licence-plans.js';
import { JOB_TITLES, LANGUAGES, OFFICES } from '../directory/name-lists.js';
import { stableHash } from '../directory/seeded-random.js';
import type { EmulatedGroup, EmulatedUser } from '../contracts.js';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** A property Graph can return for an entity type. */
interface PropertyDefinition<T> {
  /** Canonical spelling (Graph matches `$select` case-insensitively and answers with this). */
  readonly name: string;
  read(entity: T): Json;
}

/** The catalogue of an entity type. */
export interface EntityShape<T> {
  /** `Microsoft.DirectoryServices.*` type name, as used in Graph's error messages. */
  readonly serviceTypeName: string;
  /** `#microsoft.graph.*` type tag. */
  readonly odataType: string;
  readonly defaultProperties: readonly string[];
  /** Canonical name of a property (case-insensitive lookup), or undefined when unknown. */
  canonical(name: string): string | undefined;
  /** Value of a property by canonical name. */
  read(entity: T, name: string): Json;
  /** The reader of a property (resolve once, call per entity), or undefined when unknown. */
  reader(name: string): ((entity: T) => Json) | undefined;
}

/** Builds an entity catalogue from its property definitions. */
export function createShape<T>(
  serviceTypeName: string,
  odataType: string,
  properties: readonly PropertyDefinition<T>[],
  defaultProperties: readonly string[],
): EntityShape<T> {
  const byLowerName = new Map(properties.map((property) => [property.name.toLowerCase(), property]));
  return {
    serviceTypeName,
    odataType,
    defaultProperties,
    canonical: (name) => byLowerName.get(name.toLowerCase())?.name,
    read: (entity, name) => byLowerName.get(name.toLowerCase())?.read(entity) ?? null,
    reader: (name) => byLowerName.get(name.toLowerCase())?.read,
  };
}

const DEPARTMENT_BY_TITLE = new Map(JOB_TITLES.map(([title, department]) => [title, department]));
const COUNTRY_BY_OFFICE: Readonly<Record<string, string>> = {
  Redmond: 'US',
  London: 'GB',
  Dublin: 'IE',
  München: 'DE',
  Zürich: 'CH',
  Montréal: 'CA',
  'São Paulo': 'BR',
  Tokyo: 'JP',
  Bengaluru: 'IN',
  Stockholm: 'SE',
  Kraków: 'PL',
  Madrid: 'ES',
};
const EPOCH_2019 = Date.UTC(2019, 0, 1);
const DAY_MS = 86_400_000;

/**
 * A stable number from part of an object id. Ids are random GUIDs, so their hex digits are already
 * well mixed; parsing them is far cheaper than hashing on every rendered user of a 999-item page.
 */
function idNumber(id: string, part: 0 | 1 | 2 | 3): number {
  const value = Number.parseInt(id.slice(part * 9, part * 9 + 4), 16);
  return Number.isNaN(value) ? stableHash(`${id}/${part}`) : value;
}

const isPerson = (user: EmulatedUser): boolean => user.userType === 'Member' && user.mailboxType !== 'shared';
const office = (user: EmulatedUser): string | null =>
  isPerson(user) ? (OFFICES[idNumber(user.id, 0) % OFFICES.length] ?? null) : null;
/** Stable creation date between 2019 and 2024, derived from the id. */
const createdAt = (id: string): string =>
  new Date(EPOCH_2019 + (stableHash(`${id}/created`) % 1_800) * DAY_MS + (stableHash(id) % DAY_MS))
    .toISOString()
    .replace('.000Z', 'Z');
const mailNickname = (user: EmulatedUser): string => {
  const local = user.userPrincipalName.split('@')[0] ?? user.userPrincipalName;
  return local;
};

const USER_PROPERTIES: readonly PropertyDefinition<EmulatedUser>[] = [
  { name: 'id', read: (u) => u.id },
  { name: 'accountEnabled', read: (u) => u.accountEnabled },
  {
    name: 'assignedLicenses',
    read: (u) => u.assignedLicenses.map((l) => ({ disabledPlans: [...l.disabledPlans], skuId: l.skuId })),
  },
  { name: 'assignedPlans', read: (u) => assignedPlans(u) },
  {
    name: 'businessPhones',
    read: (u) => (isPerson(u) ? [`+1 425 555 ${String(1000 + (idNumber(u.id, 1) % 9000))}`] : []),
  },
  { name: 'city', read: (u) => office(u) },
  { name: 'companyName', read: () => null },
  { name: 'country', read: (u) => COUNTRY_BY_OFFICE[office(u) ?? ''] ?? null },
  { name: 'createdDateTime', read: (u) => createdAt(u.id) },
  { name: 'creationType', read: (u) => (u.userType === 'Guest' ? 'Invitation' : null) },
  { name: 'deletedDateTime', read: () => null },
  { name: 'department', read: (u) => DEPARTMENT_BY_TITLE.get(u.jobTitle ?? '') ?? null },
  { name: 'displayName', read: (u) => u.displayName },
  { name: 'employeeId', read: () => null },
  { name: 'externalUserState', read: (u) => (u.userType === 'Guest' ? 'Accepted' : null) },
  { name: 'givenName', read: (u) => u.givenName },
  { name: 'jobTitle', read: (u) => u.jobTitle },
  { name: 'mail', read: (u) => u.mail },
  { name: 'mailNickname', read: (u) => mailNickname(u) },
  { name: 'mobilePhone', read: () => null },
  { name: 'officeLocation', read: (u) => office(u) },
  { name: 'onPremisesSyncEnabled', read: () => null },
  { name: 'otherMails', read: (u) => (u.userType === 'Guest' && u.mail ? [u.mail] : []) },
  {
    name: 'preferredLanguage',
    read: (u) => (isPerson(u) ? (LANGUAGES[idNumber(u.id, 2) % LANGUAGES.length] ?? null) : null),
  },
  { name: 'proxyAddresses', read: (u) => (u.mail && u.userType === 'Member' ? [`SMTP:${u.mail}`] : []) },
  { name: 'surname', read: (u) => u.surname },
  {
    name: 'usageLocation',
    read: (u) => (u.assignedLicenses.length > 0 ? (COUNTRY_BY_OFFICE[office(u) ?? ''] ?? 'US') : null),
  },
  { name: 'userPrincipalName', read: (u) => u.userPrincipalName },
  { name: 'userType', read: (u) => u.userType },
];

/** Graph's default user properties when `$select` is absent. */
export const DEFAULT_USER_PROPERTIES = [
  'businessPhones',
  'displayName',
  'givenName',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
  'id',
] as const;

/** The user entity. */
export const USER_SHAPE = createShape<EmulatedUser>(
  'Microsoft.DirectoryServices.User',
  '#microsoft.graph.user',
  USER_PROPERTIES,
  DEFAULT_USER_PROPERTIES,
);

const isUnified = (g: EmulatedGroup): boolean => g.groupTypes.includes('Unified');
const groupNickname = (g: EmulatedGroup): string =>
  g.mail?.split('@')[0] ?? (g.displayName.normalize('NFD').replace(/[^A-Za-z0-9]/g, '') || 'group');
/** A security identifier derived from the object id, as Entra does (S-1-12-1 + four 32-bit words). */
const securityIdentifier = (id: string): string => {
  const hex = id.replace(/-/g, '');
  const words = [0, 8, 16, 24].map((offset) =>
    Buffer.from(hex.slice(offset, offset + 8), 'hex').readUInt32LE(0),
  );
  return `S-1-12-1-${words.join('-')}`;
};

const GROUP_PROPERTIES: readonly PropertyDefinition<EmulatedGroup>[] = [
  { name: 'id', read: (g) => g.id },
  { name: 'deletedDateTime', read: () => null },
  { name: 'classification', read: () => null },
  { name: 'createdDateTime', read: (g) => createdAt(g.id) },
  { name: 'creationOptions', read: () => [] },
  { name: 'description', read: (g) => g.description },
  { name: 'displayName', read: (g) => g.displayName },
  { name: 'expirationDateTime', read: () => null },
  { name: 'groupTypes', read: (g) => [...g.groupTypes] },
  { name: 'isAssignableToRole', read: () => null },
  { name: 'mail', read: (g) => g.mail },
  { name: 'mailEnabled', read: (g) => g.mailEnabled },
  { name: 'mailNickname', read: (g) => groupNickname(g) },
  { name: 'membershipRule', read: () => null },
  { name: 'membershipRuleProcessingState', read: () => null },
  { name: 'onPremisesDomainName', read: () => null },
  { name: 'onPremisesLastSyncDateTime', read: () => null },
  { name: 'onPremisesNetBiosName', read: () => null },
  { name: 'onPremisesSamAccountName', read: () => null },
  { name: 'onPremisesSecurityIdentifier', read: () => null },
  { name: 'onPremisesSyncEnabled', read: () => null },
  { name: 'preferredDataLocation', read: () => null },
  { name: 'preferredLanguage', read: () => null },
  { name: 'proxyAddresses', read: (g) => (g.mail ? [`SMTP:${g.mail}`] : []) },
  { name: 'renewedDateTime', read: (g) => createdAt(g.id) },
  { name: 'resourceBehaviorOptions', read: () => [] },
  {
    name: 'resourceProvisioningOptions',
    read: (g) => (isUnified(g) && stableHash(g.id) % 3 === 0 ? ['Team'] : []),
  },
  { name: 'securityEnabled', read: (g) => g.securityEnabled },
  { name: 'securityIdentifier', read: (g) => securityIdentifier(g.id) },
  { name: 'theme', read: () => null },
  {
    name: 'visibility',
    read: (g) => (isUnified(g) ? (stableHash(g.id) % 4 === 0 ? 'Private' : 'Public') : null),
  },
  { name: 'onPremisesProvisioningErrors', read: () => [] },
  { name: 'serviceProvisioningErrors', read: () => [] },
];

/** The group entity; Graph returns nearly every property by default. */
export const GROUP_SHAPE = createShape<EmulatedGroup>(
  'Microsoft.DirectoryServices.Group',
  '#microsoft.graph.group',
  GROUP_PROPERTIES,
  GROUP_PROPERTIES.map((property) => property.name),
);

/** Copies the chosen properties of an entity into a response object, in the order given. */
export function project<T>(
  shape: EntityShape<T>,
  entity: T,
  properties: readonly string[],
): Record<string, Json> {
  const result: Record<string, Json> = {};
  for (const name of properties) {
    const read = shape.reader(name);
    result[name] = read ? read(entity) : null;
  }
  return result;
}
