/**
 * Test utilities other workspaces' tests use to drive the emulator like a browser would
 * (`@cas/m365-emulator/testing`). Test-only: resolved from sources, never built.
 */
export { FormBrowser, pageText, parseForms, type BrowserResult, type ParsedForm } from './form-browser.js';
