/**
 * Admin consent (R5, R6): the wizard's **Click here** asks for a consent URL, the popup goes to
 * Entra, and Entra redirects the browser to the callback. The callback trusts nothing in the query:
 * the state must be ours, fresh and unused; the tenant must be the admin's; and the consent counts
 * only once an app-only token for that tenant really carries the roles the step needs.
 */
import { routes } from '@cas/contracts';
import {
  checkConsentStep,
  consentFailedAuditEvent,
  consentStepRequirement,
  emptyProvisioning,
  grantConsent,
  isServiceId,
  missingRoles,
  reauthorise,
  requiredConsentSteps,
  SERVICE_NAMES,
  type Actor,
  type ConsentAppId,
  type ConsentGrant,
  type ConsentStep,
  type ConsentStepRequirement,
  type ServiceId,
  type Store,
} from '@cas/core';
import { EntraError } from '@cas/microsoft365';
import { ApiError } from '../http/api-error.js';
import { defineRoute } from '../http/route.js';
import { applyTransition } from '../provisioning/tenant-changes.js';
import { failed, OUTCOME_MESSAGES, type ConsentOutcome } from './consent-outcomes.js';
import { renderConsentPage } from './consent-page.js';
import type { Principal } from '../auth/user-token.js';
import type { createConsentStateCodec, VerifiedConsentState } from './consent-state.js';
import type { AppTokenSource } from '@cas/microsoft365';

/** What the consent routes need; passed in so tests can use the emulator and a temporary store. */
export interface ConsentRoutesOptions {
  store: Pick<
    Store,
    | 'provisioning'
    | 'audit'
    | 'consentStates'
    | 'transaction'
    | 'tokenIncidents'
    | 'notifications'
    | 'syncRuns'
  >;
  states: ReturnType<typeof createConsentStateCodec>;
  tokens: Pick<AppTokenSource, 'acquire'>;
  /** Entra authority host (the emulator locally). */
  authorityHost: string;
  /** Client id of each consent app (one per consent step); a step's consent URL names its app. */
  clientIds: Partial<Record<ConsentAppId, string>>;
  /** Absolute URL of the callback route, registered on the app as a redirect URI. */
  callbackUrl: string;
  /** Origin of the tab, the only window the callback page posts its result to. */
  tabOrigin: string;
  ewsEnabled: boolean;
  now?: () => Date;
  newId: () => string;
}

const MAX_SAVE_ATTEMPTS = 3;

