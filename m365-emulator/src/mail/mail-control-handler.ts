/**
 * `GET` / `DELETE /_emulator/tenants/{tenant}/mail`: the control API's view of captured mail. The
 * server mounts it with the other `/_emulator/` routes (loopback only is the server's job).
 */
import type { AreaHandler, DirectoryRegistry } from '../contracts.js';
import type { MailOutbox } from './mail-outbox.js';

const MAIL_ROUTE = /^\/_emulator\/tenants\/([^/]+)\/mail\/?$/;

/** Creates the handler; `{tenant}` may be a tenant id or a verified domain. */
export function createMailControlHandler(deps: {
  outbox: MailOutbox;
  directories: Pick<DirectoryRegistry, 'get'>;
}): AreaHandler {
  return async ({ req, res, url }) => {
    const match = MAIL_ROUTE.exec(url.pathname);
    if (!match) return false;
    const send = (status: number, body: unknown): true => {
      res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
      return true;
    };
    const tenantKey = decodeURIComponent(match[1] ?? '');
    const directory = deps.directories.get(tenantKey);
    if (!directory) return send(404, { error: 'tenant_not_found', message: `No tenant '${tenantKey}'.` });
    const tenantId = directory.tenant.id;
    if (req.method === 'GET') return send(200, { tenantId, value: deps.outbox.list(tenantId) });
    if (req.method === 'DELETE') return send(200, { tenantId, deleted: deps.outbox.clear(tenantId) });
    res.setHeader('Allow', 'GET, DELETE');
    return send(405, { error: 'method_not_allowed', message: 'Use GET or DELETE.' });
  };
}
