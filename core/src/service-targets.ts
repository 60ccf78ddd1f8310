/**
 * What each service protects, and the rules for picking it: Exchange Online protects mailboxes,
 * SharePoint Online site collections, OneDrive the OneDrive accounts of users. All three still
 * share one scope option (R2); in selected mode Exchange Online and OneDrive pick users (who must
 * have a mailbox or a OneDrive), SharePoint Online picks site collection URLs (at most 100).
 */
import { err, ok, type Result } from './result.js';
import { SERVICE_NAMES, type ServiceId } from './services.js';
import type { SyncScope } from './model.js';

/** The kind of thing a service protects. */
export type TargetKind = 'mailbox' | 'siteCollection' | 'oneDriveAccount';

/** Each service's targets. */
export const SERVICE_TARGET_KINDS: Readonly<Record<ServiceId, TargetKind>> = {
  exchangeOnline: 'mailbox',
  sharePointOnline: 'siteCollection',
  oneDrive: 'oneDriveAccount',
};

/** True when a service's selected targets are picked as users (By User / By Group). */
export function picksUsers(service: ServiceId): boolean {
  return SERVICE_TARGET_KINDS[service] !== 'siteCollection';
}

/**
 * The scope options' labels for a service. Exchange Online keeps the source guide's words; the
 * services whose targets are not users' mailboxes say "targets".
 */
export function scopeLabelsFor(service: ServiceId): Readonly<Record<SyncScope, string>> {
  return service === 'exchangeOnline'
    ? { allUsersAndGroups: 'Synchronize all users and groups', selectedUsers: 'Synchronize selected users' }
    : { allUsersAndGroups: 'Synchronize all targets', selectedUsers: 'Synchronize selected targets' };
}

const NOUNS: Readonly<Record<TargetKind, readonly [string, string]>> = {
  mailbox: ['mailbox', 'mailboxes'],
  siteCollection: ['site collection', 'site collections'],
  oneDriveAccount: ['OneDrive account', 'OneDrive accounts'],
};

const COUNT_FORMAT = new Intl.NumberFormat('en-US');

/** "1,204 mailboxes", "1 site collection", "980 OneDrive accounts". */
export function targetCountText(service: ServiceId, count: number): string {
  const [one, many] = NOUNS[SERVICE_TARGET_KINDS[service]];
  return `${COUNT_FORMAT.format(count)} ${count === 1 ? one : many}`;
}

/** How many targets each service protects after its last synchronization, and when that was. */
export interface ProtectedTargetCount {
  readonly service: ServiceId;
  readonly count: number;
  /** ISO 8601; null before the first successful synchronization. */
  readonly lastSynchronizedAt: string | null;
}

/** One licence plan of a user as Graph's `assignedPlans` reports it. */
export interface AssignedPlan {
  readonly service: string;
  readonly capabilityStatus: string;
}

/** What a user's licences give them in the services the product protects. */
export interface UserServiceHoldings {
  /** An enabled Exchange Online plan: Exchange holds a mailbox for them. */
  readonly mailbox: boolean;
  /** An enabled SharePoint Online plan: they have a OneDrive. */
  readonly oneDrive: boolean;
}

/**
 * Reads a user's `assignedPlans`: Exchange Online plans are `service: "exchange"`, SharePoint
 * Online (which hosts OneDrive) `"SharePoint"`; only `Enabled` plans count (a removed licence
 * leaves `Deleted` plans behind for a while, a lapsed one `Suspended`).
 */
export function holdingsFromPlans(plans: readonly AssignedPlan[] | null | undefined): UserServiceHoldings {
  const enabled = (service: string): boolean =>
    (plans ?? []).some(
      (plan) => plan.service.toLowerCase() === service.toLowerCase() && plan.capabilityStatus === 'Enabled',
    );
  return { mailbox: enabled('exchange'), oneDrive: enabled('SharePoint') };
}

/** True when the service protects something of this user. */
export function protectsUser(service: ServiceId, holdings: UserServiceHoldings): boolean {
  if (service === 'exchangeOnline') return holdings.mailbox;
  if (service === 'oneDrive') return holdings.oneDrive;
  return false;
}

/** A user picked for Exchange Online or OneDrive has nothing that service protects. */
export interface UserNotProtectable {
  readonly code: 'user_without_mailbox' | 'user_without_onedrive';
  readonly userPrincipalName: string;
  readonly message: string;
}

