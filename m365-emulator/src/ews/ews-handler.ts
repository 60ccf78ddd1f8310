/**
 * Exchange Web Services at `POST /EWS/Exchange.asmx`, just enough to tell whether an app-only EWS
 * token still works: a valid token for `https://outlook.office365.com` with `full_access_as_app`
 * gets a SOAP `GetFolder` success; a bad or insufficient token gets 401 with Exchange's
 * `x-ms-diagnostics` header. EWS in Exchange Online is blocked by default since 1 Oct 2026 (and shut
 * down on 1 Apr 2027): a tenant switched to blocked (`PUT /_emulator/tenants/{tenant}/ews
 * {"blocked": true}`) answers 403 with an empty body, as Exchange does for a blocked organization.
 */
import { compactVerify, decodeProtectedHeader } from 'jose';
import { sendJson } from '../entra/http-replies.js';
import { EXCHANGE_ONLINE_APP_ID, EXCHANGE_ONLINE_RESOURCE } from '../entra/well-known-resources.js';
import type { AreaHandler, DirectoryRegistry } from '../contracts.js';
import type { SigningKeyRing } from '../entra/signing-keys.js';

const EWS_PATH = /^\/ews\/exchange\.asmx$/i;
const EWS_CONTROL = /^\/_emulator\/tenants\/([^/]+)\/ews\/?$/;
const CLOCK_SKEW_SECONDS = 300;

/** Which tenants have EWS blocked (the organization's `EWSEnabled` is false or unset after 1 Oct 2026). */
export class EwsBlocking {
  readonly #blocked = new Set<string>();

  isBlocked(tenantId: string): boolean {
    return this.#blocked.has(tenantId.toLowerCase());
  }

  set(tenantId: string, blocked: boolean): void {
    if (blocked) this.#blocked.add(tenantId.toLowerCase());
    else this.#blocked.delete(tenantId.toLowerCase());
  }
}

const SUCCESS = `<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><h:ServerVersionInfo MajorVersion="15" MinorVersion="20" MajorBuildNumber="8000" MinorBuildNumber="0" Version="V2018_01_08" xmlns:h="http://schemas.microsoft.com/exchange/services/2006/types"/></s:Header><s:Body><m:GetFolderResponse xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><m:ResponseMessages><m:GetFolderResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode></m:GetFolderResponseMessage></m:ResponseMessages></m:GetFolderResponse></s:Body></s:Envelope>`;

/** Creates the EWS handler and its control route. */
export function createEwsHandler(deps: {
  keys: SigningKeyRing;
  now: () => number;
  blocking: EwsBlocking;
  directories: Pick<DirectoryRegistry, 'get'>;
}): { ews: AreaHandler; control: AreaHandler } {
  const unauthorized = (res: Parameters<AreaHandler>[0]['res'], reason: string): true => {
    res.writeHead(401, {
      'WWW-Authenticate': `Bearer client_id="${EXCHANGE_ONLINE_APP_ID}", token_types="app_asserted_user_v1 service_asserted_app_v1", error="invalid_token"`,
      'x-ms-diagnostics': `2000003;reason="${reason}";error_category="invalid_token"`,
      'Content-Length': '0',
    });
    res.end();
    return true;
  };

  const ews: AreaHandler = async ({ req, res, url }) => {
    if (!EWS_PATH.test(url.pathname)) return false;
    if (req.method !== 'POST') {
      res.writeHead(405, { Allow: 'POST', 'Content-Length': '0' });
      res.end();
      return true;
    }
    const token = /^\s*bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim();
    if (!token) return unauthorized(res, 'The access token is missing.');
    let claims: Record<string, unknown>;
    try {
      const kid = decodeProtectedHeader(token).kid;
      const key = kid ? deps.keys.find(kid) : undefined;
      if (!key) return unauthorized(res, 'The token signature is not valid.');
      const { payload } = await compactVerify(token, key.publicKey, { algorithms: ['RS256'] });
      claims = JSON.parse(Buffer.from(payload).toString('utf8')) as Record<string, unknown>;
    } catch {
      return unauthorized(res, 'The token is not valid.');
    }
    if (claims.aud !== EXCHANGE_ONLINE_RESOURCE && claims.aud !== EXCHANGE_ONLINE_APP_ID)
      return unauthorized(res, "The audience claim value is invalid 'aud'.");
    const nowSeconds = Math.floor(deps.now() / 1000);
    if (typeof claims.exp !== 'number' || claims.exp + CLOCK_SKEW_SECONDS <= nowSeconds)
      return unauthorized(res, 'The token has expired.');
    const tid = typeof claims.tid === 'string' ? claims.tid : '';
    if (deps.blocking.isBlocked(tid)) {
      // Exchange refuses a blocked organization's EWS calls with a bare 403.
      res.writeHead(403, { 'Content-Length': '0' });
      res.end();
      return true;
    }
    const roles = Array.isArray(claims.roles) ? claims.roles : [];
    if (!roles.includes('full_access_as_app')) {
      res.writeHead(401, {
        'x-ms-diagnostics':
          '2000008;reason="The token contains no permissions, or permissions can not be understood.";error_category="invalid_grant"',
        'Content-Length': '0',
      });
      res.end();
      return true;
    }
    res.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8' });
    res.end(SUCCESS);
    return true;
  };

  const control: AreaHandler = async ({ req, res, url, body }) => {
    const match = EWS_CONTROL.exec(url.pathname);
    if (!match) return false;
    const key = decodeURIComponent(match[1] ?? '');
    const directory = deps.directories.get(key);
    if (!directory) {
      sendJson(res, 404, { error: { code: 'tenantNotFound', message: `No tenant '${key}'.` } });
      return true;
    }
    const tenantId = directory.tenant.id;
    if (req.method === 'PUT') {
      let blocked: unknown;
      try {
        blocked = (JSON.parse(body.toString('utf8') || '{}') as { blocked?: unknown }).blocked;
      } catch {
        blocked = undefined;
      }
      if (typeof blocked !== 'boolean') {
        sendJson(res, 400, { error: { code: 'invalidInput', message: 'Send {"blocked": true|false}.' } });
        return true;
      }
      deps.blocking.set(tenantId, blocked);
    } else if (req.method !== 'GET') {
      sendJson(res, 405, { error: { code: 'methodNotAllowed', message: 'Use GET or PUT.' } });
      return true;
    }
    sendJson(res, 200, { tenantId, blocked: deps.blocking.isBlocked(tenantId) });
    return true;
  };

  return { ews, control };
}
