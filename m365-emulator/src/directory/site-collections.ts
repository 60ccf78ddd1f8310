/**
 * SharePoint site collections of one tenant: the root site, team sites and communication sites, as
 * Graph's `site` resource describes them. Generated from the tenant's seed and size (about one site
 * collection per 20 users) so the same tenant always has the same sites with the same ids; control
 * calls add, rename and delete them. Sites live beside the directory (keyed by it), not inside it,
 * so a tenant reset (a new directory) also regenerates its sites.
 *
 * Personal sites (OneDrive) are not stored here: they follow from users' licences
 * (`licence-plans.ts`) and Graph's `getAllSites` lists them after these.
 */
import { createSeededRandom } from './seeded-random.js';
import { DirectoryError } from './tenant-directory.js';
import type { TenantDirectory } from '../contracts.js';

/** Which kind of site collection (its template), which decides the URL's managed path. */
export type SiteTemplate = 'root' | 'team' | 'communication';

/** A site collection (its root web) as Graph returns it. */
export interface EmulatedSite {
  /** `{hostname},{site collection id},{web id}`, as Graph composes site ids. */
  readonly id: string;
  readonly template: SiteTemplate;
  /** Last URL segment (`Marketing`), empty for the root site. */
  readonly name: string;
  displayName: string;
  description: string;
  /** `https://contoso.sharepoint.com/sites/Marketing`. */
  readonly webUrl: string;
  readonly createdDateTime: string;
  lastModifiedDateTime: string;
}

/** What a control call may give for a new site. */
export interface SiteInput {
  /** URL name (`/sites/{name}`): letters, digits, `-`, `_`, `.`. */
  name?: unknown;
  displayName?: unknown;
  description?: unknown;
  template?: unknown;
}

const TEAM_SITES = [
  'Marketing',
  'Finance',
  'HumanResources',
  'Legal',
  'Engineering',
  'Sales',
  'ProjectApollo',
  'ProjectOrion',
  'Operations',
  'Procurement',
  'CustomerSuccess',
  'Research',
];
const COMMUNICATION_SITES = ['Intranet', 'News', 'Benefits', 'ITHelp', 'Events', 'Leadership'];
const USERS_PER_SITE = 20;
const EPOCH_2019 = Date.UTC(2019, 0, 1);
const DAY_MS = 86_400_000;
const URL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** `contoso.onmicrosoft.com` → `contoso.sharepoint.com`. */
export function sharePointHostname(defaultDomain: string): string {
  const prefix = (defaultDomain.split('.')[0] ?? defaultDomain).toLowerCase();
  return `${prefix}.sharepoint.com`;
}

/** `contoso.onmicrosoft.com` → `contoso-my.sharepoint.com` (where OneDrive accounts live). */
export function oneDriveHostname(defaultDomain: string): string {
  const prefix = (defaultDomain.split('.')[0] ?? defaultDomain).toLowerCase();
  return `${prefix}-my.sharepoint.com`;
}

const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The site collections of one tenant, in creation order (deleted ones leave a hole, keeping page positions). */
export class SiteCollections {
  readonly hostname: string;
  readonly #slots: (EmulatedSite | undefined)[] = [];
  readonly #byId = new Map<string, number>();
  readonly #byPath = new Map<string, number>();
  readonly #random;
  readonly #now: () => number;

