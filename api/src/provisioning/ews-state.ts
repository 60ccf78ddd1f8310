/**
 * Administration > Service Account's line on Exchange Web Services (issue 17): whether Exchange
 * Online still accepts the EWS app's token for the tenant. EWS in Exchange Online is blocked by
 * default since 1 October 2026 and shuts down on 1 April 2027, so an admin needs to see which of
 * "works", "blocked" or "token refused" their organization is in.
 *
 * The answer comes from one EWS `GetFolder` (microsoft365's probe). It is kept per tenant for a
 * few minutes in a bounded in-memory map, and concurrent page loads share one probe, so opening
 * the page repeatedly (or 10,000 tenants opening it) does not send Exchange a request each time.
 */
import { CONSENT_APPS, type TenantProvisioning } from '@cas/core';
import type { EwsStateView } from '@cas/contracts';
import type { EwsProbeResult } from '@cas/microsoft365';

/** The EWS line of Service Account for Exchange Online. */
export interface EwsStateChecker {
  stateOf(provisioning: TenantProvisioning, mailbox: string): Promise<EwsStateView>;
}

/** Options of the checker. */
export interface EwsStateCheckerOptions {
  /** microsoft365's EWS probe (its own request timeout at most {@link EWS_PROBE_TIMEOUT_MS}). */
  readonly probe: (tenantId: string, mailbox: string) => Promise<EwsProbeResult>;
  readonly now?: () => Date;
  /** How long an answer is shown before Exchange is asked again; default 5 minutes. */
  readonly ttlMs?: number;
  /** How long an answer that told nothing (`unknown`) is kept; default 1 minute. */
  readonly unknownTtlMs?: number;
  /** Most tenants remembered; the least recently checked are forgotten first. Default 10,000. */
  readonly maxTenants?: number;
}

/** The longest Service Account waits for EWS: the page must not hang on Exchange. */
export const EWS_PROBE_TIMEOUT_MS = 5_000;

const EWS_APP = CONSENT_APPS.exchangeOnlineEws.displayName;

/** The sentence Service Account shows for each outcome. */
export const EWS_MESSAGES = {
  works:
    'Exchange Web Services: the token works (EWS in Exchange Online shuts down on 1 April 2027; plan the move to the Graph-only configuration before then).',
  blocked:
    'Exchange Web Services is blocked for this organization (blocked by default since 1 October 2026; EWS shuts down on 1 April 2027). Quarantine management needs EWS enabled, or the Graph-only configuration.',
  tokenRefused: `Exchange Web Services refused the token of ${EWS_APP}: its full_access_as_app permission may have been removed. Create a new access token for Step 1.`,
  noToken: `Microsoft Entra ID gave no token for ${EWS_APP}: its consent may have been removed or its enterprise application deleted. Create a new access token for Step 1.`,
  unknown:
    'Exchange Web Services did not answer in a way that tells whether the token works (no answer in time, or an unexpected one). It is checked again in a minute.',
  notConsented: 'Exchange Web Services is checked once Step 1 (EWS, quarantine management) is granted.',
} as const;

interface Remembered {
  readonly view: EwsStateView;
  /** The Step 1 grant the answer was for: a new grant (Create new access token) asks again. */
  readonly grantedAt: string;
  readonly expiresAt: number;
}

/** Creates the checker. */
export function createEwsStateChecker(options: EwsStateCheckerOptions): EwsStateChecker {
  const now = options.now ?? (() => new Date());
  const ttlMs = options.ttlMs ?? 5 * 60_000;
  const unknownTtlMs = options.unknownTtlMs ?? 60_000;
  const maxTenants = options.maxTenants ?? 10_000;
  // A Map iterates in insertion order: re-inserting on each check keeps the oldest first.
  const remembered = new Map<string, Remembered>();
  const inFlight = new Map<string, Promise<EwsStateView>>();

  function remember(tenantId: string, entry: Remembered): void {
    remembered.delete(tenantId);
    remembered.set(tenantId, entry);
    while (remembered.size > maxTenants) {
      const oldest = remembered.keys().next().value;
      if (oldest === undefined) break;
      remembered.delete(oldest);
    }
  }

  async function check(tenantId: string, mailbox: string, grantedAt: string): Promise<EwsStateView> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<EwsProbeResult>((resolve) => {
      timer = setTimeout(
        () => resolve({ state: 'unknown', detail: 'no answer in time' }),
        EWS_PROBE_TIMEOUT_MS,
      );
    });
    const result = await Promise.race([
      options
        .probe(tenantId, mailbox)
        .catch((): EwsProbeResult => ({ state: 'unknown', detail: 'EWS probe failed' })),
      timedOut,
    ]).finally(() => clearTimeout(timer));
    const at = now();
    const view: EwsStateView = {
      state: result.state === 'noToken' ? 'tokenRefused' : result.state,
      message: EWS_MESSAGES[result.state],
      checkedAt: at.toISOString(),
    };
    remember(tenantId, {
      view,
      grantedAt,
      expiresAt: at.getTime() + (view.state === 'unknown' ? unknownTtlMs : ttlMs),
    });
    return view;
  }

  return {
    async stateOf(provisioning, mailbox) {
      const tenantId = provisioning.tenantId;
      const grant = provisioning.services.exchangeOnline.consents.find(
        (candidate) => candidate.step === 'exchangeWebServices',
      );
      if (grant === undefined) {
        return { state: 'notConsented', message: EWS_MESSAGES.notConsented, checkedAt: null };
      }
      const known = remembered.get(tenantId);
      if (known !== undefined && known.grantedAt === grant.grantedAt && known.expiresAt > now().getTime()) {
        return known.view;
      }
      let pending = inFlight.get(tenantId);
      if (pending === undefined) {
        pending = check(tenantId, mailbox, grant.grantedAt).finally(() => inFlight.delete(tenantId));
        inFlight.set(tenantId, pending);
      }
      return pending;
    },
  };
}