/** Refuses a user the service has nothing to protect of (no mailbox, no OneDrive). */
export function checkUserTarget(
  service: ServiceId,
  user: { readonly userPrincipalName: string; readonly holdings: UserServiceHoldings },
): Result<void, UserNotProtectable> {
  if (service === 'exchangeOnline' && !user.holdings.mailbox)
    return err({
      code: 'user_without_mailbox',
      userPrincipalName: user.userPrincipalName,
      message: `${user.userPrincipalName} has no Exchange Online mailbox, so Exchange Online has nothing to protect for this user.`,
    });
  if (service === 'oneDrive' && !user.holdings.oneDrive)
    return err({
      code: 'user_without_onedrive',
      userPrincipalName: user.userPrincipalName,
      message: `${user.userPrincipalName} has no OneDrive, so OneDrive has nothing to protect for this user.`,
    });
  return ok(undefined);
}

/** A site collection picked for SharePoint Online, as Graph verified it. */
export interface SiteTarget {
  /** Graph's site id (`{hostname},{site collection id},{web id}`). */
  readonly siteId: string;
  /** The site collection's URL as Graph reports it. */
  readonly webUrl: string;
  readonly displayName: string;
}

/** "You can synchronize a maximum of 100 site collections." */
export const MAX_SELECTED_SITES = 100;
/** SharePoint's limit on a whole URL. */
export const MAX_SITE_URL_LENGTH = 400;

/** Why a pasted site collection URL was refused before asking Graph. */
export type SiteUrlErrorCode =
  | 'site_url_empty'
  | 'site_url_too_long'
  | 'site_url_not_url'
  | 'site_url_not_https'
  | 'site_url_not_sharepoint'
  | 'site_url_onedrive'
  | 'site_url_invalid_path';

export interface SiteUrlError {
  readonly code: SiteUrlErrorCode;
  readonly message: string;
}

/** A site collection URL reduced to what Graph's `/sites/{hostname}:/{path}` needs. */
export interface SiteCollectionUrl {
  /** Lower-case, e.g. `contoso.sharepoint.com`. */
  readonly hostname: string;
  /** `/` for the root site, else `/sites/{name}` or `/teams/{name}`. */
  readonly serverRelativePath: string;
  /** `https://{hostname}{path}` without a trailing slash (the root without a path). */
  readonly url: string;
}

// SharePoint Online's hosts in the global and national clouds.
const SHAREPOINT_HOST = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.sharepoint\.(?:com|us|de|cn)$/;
const SITE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const MANAGED_PATHS = ['sites', 'teams'];

/**
 * A site collection URL as an admin pastes it: from the address bar, so a page of the site
 * (`/sites/Marketing/SitePages/Home.aspx`), a trailing slash, a query or a fragment reduce to the
 * site collection (`/sites/Marketing`); anything outside `/sites/` or `/teams/` is the root site.
 * OneDrive addresses (`-my.sharepoint.com`) are refused: OneDrive protects those.
 */
export function parseSiteCollectionUrl(input: string): Result<SiteCollectionUrl, SiteUrlError> {
  const text = input.trim();
  if (text === '')
    return err({
      code: 'site_url_empty',
      message: 'Paste the site collection URL, for example https://contoso.sharepoint.com/sites/Marketing.',
    });
  if (text.length > MAX_SITE_URL_LENGTH)
    return err({
      code: 'site_url_too_long',
      message: `A SharePoint URL has at most ${MAX_SITE_URL_LENGTH} characters.`,
    });
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return err({
      code: 'site_url_not_url',
      message: `"${text}" is not a URL: paste it from the browser, for example https://contoso.sharepoint.com/sites/Marketing.`,
    });
  }
  if (parsed.protocol !== 'https:')
    return err({ code: 'site_url_not_https', message: 'SharePoint Online URLs start with https://.' });
  const hostname = parsed.hostname.toLowerCase();
  if (
    parsed.port !== '' ||
    parsed.username !== '' ||
    parsed.password !== '' ||
    !SHAREPOINT_HOST.test(hostname)
  )
    return err({
      code: 'site_url_not_sharepoint',
      message: `${hostname} is not a SharePoint Online address (they end in .sharepoint.com).`,
    });
  if (hostname.split('.')[0]?.endsWith('-my'))
    return err({
      code: 'site_url_onedrive',
      message:
        'This is a OneDrive address: OneDrive protects OneDrive accounts. Paste a SharePoint site collection URL.',
    });
  const segments = parsed.pathname.split('/').filter(Boolean);
  const [managed, rawName] = segments;
  let serverRelativePath = '/';
  if (managed !== undefined && MANAGED_PATHS.includes(managed.toLowerCase())) {
    let name: string;
    try {
      name = decodeURIComponent(rawName ?? '');
    } catch {
      name = '';
    }
    if (!SITE_NAME.test(name))
      return err({
        code: 'site_url_invalid_path',
        message: `After /${managed}/ comes the site name (letters, digits, ".", "-", "_"), for example https://${hostname}/${managed}/Marketing.`,
      });
    serverRelativePath = `/${managed.toLowerCase()}/${name}`;
  }
  const url = `https://${hostname}${serverRelativePath === '/' ? '' : serverRelativePath}`;
  return ok({ hostname, serverRelativePath, url });
}

