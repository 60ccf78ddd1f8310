/**
 * What the consent start page does: read the tab's `/config.json`, check the `to` URL against its
 * authority, our client id and our consent callback, and replace the page with it, or show why it
 * was refused and go nowhere. Plain DOM, no
 * React or Fluent, so the authentication window reaches Microsoft's sign-in without delay.
 */
import { err, ok, type Result } from '@cas/core';
import {
  CONSENT_START_PARAMETER,
  checkConsentUrl,
  type ConsentUrlProblem,
  type OwnConsent,
} from './consent-start-url.js';
import type { TabConfig } from '../app/tab-host.js';

/** Why the consent start page went nowhere. */
export type ConsentStartProblem = ConsentUrlProblem | 'config_unavailable';

/** What the page needs from the browser (passed in so a test can watch it). */
export interface ConsentStartEnvironment {
  /** `location.search` of the page. */
  readonly search: string;
  /** Where the page shows a refusal (the page's `<main>`). */
  readonly root: HTMLElement;
  /** Reads the tab's runtime configuration (`/config.json`). */
  loadConfig(): Promise<Pick<TabConfig, 'authority' | 'consentClientIds' | 'consentRedirectUri'>>;
  /** Replaces the page with the consent URL (`location.replace`: Back never returns here). */
  navigate(url: string): void;
}

const ERROR_TITLE = 'This sign-in window cannot continue';

/** Words for each refusal; every one ends with what the admin can do. */
const PROBLEM_MESSAGES: Readonly<Record<ConsentStartProblem, string>> = {
  missing:
    'It was opened without a Microsoft sign-in address. Close this window and click Click here again in Cloud App Security.',
  invalid:
    'Its sign-in address is not a valid address, so it was not opened. Close this window and click Click here again in Cloud App Security.',
  not_https:
    'Its sign-in address is not a secure (https) address, so it was not opened. Close this window and click Click here again in Cloud App Security.',
  wrong_origin:
    "Its sign-in address is not on Microsoft's sign-in service for Cloud App Security, so it was not opened. Close this window and click Click here again in Cloud App Security.",
  wrong_path:
    "Its sign-in address is not Microsoft's admin consent page, so it was not opened. Close this window and click Click here again in Cloud App Security.",
  wrong_client:
    'Its sign-in address is not the consent to Cloud App Security, so it was not opened. Close this window and click Click here again in Cloud App Security.',
  wrong_redirect:
    'Its sign-in address would send the answer somewhere other than Cloud App Security, so it was not opened. Close this window and click Click here again in Cloud App Security.',
  config_unavailable:
    "Cloud App Security's configuration could not be loaded. Close this window and click Click here again in Cloud App Security.",
};

/** Runs the page: navigates to the checked consent URL, or shows the refusal. */
export async function runConsentStart(
  environment: ConsentStartEnvironment,
): Promise<Result<URL, ConsentStartProblem>> {
  const raw = new URLSearchParams(environment.search).get(CONSENT_START_PARAMETER);
  const ours = await environment.loadConfig().then(
    (config): OwnConsent | null =>
      typeof config.authority === 'string' &&
      Array.isArray(config.consentClientIds) &&
      config.consentClientIds.every((id: unknown) => typeof id === 'string') &&
      typeof config.consentRedirectUri === 'string'
        ? {
            authority: config.authority,
            clientIds: config.consentClientIds,
            redirectUri: config.consentRedirectUri,
          }
        : null,
    () => null,
  );
  const checked = ours === null ? err('config_unavailable' as const) : checkConsentUrl(raw, ours);
  if (!checked.ok) {
    showRefusal(environment.root, checked.error);
    return checked;
  }
  environment.navigate(checked.value.toString());
  return ok(checked.value);
}

function showRefusal(root: HTMLElement, problem: ConsentStartProblem): void {
  const document = root.ownerDocument;
  const alert = document.createElement('div');
  alert.setAttribute('role', 'alert');
  const heading = document.createElement('h1');
  heading.textContent = ERROR_TITLE;
  const message = document.createElement('p');
  message.textContent = PROBLEM_MESSAGES[problem];
  alert.append(heading, message);
  root.replaceChildren(alert);
}
