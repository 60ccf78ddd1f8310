/**
 * Available Targets (R7, R8): **By User** verifies an exact UPN in the tenant's directory, **By
 * Group** searches groups from three characters and lists a group's users (nested groups
 * included) to pick from, and SharePoint Online's picker verifies a pasted site collection URL.
 * Input is checked by `core` first, so bad input never reaches Graph. With `service`, users that
 * service has nothing of (no mailbox for Exchange Online, no OneDrive for OneDrive) are refused or
 * set apart, with core's sentence.
 */
import { routes } from '@cas/contracts';
import {
  checkUserTarget,
  MAX_SELECTED_TARGETS,
  parseGroupQuery,
  parseSiteCollectionUrl,
  parseUserPrincipalName,
  picksUsers,
  type DirectoryReader,
  type DirectoryUser,
  type ServiceId,
  type ServiceTargetsReader,
  type UserServiceHoldings,
} from '@cas/core';
import { ApiError } from '../http/api-error.js';
import { defineRoute } from '../http/route.js';
import { isGraphNotFound } from '../http/upstream-errors.js';

/** Most groups a search returns; admins narrow the prefix rather than scroll. */
const GROUP_SEARCH_LIMIT = 25;

/** A user Graph no longer knows has nothing any service could protect. */
const NO_HOLDINGS: UserServiceHoldings = { mailbox: false, oneDrive: false };

/** What the target picker reads. */
export interface TargetRoutesOptions {
  readonly directory: DirectoryReader;
  /** Users' licence plans (`assignedPlans`, User.Read.All: any Graph app of the tenant). */
  readonly holdings: Pick<ServiceTargetsReader, 'findUserHoldings'>;
  /** Site collections, read with SharePoint Online's own Graph app (Sites.Read.All). */
  readonly sites: Pick<ServiceTargetsReader, 'findSiteCollection'>;
  /** True once the tenant granted SharePoint Online's Graph step: before, its app reads nothing. */
  readonly sharePointConsented: (tenantId: string) => Promise<boolean>;
}

/** The target picker's routes over the tenant's directory and sites. */
export function targetRoutes(options: TargetRoutesOptions) {
  const { directory } = options;

  /** A service's verdict on each user, in order (no Graph call for a service that picks no users). */
  async function verdicts(tenantId: string, service: ServiceId, users: readonly DirectoryUser[]) {
    if (!picksUsers(service) || users.length === 0) return users.map(() => undefined);
    const holdings = await options.holdings.findUserHoldings(
      tenantId,
      users.map((user) => user.id),
    );
    return users.map((user, index) => {
      const checked = checkUserTarget(service, {
        userPrincipalName: user.userPrincipalName,
        holdings: holdings[index] ?? NO_HOLDINGS,
      });
      return checked.ok ? undefined : checked.error;
    });
  }

  return [
    defineRoute(routes.targetsSummary, async ({ principal }) => ({
      json: { users: await directory.countUsers(principal?.tenantId ?? '') },
    })),
    defineRoute(routes.findUser, async ({ principal, query }) => {
      const tenantId = principal?.tenantId ?? '';
      const upn = parseUserPrincipalName(query.upn);
      if (!upn.ok) throw new ApiError(400, upn.error.code, upn.error.message);
      const user = await directory.findUserByPrincipalName(tenantId, upn.value);
      if (!user) {
        throw new ApiError(404, 'user_not_found', `No user ${upn.value} exists in your organization.`);
      }
      if (query.service !== undefined) {
        const [refused] = await verdicts(tenantId, query.service, [user]);
        if (refused !== undefined) throw new ApiError(422, refused.code, refused.message);
      }
      return { json: { user } };
    }),
    defineRoute(routes.findSite, async ({ principal, query }) => {
      const tenantId = principal?.tenantId ?? '';
      const url = parseSiteCollectionUrl(query.url);
      if (!url.ok) throw new ApiError(400, url.error.code, url.error.message);
      // Without the grant Entra gives SharePoint Online's app no token: say what to do instead.
      if (!(await options.sharePointConsented(tenantId))) {
        throw new ApiError(
          409,
          'consent_required',
          'Grant the consent step of SharePoint Online first: until then Cloud App Security cannot read your site collections.',
        );
      }
      const site = await options.sites.findSiteCollection(tenantId, url.value);
      if (site === undefined) {
        throw new ApiError(
          404,
          'site_not_found',
          `Your organization has no site collection at ${url.value.url}. Check the URL (copy it from the site's address bar) and that the site was not deleted.`,
          { url: url.value.url },
        );
      }
      return { json: { site } };
    }),
    defineRoute(routes.findGroups, async ({ principal, query }) => {
      const parsed = parseGroupQuery(query.query);
      if (!parsed.ok) throw new ApiError(400, parsed.error.code, parsed.error.message);
      const groups = await directory.searchGroups(principal?.tenantId ?? '', parsed.value, {
        limit: GROUP_SEARCH_LIMIT,
      });
      return { json: { groups } };
    }),
    defineRoute(routes.groupUsers, async ({ principal, params, query }) => {
      const tenantId = principal?.tenantId ?? '';
      // More than the selection limit is never useful to show: at most 100 can be picked (R8).
      const page = await directory
        .listGroupUsers(tenantId, params.groupId, { limit: MAX_SELECTED_TARGETS })
        .catch((error: unknown) => {
          // Graph answers 404 for an id unknown in this tenant, another tenant's included.
          if (isGraphNotFound(error)) {
            throw new ApiError(
              404,
              'group_not_found',
              'Your organization has no group with this id (it may have been deleted): search for the group again.',
            );
          }
          throw error;
        });
      if (query.service === undefined) return { json: { ...page, excluded: [] } };
      const refusals = await verdicts(tenantId, query.service, page.users);
      return {
        json: {
          users: page.users.filter((_, index) => refusals[index] === undefined),
          more: page.more,
          excluded: page.users.flatMap((user, index) => {
            const refused = refusals[index];
            return refused === undefined ? [] : [{ user, code: refused.code, message: refused.message }];
          }),
        },
      };
    }),
  ];
}
