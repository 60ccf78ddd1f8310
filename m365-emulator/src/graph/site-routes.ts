/**
 * SharePoint sites, OneDrive drives and mail folders as Graph v1.0 serves them: `GET /sites?search=`,
 * `GET /sites/getAllSites` (application permissions, paged), `GET /sites/root`,
 * `GET /sites/{hostname}`, `GET /sites/{hostname}:/{server-relative-path}`, `GET /sites/{site-id}`,
 * `GET /users/{id}/drive` and `GET /users/{id}/mailFolders/{folder}`. SharePoint-backed routes answer
 * with SharePoint's error codes (`itemNotFound`, `accessDenied`), not the directory's.
 *
 * `GET /sites/delta` is in v1.0 but is not served: the product re-enumerates with `getAllSites`
 * (docs/adr/0015-targets-per-service.md says why).
 */
import { hasMailbox, hasOneDrive } from '../directory/licence-plans.js';
import { oneDriveHostname, sitesOf, type EmulatedSite } from '../directory/site-collections.js';
import {
  badRequest,
  GraphError,
  mailAccessDenied,
  resourceNotFound,
  segmentNotFound,
} from './graph-error.js';
import { graphUrl, type GraphRequest, type GraphResponse } from './graph-request.js';
import { isDelegated } from './permissions.js';
import { decodeOpaque, encodeOpaque, formatQueryOptions } from './query-string.js';
import type { EmulatedUser } from '../contracts.js';
import type { GraphRoute } from './graph-routes.js';

/** 403 as SharePoint-backed routes word it. */
export function sharePointAccessDenied(): GraphError {
  return new GraphError(403, 'accessDenied', 'Access denied');
}

/** 404 for a site URL or id the tenant does not have. */
export function siteNotFound(): GraphError {
  return new GraphError(404, 'itemNotFound', 'Requested site could not be found');
}

/** getAllSites pages: SharePoint's default and largest page sizes. */
export const SITES_DEFAULT_PAGE_SIZE = 200;
export const SITES_MAX_PAGE_SIZE = 999;

const SITE_PROPERTIES = [
  'createdDateTime',
  'description',
  'id',
  'lastModifiedDateTime',
  'name',
  'webUrl',
  'displayName',
  'isPersonalSite',
  'root',
  'siteCollection',
] as const;
type SiteProperty = (typeof SITE_PROPERTIES)[number];

/** A site or a personal site as the routes render it. */
interface SiteView {
  readonly id: string;
  readonly name: string;
  readonly displayName: string;
  readonly description: string;
  readonly webUrl: string;
  readonly createdDateTime: string;
  readonly lastModifiedDateTime: string;
  readonly hostname: string;
  readonly personal: boolean;
}

const viewOfSite = (site: EmulatedSite, hostname: string): SiteView => ({
  ...site,
  hostname,
  personal: false,
});

/** `adele.vance@contoso.com` → `adele_vance_contoso_com`, SharePoint's personal site path segment. */
function personalSegment(upn: string): string {
  return upn.toLowerCase().replace(/[^a-z0-9]/g, '_');
}

function personalSiteOf(request: GraphRequest, user: EmulatedUser): SiteView {
  const hostname = oneDriveHostname(request.directory.tenant.defaultDomain);
  const guid = user.id;
  return {
    id: `${hostname},${guid},${guid.split('').reverse().join('')}`,
    name: personalSegment(user.userPrincipalName),
    displayName: user.displayName,
    description: '',
    webUrl: `https://${hostname}/personal/${personalSegment(user.userPrincipalName)}`,
    createdDateTime: '2020-01-01T00:00:00Z',
    lastModifiedDateTime: '2020-01-01T00:00:00Z',
    hostname,
    personal: true,
  };
}

function readProperty(site: SiteView, name: SiteProperty): unknown {
  switch (name) {
    case 'isPersonalSite':
      return site.personal;
    case 'root':
      // Every site collection's top web carries the `root` facet.
      return {};
    case 'siteCollection':
      return { hostname: site.hostname };
    default:
      return site[name];
  }
}

function parseSiteSelect(request: GraphRequest): SiteProperty[] {
  const raw = request.query.get('$select');
  if (raw === undefined || raw.trim() === '') return [...SITE_PROPERTIES];
  return raw
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((name) => {
      const known = SITE_PROPERTIES.find((property) => property.toLowerCase() === name.toLowerCase());
      if (!known)
        throw badRequest(`Could not find a property named '${name}' on type 'microsoft.graph.site'.`);
      return known;
    });
}