/** The consent start and callback routes. */
export function consentRoutes(options: ConsentRoutesOptions) {
  const now = options.now ?? (() => new Date());

  async function grant(
    state: VerifiedConsentState,
    roles: readonly string[],
    actor: Actor,
  ): Promise<ConsentOutcome> {
    const context = { service: state.service, step: state.step };
    // A concurrent save by another admin is retried on the fresh record: granting is idempotent.
    for (let attempt = 0; attempt < MAX_SAVE_ATTEMPTS; attempt += 1) {
      const at = now().toISOString();
      const before =
        (await options.store.provisioning.get(state.tenantId)) ?? emptyProvisioning(state.tenantId);
      const transition = grantConsent(
        before,
        state.service,
        { step: state.step, grantedAt: at, grantedBy: actor, roles },
        { ewsEnabled: options.ewsEnabled },
      );
      if (!transition.ok) {
        await options.store.audit.append(
          consentFailedAuditEvent(
            { id: options.newId(), tenantId: state.tenantId, actor, at },
            { ...context, code: transition.error.code, message: transition.error.message },
          ),
        );
        const code = transition.error.code === 'consent_roles_missing' ? 'roles_missing' : 'consent_failed';
        return failed(code, transition.error.message, context);
      }
      const saved =
        (await applyTransition(options.store, before, transition.value, {
          actor,
          at,
          newId: options.newId,
        })) !== undefined;
      if (saved) {
        const requirement = checkConsentStep(before, state.service, state.step, {
          ewsEnabled: options.ewsEnabled,
        });
        return {
          ok: true,
          code: 'accepted',
          message: requirement.ok
            ? `Step ${requirement.value.stepNumber} done: the consent is granted and proven.`
            : 'The consent is granted and proven.',
          ...context,
        };
      }
    }
    return failed('conflict', OUTCOME_MESSAGES.conflict, context);
  }

  /**
   * R10: "Create new access token". The step just accepted proves itself; the service account is
   * restored only once a fresh token for every step of the service works with its roles, so an
   * admin who re-consented one of two revoked steps is told to do the other one.
   */
  async function reauthoriseService(
    state: VerifiedConsentState,
    roles: readonly string[],
    actor: Actor,
  ): Promise<ConsentOutcome> {
    const context = { service: state.service, step: state.step };
    const consentOptions = { ewsEnabled: options.ewsEnabled };
    for (let attempt = 0; attempt < MAX_SAVE_ATTEMPTS; attempt += 1) {
      const at = now().toISOString();
      const before =
        (await options.store.provisioning.get(state.tenantId)) ?? emptyProvisioning(state.tenantId);
      const account = before.services[state.service];
      const grants: ConsentGrant[] = [];
      const steps = requiredConsentSteps(state.service, consentOptions);
      for (const requirement of steps) {
        if (requirement.step === state.step) {
          grants.push({ step: state.step, grantedAt: at, grantedBy: actor, roles });
          continue;
        }
        const other = await proveStep(state.tenantId, requirement);
        // A step whose token lacks its roles still needs its own consent: say which, change nothing.
        if (other === undefined || missingRoles(requirement, other).length > 0) {
          return {
            ok: true,
            code: 'accepted',
            message: `Step ${steps.find((candidate) => candidate.step === state.step)?.stepNumber ?? ''} done. Now accept Step ${requirement.stepNumber} to create the new access token.`,
            ...context,
          };
        }
        const previous = account.consents.find((grant) => grant.step === requirement.step);
        grants.push({
          step: requirement.step,
          grantedAt: previous?.grantedAt ?? at,
          grantedBy: previous?.grantedBy ?? actor,
          roles: other,
        });
      }
      const transition = reauthorise(before, state.service, grants, at, consentOptions);
      if (!transition.ok) {
        await options.store.audit.append(
          consentFailedAuditEvent(
            { id: options.newId(), tenantId: state.tenantId, actor, at },
            { ...context, code: transition.error.code, message: transition.error.message },
          ),
        );
        const code = transition.error.code === 'consent_roles_missing' ? 'roles_missing' : 'consent_failed';
        return failed(code, transition.error.message, context);
      }
      const applied = await applyTransition(options.store, before, transition.value, {
        actor,
        at,
        newId: options.newId,
      });
      if (applied !== undefined) {
        return {
          ok: true,
          code: 'reauthorised',
          message: `A new access token for ${SERVICE_NAMES[state.service]} is created and verified.`,
          ...context,
        };
      }
    }
    return failed('conflict', OUTCOME_MESSAGES.conflict, context);
  }

  /** Roles of a fresh app-only token of a step's app, or undefined when none is issued. */
  async function proveStep(
    tenantId: string,
    requirement: ConsentStepRequirement,
  ): Promise<readonly string[] | undefined> {
    try {
      const token = await options.tokens.acquire(tenantId, requirement.app, { fresh: true });
      return token.tenantId === tenantId ? token.roles : undefined;
    } catch (error) {
      if (error instanceof EntraError) return undefined;
      throw error;
    }
  }

  async function callback(query: Record<string, string | undefined>): Promise<ConsentOutcome> {
    const verified = options.states.verify(query.state);
    if (!verified.ok) {
      return failed(
        verified.reason === 'state_expired' ? 'state_expired' : 'state_invalid',
        verified.reason === 'state_expired' ? OUTCOME_MESSAGES.stateExpired : OUTCOME_MESSAGES.stateInvalid,
      );
    }
    const state = verified.value;
    const context = { service: state.service, step: state.step };
    const fresh = await options.store.consentStates.consume(
      state.nonce,
      new Date(state.expiresAt * 1000).toISOString(),
      now().toISOString(),
    );
    if (!fresh) return failed('state_replayed', OUTCOME_MESSAGES.stateReplayed, context);

    const actor: Actor = { kind: 'user', userId: state.userId, userPrincipalName: state.userPrincipalName };
    if (query.error) {
      const description = query.error_description ?? '';
      if (
        /AADSTS65004\b/.test(description) ||
        (query.error === 'access_denied' && !/AADSTS50020\b/.test(description))
      ) {
        return failed('declined', OUTCOME_MESSAGES.declined, context);
      }
      if (/AADSTS50020\b/.test(description))
        return failed('wrong_tenant', OUTCOME_MESSAGES.wrongTenant, context);
      const aadsts = /AADSTS\d+/.exec(description)?.[0];
      return failed(
        'consent_failed',
        `Entra ID did not complete the consent${aadsts ? ` (${aadsts})` : ''}.`,
        context,
      );
    }
    if (query.admin_consent?.toLowerCase() !== 'true' || query.tenant?.toLowerCase() !== state.tenantId) {
      return failed('wrong_tenant', OUTCOME_MESSAGES.wrongTenant, context);
    }

    // R6: the redirect proves nothing by itself; a token of the step's own app, for the tenant,
    // with the roles does.
    const requirement = consentStepRequirement(state.service, state.step, { ewsEnabled: options.ewsEnabled });
    if (requirement === undefined) {
      return failed('consent_failed', 'This consent step is not used by this service any more.', context);
    }
    let token;
    try {
      token = await options.tokens.acquire(state.tenantId, requirement.app, { fresh: true });
    } catch (error) {
      if (error instanceof EntraError) {
        return failed(
          'consent_not_effective',
          `Entra ID accepted the consent but issued no token for this organization${error.aadstsCode ? ` (AADSTS${error.aadstsCode})` : ''}. Try the step again in a minute.`,
          context,
        );
      }
      throw error;
    }
    if (token.tenantId !== state.tenantId)
      return failed('wrong_tenant', OUTCOME_MESSAGES.wrongTenant, context);
    return state.reauthorise
      ? reauthoriseService(state, token.roles, actor)
      : grant(state, token.roles, actor);
  }

  async function start(
    principal: Principal | undefined,
    service: ServiceId,
    step: ConsentStep,
    reauthorising: boolean,
  ) {
    if (!principal || !isServiceId(service)) throw new ApiError(400, 'invalid_request', 'Unknown service.');
    const provisioning =
      (await options.store.provisioning.get(principal.tenantId)) ?? emptyProvisioning(principal.tenantId);
    const status = provisioning.services[service].status;
    if (reauthorising && status !== 'protected' && status !== 'tokenInvalid') {
      throw new ApiError(
        409,
        'service_not_provisioned',
        `Provision ${SERVICE_NAMES[service]} before creating a new access token.`,
      );
    }
    const checked = checkConsentStep(provisioning, service, step, { ewsEnabled: options.ewsEnabled });
    if (!checked.ok) throw new ApiError(409, checked.error.code, checked.error.message);
    const requirement = checked.value;
    const state = options.states.issue({
      tenantId: principal.tenantId,
      userId: principal.userId,
      userPrincipalName: principal.userPrincipalName,
      service,
      step: requirement.step,
      reauthorise: reauthorising,
    });
    const clientId = options.clientIds[requirement.app];
    if (clientId === undefined) {
      throw new ApiError(
        503,
        'consent_app_not_configured',
        `${requirement.appDisplayName} is not configured on this server.`,
      );
    }
    const url = new URL(
      `${options.authorityHost.replace(/\/$/, '')}/${principal.tenantId}/v2.0/adminconsent`,
    );
    url.searchParams.set('client_id', clientId);
    url.searchParams.set('scope', `${requirement.resource.identifierUri}/.default`);
    url.searchParams.set('redirect_uri', options.callbackUrl);
    url.searchParams.set('state', state);
    return {
      json: {
        url: url.toString(),
        stepNumber: requirement.stepNumber,
        resource: requirement.resource.displayName,
        roles: requirement.roles,
        purpose: requirement.purpose,
      },
    };
  }

  return [
    defineRoute(routes.startConsent, ({ principal, params }) =>
      start(principal, params.service, params.step, false),
    ),
    defineRoute(routes.startTokenRenewal, ({ principal, params }) =>
      start(principal, params.service, params.step, true),
    ),
    defineRoute(routes.consentCallback, async ({ query }) => {
      const outcome = await callback(query as Record<string, string | undefined>);
      return { html: renderConsentPage(outcome, options.tabOrigin), scriptSources: [options.tabOrigin] };
    }),
  ];
}
