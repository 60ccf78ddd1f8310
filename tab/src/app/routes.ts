/**
 * The tab's screens and their deep-link ids (URL hash in a browser, Teams `subPageId` from a bot
 * card): `dashboard`, `provision/<service>`, `notifications`, `extend`, `service-account`,
 * `policies[/<service>]`.
 */
import { isServiceId, type ServiceId } from '@cas/core';

/** One screen of the tab. */
export type Route =
  | { readonly page: 'dashboard' }
  | { readonly page: 'provision'; readonly service: ServiceId }
  | { readonly page: 'notifications' }
  | { readonly page: 'extend' }
  | { readonly page: 'serviceAccount' }
  | { readonly page: 'policies'; readonly service: ServiceId | null };

/** Parses a page id; unknown ids land on the dashboard. */
export function parseRoute(pageId: string | null): Route {
  const [head, arg] = (pageId ?? '').replace(/^#?\/?/, '').split('/');
  switch (head) {
    case 'provision':
      return isServiceId(arg) ? { page: 'provision', service: arg } : { page: 'dashboard' };
    case 'notifications':
      return { page: 'notifications' };
    case 'extend':
      return { page: 'extend' };
    case 'service-account':
      return { page: 'serviceAccount' };
    case 'policies':
      return { page: 'policies', service: isServiceId(arg) ? arg : null };
    default:
      return { page: 'dashboard' };
  }
}

/** The page id of a route (inverse of {@link parseRoute}). */
export function routeId(route: Route): string {
  switch (route.page) {
    case 'provision':
      return `provision/${route.service}`;
    case 'serviceAccount':
      return 'service-account';
    case 'policies':
      return route.service ? `policies/${route.service}` : 'policies';
    default:
      return route.page;
  }
}