function renderSite(site: SiteView, select: readonly SiteProperty[]): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const name of select) body[name] = readProperty(site, name);
  return body;
}

function siteEntity(request: GraphRequest, site: SiteView): GraphResponse {
  return {
    status: 200,
    body: {
      '@odata.context': `${request.origin}/v1.0/$metadata#sites/$entity`,
      ...renderSite(site, parseSiteSelect(request)),
    },
  };
}

/** Positions of `getAllSites`: the site collections' slots, then every user slot (personal sites). */
function allSitesPage(request: GraphRequest): GraphResponse {
  if (isDelegated(request.caller)) throw sharePointAccessDenied();
  const sites = sitesOf(request.directory);
  const users = request.directory.userSlots;
  const rawTop = request.query.get('$top');
  let top = SITES_DEFAULT_PAGE_SIZE;
  if (rawTop !== undefined) {
    top = Number(rawTop);
    if (!Number.isInteger(top) || top < 1 || top > SITES_MAX_PAGE_SIZE)
      throw badRequest(`Invalid page size specified: '${rawTop}'.`, 'invalidRequest');
  }
  const token = request.query.get('$skiptoken');
  let start = 0;
  if (token !== undefined) {
    const decoded = decodeOpaque(token) as { s?: unknown } | undefined;
    if (!decoded || typeof decoded.s !== 'number' || decoded.s < 0)
      throw badRequest('The $skiptoken value is not valid.', 'invalidRequest');
    start = decoded.s;
  }
  const select = parseSiteSelect(request);
  const size = sites.slots.length + users.length;
  const at = (position: number): SiteView | undefined => {
    if (position < sites.slots.length) {
      const site = sites.slots[position];
      return site ? viewOfSite(site, sites.hostname) : undefined;
    }
    const user = users[position - sites.slots.length];
    return user && hasOneDrive(user) ? personalSiteOf(request, user) : undefined;
  };
  const page: Record<string, unknown>[] = [];
  let position = start;
  for (; position < size && page.length < top; position++) {
    const site = at(position);
    if (site) page.push(renderSite(site, select));
  }
  let next: number | undefined;
  for (let probe = position; probe < size; probe++) {
    if (at(probe)) {
      next = probe;
      break;
    }
  }
  const body: Record<string, unknown> = { '@odata.context': `${request.origin}/v1.0/$metadata#sites` };
  if (next !== undefined) {
    const options = [...request.query].filter(([key]) => key !== '$skiptoken');
    options.push(['$skiptoken', encodeOpaque({ s: next })]);
    body['@odata.nextLink'] = graphUrl(request, `${request.path}${formatQueryOptions(options)}`);
  }
  body['value'] = page;
  return { status: 200, body };
}

/** `GET /sites?search=`: site collections whose name, title, description or URL contain the words (`*`: all). */
function searchSites(request: GraphRequest): GraphResponse {
  const sites = sitesOf(request.directory);
  const query = (request.query.get('search') ?? '*').trim().replace(/^"(.*)"$/, '$1');
  const words = query === '*' || query === '' ? [] : query.toLowerCase().split(/\s+/);
  const select = parseSiteSelect(request);
  const value = sites
    .list()
    .filter((site) =>
      words.every((word) =>
        [site.name, site.displayName, site.description, site.webUrl].some((text) =>
          text.toLowerCase().includes(word),
        ),
      ),
    )
    .map((site) => renderSite(viewOfSite(site, sites.hostname), select));
  return { status: 200, body: { '@odata.context': `${request.origin}/v1.0/$metadata#sites`, value } };
}

/** One site by `root`, hostname, `hostname:/path` or site id. */
function getSite(request: GraphRequest, key: string, path: readonly string[] | undefined): GraphResponse {
  const sites = sitesOf(request.directory);
  if (path !== undefined) {
    // `{hostname}:` then the server-relative path; a trailing `:` ends the path (`…:/sites/x:`).
    const hostname = key.slice(0, -1).toLowerCase();
    const relative = `/${path.join('/')}`.replace(/:$/, '');
    if (hostname !== sites.hostname) throw siteNotFound();
    const site = sites.byPath(relative);
    if (!site) throw siteNotFound();
    return siteEntity(request, viewOfSite(site, sites.hostname));
  }
  if (key.toLowerCase() === 'root' || key.toLowerCase() === sites.hostname)
    return siteEntity(request, viewOfSite(sites.root, sites.hostname));
  const site = sites.get(key);
  if (!site) throw siteNotFound();
  return siteEntity(request, viewOfSite(site, sites.hostname));
}