/** Adding would take the selected site collections past 100; nothing was added. */
export interface SiteLimitExceeded {
  readonly code: 'site_limit_exceeded';
  readonly limit: number;
  readonly current: number;
  readonly message: string;
}

/** The outcome of adding a verified site collection. */
export interface SiteTargetAdded {
  readonly targets: readonly SiteTarget[];
  /** True when the site was already selected (by id or URL): nothing changed. */
  readonly duplicate: boolean;
}

const siteKey = (url: string): string => url.replace(/\/+$/, '').toLowerCase();

/** Appends a verified site collection; a duplicate is ignored, the 101st refused. */
export function addSiteTarget(
  current: readonly SiteTarget[],
  site: SiteTarget,
): Result<SiteTargetAdded, SiteLimitExceeded> {
  const duplicate = current.some(
    (each) =>
      each.siteId.toLowerCase() === site.siteId.toLowerCase() ||
      siteKey(each.webUrl) === siteKey(site.webUrl),
  );
  if (duplicate) return ok({ targets: current, duplicate: true });
  if (current.length >= MAX_SELECTED_SITES)
    return err({
      code: 'site_limit_exceeded',
      limit: MAX_SELECTED_SITES,
      current: current.length,
      message: `You can synchronize a maximum of ${MAX_SELECTED_SITES} site collections; Selected Targets is full.`,
    });
  return ok({ targets: [...current, site], duplicate: false });
}

/** Removes site collections by site id, keeping the others' order. */
export function removeSiteTargets(
  current: readonly SiteTarget[],
  siteIds: readonly string[],
): readonly SiteTarget[] {
  const removed = new Set(siteIds.map((id) => id.toLowerCase()));
  return current.filter((site) => !removed.has(site.siteId.toLowerCase()));
}

/** Done: the selected site collections as saved, each once; more than 100 distinct ones are refused. */
export function checkSiteSelection(
  sites: readonly SiteTarget[],
): Result<readonly SiteTarget[], SiteLimitExceeded> {
  let targets: readonly SiteTarget[] = [];
  for (const site of sites) {
    const added = addSiteTarget(targets, site);
    if (!added.ok) return added;
    targets = added.value.targets;
  }
  return ok(targets);
}

/** "SharePoint Online protects 37 site collections." — the line under a service's tile. */
export function protectedTargetsLine(service: ServiceId, count: number): string {
  return `${SERVICE_NAMES[service]} protects ${targetCountText(service, count)}.`;
}

/** One page of a tenant's site collections (personal OneDrive sites left out). */
export interface SiteCollectionPage {
  readonly sites: readonly SiteTarget[];
  /** Where the next page starts (an opaque cursor to keep as a checkpoint); null on the last page. */
  readonly next: string | null;
}

/**
 * Reads what each service protects (Graph in production, the emulator locally). One adapter
 * implements it; implementations throw their own error class on failure.
 */
export interface ServiceTargetsReader {
  /** The site collection at this URL, or undefined when the tenant has none there. */
  findSiteCollection(tenantId: string, url: SiteCollectionUrl): Promise<SiteTarget | undefined>;
  /**
   * Site collections by Graph site id, one entry per id in order (undefined: the tenant has no
   * such site any more), read in `$batch` requests of 20: Done re-verifies the picked sites with
   * it, and a selected-mode run reads exactly its sites.
   */
  findSitesById(tenantId: string, siteIds: readonly string[]): Promise<(SiteTarget | undefined)[]>;
  /** One page of every site collection of the tenant, from `cursor` (undefined: the first page). */
  listSiteCollections(
    tenantId: string,
    options: { readonly pageSize: number; readonly cursor?: string },
  ): Promise<SiteCollectionPage>;
  /**
   * What the users' licences give them, one entry per id in order (undefined: no such user), from
   * their `assignedPlans`, read in `$batch` requests of 20.
   */
  findUserHoldings(
    tenantId: string,
    userIds: readonly string[],
  ): Promise<(UserServiceHoldings | undefined)[]>;
  /** True when Exchange Online answers for the user's mailbox (`mailFolders/inbox`). */
  hasMailbox(tenantId: string, userId: string): Promise<boolean>;
  /** True when the user has a OneDrive (`/users/{id}/drive`). */
  hasOneDrive(tenantId: string, userId: string): Promise<boolean>;
}

