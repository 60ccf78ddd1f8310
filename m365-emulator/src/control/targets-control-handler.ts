/**
 * Control routes for what each service protects: a tenant's SharePoint site collections (list,
 * add, rename, delete), a user's licence (which gives or takes their mailbox and OneDrive), and
 * the counts Graph would show (`GET …/targets`), so tests compare the product with the emulator.
 * Mounted with the other `/_emulator/` routes (loopback only is the server's job).
 */
import {
  DEFAULT_LICENCE_SKU,
  hasExchangePlan,
  hasMailbox,
  hasOneDrive,
  isKnownSku,
} from '../directory/licence-plans.js';
import { sitesOf } from '../directory/site-collections.js';
import type { AreaHandler, DirectoryRegistry, EmulatedUser, TenantDirectory } from '../contracts.js';
import type { InMemoryTenantDirectory } from '../directory/tenant-directory.js';

/** Labels of these routes, for the README and `GET /_emulator`. */
export const TARGET_CONTROL_ROUTE_LABELS = [
  'GET /_emulator/tenants/{tenant}/sites',
  'POST /_emulator/tenants/{tenant}/sites',
  'PATCH /_emulator/tenants/{tenant}/sites/{site}',
  'DELETE /_emulator/tenants/{tenant}/sites/{site}',
  'POST /_emulator/tenants/{tenant}/users/{user}/license',
  'POST /_emulator/tenants/{tenant}/users/{user}/unlicense',
  'GET /_emulator/tenants/{tenant}/targets',
  'GET /_emulator/tenants/{tenant}/ews',
  'PUT /_emulator/tenants/{tenant}/ews',
] as const;

const SITES = /^\/_emulator\/tenants\/([^/]+)\/sites(?:\/([^/]+))?\/?$/;
const LICENCE = /^\/_emulator\/tenants\/([^/]+)\/users\/([^/]+)\/(license|unlicense)\/?$/;
const TARGETS = /^\/_emulator\/tenants\/([^/]+)\/targets\/?$/;

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Counts of what each service would protect in a tenant, as Graph shows it. */
export function targetCounts(directory: TenantDirectory): {
  mailboxes: number;
  sharedMailboxes: number;
  siteCollections: number;
  oneDriveAccounts: number;
} {
  let mailboxes = 0;
  let sharedMailboxes = 0;
  let oneDriveAccounts = 0;
  const slots = (directory as InMemoryTenantDirectory).userSlots;
  for (const user of slots) {
    if (!user) continue;
    if (hasExchangePlan(user)) mailboxes++;
    else if (hasMailbox(user)) sharedMailboxes++;
    if (hasOneDrive(user)) oneDriveAccounts++;
  }
  return { mailboxes, sharedMailboxes, siteCollections: sitesOf(directory).size, oneDriveAccounts };
}

function licence(
  directory: TenantDirectory,
  user: EmulatedUser,
  body: Record<string, unknown>,
): EmulatedUser {
  const skuId = body['skuId'] ?? DEFAULT_LICENCE_SKU;
  if (typeof skuId !== 'string' || !isKnownSku(skuId))
    throw new Refusal(400, 'invalidInput', 'skuId must be one of the SKUs the emulator knows.');
  const disabledPlans = body['disabledPlans'] ?? [];
  if (!Array.isArray(disabledPlans) || disabledPlans.some((plan) => typeof plan !== 'string'))
    throw new Refusal(400, 'invalidInput', 'disabledPlans must be an array of service plan ids.');
  if (user.userType !== 'Member')
    throw new Refusal(400, 'invalidInput', 'Only members can be licensed here.');
  const assignedLicenses = [{ skuId: skuId.toLowerCase(), disabledPlans: disabledPlans as string[] }];
  const next = { ...user, assignedLicenses };
  // Exchange creates the mailbox when an Exchange plan is assigned; without one there is none.
  const mailboxType = hasExchangePlan(next) ? 'user' : null;
  return directory.updateUser(user.id, {
    assignedLicenses,
    mailboxType,
    mail: mailboxType ? (user.mail ?? user.userPrincipalName) : user.mail,
  }) as EmulatedUser;
}

function unlicence(directory: TenantDirectory, user: EmulatedUser): EmulatedUser {
  if (user.mailboxType === 'shared')
    throw new Refusal(400, 'invalidInput', 'A shared mailbox has no licence to remove.');
  return directory.updateUser(user.id, { assignedLicenses: [], mailboxType: null }) as EmulatedUser;
}

/** Creates the handler; `{tenant}` may be a tenant id or a verified domain. */
export function createTargetsControlHandler(deps: {
  directories: Pick<DirectoryRegistry, 'get'>;
}): AreaHandler {
  return async ({ req, res, url, body }) => {
    const sites = SITES.exec(url.pathname);
    const licensing = LICENCE.exec(url.pathname);
    const targets = TARGETS.exec(url.pathname);
    const match = sites ?? licensing ?? targets;
    if (!match) return false;
    const send = (status: number, payload: unknown): true => {
      res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(payload));
      return true;
    };
    const method = req.method ?? 'GET';
    try {
      const tenantKey = decodeURIComponent(match[1] ?? '');
      const directory = deps.directories.get(tenantKey);
      if (!directory) throw new Refusal(404, 'tenantNotFound', `No tenant '${tenantKey}'.`);
      const input = parseBody(body);
      if (targets) {
        if (method !== 'GET') throw new Refusal(405, 'methodNotAllowed', 'Use GET.');
        return send(200, { tenantId: directory.tenant.id, ...targetCounts(directory) });
      }
      if (licensing) {
        if (method !== 'POST') throw new Refusal(405, 'methodNotAllowed', 'Use POST.');
        const key = decodeURIComponent(licensing[2] ?? '');
        const user = directory.getUser(key);
        if (!user) throw new Refusal(404, 'notFound', `No user '${key}'.`);
        return send(
          200,
          licensing[3] === 'license' ? licence(directory, user, input) : unlicence(directory, user),
        );
      }
      const collections = sitesOf(directory);
      const siteKey = sites?.[2] === undefined ? undefined : decodeURIComponent(sites[2]);
      if (siteKey === undefined) {
        if (method === 'GET') return send(200, { value: collections.list() });
        if (method === 'POST') return send(201, collections.create(input));
        throw new Refusal(405, 'methodNotAllowed', 'Use GET or POST.');
      }
      if (method === 'PATCH') {
        const updated = collections.update(siteKey, input);
        if (!updated) throw new Refusal(404, 'notFound', `No site '${siteKey}'.`);
        return send(200, updated);
      }
      if (method === 'DELETE') {
        if (!collections.delete(siteKey)) throw new Refusal(404, 'notFound', `No site '${siteKey}'.`);
        return send(200, { deleted: siteKey });
      }
      throw new Refusal(405, 'methodNotAllowed', 'Use PATCH or DELETE.');
    } catch (error) {
      if (error instanceof Refusal)
        return send(error.status, { error: { code: error.code, message: error.message } });
      const code =
        error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
      const status = { invalidInput: 400, conflict: 409, notFound: 404 }[code ?? ''];
      if (status && error instanceof Error) return send(status, { error: { code, message: error.message } });
      throw error;
    }
  };
}

function parseBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new Refusal(400, 'invalidJson', 'The body is not valid JSON.');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new Refusal(400, 'invalidInput', 'The body must be a JSON object.');
  return parsed as Record<string, unknown>;
}
