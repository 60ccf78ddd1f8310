/**
 * Test utilities other workspaces' tests use to drive the emulator like a browser would
 * (`@cas/m365-emulator/testing`). Test-only: resolved from sources, never built.
 */
export { FormBrowser, pageText, parseForms, type BrowserResult, type ParsedForm } from './form-browser.js';

/**
 * Calls the emulator's control API at `origin` (`/_emulator…`) and returns the parsed JSON,
 * throwing with the status and body on a non-2xx answer.
 */
export async function emulatorControl<T = Record<string, unknown>>(
  origin: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${origin}/_emulator${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${text}`);
  return (text ? JSON.parse(text) : {}) as T;
}

/** What a user's licences give them in the emulator (tests compare the sync's counts with it). */
export { hasExchangePlan, hasOneDrive } from '../../src/directory/licence-plans.js';