/** Done was sent the other service's kind of target: users for SharePoint Online, sites for the others. */
export interface TargetKindMismatch {
  readonly code: 'target_kind_mismatch';
  readonly service: ServiceId;
  readonly message: string;
}

/**
 * Refuses a Done whose Selected Targets are of the wrong kind for the service, before anything is
 * looked up: SharePoint Online picks site collections, Exchange Online and OneDrive pick users.
 */
export function checkTargetKind(
  service: ServiceId,
  selection: { readonly targets?: readonly unknown[]; readonly sites?: readonly unknown[] },
): Result<void, TargetKindMismatch> {
  const name = SERVICE_NAMES[service];
  if (picksUsers(service) && (selection.sites?.length ?? 0) > 0)
    return err({
      code: 'target_kind_mismatch',
      service,
      message: `${name} protects users' ${SERVICE_TARGET_KINDS[service] === 'mailbox' ? 'mailboxes' : 'OneDrive accounts'}: pick users, not site collections.`,
    });
  if (!picksUsers(service) && (selection.targets?.length ?? 0) > 0)
    return err({
      code: 'target_kind_mismatch',
      service,
      message: `${name} protects site collections: add site collection URLs, not users.`,
    });
  return ok(undefined);
}

/** Users picked for a service that has nothing of theirs to protect; all of them are named. */
export interface UsersNotProtectable {
  readonly code: UserNotProtectable['code'];
  readonly users: readonly { readonly userId: string; readonly userPrincipalName: string }[];
  readonly message: string;
}

/**
 * Done for Exchange Online or OneDrive: every picked user must have what the service protects (a
 * mailbox, a OneDrive). One user refused gets core's sentence; several are named in one line.
 */
export function checkUserTargets(
  service: ServiceId,
  users: readonly {
    readonly userId: string;
    readonly userPrincipalName: string;
    readonly holdings: UserServiceHoldings;
  }[],
): Result<void, UsersNotProtectable> {
  const refused = users.flatMap((user) => {
    const checked = checkUserTarget(service, user);
    return checked.ok ? [] : [{ user, error: checked.error }];
  });
  const [first] = refused;
  if (first === undefined) return ok(undefined);
  const named = refused.map(({ user }) => ({
    userId: user.userId,
    userPrincipalName: user.userPrincipalName,
  }));
  if (refused.length === 1)
    return err({
      code: first.error.code,
      users: named,
      message: `${first.error.message} Remove the user from Selected Targets.`,
    });
  const missing = first.error.code === 'user_without_mailbox' ? 'Exchange Online mailbox' : 'OneDrive';
  return err({
    code: first.error.code,
    users: named,
    message: `These users have no ${missing}, so ${SERVICE_NAMES[service]} has nothing to protect for them: ${named.map((user) => user.userPrincipalName).join(', ')}. Remove them from Selected Targets.`,
  });
}

/** Site collections picked for SharePoint Online that Graph no longer knows in the tenant. */
export interface SitesNotFound {
  readonly code: 'sites_not_found';
  readonly unknown: readonly SiteTarget[];
  readonly message: string;
}

/**
 * Done for SharePoint Online: the picked sites as Graph knows them now (its URL and name replace the
 * client's); any site Graph does not know refuses the whole selection, naming each by URL.
 */
export function verifiedSites(
  requested: readonly SiteTarget[],
  found: readonly (SiteTarget | undefined)[],
): Result<readonly SiteTarget[], SitesNotFound> {
  const unknown = requested.filter((_, index) => found[index] === undefined);
  if (unknown.length > 0) {
    const names = unknown.map((site) => site.webUrl || site.siteId).join(', ');
    return err({
      code: 'sites_not_found',
      unknown,
      message:
        unknown.length === 1
          ? `This site collection does not exist in your organization (any more): ${names}. Remove it from Selected Targets.`
          : `These site collections do not exist in your organization (any more): ${names}. Remove them from Selected Targets.`,
    });
  }
  return ok(requested.map((site, index) => found[index] ?? site));
}