/** Routes below `/sites` (`rest` are the segments after `sites`). */
export function sitesRoute(method: string, rest: readonly string[]): GraphRoute {
  if (method !== 'GET')
    throw new GraphError(405, 'BadRequest', 'Specified HTTP method is not allowed for the request target.');
  const [key, ...path] = rest;
  if (key === undefined)
    return {
      label: 'GET /v1.0/sites',
      operation: 'readSites',
      denied: sharePointAccessDenied,
      cost: undefined,
      run: searchSites,
    };
  if (/^getAllSites(\(\))?$/i.test(key)) {
    if (path.length > 0) throw segmentNotFound(path[0] as string);
    return {
      label: 'GET /v1.0/sites/getAllSites',
      operation: 'readAllSites',
      denied: sharePointAccessDenied,
      cost: undefined,
      run: allSitesPage,
    };
  }
  if (key.endsWith(':')) {
    if (path.length === 0) throw siteNotFound();
    return {
      label: 'GET /v1.0/sites/{hostname}:/{path}',
      operation: 'readSites',
      denied: sharePointAccessDenied,
      cost: undefined,
      run: (request) => getSite(request, key, path),
    };
  }
  if (path.length > 0) throw segmentNotFound(path[0] as string);
  return {
    label: 'GET /v1.0/sites/{id}',
    operation: 'readSites',
    denied: sharePointAccessDenied,
    cost: undefined,
    run: (request) => getSite(request, key, undefined),
  };
}

/** `GET /users/{id}/drive`: the user's OneDrive, or SharePoint's 404 when they have none. */
export function userDrive(request: GraphRequest, key: string): GraphResponse {
  const user = request.directory.getUser(key);
  if (!user) throw resourceNotFound(key);
  if (!hasOneDrive(user)) {
    const error = new GraphError(404, 'ResourceNotFound', "User's mysite not found.");
    error.innerCode = 'mysiteNotFound';
    throw error;
  }
  const site = personalSiteOf(request, user);
  return {
    status: 200,
    body: {
      '@odata.context': `${request.origin}/v1.0/$metadata#drives/$entity`,
      createdDateTime: site.createdDateTime,
      description: '',
      id: `b!${Buffer.from(user.id.replace(/-/g, ''), 'hex').toString('base64url')}`,
      lastModifiedDateTime: site.lastModifiedDateTime,
      name: 'OneDrive',
      webUrl: `${site.webUrl}/Documents`,
      driveType: 'business',
      createdBy: { user: { displayName: 'System Account' } },
      owner: { user: { email: user.mail, id: user.id, displayName: user.displayName } },
      quota: { deleted: 0, remaining: 1_099_511_627_776, state: 'normal', total: 1_099_511_627_776, used: 0 },
    },
  };
}

const WELL_KNOWN_FOLDERS = ['inbox', 'sentitems', 'deleteditems', 'drafts', 'junkemail', 'archive'];

/** `GET /users/{id}/mailFolders/{folder}`: a well-known folder of the user's mailbox. */
export function userMailFolder(request: GraphRequest, key: string, folder: string): GraphResponse {
  const user = request.directory.getUser(key);
  if (!user) throw resourceNotFound(key);
  if (!hasMailbox(user)) {
    throw new GraphError(
      404,
      'MailboxNotEnabledForRESTAPI',
      'The mailbox is either inactive, soft-deleted, or is hosted on-premise.',
    );
  }
  const wellKnown = folder.toLowerCase();
  if (!WELL_KNOWN_FOLDERS.includes(wellKnown))
    throw new GraphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
  const displayName = {
    inbox: 'Inbox',
    sentitems: 'Sent Items',
    deleteditems: 'Deleted Items',
    drafts: 'Drafts',
    junkemail: 'Junk Email',
    archive: 'Archive',
  }[wellKnown];
  return {
    status: 200,
    body: {
      '@odata.context': `${request.origin}/v1.0/$metadata#users('${encodeURIComponent(user.id)}')/mailFolders/$entity`,
      id: Buffer.from(`${user.id}/${wellKnown}`).toString('base64url'),
      displayName,
      parentFolderId: Buffer.from(`${user.id}/root`).toString('base64url'),
      childFolderCount: 0,
      unreadItemCount: 0,
      totalItemCount: 0,
      sizeInBytes: 0,
      isHidden: false,
    },
  };
}

/** Exchange's 403 for mail folder reads without a Mail permission. */
export const mailFolderDenied = mailAccessDenied;
