/**
 * `/_emulator/change-notifications/…`: the control API's view of subscriptions and deliveries, and
 * the knobs adversarial tests turn (drop, duplicate, delay, reorder deliveries; lose a
 * subscription; send a lifecycle event; run the delivery pump now). Loopback only is the server's job.
 */
import { sendJson } from '../entra/http-replies.js';
import type { AreaHandler } from '../contracts.js';
import type { ChangeNotifications, DeliveryFaultInput } from './change-notifications.js';

const PREFIX = '/_emulator/change-notifications';

/** Control routes of change notifications, for `GET /_emulator` and the README. */
export const CHANGE_NOTIFICATION_CONTROL_ROUTES = [
  `GET ${PREFIX}`,
  `POST ${PREFIX}/pump`,
  `POST ${PREFIX}/faults`,
  `DELETE ${PREFIX}/faults`,
  `DELETE ${PREFIX}/subscriptions/{id}`,
  `POST ${PREFIX}/subscriptions/{id}/lifecycle`,
];

const LIFECYCLE_EVENTS = ['reauthorizationRequired', 'subscriptionRemoved', 'missed'];

/** Creates the handler. */
export function createChangeNotificationControlHandler(service: ChangeNotifications): AreaHandler {
  return async ({ req, res, url, body }) => {
    const { pathname } = url;
    if (pathname !== PREFIX && !pathname.startsWith(`${PREFIX}/`)) return false;
    const method = req.method ?? 'GET';
    const refuse = (status: number, code: string, message: string): true => {
      sendJson(res, status, { error: { code, message } });
      return true;
    };
    let input: Record<string, unknown> = {};
    if (body.length > 0) {
      try {
        const parsed: unknown = JSON.parse(body.toString('utf8'));
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
        input = parsed as Record<string, unknown>;
      } catch {
        return refuse(400, 'invalidJson', 'The body must be a JSON object.');
      }
    }
    const view = () => ({
      subscriptions: service.describeAll(),
      faults: service.listFaults(),
      counters: service.counters,
    });
    const rest = pathname.slice(PREFIX.length).replace(/\/$/, '');
    if (rest === '' && method === 'GET') {
      sendJson(res, 200, view());
      return true;
    }
    if (rest === '/pump' && method === 'POST') {
      service.pump();
      sendJson(res, 200, view());
      return true;
    }
    if (rest === '/faults' && method === 'POST') {
      try {
        sendJson(res, 201, service.addFault(input as unknown as DeliveryFaultInput));
      } catch (error) {
        return refuse(400, 'invalidInput', error instanceof Error ? error.message : String(error));
      }
      return true;
    }
    if (rest === '/faults' && method === 'DELETE') {
      service.clearFaults();
      sendJson(res, 200, { value: [] });
      return true;
    }
    const lifecycle = /^\/subscriptions\/([^/]+)\/lifecycle$/.exec(rest);
    if (lifecycle && method === 'POST') {
      const event = input.lifecycleEvent;
      if (typeof event !== 'string' || !LIFECYCLE_EVENTS.includes(event))
        return refuse(400, 'invalidInput', `lifecycleEvent must be one of ${LIFECYCLE_EVENTS.join(', ')}.`);
      if (!service.sendLifecycleEvent(decodeURIComponent(lifecycle[1] ?? ''), event))
        return refuse(404, 'notFound', 'No such subscription.');
      sendJson(res, 200, view());
      return true;
    }
    const one = /^\/subscriptions\/([^/]+)$/.exec(rest);
    if (one && method === 'DELETE') {
      if (!service.forget(decodeURIComponent(one[1] ?? '')))
        return refuse(404, 'notFound', 'No such subscription.');
      sendJson(res, 200, view());
      return true;
    }
    return refuse(404, 'notFound', `${method} ${pathname} is not a control route.`);
  };
}
