/**
 * The Entra directory roles the API knows, by role template id (as Entra puts them in a user
 * token's `wids` and as Graph's role assignments name them in `roleDefinitionId`), and what each
 * lets a user do here: Global Administrators change everything; Global Readers and Security
 * Readers — read-only roles made for exactly this kind of review — may open the read views.
 */

/** Directory role template id of Global Administrator. */
export const GLOBAL_ADMINISTRATOR_ROLE_TEMPLATE_ID = '62e90394-69f5-4237-9190-012177145e10';
/** Directory role template id of Global Reader (reads everything a Global Administrator can). */
export const GLOBAL_READER_ROLE_TEMPLATE_ID = 'f2ef992c-3afb-46b9-b7cf-a126ee74c451';
/** Directory role template id of Security Reader (reads security information and reports). */
export const SECURITY_READER_ROLE_TEMPLATE_ID = '5d6b6bb7-de71-4623-b4af-96380a352509';

/** Read-only roles that may open the read views (dashboard, history, notifications…). */
export const READER_ROLE_TEMPLATE_IDS: readonly string[] = [
  GLOBAL_READER_ROLE_TEMPLATE_ID,
  SECURITY_READER_ROLE_TEMPLATE_ID,
];

/** What a user's directory roles allow here. */
export interface DirectoryAccess {
  readonly isGlobalAdministrator: boolean;
  /** Holds Global Reader or Security Reader: may read, never change. */
  readonly isReader: boolean;
}

/** The access a list of role template ids grants (case-insensitive ids). */
export function accessFromRoles(roleTemplateIds: readonly string[]): DirectoryAccess {
  const held = new Set(roleTemplateIds.map((id) => id.toLowerCase()));
  return {
    isGlobalAdministrator: held.has(GLOBAL_ADMINISTRATOR_ROLE_TEMPLATE_ID),
    isReader: READER_ROLE_TEMPLATE_IDS.some((id) => held.has(id)),
  };
}