  constructor(directory: TenantDirectory, now: () => number = Date.now) {
    const { tenant } = directory;
    this.hostname = sharePointHostname(tenant.defaultDomain);
    this.#random = createSeededRandom(`${tenant.seed}/sites`);
    this.#now = now;
    const total = Math.max(1, Math.round(tenant.userCount / USERS_PER_SITE));
    const createdAt = (index: number): string =>
      isoSeconds(EPOCH_2019 + index * 3 * DAY_MS + this.#random.int(DAY_MS));
    this.#insert('root', '', `${tenant.displayName} Communication site`, createdAt(0));
    for (let index = 1; index < total; index++) {
      // Two team sites for each communication site, as in most tenants.
      const communication = index % 3 === 0;
      const names = communication ? COMMUNICATION_SITES : TEAM_SITES;
      const ordinal = communication ? Math.floor(index / 3) - 1 : index - 1 - Math.floor(index / 3);
      const base = names[ordinal % names.length] as string;
      const round = Math.floor(ordinal / names.length);
      const name = round === 0 ? base : `${base}${round + 1}`;
      const displayName = (round === 0 ? base : `${base} ${round + 1}`).replace(/([a-z])([A-Z])/g, '$1 $2');
      this.#insert(communication ? 'communication' : 'team', name, displayName, createdAt(index));
    }
  }

  /** Number of site collections now. */
  get size(): number {
    return this.#byId.size;
  }

  /** Sites by slot (paging order), holes for deleted ones. */
  get slots(): readonly (EmulatedSite | undefined)[] {
    return this.#slots;
  }

  /** The tenant's root site. */
  get root(): EmulatedSite {
    return this.#slots[0] as EmulatedSite;
  }

  list(): EmulatedSite[] {
    return this.#slots.filter((site): site is EmulatedSite => site !== undefined);
  }

  /** By the full site id, or by its site collection id alone (control calls). */
  get(id: string): EmulatedSite | undefined {
    const key = id.toLowerCase();
    const slot = this.#byId.get(key) ?? this.#byId.get(`${this.hostname},${key}`);
    if (slot !== undefined) return this.#slots[slot];
    return this.list().find((site) => site.id.split(',')[1] === key);
  }

  /** By server-relative path (`/sites/Marketing`, `/` for the root), case-insensitive like SharePoint. */
  byPath(path: string): EmulatedSite | undefined {
    const slot = this.#byPath.get(normalisePath(path));
    return slot === undefined ? undefined : this.#slots[slot];
  }

  create(input: SiteInput): EmulatedSite {
    const name = input.name;
    if (typeof name !== 'string' || !URL_NAME.test(name))
      throw new DirectoryError(
        'invalidInput',
        'name must be a URL name of letters, digits, ".", "-" or "_" (at most 128).',
      );
    const template = input.template ?? 'team';
    if (template !== 'team' && template !== 'communication')
      throw new DirectoryError('invalidInput', 'template must be "team" or "communication".');
    if (this.byPath(`/sites/${name}`))
      throw new DirectoryError('conflict', `A site already exists at /sites/${name}.`);
    const displayName = input.displayName ?? name;
    if (typeof displayName !== 'string' || displayName.trim() === '')
      throw new DirectoryError('invalidInput', 'displayName must be a non-empty string.');
    const site = this.#insert(template, name, displayName, isoSeconds(this.#now()));
    if (typeof input.description === 'string') site.description = input.description;
    return site;
  }

  update(id: string, changes: SiteInput): EmulatedSite | undefined {
    const site = this.get(id);
    if (!site) return undefined;
    if (changes.displayName !== undefined) {
      if (typeof changes.displayName !== 'string' || changes.displayName.trim() === '')
        throw new DirectoryError('invalidInput', 'displayName must be a non-empty string.');
      site.displayName = changes.displayName;
    }
    if (changes.description !== undefined) {
      if (typeof changes.description !== 'string')
        throw new DirectoryError('invalidInput', 'description must be a string.');
      site.description = changes.description;
    }
    site.lastModifiedDateTime = isoSeconds(this.#now());
    return site;
  }

  delete(id: string): boolean {
    const site = this.get(id);
    if (!site) return false;
    if (site.template === 'root')
      throw new DirectoryError('invalidInput', 'The root site cannot be deleted.');
    const slot = this.#byId.get(site.id) as number;
    this.#slots[slot] = undefined;
    this.#byId.delete(site.id);
    this.#byPath.delete(pathOf(site));
    return true;
  }

  #insert(template: SiteTemplate, name: string, displayName: string, createdDateTime: string): EmulatedSite {
    const site: EmulatedSite = {
      id: `${this.hostname},${this.#random.guid()},${this.#random.guid()}`,
      template,
      name,
      displayName,
      description: '',
      webUrl: template === 'root' ? `https://${this.hostname}` : `https://${this.hostname}/sites/${name}`,
      createdDateTime,
      lastModifiedDateTime: createdDateTime,
    };
    const slot = this.#slots.push(site) - 1;
    this.#byId.set(site.id, slot);
    this.#byPath.set(pathOf(site), slot);
    return site;
  }
}

function normalisePath(path: string): string {
  const trimmed = path.replace(/\/+$/, '').toLowerCase();
  return trimmed === '' ? '/' : trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

const pathOf = (site: EmulatedSite): string =>
  site.template === 'root' ? '/' : normalisePath(`/sites/${site.name}`);

const sitesByDirectory = new WeakMap<TenantDirectory, SiteCollections>();

/** The site collections of a tenant's directory, generated on first use. */
export function sitesOf(directory: TenantDirectory): SiteCollections {
  let sites = sitesByDirectory.get(directory);
  if (!sites) {
    sites = new SiteCollections(directory);
    sitesByDirectory.set(directory, sites);
  }
  return sites;
}
