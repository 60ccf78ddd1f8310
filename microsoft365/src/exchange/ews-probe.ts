/**
 * Whether the tenant's Exchange Web Services token still works: one `GetFolder` of a mailbox's
 * Inbox at `{ewsBaseUrl}/EWS/Exchange.asmx` with the app-only Exchange Online token. EWS in Exchange
 * Online is blocked by default since 1 Oct 2026 (a blocked organization answers a bare 403) and
 * shuts down on 1 Apr 2027; this tells the admin which of the three it is, in Service Account.
 */
import { EntraError } from '../entra/entra-error.js';
import type { AppTokenSource } from '../entra/app-token-source.js';

/** What the probe found. */
export type EwsProbeResult =
  | { readonly state: 'works' }
  /** Exchange refuses EWS for the organization (403): `EWSEnabled` is off, or EWS is retired. */
  | { readonly state: 'blocked'; readonly status: number }
  /** Exchange refused the token (401): consent or `full_access_as_app` missing. */
  | { readonly state: 'tokenRefused'; readonly status: number; readonly detail: string }
  /** Entra gave no token at all. */
  | { readonly state: 'noToken'; readonly detail: string }
  /** Anything else (network, 5xx, timeout): says nothing about the token. */
  | { readonly state: 'unknown'; readonly detail: string };

/** Options of the probe. */
export interface EwsProbeOptions {
  /** `https://outlook.office365.com` in production, the emulator's origin locally. */
  readonly ewsBaseUrl: string;
  readonly tokens: Pick<AppTokenSource, 'acquire'>;
  readonly timeoutMs?: number;
}

const envelope = (mailbox: string): string =>
  `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"><soap:Header><t:RequestServerVersion Version="Exchange2016"/><t:ExchangeImpersonation><t:ConnectingSID><t:SmtpAddress>${escapeXml(mailbox)}</t:SmtpAddress></t:ConnectingSID></t:ExchangeImpersonation></soap:Header><soap:Body><m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder></soap:Body></soap:Envelope>`;

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** Creates the probe; `probe(tenantId, mailbox)` never throws. */
export function createEwsProbe(options: EwsProbeOptions): {
  probe(tenantId: string, mailbox: string): Promise<EwsProbeResult>;
} {
  const endpoint = `${options.ewsBaseUrl.replace(/\/$/, '')}/EWS/Exchange.asmx`;
  return {
    async probe(tenantId, mailbox) {
      let token: string;
      try {
        token = (await options.tokens.acquire(tenantId, 'exchangeOnlineEws')).accessToken;
      } catch (error) {
        return {
          state: 'noToken',
          detail: error instanceof EntraError ? error.code : 'no Exchange Online token',
        };
      }
      try {
        const response = await fetch(endpoint, {
          method: 'POST',
          headers: {
            Authorization: `Bearer ${token}`,
            'Content-Type': 'text/xml; charset=utf-8',
            // Exchange routes app-only EWS requests by the mailbox they act on.
            'X-AnchorMailbox': mailbox,
          },
          body: envelope(mailbox),
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
        await response.arrayBuffer();
        if (response.status === 200) return { state: 'works' };
        if (response.status === 403) return { state: 'blocked', status: 403 };
        if (response.status === 401)
          return {
            state: 'tokenRefused',
            status: 401,
            detail: response.headers.get('x-ms-diagnostics') ?? 'EWS refused the token',
          };
        return { state: 'unknown', detail: `EWS answered ${response.status}` };
      } catch (error) {
        return { state: 'unknown', detail: error instanceof Error ? error.name : 'EWS request failed' };
      }
    },
  };
}
